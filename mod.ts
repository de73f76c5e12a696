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
export {
  collect,
  COLLECT_DEFAULTS,
  type CollectOptions,
  type CollectPlatformSummary,
  type CollectSummary,
} from "./tasks/collect.ts";
export {
  type CountMismatch,
  sync,
  SYNC_DEFAULTS,
  type SyncOptions,
  type SyncSummary,
} from "./tasks/sync.ts";
export {
  enrich,
  ENRICH_DEFAULTS,
  type EnrichOptions,
  type EnrichSummary,
} from "./tasks/enrich.ts";
export {
  type BackendSwitch,
  type BackendUsage,
  download,
  DOWNLOAD_DEFAULTS,
  type DownloadFailure,
  type DownloadOptions,
  type DownloadSummary,
  type NoSpaceStop,
  type PlannedSong,
  type QualityChoice,
  type TaggingTally,
} from "./tasks/download.ts";
export {
  tag,
  TAG_STAGE_DEFAULTS,
  type TagFailure,
  type TagOptions,
  type TagSummary,
} from "./tasks/tag.ts";
export type { SongSelectionOptions } from "./tasks/song_selection.ts";
export { TAG_DEFAULTS, type TagParts } from "./tasks/_tagging.ts";
export {
  type ExportedPlaylist,
  exportM3u8,
  type ExportOptions,
  type ExportSummary,
} from "./tasks/export.ts";
export {
  replicate,
  REPLICATE_DEFAULTS,
  type ReplicateFailure,
  type ReplicateOptions,
  type ReplicateSummary,
} from "./tasks/replicate.ts";
export {
  verify,
  type VerifyOptions,
  type VerifyProblem,
  type VerifySummary,
} from "./tasks/verify.ts";
export {
  type BackendListing,
  type ReachOptions,
  storageAdd,
  type StorageAddOptions,
  type StorageAddSummary,
  storageList,
  type StorageListSummary,
  storageRelocate,
  type StorageRelocateOptions,
  type StorageRelocateSummary,
} from "./tasks/storage.ts";
export {
  whereis,
  type WhereisLocation,
  type WhereisOptions,
  type WhereisSummary,
} from "./tasks/whereis.ts";
export {
  type BucketOptions,
  credentialsFromEnv as storageCredentialsFromEnv,
  type HttpFetch,
  type StorageCredentials,
} from "./storage/backend.ts";
export type { AwsCredentials } from "./storage/sigv4.ts";
export { status, type StatusSummary } from "./tasks/status.ts";
export {
  doctor,
  type DoctorOptions,
  type DoctorSummary,
  type PlatformHealth,
} from "./tasks/doctor.ts";
export {
  check,
  type CheckOptions,
  type CheckSummary,
  type SalvagedTable,
  type SalvageReport,
} from "./tasks/check.ts";
export type { RunStatus } from "./tasks/outcome.ts";
export { NoSpaceError } from "./storage/errors.ts";

// The context the stages run in.
export {
  type Context,
  type ContextOptions,
  createContext,
} from "./tasks/context.ts";
export type { DiscoveredArtist, Hooks, SyncedSong } from "./tasks/hooks.ts";
export type { Logger, Progress, Ui } from "./tasks/ui.ts";
export type { Prompt } from "./tasks/prompt.ts";
export type { FreeSpaceProbe } from "./storage/free_space.ts";
export type { OpenFile, WritableFile } from "./storage/local.ts";
export {
  TERMINAL_STATES,
  type TerminalState,
} from "./catalog/download_tasks.ts";
export {
  type BackendCounts,
  type CatalogCounts,
  DOWNLOAD_STATES,
  type DownloadState,
  type PlatformCounts,
} from "./catalog/status.ts";
export {
  Catalog,
  CatalogDamagedError,
  CatalogFullError,
  type CatalogOptions,
  type RunResult,
  type SqlValue,
} from "./catalog/database.ts";
export type { MigrationResult } from "./catalog/migrations.ts";

// The Source contract and the built-in sources.
export {
  type ArtistDetail,
  type ArtistRef,
  type Availability,
  type Container,
  type CoverRef,
  type DownloadOffer,
  type ExtrasOptions,
  type ListPlaylistsOptions,
  type OfferBatcher,
  type OfferOptions,
  type OfferSettled,
  type Platform,
  PLATFORMS,
  type PlaylistCandidate,
  type PlaylistSongs,
  POOL_KINDS,
  type PoolCandidate,
  type PoolKind,
  PROBE_STAGES,
  type ProbeOptions,
  type ProbeResult,
  type ProbeStage,
  type ProbeVerdict,
  QUALITY_LABELS,
  type QualityInfo,
  type QualityLabel,
  type SongInfo,
  type SongLyrics,
  type SongTagInfo,
  type Source,
} from "./sources/types.ts";
export {
  isSourceError,
  SourceError,
  type SourceErrorKind,
  type SourceErrorOptions,
} from "./sources/errors.ts";
export { createSources, type SourcesOptions } from "./sources/registry.ts";
export type {
  Exchange,
  ExchangeRecorder,
  Fetch,
  RetryInfo,
  Sleep,
} from "./sources/http.ts";
export { type Credentials, credentialsFromEnv } from "./sources/config.ts";

// The offline emulation of the three platforms.
export {
  createEmulation,
  type Emulation,
  type EmulationOptions,
  type EmulationStats,
  type PlatformStats,
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
export {
  type EmulationServer,
  serveEmulation,
  type ServeEmulationOptions,
} from "./emulation/serve.ts";

// The CLI's stdin prompt and terminal UI, for scripts that want its behaviour.
export {
  directoryAnswer,
  linePrompt,
  type LinePromptOptions,
  LineReader,
} from "./cli/prompt.ts";
export { terminalUi, type TerminalUiOptions } from "./cli/ui.ts";
