/**
 * Pure parsers: NetEase JSON (protocols/netease.md §5–§12) to normalized
 * records, and the helpers the other parsers share. They throw `TypeError`
 * on a shape they cannot read; the transport's `parsed()` turns that into a
 * `malformed` `SourceError` carrying the URL. The pools and playlist pages
 * are read by `_parse_lists.ts`, the download URL answers by
 * `_parse_offers.ts`.
 *
 * @module
 */
import { isObject, type Json } from "../_json.ts";
import type {
  ArtistDetail,
  ArtistRef,
  Availability,
  QualityInfo,
  SongInfo,
} from "../types.ts";
import {
  type Level,
  LEVEL_LABELS,
  LEVELS,
  SONG_QUALITY_FIELDS,
} from "./_constants.ts";

/** `value` as an object, or a `TypeError` naming `what`. */
export function object(value: unknown, what: string): Json {
  if (!isObject(value)) {
    throw new TypeError(`Expected ${what} to be an object, got ${kind(value)}`);
  }
  return value;
}

/** `value` as an array, or a `TypeError` naming `what`. */
export function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`Expected ${what} to be an array, got ${kind(value)}`);
  }
  return value;
}

/** What a JSON value is, for messages: `null`, `array`, or its `typeof`. */
export function kind(value: unknown): string {
  return value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : typeof value;
}

/** An id (number or numeric string) as a string. */
export function id(value: unknown, what: string): string {
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    return String(value);
  }
  if (typeof value === "string" && /^\d+$/.test(value)) return value;
  throw new TypeError(`Expected ${what} to be an id, got ${kind(value)}`);
}

/** A string, or `undefined` for anything else. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A finite non-negative number, or `undefined`. */
export function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? value
    : undefined;
}

/** `T` with the properties that may be `undefined` made optional instead. */
export type Defined<T> =
  & { [K in keyof T as undefined extends T[K] ? never : K]: T[K] }
  & {
    [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<
      T[K],
      undefined
    >;
  };

/** Copies the entries whose value is not `undefined`. */
export function defined<T extends object>(record: T): Defined<T> {
  return Object.fromEntries(
    Object.entries(record).filter(([, v]) => v !== undefined),
  ) as Defined<T>;
}

/** Whether a string is a level of the download ladder. */
export function isLevel(value: unknown): value is Level {
  return typeof value === "string" &&
    (LEVELS as readonly string[]).includes(value);
}

/** Rank of a level on the ladder, 0 best; unknown levels rank after all. */
export function levelRank(level: string): number {
  const index = (LEVELS as readonly string[]).indexOf(level);
  return index < 0 ? LEVELS.length : index;
}

// ----------------------------------------------------------------- songs

/** The records of a list, by their `id`. */
export function byId(value: unknown, what: string): Map<string, Json> {
  const map = new Map<string, Json>();
  array(value, what).forEach((item, i) => {
    const record = object(item, `${what}[${i}]`);
    map.set(id(record.id, `${what}[${i}].id`), record);
  });
  return map;
}

/**
 * Availability from the privilege (§8): `st < 0` is no copyright,
 * `plLevel == "none"` needs VIP or a purchase. The privilege wins over the
 * song's own `st`/`fee`; without one, only the song's `st` is read.
 */
export function availabilityOf(
  song: Json,
  privilege: Json | undefined,
): Availability {
  if (privilege) {
    if (typeof privilege.st === "number" && privilege.st < 0) {
      return "unavailable";
    }
    if (privilege.plLevel === "none") return "vip";
    if (privilege.plLevel === undefined && privilege.pl === 0) return "vip";
    return "available";
  }
  return typeof song.st === "number" && song.st < 0
    ? "unavailable"
    : "available";
}

/**
 * A song (`songs[]`, `tracks[]`) and its privilege as a `SongInfo`. The raw
 * record is the song with its privilege under `privilege` (as NetEase's own
 * search results carry it), so `downloadOffers()` can rebuild from it.
 */
export function parseSong(value: unknown, privilege?: Json): SongInfo {
  const song = object(value, "song");
  const remoteId = id(song.id, "song.id");
  const artists: ArtistRef[] = (Array.isArray(song.ar) ? song.ar : [])
    .filter(isObject)
    .map((ar) => {
      const name = text(ar.name) ?? "";
      const artistId = typeof ar.id === "number" || typeof ar.id === "string"
        ? String(ar.id)
        : "0";
      // id 0 is a name-only credit (§8)
      return artistId === "0" || !/^\d+$/.test(artistId)
        ? { name }
        : { remoteId: artistId, name };
    })
    .filter((ar) => ar.name !== "");
  const al = isObject(song.al) ? song.al : undefined;
  const albumName = al ? text(al.name) : undefined;
  const albumId = al && (typeof al.id === "number" || typeof al.id === "string")
    ? String(al.id)
    : "0";
  const album = albumName
    ? albumId !== "0" && /^\d+$/.test(albumId)
      ? { remoteId: albumId, name: albumName }
      : { name: albumName }
    : undefined;
  return defined({
    platform: "netease" as const,
    remoteId,
    title: text(song.name) ?? "",
    artists,
    artistNames: artists.map((a) => a.name).join("/"),
    album,
    durationMs: count(song.dt),
    qualities: qualitiesOf(song, privilege),
    availability: availabilityOf(song, privilege),
    raw: privilege ? { ...song, privilege } : song,
  });
}

/**
 * The levels a song has, best first: `hr/sq/h/m/l`, plus `jymaster` when the
 * privilege's `maxBrLevel` says the song has one (songs carry no field for it).
 */
export function qualitiesOf(song: Json, privilege?: Json): QualityInfo[] {
  const out: QualityInfo[] = [];
  if (privilege?.maxBrLevel === "jymaster") {
    out.push({ label: "master", level: "jymaster", extension: "flac" });
  }
  for (const [field, level] of SONG_QUALITY_FIELDS) {
    const file = song[field];
    if (!isObject(file)) continue;
    out.push(defined({
      label: LEVEL_LABELS[level],
      level,
      sizeBytes: count(file.size) || undefined,
      bitrateKbps: typeof file.br === "number" && file.br > 0
        ? Math.round(file.br / 1000)
        : undefined,
      extension: levelRank(level) <= levelRank("lossless") ? "flac" : "mp3",
    }));
  }
  return out;
}

/** The privilege kept in a song's raw record, if any. */
export function privilegeOf(raw: unknown): Json | undefined {
  return isObject(raw) && isObject(raw.privilege) ? raw.privilege : undefined;
}

/** A track id song detail did not return (§13: treat it as unavailable). */
export function missingSong(id: string): SongInfo {
  return {
    platform: "netease",
    remoteId: id,
    title: `NetEase song ${id}`,
    artists: [],
    artistNames: "",
    qualities: [],
    availability: "unavailable",
    raw: { id: Number(id), missing: true },
  };
}

// ---------------------------------------------------------------- artists

/** `artist/head/info/get` → artist details. */
export function parseArtistHead(body: unknown): ArtistDetail {
  const root = object(body, "the artist answer");
  const data = object(root.data, "artist data");
  const artist = object(data.artist, "data.artist");
  return artistDetail(artist, text(artist.avatar) || text(artist.cover), root);
}

/** `v1/artist/<id>` → artist details (the fallback). */
export function parseArtistV1(body: unknown): ArtistDetail {
  const root = object(body, "the artist answer");
  const artist = object(root.artist, "artist");
  return artistDetail(
    artist,
    text(artist.picUrl) || text(artist.img1v1Url),
    root,
  );
}

function artistDetail(
  artist: Json,
  avatarUrl: string | undefined,
  raw: Json,
): ArtistDetail {
  const names = [
    ...(Array.isArray(artist.alias) ? artist.alias : []),
    ...(Array.isArray(artist.transNames) ? artist.transNames : []),
    ...(typeof artist.trans === "string" ? [artist.trans] : []),
  ].filter((a): a is string => typeof a === "string" && a.trim() !== "");
  const description = text(artist.briefDesc);
  return defined({
    platform: "netease" as const,
    remoteId: id(artist.id, "artist.id"),
    name: text(artist.name) ?? "",
    avatarUrl: avatarUrl || undefined,
    description: description || undefined,
    aliases: names.length > 0 ? [...new Set(names)] : undefined,
    songCount: count(artist.musicSize),
    albumCount: count(artist.albumSize),
    raw,
  });
}
