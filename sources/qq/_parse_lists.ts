/**
 * Pure parsers of what `listPools()`, `listPlaylists()` and
 * `playlistSongs()` read over musicu and `getcdinfo`: the square's
 * categories and their pages (family B, §3), the charts and their pages
 * (§4), and playlist pages (§5). What an answer cannot do without (a
 * category's, playlist's or chart's id, the list of a page) is a
 * `malformed` `SourceError` naming the field's path; everything else is
 * taken when present, and a song without a mid is skipped with a warning.
 *
 * @module
 */
import {
  asList,
  asNonEmptyText,
  asNumber,
  isObject,
  type Json,
} from "../_json.ts";
import type { PlaylistCandidate, PoolCandidate, SongInfo } from "../types.ts";
import { TOPLIST_POOL_NAME } from "./_constants.ts";
import {
  chinaDate,
  decodeEntities,
  number,
  parseSongs,
  plainText,
  read,
} from "./_parse.ts";

// ---------------------------------------------------------------- square

/** Square categories (`get_all_categories`) as pools (§3, family B). */
export function parseCategories(data: unknown): PoolCandidate[] {
  const groups = read.list(read.object(data, "data").v_group, "data.v_group");
  const pools: PoolCandidate[] = [];
  const seen = new Set<string>();
  groups.forEach((g, gi) => {
    const group = read.object(g, `data.v_group[${gi}]`);
    const groupName = asNonEmptyText(group.group_name);
    const where = `data.v_group[${gi}].v_item`;
    read.optionalList(group.v_item, where).forEach((it, ii) => {
      const item = read.object(it, `${where}[${ii}]`);
      const id = read.id(item.id, `${where}[${ii}].id`);
      if (seen.has(id)) return;
      seen.add(id);
      pools.push({
        platform: "qq",
        kind: "square",
        remoteKey: id,
        name: asNonEmptyText(item.name) ?? id,
        ...(groupName === undefined ? {} : { group: groupName }),
        raw: { ...item, group_id: group.group_id, group_name: groupName },
      });
    });
  });
  return pools;
}

/** One page of a category (`get_category_content`, §3). */
export interface CategoryPage {
  /** Playlists in the category (`total_cnt`). */
  total: number;
  /** The page's playlists. */
  playlists: PlaylistCandidate[];
}

/** Parses a page of a category's playlists. */
export function parseCategoryPage(data: unknown): CategoryPage {
  const content = read.object(
    read.object(data, "data").content,
    "data.content",
  );
  const items = read.optionalList(content.v_item, "data.content.v_item");
  // a page without its total counts as the last one
  const total = asNumber(content.total_cnt) ?? items.length;
  const playlists = items.map(
    (it, i) => {
      const where = `data.content.v_item[${i}]`;
      const item = read.object(it, where);
      const basic = read.object(item.basic, `${where}.basic`);
      const creator = isObject(basic.creator) ? basic.creator : {};
      const cover = isObject(basic.cover) ? basic.cover : {};
      const coverUrl = asNonEmptyText(cover.medium_url) ??
        asNonEmptyText(cover.default_url);
      const trackCount = asNumber(basic.song_cnt);
      const playCount = asNumber(basic.play_cnt);
      const nick = asNonEmptyText(creator.nick);
      const desc = asNonEmptyText(basic.desc);
      const candidate: PlaylistCandidate = {
        platform: "qq",
        remoteId: read.id(basic.tid, `${where}.basic.tid`),
        name: decodeEntities(asNonEmptyText(basic.title) ?? ""),
        ...(coverUrl === undefined ? {} : { coverUrl }),
        ...(trackCount === undefined ? {} : { trackCount }),
        ...(playCount === undefined ? {} : { playCount }),
        ...(nick === undefined ? {} : { creator: nick }),
        ...(desc === undefined ? {} : { description: plainText(desc) }),
        raw: basic,
      };
      return candidate;
    },
  );
  return { total, playlists };
}

// ---------------------------------------------------------------- toplists

/** A chart as `GetAll` lists it. */
export interface ToplistEntry {
  /** The chart's id. */
  topId: number;
  /** The chart's current period (`YYYY-MM-DD` or `YYYY_W`). */
  period: string;
  /** The chart as a playlist (`chart:<topId>`). */
  candidate: PlaylistCandidate;
}

/** The pool every chart belongs to. */
export function toplistPool(raw?: unknown): PoolCandidate {
  return {
    platform: "qq",
    kind: "toplist",
    remoteKey: "toplist",
    name: TOPLIST_POOL_NAME,
    ...(raw === undefined ? {} : { raw }),
  };
}

/** The remote id of a chart's playlist. */
export function chartRemoteId(topId: number): string {
  return `chart:${topId}`;
}

function chartCandidate(info: Json, where: string): PlaylistCandidate {
  const topId = chartId(info, where);
  const cover = asNonEmptyText(info.headPicUrl) ??
    asNonEmptyText(info.frontPicUrl);
  const trackCount = asNumber(info.totalNum);
  const playCount = asNumber(info.listenNum);
  const intro = asNonEmptyText(info.intro);
  const updatedAt = chinaDate(asNonEmptyText(info.updateTime));
  const { song: _previews, ...raw } = info;
  return {
    platform: "qq",
    remoteId: chartRemoteId(topId),
    name: decodeEntities(asNonEmptyText(info.title) ?? ""),
    ...(cover === undefined ? {} : { coverUrl: cover }),
    ...(trackCount === undefined ? {} : { trackCount }),
    ...(playCount === undefined ? {} : { playCount }),
    ...(intro === undefined ? {} : { description: plainText(intro) }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
    raw,
  };
}

/** A chart's id: `topId` (or `topid`), a whole number. */
function chartId(info: Json, where: string): number {
  const value = info.topId ?? info.topid;
  const topId = asNumber(value);
  if (topId === undefined || !Number.isSafeInteger(topId) || topId < 0) {
    throw read.error(`${where}.topId`, "a chart id", value);
  }
  return topId;
}

/** Every chart of `GetAll` (§4), once each, in the platform's order. */
export function parseToplists(data: unknown): ToplistEntry[] {
  const groups = read.list(read.object(data, "data").group, "data.group");
  const entries: ToplistEntry[] = [];
  const seen = new Set<number>();
  groups.forEach((g, gi) => {
    const group = read.object(g, `data.group[${gi}]`);
    const list = `data.group[${gi}].toplist`;
    read.optionalList(group.toplist, list).forEach((t, ti) => {
      const where = `${list}[${ti}]`;
      const info = read.object(t, where);
      const topId = chartId(info, where);
      if (seen.has(topId)) return;
      seen.add(topId);
      const candidate = chartCandidate(info, where);
      candidate.raw = {
        ...(candidate.raw as Json),
        groupName: group.groupName,
      };
      entries.push({
        topId,
        period: asNonEmptyText(info.period) ?? "",
        candidate,
      });
    });
  });
  return entries;
}

/** A page of a chart (`GetDetail`, §4). */
export interface ToplistPage {
  /** The period the answer is for: differs from the asked one on a mismatch. */
  period: string;
  /** Songs in the chart in that period. */
  totalNum: number;
  /** The chart as a playlist. */
  chart: PlaylistCandidate;
  /** The page's songs. */
  songs: SongInfo[];
  /** Song items the page held, skipped ones included. */
  received: number;
  /** One line per song skipped (no mid). */
  warnings: string[];
}

/** Parses a page of a chart's songs. */
export function parseToplistDetail(data: unknown): ToplistPage {
  const body = read.object(data, "data");
  const info = read.object(body.data, "data.data");
  const items = read.optionalList(body.songInfoList, "data.songInfoList");
  const { songs, warnings } = parseSongs(items, "data.songInfoList");
  return {
    period: asNonEmptyText(info.period) ?? "",
    // a page without its total counts as holding the whole chart
    totalNum: asNumber(info.totalNum) ?? items.length,
    chart: chartCandidate(info, "data.data"),
    songs,
    received: items.length,
    warnings,
  };
}

// ---------------------------------------------------------------- playlists

/** A page of a playlist (`getcdinfo`, §5). */
export interface CdInfoPage {
  /** `code`/`subcode` when the platform refused (missing or private list). */
  refused?: { code: number; subcode: number; message: string };
  /** Songs in the playlist (`total_song_num`). */
  total: number;
  /** The playlist's metadata, unless refused. */
  playlist?: PlaylistCandidate;
  /** The page's songs. */
  songs: SongInfo[];
  /** Song items the page held, skipped ones included. */
  received: number;
  /** One line per song skipped (no mid). */
  warnings: string[];
}

/**
 * Parses a `getcdinfo` answer: the songs in the new format
 * (`new_format=1`) or the old one; without `disstid` the page still gives
 * its songs, but no playlist metadata.
 */
export function parseCdInfo(body: unknown): CdInfoPage {
  const root = read.object(body, "");
  const code = number(root.code, "code", 0);
  const subcode = number(root.subcode, "subcode", 0);
  const list = read.optionalList(root.cdlist, "cdlist");
  if (code !== 0 || subcode !== 0 || list.length === 0) {
    return {
      refused: {
        code,
        subcode,
        message: asNonEmptyText(root.msg) ?? asNonEmptyText(root.message) ??
          "",
      },
      total: 0,
      songs: [],
      received: 0,
      warnings: [],
    };
  }
  const cd = read.object(list[0], "cdlist[0]");
  const items = read.optionalList(cd.songlist, "cdlist[0].songlist");
  const { songs, warnings } = parseSongs(items, "cdlist[0].songlist");
  // a page without its total counts as holding the whole playlist
  const total = asNumber(cd.total_song_num) ??
    asNumber(cd.songnum) ?? items.length;
  const { songlist: _songs, ...raw } = cd;
  const cover = asNonEmptyText(cd.logo);
  const nick = asNonEmptyText(cd.nickname) ?? asNonEmptyText(cd.nick);
  const desc = asNonEmptyText(cd.desc);
  const playCount = asNumber(cd.visitnum);
  const tags = asList(cd.tags).flatMap((t) =>
    isObject(t) && asNonEmptyText(t.name) !== undefined ? [String(t.name)] : []
  );
  const ctime = asNumber(cd.ctime);
  const disstid = asNonEmptyText(cd.disstid)?.trim();
  if (disstid === undefined) {
    return { total, songs, received: items.length, warnings };
  }
  const playlist: PlaylistCandidate = {
    platform: "qq",
    remoteId: disstid,
    name: decodeEntities(asNonEmptyText(cd.dissname) ?? ""),
    trackCount: total,
    ...(cover === undefined ? {} : { coverUrl: cover }),
    ...(playCount === undefined ? {} : { playCount }),
    ...(nick === undefined ? {} : { creator: nick }),
    ...(desc === undefined ? {} : { description: plainText(desc) }),
    ...(tags.length === 0 ? {} : { tags }),
    ...(ctime === undefined ? {} : { updatedAt: ctime * 1000 }),
    raw,
  };
  return { total, playlist, songs, received: items.length, warnings };
}
