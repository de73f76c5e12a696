/**
 * Pure parsers of what `listPools()`, `listPlaylists()` and
 * `playlistSongs()` read over musicu and `getcdinfo`: the square's
 * categories and their pages (family B, §3), the charts and their pages
 * (§4), and playlist pages (§5). They throw a `malformed` `SourceError`
 * when a payload is not shaped as the protocol page says.
 *
 * @module
 */
import { isObject, type Json } from "../_json.ts";
import type { PlaylistCandidate, PoolCandidate, SongInfo } from "../types.ts";
import { TOPLIST_POOL_NAME } from "./_constants.ts";
import {
  array,
  chinaDate,
  decodeEntities,
  number,
  object,
  optionalArray,
  optionalNumber,
  optionalString,
  parseSong,
  plainText,
  string,
} from "./_parse.ts";

// ---------------------------------------------------------------- square

/** Square categories (`get_all_categories`) as pools (§3, family B). */
export function parseCategories(data: unknown): PoolCandidate[] {
  const groups = array(object(data, "data").v_group, "data.v_group");
  const pools: PoolCandidate[] = [];
  const seen = new Set<string>();
  groups.forEach((g, gi) => {
    const group = object(g, `v_group[${gi}]`);
    const groupName = optionalString(group.group_name);
    optionalArray(group.v_item, `v_group[${gi}].v_item`).forEach((it, ii) => {
      const item = object(it, `v_group[${gi}].v_item[${ii}]`);
      const id = string(item.id, `v_group[${gi}].v_item[${ii}].id`);
      if (seen.has(id)) return;
      seen.add(id);
      pools.push({
        platform: "qq",
        kind: "square",
        remoteKey: id,
        name: string(item.name, `v_group[${gi}].v_item[${ii}].name`),
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
  const content = object(object(data, "data").content, "data.content");
  const total = number(content.total_cnt, "content.total_cnt");
  const playlists = optionalArray(content.v_item, "content.v_item").map(
    (it, i) => {
      const item = object(it, `content.v_item[${i}]`);
      const basic = object(item.basic, `content.v_item[${i}].basic`);
      const creator = isObject(basic.creator) ? basic.creator : {};
      const cover = isObject(basic.cover) ? basic.cover : {};
      const coverUrl = optionalString(cover.medium_url) ??
        optionalString(cover.default_url);
      const trackCount = optionalNumber(basic.song_cnt);
      const playCount = optionalNumber(basic.play_cnt);
      const nick = optionalString(creator.nick);
      const desc = optionalString(basic.desc);
      const candidate: PlaylistCandidate = {
        platform: "qq",
        remoteId: string(basic.tid, `content.v_item[${i}].basic.tid`),
        name: decodeEntities(
          string(basic.title, `content.v_item[${i}].basic.title`),
        ),
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
  const topId = number(info.topId, `${where}.topId`);
  const cover = optionalString(info.headPicUrl) ??
    optionalString(info.frontPicUrl);
  const trackCount = optionalNumber(info.totalNum);
  const playCount = optionalNumber(info.listenNum);
  const intro = optionalString(info.intro);
  const updatedAt = chinaDate(optionalString(info.updateTime));
  const { song: _previews, ...raw } = info;
  return {
    platform: "qq",
    remoteId: chartRemoteId(topId),
    name: string(info.title, `${where}.title`),
    ...(cover === undefined ? {} : { coverUrl: cover }),
    ...(trackCount === undefined ? {} : { trackCount }),
    ...(playCount === undefined ? {} : { playCount }),
    ...(intro === undefined ? {} : { description: plainText(intro) }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
    raw,
  };
}

/** Every chart of `GetAll` (§4), once each, in the platform's order. */
export function parseToplists(data: unknown): ToplistEntry[] {
  const groups = array(object(data, "data").group, "data.group");
  const entries: ToplistEntry[] = [];
  const seen = new Set<number>();
  groups.forEach((g, gi) => {
    const group = object(g, `group[${gi}]`);
    optionalArray(group.toplist, `group[${gi}].toplist`).forEach((t, ti) => {
      const where = `group[${gi}].toplist[${ti}]`;
      const info = object(t, where);
      const topId = number(info.topId, `${where}.topId`);
      if (seen.has(topId)) return;
      seen.add(topId);
      const candidate = chartCandidate(info, where);
      candidate.raw = {
        ...(candidate.raw as Json),
        groupName: group.groupName,
      };
      entries.push({
        topId,
        period: string(info.period ?? "", `${where}.period`),
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
}

/** Parses a page of a chart's songs. */
export function parseToplistDetail(data: unknown): ToplistPage {
  const body = object(data, "data");
  const info = object(body.data, "data.data");
  return {
    period: string(info.period ?? "", "data.data.period"),
    totalNum: number(info.totalNum, "data.data.totalNum"),
    chart: chartCandidate(info, "data.data"),
    songs: optionalArray(body.songInfoList, "data.songInfoList").map((s, i) =>
      parseSong(s, `songInfoList[${i}]`)
    ),
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
}

/** Parses a `getcdinfo` answer (`new_format=1`). */
export function parseCdInfo(body: unknown): CdInfoPage {
  const root = object(body, "body");
  const code = number(root.code, "code", 0);
  const subcode = number(root.subcode, "subcode", 0);
  const list = optionalArray(root.cdlist, "cdlist");
  if (code !== 0 || subcode !== 0 || list.length === 0) {
    return {
      refused: {
        code,
        subcode,
        message: optionalString(root.msg) ?? optionalString(root.message) ??
          "",
      },
      total: 0,
      songs: [],
    };
  }
  const cd = object(list[0], "cdlist[0]");
  const total = number(
    cd.total_song_num ?? cd.songnum,
    "cdlist[0].total_song_num",
  );
  const songs = optionalArray(cd.songlist, "cdlist[0].songlist").map((s, i) =>
    parseSong(s, `songlist[${i}]`)
  );
  const { songlist: _songs, ...raw } = cd;
  const cover = optionalString(cd.logo);
  const nick = optionalString(cd.nickname) ?? optionalString(cd.nick);
  const desc = optionalString(cd.desc);
  const playCount = optionalNumber(cd.visitnum);
  const tags = optionalArray(cd.tags, "cdlist[0].tags").flatMap((t) =>
    isObject(t) && optionalString(t.name) !== undefined ? [String(t.name)] : []
  );
  const ctime = optionalNumber(cd.ctime);
  const playlist: PlaylistCandidate = {
    platform: "qq",
    remoteId: string(cd.disstid, "cdlist[0].disstid"),
    name: decodeEntities(string(cd.dissname, "cdlist[0].dissname")),
    trackCount: total,
    ...(cover === undefined ? {} : { coverUrl: cover }),
    ...(playCount === undefined ? {} : { playCount }),
    ...(nick === undefined ? {} : { creator: nick }),
    ...(desc === undefined ? {} : { description: plainText(desc) }),
    ...(tags.length === 0 ? {} : { tags }),
    ...(ctime === undefined ? {} : { updatedAt: ctime * 1000 }),
    raw,
  };
  return { total, playlist, songs };
}
