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
import type { Catalog } from "./database.ts";

/**
 * Upserts a song; returns its id. `updated_at` moves only when the song's
 * data changed, so upserting the same song twice changes nothing.
 */
export function upsertSong(
  catalog: Catalog,
  song: SongInfo,
  now: number,
): number {
  const row = catalog.get<{ id: number }>(
    `INSERT INTO songs
       (platform, remote_song_id, name, artist_names, album_name, remote_album_id,
        duration_ms, availability, qualities, raw_json, first_seen_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (platform, remote_song_id) DO UPDATE SET
       name = excluded.name,
       artist_names = excluded.artist_names,
       album_name = excluded.album_name,
       remote_album_id = excluded.remote_album_id,
       duration_ms = excluded.duration_ms,
       availability = excluded.availability,
       qualities = excluded.qualities,
       raw_json = excluded.raw_json,
       updated_at = CASE WHEN
         (name, artist_names, album_name, remote_album_id, duration_ms, availability,
          qualities, raw_json)
         IS (excluded.name, excluded.artist_names, excluded.album_name,
             excluded.remote_album_id, excluded.duration_ms, excluded.availability,
             excluded.qualities, excluded.raw_json)
         THEN updated_at ELSE excluded.updated_at END
     RETURNING id`,
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
    now,
    now,
  );
  return row!.id;
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
