/**
 * Pure parsers of what `listPools()`, `listPlaylists()` and
 * `playlistSongs()` read: the square's tags and playlist pages (§5), the
 * charts and their pages (§6), and the pages of `playListInfo` (§7.1).
 * What a body cannot do without (a tag's, playlist's or chart's id, the
 * list of a page) is a `malformed` `SourceError` naming the field's path;
 * everything else is taken when present.
 *
 * @module
 */
import { asNumber, asText, type Json } from "../_json.ts";
import type { PlaylistCandidate, PoolCandidate } from "../types.ts";
import {
  CHART_PREFIX,
  ITEM_DIGEST_PLAYLIST,
  RECOMMENDED_POOL_KEY,
  RECOMMENDED_POOL_NAME,
  TAG_DIGEST_PLAYLISTS,
  TOPLIST_POOL_KEY,
  TOPLIST_POOL_NAME,
} from "./_constants.ts";
import { dataOf, decodeEntities, read } from "./_parse.ts";

/**
 * The square's tags (`getTagList`, §5) as pools: `data[].data[]{id, name,
 * digest}`, ids as strings. Tags with another `digest` than 10000 (zone
 * lists, `er.s`) are left out: their playlists come from another service.
 */
export function parseTagList(body: unknown): PoolCandidate[] {
  const groups = read.list(dataOf(body), "data");
  const pools: PoolCandidate[] = [];
  const seen = new Set<string>();
  for (const [gi, value] of groups.entries()) {
    const group = read.object(value, `data[${gi}]`);
    const groupName = decodeEntities(asText(group.name) ?? "");
    const tags = read.optionalList(group.data, `data[${gi}].data`);
    for (const [ti, entry] of tags.entries()) {
      const where = `data[${gi}].data[${ti}]`;
      const tag = read.object(entry, where);
      const id = read.id(tag.id, `${where}.id`);
      const digest = asText(tag.digest);
      if (digest !== undefined && digest !== TAG_DIGEST_PLAYLISTS) continue;
      if (seen.has(id)) continue;
      seen.add(id);
      pools.push({
        platform: "kuwo",
        kind: "square",
        remoteKey: id,
        name: decodeEntities(asText(tag.name) ?? id),
        ...(groupName === "" ? {} : { group: groupName }),
        raw: tag,
      });
    }
  }
  return pools;
}

/** One page of square playlists. */
export interface SquarePage {
  /** Items in the pool, as the page declares. */
  total: number;
  /** Items on the page, including ones that are not ordinary playlists. */
  received: number;
  /** The page's ordinary playlists. */
  playlists: PlaylistCandidate[];
}

/**
 * A page of `getTagPlayList`/`getRcmPlayList` (§5): `data{total, data[]}`,
 * item numbers as strings. Items whose `digest` is not 8 (albums, zone
 * entries) are not playlists `playListInfo` can open (§7.3): skipped.
 */
export function parseSquarePage(body: unknown): SquarePage {
  const data = read.object(dataOf(body), "data");
  const items = read.optionalList(data.data, "data.data");
  // a page without its total counts as the last one
  const total = asNumber(data.total) ?? items.length;
  const playlists: PlaylistCandidate[] = [];
  for (const [i, value] of items.entries()) {
    const item = read.object(value, `data.data[${i}]`);
    const digest = asText(item.digest);
    if (digest !== undefined && digest !== ITEM_DIGEST_PLAYLIST) continue;
    playlists.push(playlistOf(item, `data.data[${i}]`));
  }
  return { total, received: items.length, playlists };
}

function playlistOf(item: Json, path: string): PlaylistCandidate {
  const id = read.digits(item.id, `${path}.id`);
  const trackCount = asNumber(item.total);
  const playCount = asNumber(item.listencnt);
  const cover = asText(item.img) ?? "";
  const creator = decodeEntities(asText(item.userName ?? item.uname) ?? "");
  const description = decodeEntities(
    [item.desc, item.info].map(asText).find((text) => text) ?? "",
  );
  const tags = (asText(item.tag) ?? "").split(",").map((t) => t.trim())
    .filter((t) => t !== "");
  return {
    platform: "kuwo",
    remoteId: id,
    name: decodeEntities(asText(item.name) ?? ""),
    ...(cover === "" ? {} : { coverUrl: cover }),
    ...(trackCount === undefined ? {} : { trackCount }),
    ...(playCount === undefined ? {} : { playCount }),
    ...(creator === "" ? {} : { creator }),
    ...(tags.length === 0 ? {} : { tags: tags.map(decodeEntities) }),
    ...(description === "" ? {} : { description }),
    raw: item,
  };
}

/** The recommended list (`getRcmPlayList`, §5), a square pool of its own. */
export function recommendedPool(): PoolCandidate {
  return {
    platform: "kuwo",
    kind: "square",
    remoteKey: RECOMMENDED_POOL_KEY,
    name: RECOMMENDED_POOL_NAME,
  };
}

/** The toplist pool (§6). */
export function toplistPool(): PoolCandidate {
  return {
    platform: "kuwo",
    kind: "toplist",
    remoteKey: TOPLIST_POOL_KEY,
    name: TOPLIST_POOL_NAME,
  };
}

/**
 * The charts of `wapi` `bang/list` (§6): `child[].child[]{sourceid, name,
 * intro, pic, pic2, pic5}` as playlists with `remoteId` `chart:<sourceid>`
 * (the chart id is `sourceid`, not `id`); cover `pic5` > `pic2` > `pic`.
 */
export function parseBangList(body: unknown): PlaylistCandidate[] {
  const root = read.object(body, "");
  const groups = read.list(root.child, "child");
  const charts: PlaylistCandidate[] = [];
  const seen = new Set<string>();
  for (const [gi, value] of groups.entries()) {
    const group = read.object(value, `child[${gi}]`);
    const groupName = decodeEntities(asText(group.disname) ?? "");
    const list = read.optionalList(group.child, `child[${gi}].child`);
    for (const [ci, entry] of list.entries()) {
      const where = `child[${gi}].child[${ci}]`;
      const chart = read.object(entry, where);
      const id = read.digits(chart.sourceid, `${where}.sourceid`);
      if (seen.has(id)) continue;
      seen.add(id);
      const cover = [chart.pic5, chart.pic2, chart.pic].map(asText)
        .find((url) => url !== undefined && url !== "");
      const intro = decodeEntities(asText(chart.intro) ?? "");
      charts.push({
        platform: "kuwo",
        remoteId: `${CHART_PREFIX}${id}`,
        name: decodeEntities(asText(chart.name) ?? id),
        ...(cover === undefined ? {} : { coverUrl: cover }),
        ...(groupName === "" ? {} : { tags: [groupName] }),
        ...(intro === "" ? {} : { description: intro }),
        raw: chart,
      });
    }
  }
  return charts;
}

/** One page of a chart (`bang/musicList`, §6): `data.num` (a string) and the items. */
export function parseChartPage(
  body: unknown,
): { num: number; items: unknown[]; data: Json } {
  const data = read.object(dataOf(body), "data");
  const items = read.optionalList(data.musicList, "data.musicList");
  return {
    // a page without its total counts as holding the whole chart
    num: asNumber(data.num) ?? items.length,
    items,
    data,
  };
}

/** One page of a playlist (`playListInfo`, §7.1). */
export interface PlaylistPage {
  /** The playlist id the page names. */
  id: string;
  /** Songs in the playlist, as the page declares. */
  total: number;
  /** The page's song items (`musicList`). */
  items: unknown[];
  /** The playlist's metadata from the page's header fields. */
  playlist: PlaylistCandidate;
}

/** A page of `playListInfo`: `data{id, name, total, musicList[]}`. */
export function parsePlaylistPage(body: unknown): PlaylistPage {
  const data = read.object(dataOf(body), "data");
  const items = read.optionalList(data.musicList, "data.musicList");
  const declared = asNumber(data.total);
  // a page without its total counts as holding the whole playlist
  const total = declared !== undefined && declared >= 0
    ? declared
    : items.length;
  const { musicList: _songs, ...meta } = data;
  const playlist = playlistOf(meta, "data");
  return { id: playlist.remoteId, total, items, playlist };
}
