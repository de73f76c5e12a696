/**
 * Playlists and their songs.
 *
 * @module
 */
import type {
  Platform,
  PlaylistCandidate,
  PoolKind,
} from "../sources/types.ts";
import type { Catalog } from "./database.ts";
import { placeholders } from "./_sql.ts";

/**
 * Upserts a playlist by `(platform, remote_playlist_id)`; returns its id.
 * Sync state (`synced_at`, `resolved_count`) is left alone. `updated_at`
 * moves only when something changed.
 */
export function upsertPlaylist(
  catalog: Catalog,
  playlist: PlaylistCandidate,
  now: number,
): number {
  const row = catalog.get<{ id: number }>(
    `INSERT INTO playlists
       (platform, remote_playlist_id, name, cover_url, track_count, play_count, creator,
        tags, description, remote_updated_at, raw_json, first_seen_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (platform, remote_playlist_id) DO UPDATE SET
       name = excluded.name,
       cover_url = coalesce(excluded.cover_url, cover_url),
       track_count = coalesce(excluded.track_count, track_count),
       play_count = coalesce(excluded.play_count, play_count),
       creator = coalesce(excluded.creator, creator),
       tags = coalesce(excluded.tags, tags),
       description = coalesce(excluded.description, description),
       remote_updated_at = coalesce(excluded.remote_updated_at, remote_updated_at),
       raw_json = excluded.raw_json,
       updated_at = CASE WHEN
         (name, cover_url, track_count, play_count, creator, tags, description,
          remote_updated_at, raw_json)
         IS (excluded.name, coalesce(excluded.cover_url, cover_url),
             coalesce(excluded.track_count, track_count),
             coalesce(excluded.play_count, play_count),
             coalesce(excluded.creator, creator), coalesce(excluded.tags, tags),
             coalesce(excluded.description, description),
             coalesce(excluded.remote_updated_at, remote_updated_at), excluded.raw_json)
         THEN updated_at ELSE excluded.updated_at END
     RETURNING id`,
    playlist.platform,
    playlist.remoteId,
    playlist.name,
    playlist.coverUrl,
    integerOrNull(playlist.trackCount),
    integerOrNull(playlist.playCount),
    playlist.creator,
    playlist.tags ? JSON.stringify(playlist.tags) : null,
    playlist.description,
    integerOrNull(playlist.updatedAt),
    JSON.stringify(playlist.raw ?? null),
    now,
    now,
  );
  return row!.id;
}

/**
 * Replaces a playlist's songs with `songIds` in order. Returns whether
 * anything changed (the same list twice writes nothing).
 */
export function replacePlaylistSongs(
  catalog: Catalog,
  playlistId: number,
  songIds: readonly number[],
): boolean {
  const current = catalog.all<{ song_id: number }>(
    "SELECT song_id FROM playlist_songs WHERE playlist_id = ? ORDER BY position",
    playlistId,
  );
  if (
    current.length === songIds.length &&
    current.every((row, i) => row.song_id === songIds[i])
  ) {
    return false;
  }
  if (current.length > 0) {
    catalog.run("DELETE FROM playlist_songs WHERE playlist_id = ?", playlistId);
  }
  const insert = catalog.prepare(
    "INSERT INTO playlist_songs (playlist_id, position, song_id) VALUES (?, ?, ?)",
  );
  songIds.forEach((songId, position) =>
    insert.run(playlistId, position, songId)
  );
  return true;
}

/** Records a finished sync of a playlist. */
export function markPlaylistSynced(
  catalog: Catalog,
  playlistId: number,
  resolvedCount: number,
  now: number,
): void {
  catalog.run(
    `UPDATE playlists SET synced_at = ?, resolved_count = ?, sync_error = NULL
     WHERE id = ?`,
    now,
    resolvedCount,
    playlistId,
  );
}

/**
 * Records the track count the platform declares for a playlist (when it
 * differs from the one recorded).
 */
export function recordTrackCount(
  catalog: Catalog,
  playlistId: number,
  trackCount: number,
): void {
  catalog.run(
    "UPDATE playlists SET track_count = ? WHERE id = ? AND track_count IS NOT ?",
    trackCount,
    playlistId,
    trackCount,
  );
}

/** Records why a playlist's sync failed (it stays unsynced or stale). */
export function markPlaylistFailed(
  catalog: Catalog,
  playlistId: number,
  error: string,
): void {
  catalog.run(
    "UPDATE playlists SET sync_error = ? WHERE id = ?",
    error,
    playlistId,
  );
}

/** A playlist row as the stages read it. */
export interface PlaylistRow {
  id: number;
  platform: Platform;
  remote_playlist_id: string;
  name: string;
  track_count: number | null;
  synced_at: number | null;
  resolved_count: number | null;
}

const PLAYLIST_COLUMNS =
  "id, platform, remote_playlist_id, name, track_count, synced_at, resolved_count";

/** Finds a playlist by its natural key. */
export function findPlaylist(
  catalog: Catalog,
  platform: Platform,
  remoteId: string,
): PlaylistRow | undefined {
  return catalog.get<PlaylistRow>(
    `SELECT ${PLAYLIST_COLUMNS} FROM playlists WHERE platform = ? AND remote_playlist_id = ?`,
    platform,
    remoteId,
  );
}

/** Finds a playlist by its natural key if it has been synced. */
export function findSyncedPlaylist(
  catalog: Catalog,
  platform: Platform,
  remoteId: string,
): PlaylistRow | undefined {
  return catalog.get<PlaylistRow>(
    `SELECT ${PLAYLIST_COLUMNS} FROM playlists
     WHERE platform = ? AND remote_playlist_id = ? AND synced_at IS NOT NULL`,
    platform,
    remoteId,
  );
}

/**
 * The playlist with this natural key; one the catalog never saw is added,
 * named by its remote id until a sync gives it its name.
 */
export function ensurePlaylist(
  catalog: Catalog,
  ref: { platform: Platform; remoteId: string },
  now: number,
): PlaylistRow {
  return catalog.transaction(() => {
    const known = findPlaylist(catalog, ref.platform, ref.remoteId);
    if (known) return known;
    upsertPlaylist(catalog, {
      platform: ref.platform,
      remoteId: ref.remoteId,
      name: ref.remoteId,
      raw: null,
    }, now);
    return findPlaylist(catalog, ref.platform, ref.remoteId)!;
  });
}

/** The synced playlists of some platforms, oldest first. */
export function syncedPlaylists(
  catalog: Catalog,
  platforms: readonly Platform[],
): PlaylistRow[] {
  return catalog.all<PlaylistRow>(
    `SELECT ${PLAYLIST_COLUMNS} FROM playlists
     WHERE synced_at IS NOT NULL AND platform IN (${placeholders(platforms)})
     ORDER BY id`,
    ...platforms,
  );
}

/** Which playlists `playlistsToSync()` selects. */
export interface SyncFilter {
  /** Playlists of these platforms. */
  platforms: readonly Platform[];
  /** Only playlists listed by pools of these kinds (when not empty). */
  pools: readonly PoolKind[];
  /**
   * Also playlists last synced before this time (epoch ms); without it only
   * playlists never synced.
   */
  syncedBefore: number | undefined;
  /** At most this many playlists; `0` = all. */
  limit: number;
}

/** The playlists a sync should resolve, in a stable order (`playlists.id`). */
export function playlistsToSync(
  catalog: Catalog,
  filter: SyncFilter,
): PlaylistRow[] {
  const where = [`p.platform IN (${placeholders(filter.platforms)})`];
  const params: Array<string | number> = [...filter.platforms];
  if (filter.syncedBefore !== undefined) {
    where.push("(p.synced_at IS NULL OR p.synced_at < ?)");
    params.push(filter.syncedBefore);
  } else {
    where.push("p.synced_at IS NULL");
  }
  if (filter.pools.length > 0) {
    where.push(
      `EXISTS (SELECT 1 FROM pool_playlists pp JOIN playlist_pools pool ON pool.id = pp.pool_id
               WHERE pp.playlist_id = p.id AND pool.kind IN (${
        placeholders(filter.pools)
      }))`,
    );
    params.push(...filter.pools);
  }
  let sql = `SELECT ${PLAYLIST_COLUMNS} FROM playlists p
             WHERE ${where.join(" AND ")} ORDER BY p.id`;
  if (filter.limit > 0) {
    sql += " LIMIT ?";
    params.push(filter.limit);
  }
  return catalog.all<PlaylistRow>(sql, ...params);
}

function integerOrNull(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value)
    ? null
    : Math.trunc(value);
}
