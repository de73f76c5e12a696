/**
 * Pure parsers: QQ Music JSON (the `data` of a gateway label, or a legacy
 * CGI body) to normalized records, and the helpers the other parsers
 * share. They throw a `malformed` `SourceError` when a payload is not
 * shaped as the protocol page says. The pools, playlists and charts are
 * read by `_parse_lists.ts`, the vkey answers by `_parse_offers.ts`, the
 * legacy square by `_legacy_square.ts`.
 *
 * @module
 */
import { isObject, type Json } from "../_json.ts";
import { malformedAnswer, type SourceError } from "../errors.ts";
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

/** A `malformed` error about a payload. */
export function malformed(message: string, cause?: unknown): SourceError {
  return malformedAnswer("qq", message, cause === undefined ? {} : { cause });
}

/** `value` as an object, or a `malformed` error naming `what`. */
export function object(value: unknown, what: string): Json {
  if (!isObject(value)) throw malformed(`expected an object at ${what}`);
  return value;
}

/** `value` as a list, or a `malformed` error naming `what`. */
export function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(`expected a list at ${what}`);
  return value;
}

/** A list, or empty for `null`/absent (the platform sends both). */
export function optionalArray(value: unknown, what: string): unknown[] {
  return value === null || value === undefined ? [] : array(value, what);
}

/** A number from a number or a numeric string; `fallback` when absent. */
export function number(
  value: unknown,
  what: string,
  fallback?: number,
): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  if ((value === undefined || value === null) && fallback !== undefined) {
    return fallback;
  }
  throw malformed(`expected a number at ${what}, got ${JSON.stringify(value)}`);
}

/** A string from a string or a number, or a `malformed` error naming `what`. */
export function string(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw malformed(`expected a string at ${what}, got ${JSON.stringify(value)}`);
}

/** A non-empty string from a string or a number; `undefined` otherwise. */
export function optionalString(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/** A number from a number or a numeric string; `undefined` otherwise. */
export function optionalNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  return undefined;
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

/** The size of a rung in a song's `file` object (0 = absent). */
export function rungSize(file: Json, rung: Rung): number {
  const value = "index" in rung.size
    ? (Array.isArray(file.size_new) ? file.size_new[rung.size.index] : 0)
    : file[rung.size.field];
  return optionalNumber(value) ?? 0;
}

/** A rung a song has, with its declared size. */
export interface SongRung {
  /** The rung. */
  rung: Rung;
  /** Its size as the song's `file` object declares it. */
  sizeBytes: number;
}

/** The ladder rungs a song's `file` declares, best first. */
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
 * when it must be paid to play at all (`pay_play == 1`, checked before the
 * rights: such songs carry no play bit for anonymous users); otherwise
 * available (`pay_month` songs are free at low quality, VIP above).
 */
export function availabilityOf(song: unknown): Availability {
  if (!isObject(song)) return "unavailable";
  if ((optionalNumber(song.status) ?? 0) !== 0) return "unavailable";
  if (songRungs(song.file).length === 0) return "unavailable";
  const pay = isObject(song.pay) ? song.pay : {};
  if (optionalNumber(pay.pay_play) === 1) return "vip";
  const action = isObject(song.action) ? song.action : {};
  const bits = optionalNumber(action.switch);
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

/** Parses a song object (new format, §6). */
export function parseSong(raw: unknown, where = "song"): SongInfo {
  const song = object(raw, where);
  const mid = string(song.mid, `${where}.mid`);
  if (mid === "") throw malformed(`expected a mid at ${where}.mid`);
  const title = optionalString(song.name) ?? optionalString(song.title) ?? "";
  const artists: ArtistRef[] = [];
  const seen = new Set<string>();
  optionalArray(song.singer, `${where}.singer`).forEach((s, i) => {
    const singer = object(s, `${where}.singer[${i}]`);
    const name = optionalString(singer.name) ?? optionalString(singer.title);
    if (name === undefined) return;
    const singerMid = optionalString(singer.mid);
    const key = singerMid === undefined ? `name:${name}` : `mid:${singerMid}`;
    if (seen.has(key)) return;
    seen.add(key);
    artists.push(
      singerMid === undefined ? { name } : {
        remoteId: singerMid,
        name,
      },
    );
  });
  const album = isObject(song.album) ? song.album : {};
  const albumName = optionalString(album.name) ?? optionalString(album.title);
  const albumMid = optionalString(album.mid);
  const interval = optionalNumber(song.interval);
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
    ...(interval === undefined ? {} : { durationMs: interval * 1000 }),
    qualities: qualitiesOf(song.file),
    availability: availabilityOf(song),
    raw: song,
  };
}

// ---------------------------------------------------------------- artists

/** Parses a `GetSingerDetail` answer (§6.4); `undefined` when it lists nobody. */
export function parseSingerDetail(data: unknown): ArtistDetail | undefined {
  const list = optionalArray(
    object(data, "data").singer_list,
    "data.singer_list",
  );
  if (list.length === 0) return undefined;
  const entry = object(list[0], "singer_list[0]");
  const basic = object(entry.basic_info, "singer_list[0].basic_info");
  const ex = isObject(entry.ex_info) ? entry.ex_info : {};
  const mid = string(basic.singer_mid, "basic_info.singer_mid");
  const desc = optionalString(ex.desc);
  return {
    platform: "qq",
    remoteId: mid,
    name: string(basic.name, "basic_info.name"),
    avatarUrl: artistPhotoUrl(mid),
    ...(desc === undefined ? {} : { description: plainText(desc) }),
    raw: entry,
  };
}
