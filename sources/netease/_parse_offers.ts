/**
 * Pure parsers of the download URL endpoints' answers (§9):
 * `song/enhance/player/url/v1` (`data` an array) and
 * `song/enhance/download/url/v1` (`data` one object), read into one
 * `UrlItem` shape. They throw `TypeError` on a shape they cannot read.
 *
 * @module
 */
import { isObject, type Json } from "../_json.ts";
import { id, kind, object, text } from "./_parse.ts";

/** One item of `song/enhance/player/url/v1` (`data[0]`) or download `data`. */
export interface UrlItem {
  /** The song asked for. */
  id: string;
  /** The file's URL; `null` when none is granted (an empty one too). */
  url: string | null;
  /** The item's own code: 200 for a usable item. */
  code: number | undefined;
  /** Bitrate in bit/s. */
  br: number | undefined;
  /** Size in bytes. */
  size: number | undefined;
  /** The file's MD5, hex. */
  md5: string | undefined;
  /** The file type, lower case (`flac`, `mp3`...). */
  type: string | undefined;
  /** The level served, which may be below the one asked. */
  level: string | undefined;
  /** The song's fee type (1, 4, 8: paid). */
  fee: number | undefined;
  /** Seconds the URL stays valid. */
  expi: number | undefined;
  /** Set on a preview instead of the full song. */
  freeTrialInfo: unknown;
  /** The item as answered. */
  raw: Json;
}

/** The item for one song of a player (array) or download (object) answer. */
export function parseUrlItem(body: unknown, songId: string): UrlItem {
  const root = object(body, "the URL answer");
  const data = root.data;
  const items = Array.isArray(data) ? data : [data];
  const match =
    items.find((item) => isObject(item) && String(item.id) === songId) ??
      (items.length === 1 ? items[0] : undefined);
  return urlItemOf(object(match, `the URL item of song ${songId}`), songId);
}

/**
 * The item of a `song/enhance/download/url/v1` answer, strictly: `data` is
 * one object (never an array, §9) for the song asked, with a numeric
 * `code` and a `url` that is a string or null.
 */
export function parseDownloadUrlItem(body: unknown, songId: string): UrlItem {
  const root = object(body, "the download URL answer");
  const item = object(root.data, "the download URL answer's data");
  const itemId = id(item.id, "data.id");
  if (itemId !== songId) {
    throw new TypeError(
      `Expected the download URL of song ${songId}, got song ${itemId}`,
    );
  }
  if (typeof item.code !== "number") {
    throw new TypeError(
      `Expected data.code to be a number, got ${kind(item.code)}`,
    );
  }
  if (item.url !== null && typeof item.url !== "string") {
    throw new TypeError(
      `Expected data.url to be a string or null, got ${kind(item.url)}`,
    );
  }
  return urlItemOf(item, songId);
}

function urlItemOf(item: Json, songId: string): UrlItem {
  const num = (v: unknown) => typeof v === "number" ? v : undefined;
  return {
    id: songId,
    url: typeof item.url === "string" && item.url !== "" ? item.url : null,
    code: num(item.code),
    br: num(item.br),
    size: num(item.size),
    md5: typeof item.md5 === "string" && item.md5 !== "" ? item.md5 : undefined,
    type: typeof item.type === "string" && item.type !== ""
      ? item.type.toLowerCase()
      : undefined,
    level: text(item.level),
    fee: num(item.fee),
    expi: num(item.expi),
    freeTrialInfo: item.freeTrialInfo ?? null,
    raw: item,
  };
}
