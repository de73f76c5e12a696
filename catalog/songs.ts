/**
 * Songs: upserted by `(platform, remote_song_id)`, read back as `SongInfo`.
 *
 * @module
 */
import type {
  Availability,
  Platform,
  QualityInfo,
  SongInfo,
} from "../sources/types.ts";
import type { Catalog, SqlValue } from "./database.ts";

/** What `writeSong()` did. */
export interface SongWrite {
  id: number;
  /** The song was not in the catalog: it has no credits and is in no playlist yet. */
  created: boolean;
}

const SONG_VALUES = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

/**
 * A song's column values, serialized: pure CPU work with no catalog
 * access, so callers can prepare songs before they open a transaction and
 * keep the write lock short.
 */
export interface PreparedSong {
  /** `platform, remote_song_id`, then the data columns. */
  readonly values: SqlValue[];
}

/** Serializes a song into its column values (see `writeSong()`). */
export function prepareSong(song: SongInfo): PreparedSong {
  return {
    values: [
      song.platform,
      song.remoteId,
      song.title,
      song.artistNames,
      song.album?.name,
      song.album?.remoteId,
      song.durationMs === undefined ? null : Math.round(song.durationMs),
      song.availability,
      JSON.stringify(song.qualities),
      JSON.stringify(song.raw ?? null),
    ],
  };
}

/**
 * Upserts a song by `(platform, remote_song_id)`. A new song is one
 * INSERT; a known one is rewritten only when its data changed (and only
 * then does `updated_at` move), so writing the same song twice changes
 * nothing and costs no write. Takes a `SongInfo`, or a `PreparedSong`
 * made before the transaction.
 */
export function writeSong(
  catalog: Catalog,
  song: SongInfo | PreparedSong,
  now: number,
): SongWrite {
  const { values } = "values" in song ? song : prepareSong(song);
  const inserted = catalog.get<{ id: number }>(
    `INSERT INTO songs
       (platform, remote_song_id, name, artist_names, album_name, remote_album_id,
        duration_ms, availability, qualities, raw_json, first_seen_at, updated_at)
     VALUES (${SONG_VALUES}, ?, ?)
     ON CONFLICT (platform, remote_song_id) DO NOTHING
     RETURNING id`,
    ...values,
    now,
    now,
  );
  if (inserted) return { id: inserted.id, created: true };
  const [platform, remoteId, ...data] = values;
  const updated = catalog.get<{ id: number }>(
    `UPDATE songs SET
       (name, artist_names, album_name, remote_album_id, duration_ms, availability,
        qualities, raw_json) = (?, ?, ?, ?, ?, ?, ?, ?),
       updated_at = ?
     WHERE platform = ? AND remote_song_id = ?
       AND (name, artist_names, album_name, remote_album_id, duration_ms, availability,
            qualities, raw_json) IS NOT (?, ?, ?, ?, ?, ?, ?, ?)
     RETURNING id`,
    ...data,
    now,
    platform,
    remoteId,
    ...data,
  );
  if (updated) return { id: updated.id, created: false };
  const existing = catalog.get<{ id: number }>(
    "SELECT id FROM songs WHERE platform = ? AND remote_song_id = ?",
    platform,
    remoteId,
  )!;
  return { id: existing.id, created: false };
}

/** Upserts a song (see `writeSong()`); returns its id. */
export function upsertSong(
  catalog: Catalog,
  song: SongInfo,
  now: number,
): number {
  return writeSong(catalog, song, now).id;
}

/** A song row. */
export interface SongRow {
  id: number;
  platform: Platform;
  remote_song_id: string;
  name: string;
  artist_names: string;
  album_name: string | null;
  remote_album_id: string | null;
  duration_ms: number | null;
  availability: Availability;
  qualities: string;
  raw_json: string;
}

/** The columns of `SongRow`, for queries. */
export const SONG_COLUMNS =
  "id, platform, remote_song_id, name, artist_names, album_name, remote_album_id, duration_ms, availability, qualities, raw_json";

/** A song by its row id. */
export function songById(catalog: Catalog, id: number): SongRow | undefined {
  return catalog.get<SongRow>(
    `SELECT ${SONG_COLUMNS} FROM songs WHERE id = ?`,
    id,
  );
}

/**
 * Rebuilds the `SongInfo` a source produced from its row (artists come
 * from `artist_songs`, not from here: sources read what they need from
 * `raw`).
 */
export function songInfoFromRow(row: SongRow): SongInfo {
  return {
    platform: row.platform,
    remoteId: row.remote_song_id,
    title: row.name,
    artists: [],
    artistNames: row.artist_names,
    ...(row.album_name === null ? {} : {
      album: {
        name: row.album_name,
        ...(row.remote_album_id === null
          ? {}
          : { remoteId: row.remote_album_id }),
      },
    }),
    ...(row.duration_ms === null ? {} : { durationMs: row.duration_ms }),
    qualities: JSON.parse(row.qualities) as QualityInfo[],
    availability: row.availability,
    raw: JSON.parse(row.raw_json),
  };
}
