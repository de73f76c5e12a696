/**
 * Pure parsers of the download URL endpoints' answers (§9):
 * `song/enhance/player/url/v1` (`data` an array) and
 * `song/enhance/download/url/v1` (`data` one object), read into one
 * `UrlItem` shape. What an answer cannot do without is a `malformed`
 * `SourceError` naming the field's path; the item's other fields are taken
 * when present (numbers as strings too).
 *
 * @module
 */
import {
  asDigits,
  asNonEmptyText,
  asNumber,
  asText,
  isObject,
  type Json,
} from "../_json.ts";
import { read } from "./_parse.ts";

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
  const root = read.object(body, "");
  const data = root.data;
  const items = Array.isArray(data) ? data : [data];
  const index = items.findIndex((item) =>
    isObject(item) && asDigits(item.id) === songId
  );
  if (index >= 0) return urlItemOf(items[index] as Json, songId);
  const path = (i: number) => Array.isArray(data) ? `data[${i}]` : "data";
  if (items.length === 1) {
    return urlItemOf(read.object(items[0], path(0)), songId);
  }
  // an item it cannot read may be the one asked for: name it
  const unreadable = items.findIndex((item) => !isObject(item));
  if (unreadable >= 0) {
    throw read.error(path(unreadable), "a URL item", items[unreadable]);
  }
  const anonymous = items.findIndex((item) =>
    asDigits((item as Json).id) === undefined
  );
  if (anonymous >= 0) {
    throw read.error(
      `${path(anonymous)}.id`,
      "an id of digits",
      (items[anonymous] as Json).id,
    );
  }
  throw read.error("data", `the URL item of song ${songId}`, data);
}

/**
 * The item of a `song/enhance/download/url/v1` answer, strictly: `data` is
 * one object (never an array, §9) for the song asked, with a numeric
 * `code` and a `url` that is a string or null.
 */
export function parseDownloadUrlItem(body: unknown, songId: string): UrlItem {
  const root = read.object(body, "");
  const item = read.object(root.data, "data");
  const itemId = read.digits(item.id, "data.id");
  if (itemId !== songId) {
    throw read.error("data.id", `song ${songId}`, item.id);
  }
  read.number(item.code, "data.code");
  if (
    item.url !== null && item.url !== undefined && typeof item.url !== "string"
  ) {
    throw read.error("data.url", "a URL or null", item.url);
  }
  return urlItemOf(item, songId);
}

function urlItemOf(item: Json, songId: string): UrlItem {
  return {
    id: songId,
    url: typeof item.url === "string" && item.url !== "" ? item.url : null,
    code: asNumber(item.code),
    br: asNumber(item.br),
    size: asNumber(item.size),
    md5: asNonEmptyText(item.md5),
    type: asNonEmptyText(item.type)?.toLowerCase(),
    level: asText(item.level),
    fee: asNumber(item.fee),
    expi: asNumber(item.expi),
    freeTrialInfo: item.freeTrialInfo ?? null,
    raw: item,
  };
}
