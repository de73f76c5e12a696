/**
 * Playlists and their songs.
 *
 * @module
 */
import type { Platform, PlaylistCandidate } from "../sources/types.ts";
import type { Catalog } from "./database.ts";

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

/** Finds a playlist by its natural key. */
export function findPlaylist(
  catalog: Catalog,
  platform: Platform,
  remoteId: string,
): PlaylistRow | undefined {
  return catalog.get<PlaylistRow>(
    `SELECT id, platform, remote_playlist_id, name, track_count, synced_at, resolved_count
     FROM playlists WHERE platform = ? AND remote_playlist_id = ?`,
    platform,
    remoteId,
  );
}

function integerOrNull(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value)
    ? null
    : Math.trunc(value);
}
