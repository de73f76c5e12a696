/**
 * Pure parsers of what `listPools()`, `listPlaylists()` and
 * `playlistSongs()` read: the square's catalogue, the charts, pages of
 * square playlists, and the playlist and song details (§5–§8, §13). What
 * an answer cannot do without is a `malformed` `SourceError` naming the
 * field's path; a track or song without an id is skipped with a warning.
 *
 * @module
 */
import {
  asCount,
  asDigits,
  asFlag,
  asNonEmptyText,
  asObject,
  asStrings,
  asText,
  at,
  isObject,
  type Json,
} from "../_json.ts";
import type { PlaylistCandidate, PoolCandidate } from "../types.ts";
import {
  HIGH_QUALITY_KEY,
  HIGH_QUALITY_NAME,
  TOPLIST_KEY,
  TOPLIST_NAME,
} from "./_constants.ts";
import { byId, defined, read } from "./_parse.ts";

// ---------------------------------------------------------------- pools

/** `playlist/catalogue` → one square pool per `sub[]` item. */
export function parseCatalogue(body: unknown): PoolCandidate[] {
  const root = read.object(body, "");
  const groups = asObject(root.categories) ?? {};
  return read.list(root.sub, "sub").map((value, i) => {
    const sub = read.object(value, `sub[${i}]`);
    const name = asNonEmptyText(sub.name);
    if (name === undefined) {
      throw read.error(`sub[${i}].name`, "a category name", sub.name);
    }
    const category = asText(sub.category);
    const group = category === undefined
      ? undefined
      : asNonEmptyText(groups[category]);
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

/** A playlist object (square item, chart, or detail) as a candidate; its id is required. */
export function parsePlaylist(
  value: unknown,
  path = "playlist",
): PlaylistCandidate {
  const item = read.object(value, path);
  const creator = asObject(item.creator);
  const tags = Array.isArray(item.tags) ? asStrings(item.tags) : undefined;
  return defined({
    platform: "netease" as const,
    remoteId: read.digits(item.id, at(path, "id")),
    name: asText(item.name) ?? "",
    coverUrl: asNonEmptyText(item.coverImgUrl),
    trackCount: asCount(item.trackCount),
    playCount: asCount(item.playCount),
    creator: asNonEmptyText(creator?.nickname),
    tags,
    description: asNonEmptyText(item.description),
    updatedAt: asCount(item.updateTime),
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
  const root = read.object(body, "");
  const items = read.list(root.playlists, "playlists");
  const playlists = items.map((p, i) => parsePlaylist(p, `playlists[${i}]`));
  const last = items.length > 0 ? items[items.length - 1] : undefined;
  // The cursor is the last item's updateTime (NCM docs); the top-level
  // `lasttime` is only a fallback [UNSURE on the page whether they agree].
  const lasttime = (isObject(last) ? asCount(last.updateTime) : undefined) ??
    asCount(root.lasttime);
  return {
    playlists,
    more: asFlag(root.more) === true,
    total: asCount(root.total),
    lasttime,
  };
}

/** `toplist` → the charts, each a playlist candidate (`ToplistType` kept in raw). */
export function parseToplist(body: unknown): PlaylistCandidate[] {
  const root = read.object(body, "");
  return read.list(root.list, "list").map((item, i) =>
    parsePlaylist(item, `list[${i}]`)
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
  /** One line per track, song or privilege skipped for want of an id. */
  warnings: string[];
}

/**
 * The ids of `trackIds[]` (`{id, v, ...}` objects, or bare ids), in order;
 * an entry without an id is skipped with a warning. Without `trackIds` (an
 * older answer), the ids of `tracks[]`.
 */
function trackIdsOf(
  playlist: Json,
  path: string,
  warnings: string[],
): string[] {
  if (playlist.trackIds === undefined || playlist.trackIds === null) {
    return read.optionalList(playlist.tracks, `${path}.tracks`).flatMap(
      (track) => asDigits(asObject(track)?.id) ?? [],
    );
  }
  const list = `${path}.trackIds`;
  return read.list(playlist.trackIds, list).flatMap((entry, i) => {
    const trackId = asDigits(isObject(entry) ? entry.id : entry);
    if (trackId === undefined) {
      warnings.push(`netease: skipped the song at ${list}[${i}]: it has no id`);
      return [];
    }
    return [trackId];
  });
}

/**
 * Parses `v6/playlist/detail` (or the legacy `playlist/detail`, whose
 * playlist is under `result` and has no `trackIds`).
 */
export function parsePlaylistDetail(body: unknown): PlaylistDetail {
  const root = read.object(body, "");
  const path = root.playlist === undefined && isObject(root.result)
    ? "result"
    : "playlist";
  if (!isObject(root[path])) {
    throw read.error("playlist (or result)", "an object", root[path]);
  }
  const playlist = root[path] as Json;
  const warnings: string[] = [];
  const trackIds = trackIdsOf(playlist, path, warnings);
  const { tracks: _tracks, trackIds: _ids, ...meta } = playlist;
  const candidate = parsePlaylist({ ...meta }, path);
  return {
    playlist: candidate,
    trackIds,
    declaredCount: asCount(playlist.trackCount) ?? trackIds.length,
    tracks: byId(playlist.tracks, `${path}.tracks`, warnings, "song"),
    privileges: byId(root.privileges, "privileges", warnings, "privilege"),
    warnings,
  };
}

/** What `v3/song/detail` gives, by id. */
export interface SongDetail {
  /** The songs, by id. */
  songs: Map<string, Json>;
  /** Their privileges, by id. */
  privileges: Map<string, Json>;
  /** One line per song or privilege skipped for want of an id. */
  warnings: string[];
}

/** Parses `v3/song/detail`: songs and privileges matched by id, not order. */
export function parseSongDetail(body: unknown): SongDetail {
  const root = read.object(body, "");
  const warnings: string[] = [];
  return {
    songs: byId(read.list(root.songs, "songs"), "songs", warnings, "song"),
    privileges: byId(root.privileges, "privileges", warnings, "privilege"),
    warnings,
  };
}
