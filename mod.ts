/**
 * catalogsync: mirror the public catalogs of NetEase Cloud Music, QQ Music
 * and Kuwo into a local SQLite catalog and download every song once.
 *
 * The stages (`collect`, `sync`, `enrich`, `download`, `tag`, `exportM3u8`,
 * `status`, `doctor`, and for storage `replicate`, `verify`, `storageList`,
 * `storageAdd`, `storageRelocate`, `whereis`) are plain async functions over a {@link Context} that carries
 * the outside world (catalog, sources, clock, logs, prompt, free-space
 * probe), so they run the same from the CLI, from a script, or in a test
 * against the offline emulation. A script that wants the CLI's behaviour
 * when space runs low passes its stdin prompt (`linePrompt`) and terminal
 * UI (`terminalUi`) into the context.
 *
 * @example Collect and sync against the offline emulation, in memory
 * ```ts
 * import {
 *   Catalog,
 *   collect,
 *   createContext,
 *   createEmulation,
 *   createSources,
 *   sync,
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
 *
 * const collected = await collect(context, { pools: ["toplist"], limit: 2 });
 * assert.equal(collected.status, "ok");
 * const synced = await sync(context);
 * assert.equal(synced.status, "ok");
 * assert.ok(synced.synced >= 3, "a chart of each platform");
 * assert.ok(synced.newSongs > 0);
 * ```
 *
 * @module
 */
// The stages, their options and summaries.
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
export { download, DOWNLOAD_DEFAULTS } from "./tasks/download.ts";
export type {
  BackendSwitch,
  BackendUsage,
  DownloadFailure,
  DownloadOptions,
  DownloadSummary,
  NoSpaceStop,
  PlannedSong,
  QualityChoice,
  TaggingTally,
} from "./tasks/download.ts";
export { tag, TAG_STAGE_DEFAULTS } from "./tasks/tag.ts";
export type { TagFailure, TagOptions, TagSummary } from "./tasks/tag.ts";
export type { SongSelectionOptions } from "./tasks/song_selection.ts";
export { TAG_DEFAULTS } from "./tasks/_tagging.ts";
export type { TagParts } from "./tasks/_tagging.ts";
export { exportM3u8 } from "./tasks/export.ts";
export type {
  ExportedPlaylist,
  ExportOptions,
  ExportSummary,
} from "./tasks/export.ts";
export { replicate, REPLICATE_DEFAULTS } from "./tasks/replicate.ts";
export type {
  ReplicateFailure,
  ReplicateOptions,
  ReplicateSummary,
} from "./tasks/replicate.ts";
export { verify } from "./tasks/verify.ts";
export type {
  VerifyOptions,
  VerifyProblem,
  VerifySummary,
} from "./tasks/verify.ts";
export { storageAdd, storageList, storageRelocate } from "./tasks/storage.ts";
export type {
  BackendListing,
  ReachOptions,
  StorageAddOptions,
  StorageAddSummary,
  StorageListSummary,
  StorageRelocateOptions,
  StorageRelocateSummary,
} from "./tasks/storage.ts";
export { whereis } from "./tasks/whereis.ts";
export type {
  WhereisLocation,
  WhereisOptions,
  WhereisSummary,
} from "./tasks/whereis.ts";
export { credentialsFromEnv as storageCredentialsFromEnv } from "./storage/backend.ts";
export type {
  BucketOptions,
  HttpFetch,
  StorageCredentials,
} from "./storage/backend.ts";
export type { AwsCredentials } from "./storage/sigv4.ts";
export { status } from "./tasks/status.ts";
export type { StatusSummary } from "./tasks/status.ts";
export { doctor } from "./tasks/doctor.ts";
export type {
  DoctorOptions,
  DoctorSummary,
  PlatformHealth,
} from "./tasks/doctor.ts";
export { check } from "./tasks/check.ts";
export type {
  CheckOptions,
  CheckSummary,
  SalvagedTable,
  SalvageReport,
} from "./tasks/check.ts";
export type { RunStatus } from "./tasks/outcome.ts";
export { NoSpaceError } from "./storage/errors.ts";

// The context the stages run in.
export { createContext } from "./tasks/context.ts";
export type { Context, ContextOptions } from "./tasks/context.ts";
export type { DiscoveredArtist, Hooks, SyncedSong } from "./tasks/hooks.ts";
export type { Logger, Progress, Ui } from "./tasks/ui.ts";
export type { Prompt } from "./tasks/prompt.ts";
export type { FreeSpaceProbe } from "./storage/free_space.ts";
export type { OpenFile, WritableFile } from "./storage/local.ts";
export { TERMINAL_STATES } from "./catalog/download_tasks.ts";
export type { TerminalState } from "./catalog/download_tasks.ts";
export type {
  BackendCounts,
  CatalogCounts,
  PlatformCounts,
} from "./catalog/status.ts";
export {
  Catalog,
  CatalogDamagedError,
  CatalogFullError,
} from "./catalog/database.ts";
export type { MigrationResult } from "./catalog/migrations.ts";
export { DOWNLOAD_STATES } from "./catalog/status.ts";
export type { DownloadState } from "./catalog/status.ts";
export type {
  CatalogOptions,
  RunResult,
  SqlValue,
} from "./catalog/database.ts";

// The Source contract and the built-in sources.
export type {
  ArtistDetail,
  ArtistRef,
  Availability,
  Container,
  CoverRef,
  DownloadOffer,
  ExtrasOptions,
  ListPlaylistsOptions,
  OfferBatcher,
  OfferOptions,
  OfferSettled,
  Platform,
  PlaylistCandidate,
  PlaylistSongs,
  PoolCandidate,
  PoolKind,
  ProbeOptions,
  ProbeResult,
  ProbeStage,
  ProbeVerdict,
  QualityInfo,
  QualityLabel,
  SongInfo,
  SongLyrics,
  SongTagInfo,
  Source,
} from "./sources/types.ts";
export { PLATFORMS, POOL_KINDS, QUALITY_LABELS } from "./sources/types.ts";
export { isSourceError, SourceError } from "./sources/errors.ts";
export type { SourceErrorKind, SourceErrorOptions } from "./sources/errors.ts";
export { createSources } from "./sources/registry.ts";
export type { SourcesOptions } from "./sources/registry.ts";
export type {
  Exchange,
  ExchangeRecorder,
  Fetch,
  RetryInfo,
  Sleep,
} from "./sources/http.ts";
export { credentialsFromEnv } from "./sources/config.ts";
export type { Credentials } from "./sources/config.ts";

// The offline emulation of the three platforms.
export { createEmulation } from "./emulation/emulation.ts";
export type {
  Emulation,
  EmulationOptions,
  EmulationStats,
  PlatformStats,
} from "./emulation/emulation.ts";
export type { Behaviours, QqVkeyRefusal } from "./emulation/behaviours.ts";
export type {
  EndpointKind,
  EndpointTally,
  RefusalKind,
  ServedStats,
  Tally,
} from "./emulation/counters.ts";
export type { FaultRates } from "./emulation/faults.ts";
export type { WorldShape, WorldSize, WorldStats } from "./emulation/world.ts";
export { serveEmulation } from "./emulation/serve.ts";
export type {
  EmulationServer,
  ServeEmulationOptions,
} from "./emulation/serve.ts";

// The CLI's stdin prompt and terminal UI, for scripts that want its behaviour.
export { directoryAnswer, linePrompt, LineReader } from "./cli/prompt.ts";
export type { LinePromptOptions } from "./cli/prompt.ts";
export { terminalUi } from "./cli/ui.ts";
export type { TerminalUiOptions } from "./cli/ui.ts";
