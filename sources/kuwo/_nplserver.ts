/**
 * nplserver `pl.svc` (§7.2): a playlist's songs without auth, the
 * fallback of the signed web `playListInfo` (§7.1) when the web call fails
 * for a reason that is not the playlist's own.
 *
 * `GET http://nplserver.kuwo.cn/pl.svc?op=getlistinfo&pid=&pn=&rn=` with
 * `pn` from 0 and `rn` up to 1000 answers `{result: "ok", id, title, info,
 * uname, playnum, pic, total, pn, rn, musiclist[]}`: lower-case
 * `musiclist`, string ids and durations, `&amp;` in names, `N_MINFO` and
 * `formats` per song, `payInfo` sometimes.
 *
 * The songs map to the same `SongInfo` as the web path's (`parseSong`),
 * with these differences:
 *
 * - ids, names, artists (lead `artistid` only), album and duration come
 *   out the same; the web sends numbers (`rid`, `albumid`, `duration`)
 *   where nplserver sends strings;
 * - qualities: the web items say only `hasLossless` (flac and 128k, no
 *   sizes); nplserver's `N_MINFO` names every plain tier with its size
 *   (rounded to 0.01 MB), so `downloadOffers` asks exactly those rungs;
 * - availability: the web items carry `isListenFee`, `pay`, `online` and
 *   `payInfo`; nplserver items only `payInfo`, and only sometimes: a song
 *   without it counts as available (a VIP song is then found out by
 *   `mobi.s`'s preview stub, a taken-down one by its `code: -1`);
 * - `raw` is the nplserver item (no `rid`, `musicrid`, covers, `releaseDate`).
 *
 * @module
 */
import { asNumber, asText, type Json, type ParsedSongs } from "../_json.ts";
import { isSourceError, type SourceError } from "../errors.ts";
import type { PlaylistCandidate, PlaylistSongs, SongInfo } from "../types.ts";
import { PlaylistPages } from "../paging.ts";
import { NPLSERVER_PAGE_SIZE } from "./_constants.ts";
import { decodeEntities, parseSong, parseSongs, read } from "./_parse.ts";
import { checkNplserverResult, type KuwoTransport } from "./_transport.ts";

/** One page of `pl.svc?op=getlistinfo`, checked for its shape. */
export interface NplserverPage {
  /** The playlist id the page names, when it names one. */
  id: string | undefined;
  /** Songs in the playlist, as the page declares. */
  total: number;
  /** The page number (from 0) the answer says it is. */
  pn: number;
  /** The page size the answer says it has. */
  rn: number;
  /** The page's song items (`musiclist`). */
  items: unknown[];
  /** The playlist's header fields (everything but `musiclist`). */
  meta: Json;
}

/** A non-negative integer from a number or a numeric string, or a `malformed` error naming it. */
function countField(body: Json, field: string): number {
  const value = asNumber(body[field]);
  if (value === undefined || value < 0 || !Number.isInteger(value)) {
    throw read.error(field, "a count", body[field]);
  }
  return value;
}

/** Parses a `getlistinfo` page: `result === "ok"`, counts, `musiclist[]`. */
export function parseNplserverPage(body: unknown): NplserverPage {
  checkNplserverResult(body);
  const answer = body as Json;
  const items = read.list(answer.musiclist, "musiclist");
  const id = asText(answer.id)?.trim();
  if (id !== undefined && !/^\d+$/.test(id)) {
    throw read.error("id", "a playlist id of digits", answer.id);
  }
  const { musiclist: _songs, ...meta } = answer;
  return {
    id,
    total: countField(answer, "total"),
    pn: countField(answer, "pn"),
    rn: countField(answer, "rn"),
    items,
    meta,
  };
}

/**
 * A `musiclist` item as a `SongInfo` (the module comment lists how it
 * differs from a web item's): every field taken when present, in any of
 * its types; an item without a usable id is a `malformed` error.
 */
export function parseNplserverSong(item: unknown): SongInfo {
  return parseSong(item);
}

/** The songs of a page's `musiclist`; an item without a usable id is skipped with a warning. */
export function parseNplserverSongs(
  items: readonly unknown[],
): ParsedSongs<SongInfo> {
  return parseSongs(items, "musiclist");
}

/** The playlist as nplserver's header describes it. */
export function nplserverPlaylist(
  meta: Json,
  remoteId: string,
): PlaylistCandidate {
  const trackCount = asNumber(meta.total);
  const playCount = asNumber(meta.playnum);
  const cover = asText(meta.pic) ?? "";
  const creator = decodeEntities(asText(meta.uname) ?? "");
  const description = decodeEntities(asText(meta.info) ?? "");
  return {
    platform: "kuwo",
    remoteId,
    name: decodeEntities(asText(meta.title) ?? ""),
    ...(cover === "" ? {} : { coverUrl: cover }),
    ...(trackCount === undefined ? {} : { trackCount }),
    ...(playCount === undefined ? {} : { playCount }),
    ...(creator === "" ? {} : { creator }),
    ...(description === "" ? {} : { description }),
    raw: meta,
  };
}

/**
 * Whether a failure of the web `playListInfo` is one nplserver may get
 * round: refusals of the session that the refresh did not cure (`sign`,
 * `antibot`, `login`), HTML or malformed answers, and platform codes or
 * HTTP statuses other than "no such playlist" (`http`). Not: `not_found`
 * (the playlist's own fault), network failures, timeouts and rate limits
 * (another host of the same platform would not help, or should not be
 * asked), nor an abort.
 */
export function nplserverMayCure(error: unknown): error is SourceError {
  return isSourceError(
    error,
    "sign",
    "antibot",
    "login",
    "html",
    "malformed",
    "http",
  );
}

/**
 * Checks a page against what was asked: the playlist, `pn`, `rn`, and no
 * more songs than `rn`. Fewer is fine: a total may count hidden songs no
 * page holds (corrections, December 2026).
 */
function checkPage(
  page: NplserverPage,
  remoteId: string,
  pn: number,
  rn: number,
): void {
  if (page.id !== undefined && page.id !== remoteId) {
    throw read.malformed(
      `nplserver answered playlist ${page.id} for ${remoteId}`,
    );
  }
  if (page.pn !== pn || page.rn !== rn) {
    throw read.malformed(
      `nplserver answered pn=${page.pn}&rn=${page.rn} for pn=${pn}&rn=${rn}`,
    );
  }
  if (page.items.length > rn) {
    throw read.malformed(
      `nplserver page ${pn} of ${remoteId} holds ${page.items.length} songs, more than rn=${rn}`,
    );
  }
}

/**
 * Every song of a playlist from nplserver, pages `pn = 0, 1, ...` of
 * `rn = 1000`, until a page comes back empty or the pages asked cover the
 * total; a page that holds fewer songs than the total implies is taken as
 * it is (the same rule as the web path's).
 */
export async function nplserverPlaylistSongs(
  transport: KuwoTransport,
  remoteId: string,
  signal?: AbortSignal,
): Promise<PlaylistSongs> {
  const rn = NPLSERVER_PAGE_SIZE;
  const pages = new PlaylistPages();
  let total: number | undefined;
  for (let pn = 0;; pn++) {
    let page: NplserverPage | undefined;
    let pageSongs: ParsedSongs<SongInfo> = { songs: [], warnings: [] };
    await transport.nplserver(
      `op=getlistinfo&pid=${remoteId}&pn=${pn}&rn=${rn}`,
      (body) => {
        const parsed = parseNplserverPage(body);
        checkPage(parsed, remoteId, pn, rn);
        pageSongs = parseNplserverSongs(parsed.items);
        page = parsed;
      },
      signal,
    );
    if (!page) throw read.malformed(`nplserver page ${pn} was not read`);
    if (total !== undefined && page.total !== total) {
      throw read.malformed(
        `playlist ${remoteId} changed its total from ${total} to ${page.total} while paging nplserver`,
      );
    }
    total = page.total;
    pages.add(pageSongs, nplserverPlaylist(page.meta, remoteId));
    if (page.items.length === 0 || (pn + 1) * rn >= total) break;
  }
  return pages.songs(total);
}
