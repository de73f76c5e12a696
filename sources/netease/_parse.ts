/**
 * Pure parsers: NetEase JSON (protocols/netease.md §5–§12) to normalized
 * records. They throw `TypeError` on a shape they cannot read; the client
 * turns that into a `malformed` `SourceError` carrying the URL.
 *
 * @module
 */
import type {
  ArtistDetail,
  ArtistRef,
  Availability,
  Container,
  DownloadOffer,
  PlaylistCandidate,
  PoolCandidate,
  QualityInfo,
  SongInfo,
} from "../types.ts";
import {
  HIGH_QUALITY_KEY,
  HIGH_QUALITY_NAME,
  type Level,
  LEVEL_LABELS,
  LEVEL_WEIGHTS,
  LEVELS,
  SONG_QUALITY_FIELDS,
  TOPLIST_KEY,
  TOPLIST_NAME,
} from "./_constants.ts";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: unknown, what: string): Json {
  if (!isObject(value)) {
    throw new TypeError(`Expected ${what} to be an object, got ${kind(value)}`);
  }
  return value;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`Expected ${what} to be an array, got ${kind(value)}`);
  }
  return value;
}

function kind(value: unknown): string {
  return value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : typeof value;
}

/** An id (number or numeric string) as a string. */
function id(value: unknown, what: string): string {
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    return String(value);
  }
  if (typeof value === "string" && /^\d+$/.test(value)) return value;
  throw new TypeError(`Expected ${what} to be an id, got ${kind(value)}`);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? value
    : undefined;
}

/** `T` with the properties that may be `undefined` made optional instead. */
type Defined<T> =
  & { [K in keyof T as undefined extends T[K] ? never : K]: T[K] }
  & {
    [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<
      T[K],
      undefined
    >;
  };

/** Copies the entries whose value is not `undefined`. */
function defined<T extends object>(record: T): Defined<T> {
  return Object.fromEntries(
    Object.entries(record).filter(([, v]) => v !== undefined),
  ) as Defined<T>;
}

/** Whether a string is a level of the download ladder. */
export function isLevel(value: unknown): value is Level {
  return typeof value === "string" &&
    (LEVELS as readonly string[]).includes(value);
}

/** Rank of a level on the ladder, 0 best; unknown levels rank after all. */
export function levelRank(level: string): number {
  const index = (LEVELS as readonly string[]).indexOf(level);
  return index < 0 ? LEVELS.length : index;
}

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
  playlists: PlaylistCandidate[];
  more: boolean;
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

// ----------------------------------------------------------------- songs

/** What `v6/playlist/detail` gives. */
export interface PlaylistDetail {
  playlist: PlaylistCandidate;
  /** Every track id, in order. */
  trackIds: string[];
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
  songs: Map<string, Json>;
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

function byId(value: unknown, what: string): Map<string, Json> {
  const map = new Map<string, Json>();
  array(value, what).forEach((item, i) => {
    const record = object(item, `${what}[${i}]`);
    map.set(id(record.id, `${what}[${i}].id`), record);
  });
  return map;
}

/**
 * Availability from the privilege (§8): `st < 0` is no copyright,
 * `plLevel == "none"` needs VIP or a purchase. The privilege wins over the
 * song's own `st`/`fee`; without one, only the song's `st` is read.
 */
export function availabilityOf(
  song: Json,
  privilege: Json | undefined,
): Availability {
  if (privilege) {
    if (typeof privilege.st === "number" && privilege.st < 0) {
      return "unavailable";
    }
    if (privilege.plLevel === "none") return "vip";
    if (privilege.plLevel === undefined && privilege.pl === 0) return "vip";
    return "available";
  }
  return typeof song.st === "number" && song.st < 0
    ? "unavailable"
    : "available";
}

/**
 * A song (`songs[]`, `tracks[]`) and its privilege as a `SongInfo`. The raw
 * record is the song with its privilege under `privilege` (as NetEase's own
 * search results carry it), so `downloadOffers()` can rebuild from it.
 */
export function parseSong(value: unknown, privilege?: Json): SongInfo {
  const song = object(value, "song");
  const remoteId = id(song.id, "song.id");
  const artists: ArtistRef[] = (Array.isArray(song.ar) ? song.ar : [])
    .filter(isObject)
    .map((ar) => {
      const name = text(ar.name) ?? "";
      const artistId = typeof ar.id === "number" || typeof ar.id === "string"
        ? String(ar.id)
        : "0";
      // id 0 is a name-only credit (§8)
      return artistId === "0" || !/^\d+$/.test(artistId)
        ? { name }
        : { remoteId: artistId, name };
    })
    .filter((ar) => ar.name !== "");
  const al = isObject(song.al) ? song.al : undefined;
  const albumName = al ? text(al.name) : undefined;
  const albumId = al && (typeof al.id === "number" || typeof al.id === "string")
    ? String(al.id)
    : "0";
  const album = albumName
    ? albumId !== "0" && /^\d+$/.test(albumId)
      ? { remoteId: albumId, name: albumName }
      : { name: albumName }
    : undefined;
  return defined({
    platform: "netease" as const,
    remoteId,
    title: text(song.name) ?? "",
    artists,
    artistNames: artists.map((a) => a.name).join("/"),
    album,
    durationMs: count(song.dt),
    qualities: qualitiesOf(song, privilege),
    availability: availabilityOf(song, privilege),
    raw: privilege ? { ...song, privilege } : song,
  });
}

/**
 * The levels a song has, best first: `hr/sq/h/m/l`, plus `jymaster` when the
 * privilege's `maxBrLevel` says the song has one (songs carry no field for it).
 */
export function qualitiesOf(song: Json, privilege?: Json): QualityInfo[] {
  const out: QualityInfo[] = [];
  if (privilege?.maxBrLevel === "jymaster") {
    out.push({ label: "master", level: "jymaster", extension: "flac" });
  }
  for (const [field, level] of SONG_QUALITY_FIELDS) {
    const file = song[field];
    if (!isObject(file)) continue;
    out.push(defined({
      label: LEVEL_LABELS[level],
      level,
      sizeBytes: count(file.size) || undefined,
      bitrateKbps: typeof file.br === "number" && file.br > 0
        ? Math.round(file.br / 1000)
        : undefined,
      extension: levelRank(level) <= levelRank("lossless") ? "flac" : "mp3",
    }));
  }
  return out;
}

/** The privilege kept in a song's raw record, if any. */
export function privilegeOf(raw: unknown): Json | undefined {
  return isObject(raw) && isObject(raw.privilege) ? raw.privilege : undefined;
}

/**
 * The best level worth asking for: the privilege's `maxBrLevel` (what
 * exists), or the top of the ladder when unknown.
 */
export function topLevelOf(privilege: Json | undefined): Level {
  const max = privilege?.maxBrLevel;
  if (isLevel(max)) return max;
  // surround levels (sky, jyeffect, dolby) sit above hires; ask for the top
  return LEVELS[0];
}

/** Weight of a privilege level name (§9), or `undefined` for an unknown one. */
export function levelWeight(level: unknown): number | undefined {
  return typeof level === "string" && Object.hasOwn(LEVEL_WEIGHTS, level)
    ? LEVEL_WEIGHTS[level]
    : undefined;
}

/**
 * The rung to ask `song/enhance/download/url/v1` for (§9): when the
 * privilege lets the account download better than it may play (weight of
 * `dlLevel` > weight of `plLevel`), the best rung of the ladder at or
 * below `dlLevel` that is still above `plLevel`. `undefined` otherwise,
 * also when either level is missing or unknown.
 */
export function downloadLevelOf(
  privilege: Json | undefined,
  ladder: readonly Level[],
): Level | undefined {
  const play = levelWeight(privilege?.plLevel);
  const download = levelWeight(privilege?.dlLevel);
  if (play === undefined || download === undefined || download <= play) {
    return undefined;
  }
  return ladder.find((level) => {
    const weight = LEVEL_WEIGHTS[level]!;
    return weight <= download && weight > play;
  });
}

// ----------------------------------------------------------------- offers

/** One item of `song/enhance/player/url/v1` (`data[0]`) or download `data`. */
export interface UrlItem {
  id: string;
  url: string | null;
  code: number | undefined;
  br: number | undefined;
  size: number | undefined;
  md5: string | undefined;
  type: string | undefined;
  level: string | undefined;
  fee: number | undefined;
  expi: number | undefined;
  freeTrialInfo: unknown;
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

/** Why a URL item is not a usable offer. */
export type Refusal = "trial" | "vip" | "unavailable";

/**
 * Whether an item is usable (§8/§9): `code == 200`, a URL, no
 * `freeTrialInfo`. Otherwise why not: a preview, a VIP refusal (`fee` 1/4/8
 * without a URL), or plain unavailability.
 */
export function refusalOf(item: UrlItem): Refusal | undefined {
  if (item.freeTrialInfo !== null && item.freeTrialInfo !== undefined) {
    return "trial";
  }
  if (item.code === 200 && item.url !== null) return undefined;
  if (item.fee === 1 || item.fee === 4 || item.fee === 8) return "vip";
  return "unavailable";
}

const CONTAINERS: Readonly<Record<string, Container>> = {
  flac: "flac",
  mp3: "mp3",
  m4a: "m4a",
  mp4: "m4a",
  aac: "m4a",
  ogg: "ogg",
  ape: "ape",
};

/**
 * A usable item as a `DownloadOffer`: the level actually served (it may be
 * lower than asked), its `br`, `size`, `md5`, `type` and expiry.
 */
export function offerFromItem(
  item: UrlItem,
  requested: Level,
  now: number,
): DownloadOffer {
  if (item.url === null) {
    throw new TypeError(
      `Cannot make an offer of song ${item.id} without a URL`,
    );
  }
  const level = isLevel(item.level) ? item.level : requested;
  const fromUrl = /\.([a-z0-9]{2,4})(?:\?|$)/i.exec(new URL(item.url).pathname)
    ?.[1]?.toLowerCase();
  const type = item.type ?? fromUrl;
  const known = type === undefined ? undefined : CONTAINERS[type];
  const container: Container = known ??
    (levelRank(level) <= levelRank("lossless") ? "flac" : "mp3");
  const extension = known && type ? type : container;
  return defined({
    platform: "netease" as const,
    songRemoteId: item.id,
    quality: LEVEL_LABELS[level],
    level,
    url: item.url,
    extension,
    container,
    sizeBytes: item.size && item.size > 0 ? item.size : undefined,
    md5: item.md5?.toLowerCase(),
    bitrateKbps: item.br && item.br > 0
      ? Math.round(item.br / 1000)
      : undefined,
    expiresAt: item.expi && item.expi > 0 ? now + item.expi * 1000 : undefined,
  });
}

// ---------------------------------------------------------------- artists

/** `artist/head/info/get` → artist details. */
export function parseArtistHead(body: unknown): ArtistDetail {
  const root = object(body, "the artist answer");
  const data = object(root.data, "artist data");
  const artist = object(data.artist, "data.artist");
  return artistDetail(artist, text(artist.avatar) || text(artist.cover), root);
}

/** `v1/artist/<id>` → artist details (the fallback). */
export function parseArtistV1(body: unknown): ArtistDetail {
  const root = object(body, "the artist answer");
  const artist = object(root.artist, "artist");
  return artistDetail(
    artist,
    text(artist.picUrl) || text(artist.img1v1Url),
    root,
  );
}

function artistDetail(
  artist: Json,
  avatarUrl: string | undefined,
  raw: Json,
): ArtistDetail {
  const names = [
    ...(Array.isArray(artist.alias) ? artist.alias : []),
    ...(Array.isArray(artist.transNames) ? artist.transNames : []),
    ...(typeof artist.trans === "string" ? [artist.trans] : []),
  ].filter((a): a is string => typeof a === "string" && a.trim() !== "");
  const description = text(artist.briefDesc);
  return defined({
    platform: "netease" as const,
    remoteId: id(artist.id, "artist.id"),
    name: text(artist.name) ?? "",
    avatarUrl: avatarUrl || undefined,
    description: description || undefined,
    aliases: names.length > 0 ? [...new Set(names)] : undefined,
    songCount: count(artist.musicSize),
    albumCount: count(artist.albumSize),
    raw,
  });
}
