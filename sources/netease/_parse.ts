/**
 * Pure parsers: NetEase JSON (protocols/netease.md §5–§12) to normalized
 * records, and the helpers the other parsers share. They take what a record
 * holds and leave out what it lacks or holds in another type (numbers as
 * strings, the legacy `artists`/`album`/`duration` shape, cloud songs'
 * `pc`); what an answer cannot do without (a song's or a playlist's id, the
 * list of a page) is a `malformed` `SourceError` naming the field's path
 * (see `../_json.ts`). The pools and playlist pages are read by
 * `_parse_lists.ts`, the download URL answers by `_parse_offers.ts`.
 *
 * @module
 */
import {
  asCount,
  asDigits,
  asNonEmptyText,
  asNumber,
  asObject,
  asStrings,
  asText,
  at,
  describeValue,
  Fields,
  isObject,
  type Json,
  requiredSong,
} from "../_json.ts";
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

/** Strict readers of NetEase answers: `malformed` errors naming the path. */
export const read: Fields = new Fields("netease");

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

/**
 * The records of a list by their `id`, in order. A record without a
 * usable id is left out with a warning naming its path (`what` names the
 * kind of record in it); a list that is absent or `null` is empty.
 */
export function byId(
  value: unknown,
  path: string,
  warnings: string[] = [],
  what = "record",
): Map<string, Json> {
  const map = new Map<string, Json>();
  read.optionalList(value, path).forEach((item, i) => {
    const where = at(path, i);
    const record = asObject(item);
    const recordId = record ? asDigits(record.id) : undefined;
    if (record === undefined || recordId === undefined) {
      warnings.push(
        `netease: skipped the ${what} at ${where}: it has no id (${
          record
            ? `its id is ${describeValue(record.id)}`
            : `it is ${describeValue(item)}`
        })`,
      );
      return;
    }
    map.set(recordId, record);
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
    const st = asNumber(privilege.st);
    if (st !== undefined && st < 0) return "unavailable";
    if (privilege.plLevel === "none") return "vip";
    if (privilege.plLevel === undefined && asNumber(privilege.pl) === 0) {
      return "vip";
    }
    return "available";
  }
  const st = asNumber(song.st);
  return st !== undefined && st < 0 ? "unavailable" : "available";
}

/** An artist or album credit: its id unless it is 0 or not digits (§8: a name-only credit). */
function credit(
  value: unknown,
): { remoteId?: string; name: string } | undefined {
  const record = asObject(value);
  const name = asNonEmptyText(record?.name);
  if (record === undefined || name === undefined) return undefined;
  const creditId = asDigits(record.id);
  return creditId === undefined || creditId === "0"
    ? { name }
    : { remoteId: creditId, name };
}

/**
 * The artists of a song: `ar` (current), `artists` (the legacy shape of
 * §8), or the uploader's `pc.ar` string of a cloud song.
 */
function artistsOf(song: Json, cloud: Json | undefined): ArtistRef[] {
  const list = Array.isArray(song.ar)
    ? song.ar
    : Array.isArray(song.artists)
    ? song.artists
    : [];
  const artists = list.flatMap((ar) => credit(ar) ?? []);
  if (artists.length === 0) {
    const uploaded = asNonEmptyText(cloud?.ar);
    if (uploaded !== undefined) return [{ name: uploaded }];
  }
  return artists;
}

/** The album of a song: `al` (current), `album` (legacy), or a cloud song's `pc.alb`. */
function albumOf(
  song: Json,
  cloud: Json | undefined,
): { remoteId?: string; name: string } | undefined {
  const album = credit(isObject(song.al) ? song.al : song.album);
  if (album !== undefined) return album;
  const uploaded = asNonEmptyText(cloud?.alb);
  return uploaded === undefined ? undefined : { name: uploaded };
}

/**
 * The id of a song record (`id`, a number or a string of digits), or
 * `undefined` when it has none it could be fetched by.
 */
export function songIdOf(value: unknown): string | undefined {
  const song = asObject(value);
  return song ? asDigits(song.id) : undefined;
}

/**
 * A song (`songs[]`, `tracks[]`, or the legacy shape) and its privilege as
 * a `SongInfo`, or `undefined` for a song without an id. Every other field
 * is taken when present. The raw record is the song with its privilege
 * under `privilege` (as NetEase's own search results carry it), so
 * `downloadOffers()` can rebuild from it.
 */
export function readSong(
  value: unknown,
  privilege?: unknown,
): SongInfo | undefined {
  const song = asObject(value);
  const remoteId = songIdOf(song);
  if (song === undefined || remoteId === undefined) return undefined;
  const grant = asObject(privilege);
  // a cloud upload (t 1/2) carries the uploader's tags in `pc` (LX)
  const cloud = asObject(song.pc);
  const artists = artistsOf(song, cloud);
  return defined({
    platform: "netease" as const,
    remoteId,
    title: asNonEmptyText(song.name) ?? asNonEmptyText(cloud?.sn) ?? "",
    artists,
    artistNames: artists.map((a) => a.name).join("/"),
    album: albumOf(song, cloud),
    durationMs: asCount(song.dt) ?? asCount(song.duration),
    qualities: qualitiesOf(song, grant),
    availability: availabilityOf(song, grant),
    raw: grant ? { ...song, privilege: grant } : song,
  });
}

/**
 * A song as `readSong()` reads it; a song without an id is a `malformed`
 * error naming `path` (lists skip such songs instead, see `byId`).
 */
export function parseSong(
  value: unknown,
  privilege?: unknown,
  path = "song",
): SongInfo {
  return requiredSong(
    "netease",
    value,
    path,
    "id",
    (song) => readSong(song, privilege),
  );
}

/** The legacy files (`hMusic`...) of §8, by the level they stand for. */
const LEGACY_QUALITY_FIELDS: ReadonlyArray<readonly [string, Level]> = [
  ["hMusic", "exhigh"],
  ["mMusic", "higher"],
  ["lMusic", "standard"],
];

/**
 * The levels a song has, best first: `hr/sq/h/m/l` (or the legacy
 * `hMusic/mMusic/lMusic`), plus `jymaster` when the privilege's
 * `maxBrLevel` says the song has one (songs carry no field for it).
 */
export function qualitiesOf(song: Json, privilege?: Json): QualityInfo[] {
  const out: QualityInfo[] = [];
  if (privilege?.maxBrLevel === "jymaster") {
    out.push({ label: "master", level: "jymaster", extension: "flac" });
  }
  const current = SONG_QUALITY_FIELDS.some(([field]) => isObject(song[field]));
  const fields = current ? SONG_QUALITY_FIELDS : LEGACY_QUALITY_FIELDS;
  for (const [field, level] of fields) {
    const file = asObject(song[field]);
    if (!file) continue;
    const br = asNumber(file.br) ?? asNumber(file.bitrate);
    out.push(defined({
      label: LEVEL_LABELS[level],
      level,
      sizeBytes: asCount(file.size) || undefined,
      bitrateKbps: br !== undefined && br > 0
        ? Math.round(br / 1000)
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
  return artistAt(body, ["data", "artist"], ["avatar", "cover"]);
}

/** `v1/artist/<id>` → artist details (the fallback). */
export function parseArtistV1(body: unknown): ArtistDetail {
  return artistAt(body, ["artist"], ["picUrl", "img1v1Url"]);
}

/**
 * The artist object at `path` of an answer (every step an object), its
 * avatar the first of `avatarFields` it has; the whole answer is kept as
 * `raw`.
 */
function artistAt(
  body: unknown,
  path: readonly string[],
  avatarFields: readonly string[],
): ArtistDetail {
  const root = read.object(body, "");
  let artist = root;
  let where = "";
  for (const key of path) {
    where = at(where, key);
    artist = read.object(artist[key], where);
  }
  const avatarUrl = avatarFields.map((field) => asNonEmptyText(artist[field]))
    .find((url) => url !== undefined);
  const names = [
    ...asStrings(artist.alias),
    ...asStrings(artist.transNames),
    ...asStrings(typeof artist.trans === "string" ? [artist.trans] : []),
  ].filter((a) => a.trim() !== "");
  const description = asNonEmptyText(artist.briefDesc);
  return defined({
    platform: "netease" as const,
    remoteId: read.digits(artist.id, at(where, "id")),
    name: asText(artist.name) ?? "",
    avatarUrl,
    description,
    aliases: names.length > 0 ? [...new Set(names)] : undefined,
    songCount: asCount(artist.musicSize),
    albumCount: asCount(artist.albumSize),
    raw: root,
  });
}
