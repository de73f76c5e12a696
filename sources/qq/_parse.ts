/**
 * Pure parsers: QQ Music JSON (the `data` of a gateway label, or a legacy
 * CGI body) to normalized records, and the helpers the other parsers
 * share. They take what a record holds and leave out what it lacks or
 * holds in another type: numbers as strings, the old song format of
 * `getcdinfo` without `new_format` (`songmid`, `songname`, `size128`...,
 * §6), `null` where an object was. What an answer cannot do without (a
 * playlist's or chart's id, the list of a page) is a `malformed`
 * `SourceError` naming the field's path the way the protocol page writes
 * it (`data.songlist[3].mid`); a song without a mid is skipped with a
 * warning. The pools, playlists and charts are read by `_parse_lists.ts`,
 * the vkey answers by `_parse_offers.ts`, the legacy square by
 * `_legacy_square.ts`.
 *
 * @module
 */
import {
  asList,
  asNonEmptyText,
  asNumber,
  asObject,
  Fields,
  isObject,
  type Json,
  songParsers,
} from "../_json.ts";
import type {
  ArtistDetail,
  ArtistRef,
  Availability,
  QualityInfo,
  SongInfo,
} from "../types.ts";
import {
  artistPhotoUrl,
  LADDER,
  type Rung,
  SWITCH_BITS,
  type SwitchRight,
} from "./_constants.ts";

/** Strict readers of QQ answers: `malformed` errors naming the path. */
export const read: Fields = new Fields("qq");

/** A number from a number or a numeric string; `fallback` when absent or `null`. */
export function number(
  value: unknown,
  path: string,
  fallback?: number,
): number {
  if ((value === undefined || value === null) && fallback !== undefined) {
    return fallback;
  }
  return read.number(value, path);
}

/** The named HTML entities the legacy CGIs use, `&amp;` last (§3). */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  nbsp: " ",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  amp: "&",
};

/**
 * A name with the HTML entities some answers carry decoded once (§3):
 * the named ones above and numeric ones (`&#39;`, `&#x27;`); anything
 * else is left as it is.
 */
export function decodeEntities(text: string): string {
  return text.replace(
    /&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g,
    (entity, body: string) => {
      if (body.startsWith("#")) {
        const code = body[1] === "x" || body[1] === "X"
          ? parseInt(body.slice(2), 16)
          : parseInt(body.slice(1), 10);
        return code > 0 && code <= 0x10ffff
          ? String.fromCodePoint(code)
          : entity;
      }
      return NAMED_ENTITIES[body] ?? entity;
    },
  );
}

/** Text of an HTML fragment (`intro` carries `<br>`), entities decoded. */
export function plainText(text: string): string {
  return decodeEntities(
    text.replace(/<br\s*\/?>/gi, "\n").replace(/<[^>]*>/g, ""),
  ).trim();
}

/** Epoch ms of a China-time date (`2019-06-03` or `2019-06-03 12:00:00`). */
export function chinaDate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?$/
    .exec(text.trim());
  if (!match) return undefined;
  const time = match[2] ?? "00:00:00";
  const parsed = Date.parse(
    `${match[1]}T${time.length === 5 ? `${time}:00` : time}+08:00`,
  );
  return Number.isNaN(parsed) ? undefined : parsed;
}

// ---------------------------------------------------------------- songs

/** The `action.switch` rights of a song (§6.2). */
export function switchRights(value: number): Set<SwitchRight> {
  const rights = new Set<SwitchRight>();
  SWITCH_BITS.forEach((name, i) => {
    // bit 0 is dropped; bit k (k >= 1) is SWITCH_BITS[k - 1]
    if (Math.floor(value / 2 ** (i + 1)) % 2 === 1) rights.add(name);
  });
  return rights;
}

/**
 * Where the old song format (`getcdinfo` without `new_format`, §6) and the
 * legacy duplicates of §6.1 keep what the current `file` object calls
 * otherwise: old field → current field.
 */
const LEGACY_SIZES: ReadonlyArray<readonly [string, string]> = [
  ["size128", "size_128mp3"],
  ["size_128", "size_128mp3"],
  ["size320", "size_320mp3"],
  ["size_320", "size_320mp3"],
  ["sizeflac", "size_flac"],
  ["sizeape", "size_ape"],
  ["sizeogg", "size_192ogg"],
  ["size_ogg", "size_192ogg"],
  ["size_aac", "size_96aac"],
];

/**
 * A song's `file` object in the current shape (§6.1): the `file` object
 * itself, its legacy duplicates (`size_128`, `size_ogg`...) filling the
 * current fields they stand for, or for an old-format song one built from
 * its `size128`/`size320`/`sizeflac`/`sizeape`/`sizeogg` and
 * `strMediaMid`. Empty for a song without any.
 */
export function fileOf(song: unknown): Json {
  const record = asObject(song);
  if (record === undefined) return {};
  const current = asObject(record.file);
  const source = current ?? record;
  const file: Json = current ? { ...current } : {};
  for (const [legacy, field] of LEGACY_SIZES) {
    if (asNumber(file[field]) === undefined && source[legacy] !== undefined) {
      file[field] = source[legacy];
    }
  }
  if (asNonEmptyText(file.media_mid) === undefined) {
    const media = asNonEmptyText(source.strMediaMid) ??
      asNonEmptyText(record.strMediaMid);
    if (media !== undefined) file.media_mid = media;
  }
  return file;
}

/** The size of a rung in a song's `file` object (0 = absent). */
export function rungSize(file: Json, rung: Rung): number {
  const value = "index" in rung.size
    ? asList(file.size_new)[rung.size.index]
    : file[rung.size.field];
  const size = asNumber(value);
  return size !== undefined && size > 0 ? size : 0;
}

/** A rung a song has, with its declared size. */
export interface SongRung {
  /** The rung. */
  rung: Rung;
  /** Its size as the song's `file` object declares it. */
  sizeBytes: number;
}

/** The ladder rungs a song's `file` object (see `fileOf`) declares, best first. */
export function songRungs(file: unknown): SongRung[] {
  if (!isObject(file)) return [];
  return LADDER.flatMap((rung) => {
    const sizeBytes = rungSize(file, rung);
    return sizeBytes > 0 ? [{ rung, sizeBytes }] : [];
  });
}

/** Advertised qualities of a song's `file` object, best first. */
export function qualitiesOf(file: unknown): QualityInfo[] {
  return songRungs(file).map(({ rung, sizeBytes }) => ({
    label: rung.label,
    level: rung.prefix,
    sizeBytes,
    extension: rung.extension,
    ...(rung.bitrateKbps === undefined
      ? {}
      : { bitrateKbps: rung.bitrateKbps }),
  }));
}

/**
 * Whether a song can be played (§6.2): unavailable when removed
 * (`status != 0`), without files, or without any `play_*` right; `vip`
 * when it must be paid to play at all (`pay_play == 1`, old format
 * `payplay`, checked before the rights: such songs carry no play bit for
 * anonymous users); otherwise available (`pay_month` songs are free at low
 * quality, VIP above). The old format keeps the rights in `switch`.
 */
export function availabilityOf(song: unknown): Availability {
  if (!isObject(song)) return "unavailable";
  if ((asNumber(song.status) ?? 0) !== 0) return "unavailable";
  if (songRungs(fileOf(song)).length === 0) return "unavailable";
  const pay = asObject(song.pay) ?? {};
  if (asNumber(pay.pay_play ?? pay.payplay) === 1) return "vip";
  const action = asObject(song.action);
  const bits = asNumber(action ? action.switch : song.switch);
  if (bits !== undefined) {
    const rights = switchRights(bits);
    if (
      !rights.has("play_lq") && !rights.has("play_hq") &&
      !rights.has("play_sq")
    ) {
      return "unavailable";
    }
  }
  return "available";
}

/**
 * The record of a song item: the item itself, or for the wrappers some
 * answers put around it (`{data: song}` in the old chart CGI,
 * `{songInfo: song}` in singer lists, `{musicData: song}` in old singer
 * lists) the song inside, when the item has no mid of its own.
 */
function songRecord(item: Json): Json {
  if (songMidOf(item) !== undefined) return item;
  for (const key of ["songInfo", "data", "musicData"]) {
    const inner = asObject(item[key]);
    if (inner && songMidOf(inner) !== undefined) return inner;
  }
  return item;
}

/** The mid of a song record: `mid` (new format) or `songmid` (old format). */
function songMidOf(song: Json): string | undefined {
  return asNonEmptyText(song.mid)?.trim() ??
    asNonEmptyText(song.songmid)?.trim();
}

/**
 * A song object (new format §6, or the old one) as a `SongInfo`, or
 * `undefined` for a song without a mid. Every other field is taken when
 * present; `raw` is the song record (unwrapped, see `songRecord`).
 */
export function readSong(raw: unknown): SongInfo | undefined {
  const item = asObject(raw);
  if (item === undefined) return undefined;
  const song = songRecord(item);
  const mid = songMidOf(song);
  if (mid === undefined) return undefined;
  const title = asNonEmptyText(song.name) ?? asNonEmptyText(song.title) ??
    asNonEmptyText(song.songname) ?? asNonEmptyText(song.songorig) ?? "";
  const artists: ArtistRef[] = [];
  const seen = new Set<string>();
  for (const value of asList(song.singer)) {
    const singer = asObject(value);
    if (singer === undefined) continue;
    const name = asNonEmptyText(singer.name) ?? asNonEmptyText(singer.title);
    if (name === undefined) continue;
    const singerMid = asNonEmptyText(singer.mid);
    const key = singerMid === undefined ? `name:${name}` : `mid:${singerMid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    artists.push(
      singerMid === undefined ? { name } : { remoteId: singerMid, name },
    );
  }
  const album = asObject(song.album);
  const albumName = album
    ? asNonEmptyText(album.name) ?? asNonEmptyText(album.title)
    : asNonEmptyText(song.albumname);
  const albumMid = album
    ? asNonEmptyText(album.mid)
    : asNonEmptyText(song.albummid);
  const interval = asNumber(song.interval);
  const file = fileOf(song);
  return {
    platform: "qq",
    remoteId: mid,
    title,
    artists,
    artistNames: artists.map((a) => a.name).join("/"),
    ...(albumName === undefined || albumName === "空" ? {} : {
      album: albumMid === undefined
        ? { name: albumName }
        : { remoteId: albumMid, name: albumName },
    }),
    ...(interval === undefined || interval < 0
      ? {}
      : { durationMs: interval * 1000 }),
    qualities: qualitiesOf(file),
    availability: availabilityOf(song),
    raw: song,
  };
}

/**
 * QQ's song parsers: `parseSong()` reads a song as `readSong()` does, a
 * song without a mid a `malformed` error naming its path; `parseSongs()`
 * reads the songs of a list, skipping such songs with a warning.
 */
export const { parseSong, parseSongs } = songParsers(
  "qq",
  "mid",
  readSong,
);

// ---------------------------------------------------------------- artists

/** Parses a `GetSingerDetail` answer (§6.4); `undefined` when it lists nobody. */
export function parseSingerDetail(data: unknown): ArtistDetail | undefined {
  const list = read.optionalList(
    read.object(data, "data").singer_list,
    "data.singer_list",
  );
  if (list.length === 0) return undefined;
  const entry = read.object(list[0], "data.singer_list[0]");
  const basic = read.object(entry.basic_info, "data.singer_list[0].basic_info");
  const ex = asObject(entry.ex_info) ?? {};
  const mid = read.id(
    basic.singer_mid,
    "data.singer_list[0].basic_info.singer_mid",
  );
  const desc = asNonEmptyText(ex.desc);
  return {
    platform: "qq",
    remoteId: mid,
    name: asNonEmptyText(basic.name) ?? "",
    avatarUrl: artistPhotoUrl(mid),
    ...(desc === undefined ? {} : { description: plainText(desc) }),
    raw: entry,
  };
}
