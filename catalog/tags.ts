/**
 * What tagging needs from the catalog and records in it: covers (fetched
 * once per album and size, kept with their bytes), lyrics per song
 * (including "none" and "instrumental", so they are not asked again), the
 * credited artists' names, the files the `tag` stage visits, and a file's
 * new size, SHA-256 and tagging state after it was rewritten.
 *
 * @module
 */
import type { Platform } from "../sources/types.ts";
import type { Catalog } from "./database.ts";
import { placeholders } from "./_sql.ts";
import type { TaggingRecord } from "./storage.ts";

/** A cached cover. */
export interface CoverRow {
  /** `ok` (bytes kept), `missing` (the platform answered 404) or `invalid` (not a JPEG or PNG). */
  state: "ok" | "missing" | "invalid";
  /** The URL it was fetched from. */
  url: string;
  /** `image/jpeg` or `image/png` for an `ok` cover. */
  mime: string | null;
  /** The bytes as served, for an `ok` cover. */
  data: Uint8Array | null;
  /** Hex SHA-256 of the bytes. */
  sha256: string | null;
}

/** The cover cached for a platform's picture key at a size, if any. */
export function cachedCover(
  catalog: Catalog,
  platform: Platform,
  key: string,
  sizePx: number,
): CoverRow | undefined {
  return catalog.get<CoverRow>(
    `SELECT state, url, mime, data, sha256 FROM covers
     WHERE platform = ? AND cover_key = ? AND size_px = ?`,
    platform,
    key,
    sizePx,
  );
}

/** Records what fetching a cover gave. */
export function recordCover(
  catalog: Catalog,
  cover: {
    platform: Platform;
    key: string;
    sizePx: number;
    url: string;
  } & CoverRow,
  now: number,
): void {
  catalog.run(
    `INSERT INTO covers (platform, cover_key, size_px, state, url, mime, data, sha256, fetched_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (platform, cover_key, size_px) DO UPDATE SET
       state = excluded.state, url = excluded.url, mime = excluded.mime,
       data = excluded.data, sha256 = excluded.sha256, fetched_at = excluded.fetched_at`,
    cover.platform,
    cover.key,
    cover.sizePx,
    cover.state,
    cover.url,
    cover.mime,
    cover.data,
    cover.sha256,
    now,
  );
}

/** A song's recorded lyrics. */
export interface LyricsRow {
  /** `lyrics`, `none` or `instrumental`. */
  state: "lyrics" | "none" | "instrumental";
  /** The lyrics as LRC. */
  lrc: string | null;
  /** The translation as LRC. */
  translation: string | null;
}

/** The lyrics recorded for a song, if they were fetched. */
export function recordedLyrics(
  catalog: Catalog,
  songId: number,
): LyricsRow | undefined {
  return catalog.get<LyricsRow>(
    "SELECT state, lrc, translation FROM song_lyrics WHERE song_id = ?",
    songId,
  );
}

/** Records a song's lyrics (or that it has none, or is instrumental). */
export function recordLyrics(
  catalog: Catalog,
  songId: number,
  lyrics: LyricsRow,
  now: number,
): void {
  catalog.run(
    `INSERT INTO song_lyrics (song_id, state, lrc, translation, fetched_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (song_id) DO UPDATE SET state = excluded.state, lrc = excluded.lrc,
       translation = excluded.translation, fetched_at = excluded.fetched_at`,
    songId,
    lyrics.state,
    lyrics.lrc,
    lyrics.translation,
    now,
  );
}

/** The names of a song's credited artists, in credit order. */
export function creditedNames(catalog: Catalog, songId: number): string[] {
  return catalog.all<{ name: string }>(
    `SELECT a.name FROM artist_songs c JOIN artists a ON a.id = c.artist_id
     WHERE c.song_id = ? ORDER BY c.credit_order`,
    songId,
  ).map((row) => row.name);
}

/** A stored file the `tag` stage visits. */
export interface TaggableFile {
  /** `songs.id`. */
  songId: number;
  /** `file_assets.id`. */
  assetId: number;
  /** `file_locations.id`. */
  locationId: number;
  /** The song's platform. */
  platform: Platform;
  /** The file's extension. */
  extension: string;
  /** The local root holding it. */
  containerName: string;
  /** Its path below the root. */
  locator: string;
  /** Recorded size of the file as stored. */
  storedSizeBytes: number;
  /** What its tags were written from, if they were. */
  tagSignature: string | null;
}

/** Active local files of songs of these platforms (all when empty), by song id. */
export function taggableFiles(
  catalog: Catalog,
  platforms: readonly Platform[],
  limit = 0,
): TaggableFile[] {
  const where = platforms.length > 0
    ? `AND s.platform IN (${placeholders(platforms)})`
    : "";
  return catalog.all<TaggableFile>(
    `SELECT s.id AS songId, a.id AS assetId, l.id AS locationId, s.platform,
       a.extension, l.container_name AS containerName, l.locator,
       coalesce(a.stored_size_bytes, a.size_bytes) AS storedSizeBytes,
       a.tag_signature AS tagSignature
     FROM file_assets a
     JOIN songs s ON s.id = a.song_id
     JOIN file_locations l ON l.file_asset_id = a.id AND l.state = 'active'
     JOIN storage_backends b ON b.id = l.backend_id AND b.kind = 'local'
     WHERE 1 = 1 ${where}
     ORDER BY s.id, l.id ${limit > 0 ? `LIMIT ${Math.floor(limit)}` : ""}`,
    ...platforms,
  );
}

/**
 * Records a file's tagging. With `stored` (the file was rewritten), its
 * new size and SHA-256 are recorded and `placeFile` (the rename into
 * place) runs last in the same immediate transaction, so a failed rename
 * rolls the record back; the file's copies in buckets and on cloud drives
 * still hold the old bytes and are marked `corrupt` (the next `replicate`
 * copies the file again). Returns `false` (and writes nothing) when the
 * asset is gone.
 */
export function recordTagging(
  catalog: Catalog,
  assetId: number,
  tagging: TaggingRecord,
  stored: { sizeBytes: number; sha256: string } | undefined,
  now: number,
  placeFile: () => void = () => {},
): boolean {
  return catalog.immediate(() => {
    if (stored) {
      catalog.run(
        `UPDATE file_locations SET state = 'corrupt', checked_at = ?
         WHERE file_asset_id = ? AND state = 'active'
           AND backend_id IN (SELECT id FROM storage_backends WHERE kind <> 'local')
           AND (SELECT coalesce(stored_sha256, sha256) FROM file_assets WHERE id = ?) <> ?`,
        now,
        assetId,
        assetId,
        stored.sha256,
      );
    }
    const changed = catalog.run(
      `UPDATE file_assets SET tag_state = ?, tag_signature = ?, tag_error = ?, tagged_at = ?,
         stored_size_bytes = coalesce(?, stored_size_bytes),
         stored_sha256 = coalesce(?, stored_sha256)
       WHERE id = ?`,
      tagging.state,
      tagging.signature,
      tagging.error,
      now,
      stored?.sizeBytes ?? null,
      stored?.sha256 ?? null,
      assetId,
    ).changes;
    if (changed !== 1) return false;
    placeFile();
    return true;
  });
}
