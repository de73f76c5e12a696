/**
 * Pure parsers of what `listPools()`, `listPlaylists()` and
 * `playlistSongs()` read: the square's catalogue, the charts, pages of
 * square playlists, and the playlist and song details (§5–§8, §13). They
 * throw `TypeError` on a shape they cannot read.
 *
 * @module
 */
import { isObject, type Json } from "../_json.ts";
import type { PlaylistCandidate, PoolCandidate } from "../types.ts";
import {
  HIGH_QUALITY_KEY,
  HIGH_QUALITY_NAME,
  TOPLIST_KEY,
  TOPLIST_NAME,
} from "./_constants.ts";
import { array, byId, count, defined, id, object, text } from "./_parse.ts";

// ---------------------------------------------------------------- pools

/** `playlist/catalogue` → one square pool per `sub[]` item. */
export function parseCatalogue(body: unknown): PoolCandidate[] {
  const root = object(body, "the catalogue");
  const groups = isObject(root.categories) ? root.categories : {};
  return array(root.sub, "catalogue.sub").map((value, i) => {
    const sub = object(value, `catalogue.sub[${i}]`);
    const name = text(sub.name);
    if (!name) throw new TypeError(`Expected catalogue.sub[${i}].name`);
    const group = text(groups[String(sub.category)]);
    return defined({
      platform: "netease" as const,
      kind: "square" as const,
      remoteKey: name,
      name,
      group,
      raw: sub,
    });
  });
}

/** The pool of the high-quality list (`playlist/highquality/list`). */
export function highQualityPool(): PoolCandidate {
  return {
    platform: "netease",
    kind: "square",
    remoteKey: HIGH_QUALITY_KEY,
    name: HIGH_QUALITY_NAME,
    raw: { highQuality: true },
  };
}

/** The one toplist pool: its playlists are the charts. */
export function toplistPool(): PoolCandidate {
  return {
    platform: "netease",
    kind: "toplist",
    remoteKey: TOPLIST_KEY,
    name: TOPLIST_NAME,
  };
}

// ------------------------------------------------------------ playlists

/** A playlist object (square item, chart, or detail) as a candidate. */
export function parsePlaylist(
  value: unknown,
  what = "playlist",
): PlaylistCandidate {
  const item = object(value, what);
  const creator = isObject(item.creator)
    ? text(item.creator.nickname)
    : undefined;
  const tags = Array.isArray(item.tags)
    ? item.tags.filter((t): t is string => typeof t === "string")
    : undefined;
  const description = text(item.description);
  return defined({
    platform: "netease" as const,
    remoteId: id(item.id, `${what}.id`),
    name: text(item.name) ?? "",
    coverUrl: text(item.coverImgUrl) || undefined,
    trackCount: count(item.trackCount),
    playCount: count(item.playCount),
    creator: creator || undefined,
    tags,
    description: description || undefined,
    updatedAt: count(item.updateTime),
    raw: item,
  });
}

/** One page of `playlist/list` or `playlist/highquality/list`. */
export interface PlaylistPage {
  /** The page's playlists. */
  playlists: PlaylistCandidate[];
  /** Whether the platform says more pages follow. */
  more: boolean;
  /** Playlists in the category, when the page says. */
  total: number | undefined;
  /** Cursor of the high-quality list: the last item's `updateTime`. */
  lasttime: number | undefined;
}

/** Parses a page of square playlists. */
export function parsePlaylistPage(body: unknown): PlaylistPage {
  const root = object(body, "the playlist page");
  const items = array(root.playlists, "playlists");
  const playlists = items.map((p, i) => parsePlaylist(p, `playlists[${i}]`));
  const last = items.length > 0 ? items[items.length - 1] : undefined;
  // The cursor is the last item's updateTime (NCM docs); the top-level
  // `lasttime` is only a fallback [UNSURE on the page whether they agree].
  const lasttime = (isObject(last) ? count(last.updateTime) : undefined) ??
    count(root.lasttime);
  return {
    playlists,
    more: root.more === true,
    total: count(root.total),
    lasttime,
  };
}

/** `toplist` → the charts, each a playlist candidate (`ToplistType` kept in raw). */
export function parseToplist(body: unknown): PlaylistCandidate[] {
  const root = object(body, "the toplist");
  return array(root.list, "toplist.list").map((item, i) =>
    parsePlaylist(item, `toplist.list[${i}]`)
  );
}

// ---------------------------------------------------------- playlist songs

/** What `v6/playlist/detail` gives. */
export interface PlaylistDetail {
  /** The playlist's metadata. */
  playlist: PlaylistCandidate;
  /** Every track id, in order. */
  trackIds: string[];
  /** The track count the playlist declares (`trackCount`). */
  declaredCount: number;
  /** The songs the detail included (a prefix), by id. */
  tracks: Map<string, Json>;
  /** Their privileges, by id. */
  privileges: Map<string, Json>;
}

/** Parses `v6/playlist/detail`. */
export function parsePlaylistDetail(body: unknown): PlaylistDetail {
  const root = object(body, "the playlist detail");
  const playlist = object(root.playlist, "playlist");
  const trackIds = array(playlist.trackIds, "playlist.trackIds").map((t, i) =>
    id(object(t, `trackIds[${i}]`).id, `trackIds[${i}].id`)
  );
  const { tracks: _tracks, trackIds: _ids, ...meta } = playlist;
  const candidate = parsePlaylist({ ...meta }, "playlist");
  return {
    playlist: candidate,
    trackIds,
    declaredCount: count(playlist.trackCount) ?? trackIds.length,
    tracks: byId(playlist.tracks ?? [], "playlist.tracks"),
    privileges: byId(root.privileges ?? [], "privileges"),
  };
}

/** What `v3/song/detail` gives, by id. */
export interface SongDetail {
  /** The songs, by id. */
  songs: Map<string, Json>;
  /** Their privileges, by id. */
  privileges: Map<string, Json>;
}

/** Parses `v3/song/detail`: songs and privileges matched by id, not order. */
export function parseSongDetail(body: unknown): SongDetail {
  const root = object(body, "the song detail");
  return {
    songs: byId(root.songs, "songs"),
    privileges: byId(root.privileges ?? [], "privileges"),
  };
}
