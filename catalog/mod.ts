/**
 * The SQLite catalog: the database class, its migrations, and the
 * repositories the stages write through.
 *
 * @module
 */
export { Catalog } from "./database.ts";
export type { CatalogOptions, RunResult, SqlValue } from "./database.ts";
export { LATEST_VERSION, migrate, MIGRATIONS } from "./migrations.ts";
export type { Migration, MigrationResult } from "./migrations.ts";
export {
  linkPoolPlaylist,
  refreshArtistPool,
  refreshDirtyArtistPools,
  upsertPool,
} from "./pools.ts";
export {
  findPlaylist,
  markPlaylistFailed,
  markPlaylistSynced,
  replacePlaylistSongs,
  upsertPlaylist,
} from "./playlists.ts";
export type { PlaylistRow } from "./playlists.ts";
export { songInfoFromRow, upsertSong } from "./songs.ts";
export type { SongRow } from "./songs.ts";
export {
  artistsToEnrich,
  recordEnrichment,
  replaceSongArtists,
  upsertArtist,
} from "./artists.ts";
export type { ArtistToEnrich, ArtistUpsert } from "./artists.ts";
export { catalogCounts, DOWNLOAD_STATES } from "./status.ts";
export type {
  BackendCounts,
  CatalogCounts,
  DownloadState,
  PlatformCounts,
} from "./status.ts";
export {
  activateLocalBackend,
  activeLocalBackend,
  activeLocations,
  backendById,
  findLocalBackend,
  locatorTaken,
  markLocationsChecked,
  markLocationsMissing,
  recordAsset,
} from "./storage.ts";
export type { AssetRecord, BackendRow, OwnedLocation } from "./storage.ts";
export {
  claimTask,
  finishTask,
  holdsLease,
  isTerminalState,
  planTask,
  releaseTask,
  renewLease,
  taskOf,
  TERMINAL_STATES,
} from "./download_tasks.ts";
export type { TaskOutcome, TaskRow, TerminalState } from "./download_tasks.ts";
