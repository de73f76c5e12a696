/**
 * catalogsync: mirror the public catalogs of NetEase Cloud Music, QQ Music
 * and Kuwo into a local SQLite catalog and download every song once.
 *
 * The stages are plain async functions over a {@link Context} that carries
 * the outside world (catalog, sources, clock, logs, prompt, free-space
 * probe), so they run the same from the CLI, from a script, or in a test
 * against the offline emulation.
 *
 * @example Collect and sync against the offline emulation, in memory
 * ```ts
 * import {
 *   Catalog,
 *   createContext,
 *   createEmulation,
 *   createSources,
 *   LATEST_VERSION,
 *   status,
 * } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const emulation = createEmulation({ size: "tiny" });
 * using catalog = Catalog.open(":memory:");
 * const sources = await createSources({
 *   fetch: emulation.fetch,
 *   emulation: "http://emulation",
 *   ratePerSecond: 0,
 * });
 * const context = createContext({ catalog, sources });
 * const summary = await status(context);
 * assert.equal(summary.schemaVersion, LATEST_VERSION);
 * ```
 *
 * @module
 */
export { Catalog } from "./catalog/database.ts";
export type {
  CatalogOptions,
  RunResult,
  SqlValue,
} from "./catalog/database.ts";
export { LATEST_VERSION, migrate, MIGRATIONS } from "./catalog/migrations.ts";
export type {
  Migration,
  MigrationResult,
  MigrationTarget,
} from "./catalog/migrations.ts";
export { DOWNLOAD_STATES } from "./catalog/status.ts";
export type {
  BackendCounts,
  CatalogCounts,
  DownloadState,
  PlatformCounts,
} from "./catalog/status.ts";

export type {
  ArtistDetail,
  ArtistRef,
  Availability,
  Container,
  DownloadOffer,
  ListPlaylistsOptions,
  OfferOptions,
  Platform,
  PlaylistCandidate,
  PlaylistSongs,
  PoolCandidate,
  PoolKind,
  QualityInfo,
  QualityLabel,
  SongInfo,
  Source,
} from "./sources/types.ts";
export { PLATFORMS, POOL_KINDS, QUALITY_LABELS } from "./sources/types.ts";
export { isSourceError, SourceError } from "./sources/errors.ts";
export type { SourceErrorKind, SourceErrorOptions } from "./sources/errors.ts";
export { HttpClient } from "./sources/http.ts";
export type {
  BodyCheck,
  Fetch,
  HttpClientOptions,
  HttpRequestInit,
  RetryInfo,
  Sleep,
} from "./sources/http.ts";
export { createSources } from "./sources/registry.ts";
export type { SourceFactory, SourcesOptions } from "./sources/registry.ts";
export { credentialsFromEnv } from "./sources/config.ts";
export type { Credentials, SourceConfig } from "./sources/config.ts";
export type { BaseUrls } from "./sources/base_url.ts";
export {
  matchKey,
  normalizeName,
  splitArtistNames,
} from "./sources/artist_names.ts";

export { createContext } from "./tasks/context.ts";
export type { Context, ContextOptions } from "./tasks/context.ts";
export type { DiscoveredArtist, Hooks, SyncedSong } from "./tasks/hooks.ts";
export type { Logger, Progress } from "./tasks/ui.ts";
export type { Prompt } from "./tasks/prompt.ts";
export type { FreeSpaceProbe } from "./storage/free_space.ts";
export { EXIT, UsageError } from "./cli/exit.ts";
export { NoSpaceError } from "./storage/errors.ts";
export type { RunStatus } from "./tasks/outcome.ts";
export { collect, COLLECT_DEFAULTS } from "./tasks/collect.ts";
export type {
  CollectOptions,
  CollectPlatformSummary,
  CollectSummary,
} from "./tasks/collect.ts";
export { sync, SYNC_DEFAULTS } from "./tasks/sync.ts";
export type { CountMismatch, SyncOptions, SyncSummary } from "./tasks/sync.ts";
export { enrich, ENRICH_DEFAULTS } from "./tasks/enrich.ts";
export type { EnrichOptions, EnrichSummary } from "./tasks/enrich.ts";
export { status } from "./tasks/status.ts";
export type { StatusSummary } from "./tasks/status.ts";
export { download, DOWNLOAD_DEFAULTS } from "./tasks/download.ts";
export { formatDownloadSummary } from "./cli/download.ts";
export type {
  BackendUsage,
  DownloadFailure,
  DownloadOptions,
  DownloadSummary,
  PlannedSong,
  QualityChoice,
} from "./tasks/download.ts";
export { exportM3u8 } from "./tasks/export.ts";
export { formatExportSummary } from "./cli/export.ts";
export type {
  ExportedPlaylist,
  ExportOptions,
  ExportSummary,
} from "./tasks/export.ts";
export { TERMINAL_STATES } from "./catalog/download_tasks.ts";
export type { TerminalState } from "./catalog/download_tasks.ts";
export type { BackendSwitch, NoSpaceStop } from "./tasks/download.ts";
export type { OpenFile, WritableFile } from "./storage/local.ts";
export {
  resolveInside,
  sanitizeComponent,
  songLocator,
} from "./storage/names.ts";
export type { SongNameParts } from "./storage/names.ts";

export { createEmulation, Emulation } from "./emulation/emulation.ts";
export type {
  EmulationOptions,
  EmulationStats,
} from "./emulation/emulation.ts";
export { serveEmulation } from "./emulation/serve.ts";
export type {
  EmulationServer,
  ServeEmulationOptions,
} from "./emulation/serve.ts";
export type { FaultKind, FaultRates, FaultRule } from "./emulation/faults.ts";
export { Faults } from "./emulation/faults.ts";
export { World, WORLD_SIZES } from "./emulation/world.ts";
export type {
  Access,
  GenAlbum,
  GenArtist,
  GenCategory,
  GenChart,
  GenPlaylist,
  GenSong,
  GenTier,
  WorldOptions,
  WorldShape,
  WorldSize,
  WorldStats,
} from "./emulation/world.ts";
export { UrlSigner } from "./emulation/platform.ts";
export type {
  EmulatorContext,
  EmulatorFactory,
  PlatformEmulator,
  Route,
} from "./emulation/platform.ts";
