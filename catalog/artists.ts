/**
 * Artists: one row per artist per platform, found by remote id when the
 * platform gives one and by a normalized name otherwise, never duplicated
 * by either.
 *
 * @module
 */
import { normalizeName } from "../sources/artist_names.ts";
import type { ArtistRef, Platform } from "../sources/types.ts";
import type { Catalog } from "./database.ts";
import { markPoolsOfSongDirty } from "./pools.ts";

/** What `upsertArtist()` did. */
export interface ArtistUpsert {
  id: number;
  /** A new row was inserted. */
  created: boolean;
}

/**
 * Upserts an artist credit.
 *
 * - With a remote id: the row with that id; else a name-only row with the
 *   same match key, upgraded with the id; else a new row.
 * - Name-only: any row with the same match key (name-only first, then the
 *   oldest with an id); else a new name-only row.
 */
export function upsertArtist(
  catalog: Catalog,
  platform: Platform,
  ref: ArtistRef,
  now: number,
): ArtistUpsert {
  const cache = artistCache(catalog);
  const hasId = ref.remoteId !== undefined && ref.remoteId !== "";
  // the same spelling as last time: no need to normalize it again
  const cacheKey = hasId
    ? `${platform}\u0000${ref.remoteId}`
    : `${platform}\u0000\u0000${ref.name}`;
  const seen = cache.bySpelling.get(cacheKey);
  if (seen !== undefined && seen.spelling === ref.name) {
    return { id: seen.id, created: false };
  }
  const name = normalizeName(ref.name);
  const key = name.toLowerCase();
  const remember = (id: number) =>
    cache.rememberSpelling(cacheKey, { id, spelling: ref.name });
  if (hasId) {
    const byId = cache.byId.get(cacheKey) ??
      catalog.get<{ id: number; name: string }>(
        "SELECT id, name FROM artists WHERE platform = ? AND remote_artist_id = ?",
        platform,
        ref.remoteId,
      );
    if (byId) {
      if (byId.name !== name && name !== "") {
        catalog.run(
          "UPDATE artists SET name = ?, match_key = ?, updated_at = ? WHERE id = ?",
          name,
          key,
          now,
          byId.id,
        );
      }
      cache.remember(cacheKey, {
        id: byId.id,
        name: name === "" ? byId.name : name,
      });
      return { id: byId.id, created: false };
    }
    const nameOnly = catalog.get<{ id: number }>(
      `SELECT id FROM artists
       WHERE platform = ? AND match_key = ? AND remote_artist_id IS NULL`,
      platform,
      key,
    );
    if (nameOnly) {
      catalog.run(
        `UPDATE artists SET remote_artist_id = ?, name = ?, enrich_status = 'pending',
           updated_at = ?
         WHERE id = ?`,
        ref.remoteId,
        name,
        now,
        nameOnly.id,
      );
      cache.remember(cacheKey, { id: nameOnly.id, name });
      remember(nameOnly.id);
      return { id: nameOnly.id, created: false };
    }
    const inserted = catalog.get<{ id: number }>(
      `INSERT INTO artists (platform, remote_artist_id, name, match_key, first_seen_at,
         updated_at, enrich_status)
       VALUES (?, ?, ?, ?, ?, ?, 'pending') RETURNING id`,
      platform,
      ref.remoteId,
      name,
      key,
      now,
      now,
    )!;
    cache.remember(cacheKey, { id: inserted.id, name });
    remember(inserted.id);
    return { id: inserted.id, created: true };
  }
  const nameKey = `${platform}\u0000\u0000${key}`;
  const cached = cache.byName.get(nameKey);
  if (cached !== undefined) {
    remember(cached);
    return { id: cached, created: false };
  }
  const existing = catalog.get<{ id: number }>(
    `SELECT id FROM artists WHERE platform = ? AND match_key = ?
     ORDER BY remote_artist_id IS NOT NULL, id LIMIT 1`,
    platform,
    key,
  );
  if (existing) {
    cache.rememberName(nameKey, existing.id);
    remember(existing.id);
    return { id: existing.id, created: false };
  }
  const inserted = catalog.get<{ id: number }>(
    `INSERT INTO artists (platform, remote_artist_id, name, match_key, first_seen_at,
       updated_at, enrich_status)
     VALUES (?, NULL, ?, ?, ?, ?, 'skipped') RETURNING id`,
    platform,
    name,
    key,
    now,
    now,
  )!;
  cache.rememberName(nameKey, inserted.id);
  remember(inserted.id);
  return { id: inserted.id, created: true };
}

/** Entries an artist cache holds before it starts over (memory stays bounded). */
const CACHE_LIMIT = 50_000;

interface ArtistCache {
  byId: Map<string, { id: number; name: string }>;
  byName: Map<string, number>;
  /** The row of a credit as last spelt (by id, or by the raw name of a name-only credit). */
  bySpelling: Map<string, { id: number; spelling: string }>;
  remember(key: string, value: { id: number; name: string }): void;
  rememberName(key: string, id: number): void;
  rememberSpelling(key: string, value: { id: number; spelling: string }): void;
}

const caches = new WeakMap<
  Catalog,
  { rollbacks: number; cache: ArtistCache }
>();

/**
 * Row ids of artists this connection has looked up or written. Rows are
 * never deleted or re-keyed, so a cached id stays right, except after a
 * rollback (the row may be gone): then the cache starts over.
 */
function artistCache(catalog: Catalog): ArtistCache {
  let entry = caches.get(catalog);
  if (!entry || entry.rollbacks !== catalog.rollbacks) {
    const byId = new Map<string, { id: number; name: string }>();
    const byName = new Map<string, number>();
    const bySpelling = new Map<string, { id: number; spelling: string }>();
    entry = {
      rollbacks: catalog.rollbacks,
      cache: {
        byId,
        byName,
        bySpelling,
        remember(key, value) {
          if (byId.size >= CACHE_LIMIT) byId.clear();
          byId.set(key, value);
        },
        rememberName(key, id) {
          if (byName.size >= CACHE_LIMIT) byName.clear();
          byName.set(key, id);
        },
        rememberSpelling(key, value) {
          if (bySpelling.size >= CACHE_LIMIT) bySpelling.clear();
          bySpelling.set(key, value);
        },
      },
    };
    caches.set(catalog, entry);
  }
  return entry.cache;
}

/**
 * Sets a song's credited artists, in order. Returns whether anything
 * changed; when it did, every derived artist pool holding the song is
 * marked stale. `newSong` (the song was inserted in this transaction)
 * skips reading what cannot be there yet.
 */
export function replaceSongArtists(
  catalog: Catalog,
  songId: number,
  artistIds: readonly number[],
  options: { newSong?: boolean } = {},
): boolean {
  const unique = [...new Set(artistIds)];
  const insert = catalog.prepare(
    "INSERT INTO artist_songs (artist_id, song_id, credit_order) VALUES (?, ?, ?)",
  );
  if (options.newSong) {
    // a song just inserted has no credits and is in no playlist: nothing to compare or mark
    unique.forEach((artistId, order) => insert.run(artistId, songId, order));
    return unique.length > 0;
  }
  // one query for both the current credits and whether the song is listed anywhere
  const state = catalog.get<{ current: string | null; listed: number }>(
    `SELECT (SELECT group_concat(artist_id) FROM
               (SELECT artist_id FROM artist_songs WHERE song_id = ?1 ORDER BY credit_order)
            ) AS current,
            EXISTS (SELECT 1 FROM playlist_songs WHERE song_id = ?1) AS listed`,
    songId,
  )!;
  const current = state.current === null ? "" : state.current;
  if (current === unique.join(",")) return false;
  if (current !== "") {
    catalog.run("DELETE FROM artist_songs WHERE song_id = ?", songId);
  }
  unique.forEach((artistId, order) => insert.run(artistId, songId, order));
  // A song in no playlist yet (a new one) is in no derived pool: nothing is stale.
  if (state.listed === 1) markPoolsOfSongDirty(catalog, songId);
  return true;
}

/** An artist row waiting for enrichment. */
export interface ArtistToEnrich {
  id: number;
  platform: Platform;
  remote_artist_id: string;
  name: string;
}

/** Artists with a remote id and no enrichment yet, oldest first. */
export function artistsToEnrich(
  catalog: Catalog,
  options: {
    platforms: readonly Platform[];
    limit: number;
    retryFailed?: boolean;
  },
): ArtistToEnrich[] {
  const states = options.retryFailed ? "('pending', 'failed')" : "('pending')";
  const placeholders = options.platforms.map(() => "?").join(", ");
  return catalog.all<ArtistToEnrich>(
    `SELECT id, platform, remote_artist_id, name FROM artists
     WHERE remote_artist_id IS NOT NULL AND enrich_status IN ${states}
       AND platform IN (${placeholders})
     ORDER BY id LIMIT ?`,
    ...options.platforms,
    options.limit,
  );
}

/** Records an artist's enrichment (or why it failed). */
export function recordEnrichment(
  catalog: Catalog,
  artistId: number,
  result: { ok: true; detail: unknown } | { ok: false; error: string },
  now: number,
): void {
  if (result.ok) {
    catalog.run(
      `UPDATE artists SET enrich_status = 'done', enriched_at = ?, enrich_json = ?,
         enrich_error = NULL
       WHERE id = ?`,
      now,
      JSON.stringify(result.detail),
      artistId,
    );
  } else {
    catalog.run(
      `UPDATE artists SET enrich_status = 'failed', enriched_at = ?, enrich_error = ?
       WHERE id = ?`,
      now,
      result.error,
      artistId,
    );
  }
}
