/**
 * Pure parsers: Kuwo's JSON and text bodies to normalized records, and the
 * helpers the other parsers share. They accept the type drift the page
 * documents (numbers as strings, `MUSIC_` prefixes, HTML entities,
 * upper-case mobile field names) and take every field of a song when
 * present; what a body cannot do without (a playlist's or chart's id, the
 * list of a page) is a `malformed` `SourceError` naming the field's path
 * (`data.musicList[3]`), and a song without an id is skipped with a
 * warning. The pools, playlists and charts are read by `_parse_lists.ts`,
 * the `mobi.s` answers by `_parse_offers.ts`, nplserver's pages by
 * `_nplserver.ts`.
 *
 * @module
 */
import {
  asNumber,
  asObject,
  asText,
  Fields,
  isObject,
  type Json,
  songParsers,
} from "../_json.ts";
import { splitArtistNames } from "../artist_names.ts";
import type {
  ArtistDetail,
  ArtistRef,
  Availability,
  QualityInfo,
  SongInfo,
} from "../types.ts";
import {
  LADDER,
  MAX_PLAIN_BITRATE,
  PAY_MASK,
  type Rung,
} from "./_constants.ts";

/** Strict readers of Kuwo answers: `malformed` errors naming the path. */
export const read: Fields = new Fields("kuwo");

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  // Kuwo's `&nbsp;` stands for an ordinary space (§8)
  nbsp: " ",
};

/**
 * Decodes the HTML entities Kuwo puts in names (`&amp;`, `&nbsp;`,
 * `&apos;`, `&quot;`, `&#39;`, `&#x27;`), in one pass: `&amp;amp;` becomes
 * `&amp;`, as a browser shows it. Unknown entities stay as they are.
 */
export function decodeEntities(text: string): string {
  return text.replace(
    /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));/g,
    (whole, decimal?: string, hex?: string, name?: string) => {
      if (name !== undefined) return NAMED_ENTITIES[name] ?? whole;
      const code = parseInt(decimal ?? hex ?? "", decimal ? 10 : 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
}

/** An id without its `MUSIC_` prefix (any case). */
export function stripMusicPrefix(id: string): string {
  return id.replace(/^MUSIC_/i, "");
}

/** One entry of a `MINFO`/`N_MINFO` string. */
export interface MinfoEntry {
  /** Kuwo's level name (`ff`, `p`, `h`...). */
  level: string;
  /** The tier's bitrate. */
  bitrateKbps: number;
  /** The format, lower case (`flac`, `mp3`...). */
  format: string;
  /** The size as written (`52.83Mb`). */
  size: string;
}

const MINFO_ENTRY = /level:(\w+),bitrate:(\d+),format:(\w+),size:([\w.]+)/;

/** Parses a `;`-separated `MINFO`/`N_MINFO` string (§8.1); bad entries are skipped. */
export function parseMinfo(text: string): MinfoEntry[] {
  const entries: MinfoEntry[] = [];
  for (const part of text.split(";")) {
    const match = MINFO_ENTRY.exec(part);
    if (!match) continue;
    entries.push({
      level: match[1]!,
      bitrateKbps: Number(match[2]),
      format: match[3]!.toLowerCase(),
      size: match[4]!,
    });
  }
  return entries;
}

/** Bytes from a `MINFO` size (`52.83Mb`, `812Kb`), approximately. */
export function minfoSizeBytes(size: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([KMG]?)b?$/i.exec(size.trim());
  if (!match) return undefined;
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[
    match[2]!.toUpperCase() as "" | "K" | "M" | "G"
  ];
  return Math.round(Number(match[1]) * unit);
}

/** The ladder rung a bitrate and format stand for, if any. */
export function rungOf(bitrateKbps: number, format: string): Rung | undefined {
  return LADDER.find((rung) =>
    rung.bitrateKbps === bitrateKbps && rung.format === format.toLowerCase()
  );
}

function qualityOf(rung: Rung, sizeBytes?: number): QualityInfo {
  return {
    label: rung.label,
    level: rung.br,
    bitrateKbps: rung.bitrateKbps,
    extension: rung.format,
    ...(sizeBytes === undefined ? {} : { sizeBytes }),
  };
}

/**
 * Qualities of `MINFO` ∪ `N_MINFO` (§8.1, §14), best first, mapped by
 * bitrate and format; encrypted tiers above 4000 kbps and tiers off the
 * ladder (aac, ape) are ignored; the first entry of a tier wins.
 */
export function qualitiesFromMinfo(...texts: unknown[]): QualityInfo[] {
  const found = new Map<string, QualityInfo>();
  for (const text of texts) {
    if (typeof text !== "string") continue;
    for (const entry of parseMinfo(text)) {
      if (entry.bitrateKbps > MAX_PLAIN_BITRATE) continue;
      const rung = rungOf(entry.bitrateKbps, entry.format);
      if (!rung || found.has(rung.br)) continue;
      found.set(rung.br, qualityOf(rung, minfoSizeBytes(entry.size)));
    }
  }
  return LADDER.flatMap((rung) => {
    const quality = found.get(rung.br);
    return quality ? [quality] : [];
  });
}

/** `formats` tokens that stand for a ladder rung (§8.1); `WMA96`, `AAC48`... are below it. */
const FORMAT_RUNGS: Readonly<Record<string, string>> = {
  HIRFLAC: "4000kflac",
  ALFLAC: "2000kflac",
  MP3H: "320kmp3",
  MP3192: "192kmp3",
  MP3128: "128kmp3",
};

/** The ladder rungs a `|`-separated `formats`/`FORMATS` string names, best first (§8.1). */
export function rungsFromFormats(text: unknown): Rung[] {
  if (typeof text !== "string") return [];
  const named = new Set(
    text.split("|").map((token) => FORMAT_RUNGS[token.trim().toUpperCase()]),
  );
  return LADDER.filter((rung) => named.has(rung.br));
}

/** The `formats` string of a song item (nplserver `formats`, mobile `FORMATS`). */
export function formatsText(item: Json): unknown {
  return item.formats ?? item.FORMATS;
}

/** The `MINFO`-like strings of a song item, in any of its shapes. */
export function minfoTexts(item: Json): unknown[] {
  return [item.MINFO, item.N_MINFO, item.minfo, item.n_minfo];
}

/** Whether a song item carries `MINFO`/`N_MINFO` tiers. */
export function hasMinfo(item: Json): boolean {
  return minfoTexts(item).some((text) =>
    typeof text === "string" && parseMinfo(text).length > 0
  );
}

/**
 * The qualities a song item advertises. With `MINFO`/`N_MINFO` (mobile and
 * nplserver shapes) they are exact, with sizes; without them a `formats`
 * string (nplserver, mobile) names the tiers, without sizes. The web items
 * of `playListInfo` and `bang/musicList` carry only `hasLossless` (§8):
 * flac when it is true, and 128k mp3, which every online Kuwo track has;
 * the other tiers are found by asking `mobi.s` (see `offerRungs`).
 */
export function qualitiesOf(item: Json): QualityInfo[] {
  if (hasMinfo(item)) return qualitiesFromMinfo(...minfoTexts(item));
  const named = rungsFromFormats(formatsText(item));
  if (named.length > 0) return named.map((rung) => qualityOf(rung));
  const out: QualityInfo[] = [];
  if (item.hasLossless === true || item.hasLossless === 1) {
    out.push(qualityOf(LADDER[1]!));
  }
  out.push(qualityOf(LADDER[4]!));
  return out;
}

/** A flag that is 1 (`1`, `"1"`, `true`); anything but 0/1 fails closed (§8.2). */
function flagSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  const n = asNumber(value);
  if (value === false || n === 0) return false;
  return true;
}

/**
 * A song's availability from its signals (§8.2): taken down (`online: 0`,
 * `cannotOnlinePlay`) is `unavailable`; paid (`isListenFee`, `pay` bits
 * `0x030003`, `listen_fragment`, mobile `tpay`) is `vip`. `feeType.vip` is
 * set on free songs too and is not a VIP signal.
 */
export function availabilityOf(item: Json): Availability {
  const payInfo = isObject(item.payInfo) ? item.payInfo : {};
  const online = asNumber(item.online ?? item.ONLINE);
  if (online === 0 || flagSet(payInfo.cannotOnlinePlay)) return "unavailable";
  const pay = asNumber(item.pay ?? item.PAY);
  if (
    item.isListenFee === true ||
    (pay !== undefined && (pay & PAY_MASK) !== 0) ||
    asText(payInfo.listen_fragment) === "1" ||
    asNumber(item.tpay) === 1
  ) {
    return "vip";
  }
  return "available";
}

/** The song id of an item (`rid`, `musicrid`, `MUSICRID`, `id`), without `MUSIC_`. */
export function songIdOf(item: Json): string | undefined {
  for (const value of [item.rid, item.musicrid, item.MUSICRID, item.id]) {
    const text = asText(value);
    if (text !== undefined && text.trim() !== "") {
      const id = stripMusicPrefix(text.trim());
      if (/^\d+$/.test(id)) return id;
    }
  }
  return undefined;
}

/**
 * Artist credits: the `&`-joined string split as the page says; the lead
 * gets `artistid`; the others are name-only, unless an `allartistid`
 * string aligns with the names (mobile shapes, §8).
 */
export function artistsOf(item: Json): { names: string; refs: ArtistRef[] } {
  const names = decodeEntities(asText(item.artist ?? item.ARTIST) ?? "");
  const all = asText(item.allartistid)?.split("&").map((id) => id.trim());
  const parts = names.split("&");
  const refs: ArtistRef[] = [];
  const seen = new Set<string>();
  const add = (name: string, id: string | undefined) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    refs.push(id === undefined ? { name } : { remoteId: id, name });
  };
  const validId = (value: unknown) => {
    const id = asText(value)?.trim();
    return id !== undefined && /^\d+$/.test(id) && id !== "0" ? id : undefined;
  };
  if (all && all.length === parts.length && all.length > 1) {
    parts.forEach((part, i) => {
      splitArtistNames(part, "kuwo").forEach((name, k) =>
        add(name, k === 0 ? validId(all[i]) : undefined)
      );
    });
  } else {
    const lead = validId(item.artistid ?? item.ARTISTID);
    splitArtistNames(names, "kuwo").forEach((name, k) =>
      add(name, k === 0 ? lead : undefined)
    );
  }
  return { names, refs };
}

/**
 * A song item (web, mobile or nplserver shape) as a `SongInfo`, or
 * `undefined` for an item without a usable id; `raw` is the item.
 */
export function readSong(value: unknown): SongInfo | undefined {
  const item = asObject(value);
  const remoteId = item ? songIdOf(item) : undefined;
  if (item === undefined || remoteId === undefined) return undefined;
  const title = decodeEntities(
    asText(item.name ?? item.SONGNAME ?? item.NAME) ?? "",
  );
  const { names, refs } = artistsOf(item);
  const albumName = decodeEntities(asText(item.album ?? item.ALBUM) ?? "");
  const albumId = asText(item.albumid ?? item.ALBUMID ?? item.albumId)?.trim();
  const hasAlbumId = albumId !== undefined && /^\d+$/.test(albumId) &&
    albumId !== "0";
  const seconds = asNumber(
    item.duration ?? item.DURATION ?? item.song_duration,
  );
  return {
    platform: "kuwo",
    remoteId,
    title,
    artists: refs,
    artistNames: names,
    ...(albumName !== "" || hasAlbumId
      ? {
        album: {
          ...(hasAlbumId ? { remoteId: albumId } : {}),
          name: albumName,
        },
      }
      : {}),
    ...(seconds !== undefined && seconds > 0
      ? { durationMs: Math.round(seconds * 1000) }
      : {}),
    qualities: qualitiesOf(item),
    availability: availabilityOf(item),
    raw: item,
  };
}

/**
 * Kuwo's song parsers: `parseSong()` reads an item as `readSong()` does, an
 * item without a usable id a `malformed` error naming its path;
 * `parseSongs()` reads the items of a list, skipping such items with a
 * warning.
 */
export const { parseSong, parseSongs } = songParsers(
  "kuwo",
  "rid",
  readSong,
);

/** The `data` of a `{code: 200, data}` body, or a `malformed` error. */
export function dataOf(body: unknown): unknown {
  const root = read.object(body, "");
  if (root.data === undefined) throw read.error("data", "the data", undefined);
  return root.data;
}

/** Artist details (`artist/artist`, §10): `data{id, name, pic300, info, …}`. */
export function parseArtist(body: unknown, remoteId: string): ArtistDetail {
  const data = read.object(dataOf(body), "data");
  const id = asText(data.id)?.trim() || remoteId;
  const name = decodeEntities(asText(data.name) ?? "").trim();
  if (name === "") throw read.error("data.name", "a name", data.name);
  const avatar = [data.pic300, data.pic].map(asText)
    .find((url) => url !== undefined && url !== "");
  const info = decodeEntities(asText(data.info) ?? "");
  const aliases = decodeEntities(asText(data.aartist) ?? "").split("&")
    .map((alias) => alias.trim()).filter((alias) => alias !== "");
  const songCount = asNumber(data.musicNum);
  const albumCount = asNumber(data.albumNum);
  return {
    platform: "kuwo",
    remoteId: id,
    name,
    ...(avatar === undefined ? {} : { avatarUrl: avatar }),
    ...(info === "" ? {} : { description: info }),
    ...(aliases.length === 0 ? {} : { aliases }),
    ...(songCount === undefined ? {} : { songCount }),
    ...(albumCount === undefined ? {} : { albumCount }),
    raw: data,
  };
}
