/**
 * Playlist pools, their playlists, and the artist pools derived from them.
 *
 * @module
 */
import type { PoolCandidate } from "../sources/types.ts";
import type { Catalog } from "./database.ts";

/** Upserts a pool by `(platform, kind, remote_key)`; returns its id. */
export function upsertPool(
  catalog: Catalog,
  pool: PoolCandidate,
  now: number,
): number {
  const row = catalog.get<{ id: number }>(
    `INSERT INTO playlist_pools
       (platform, kind, remote_key, name, group_name, raw_json, first_seen_at, last_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (platform, kind, remote_key) DO UPDATE SET
       name = excluded.name,
       group_name = excluded.group_name,
       raw_json = excluded.raw_json,
       last_seen_at = excluded.last_seen_at
     RETURNING id`,
    pool.platform,
    pool.kind,
    pool.remoteKey,
    pool.name,
    pool.group,
    pool.raw === undefined ? null : JSON.stringify(pool.raw),
    now,
    now,
  );
  return row!.id;
}

/**
 * Links a playlist to a pool at a position. A second sighting moves the
 * position and `last_seen_at`; `first_seen_at` stays, and links are never
 * removed, so a playlist that left a pool keeps its history.
 */
export function linkPoolPlaylist(
  catalog: Catalog,
  poolId: number,
  playlistId: number,
  position: number,
  now: number,
): void {
  catalog.run(
    `INSERT INTO pool_playlists (pool_id, playlist_id, position, first_seen_at, last_seen_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (pool_id, playlist_id) DO UPDATE SET
       position = excluded.position,
       last_seen_at = excluded.last_seen_at`,
    poolId,
    playlistId,
    position,
    now,
    now,
  );
}

/** Marks the derived artist pools of every pool holding a playlist as stale. */
export function markPoolsOfPlaylistDirty(
  catalog: Catalog,
  playlistId: number,
): void {
  catalog.run(
    `UPDATE playlist_pools SET artists_dirty = 1
     WHERE artists_dirty = 0
       AND id IN (SELECT pool_id FROM pool_playlists WHERE playlist_id = ?)`,
    playlistId,
  );
}

/** Marks stale the derived artist pools of every pool that holds a song. */
export function markPoolsOfSongDirty(catalog: Catalog, songId: number): void {
  catalog.run(
    `UPDATE playlist_pools SET artists_dirty = 1
     WHERE artists_dirty = 0
       AND id IN (
         SELECT pp.pool_id FROM playlist_songs ps
         JOIN pool_playlists pp ON pp.playlist_id = ps.playlist_id
         WHERE ps.song_id = ?)`,
    songId,
  );
}

/**
 * Recomputes the artist pool derived from a playlist pool: every artist of
 * the songs of its playlists, with how many of those songs are theirs.
 * Returns the number of artists in the pool.
 */
export function refreshArtistPool(
  catalog: Catalog,
  poolId: number,
  now: number,
): number {
  return catalog.transaction(() => {
    const pool = catalog.get<{ platform: string; name: string }>(
      "SELECT platform, name FROM playlist_pools WHERE id = ?",
      poolId,
    );
    if (!pool) {
      throw new RangeError(`Cannot refresh pool ${poolId}: no such pool`);
    }
    const artistPool = catalog.get<{ id: number }>(
      `INSERT INTO artist_pools (platform, derived_from_pool_id, name, refreshed_at)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (derived_from_pool_id) DO UPDATE SET
         name = excluded.name, refreshed_at = excluded.refreshed_at
       RETURNING id`,
      pool.platform,
      poolId,
      pool.name,
      now,
    )!.id;
    catalog.run(
      "DELETE FROM pool_artists WHERE artist_pool_id = ?",
      artistPool,
    );
    const inserted = catalog.run(
      `INSERT INTO pool_artists (artist_pool_id, artist_id, song_count)
       SELECT ?, a.artist_id, count(DISTINCT a.song_id)
       FROM pool_playlists pp
       JOIN playlist_songs ps ON ps.playlist_id = pp.playlist_id
       JOIN artist_songs a ON a.song_id = ps.song_id
       WHERE pp.pool_id = ?
       GROUP BY a.artist_id`,
      artistPool,
      poolId,
    ).changes;
    catalog.run(
      "UPDATE playlist_pools SET artists_dirty = 0 WHERE id = ?",
      poolId,
    );
    return inserted;
  });
}

/** Refreshes every stale derived artist pool; returns how many. */
export function refreshDirtyArtistPools(catalog: Catalog, now: number): number {
  const dirty = catalog.all<{ id: number }>(
    "SELECT id FROM playlist_pools WHERE artists_dirty = 1 ORDER BY id",
  );
  for (const { id } of dirty) refreshArtistPool(catalog, id, now);
  return dirty.length;
}
