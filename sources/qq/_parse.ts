/**
 * Pure parsers: QQ Music JSON (the `data` of a gateway label, or a legacy
 * CGI body) to normalized records. They throw a `malformed` `SourceError`
 * when a payload is not shaped as the protocol page says.
 *
 * @module
 */
import { SourceError } from "../errors.ts";
import type {
  ArtistDetail,
  ArtistRef,
  Availability,
  PlaylistCandidate,
  PoolCandidate,
  QualityInfo,
  SongInfo,
} from "../types.ts";
import {
  artistPhotoUrl,
  LADDER,
  LEGACY_ALL_CATEGORY_ID,
  LEGACY_POOL_PREFIX,
  type Rung,
  SWITCH_BITS,
  type SwitchRight,
  TOPLIST_POOL_NAME,
} from "./_constants.ts";

type Json = Record<string, unknown>;

/** A `malformed` error about a payload. */
export function malformed(message: string, cause?: unknown): SourceError {
  return new SourceError(`qq: ${message}`, {
    platform: "qq",
    kind: "malformed",
    ...(cause === undefined ? {} : { cause }),
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: unknown, what: string): Json {
  if (!isObject(value)) throw malformed(`expected an object at ${what}`);
  return value;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(`expected a list at ${what}`);
  return value;
}

/** A list, or empty for `null`/absent (the platform sends both). */
function optionalArray(value: unknown, what: string): unknown[] {
  return value === null || value === undefined ? [] : array(value, what);
}

/** A number from a number or a numeric string; `fallback` when absent. */
function number(value: unknown, what: string, fallback?: number): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  if ((value === undefined || value === null) && fallback !== undefined) {
    return fallback;
  }
  throw malformed(`expected a number at ${what}, got ${JSON.stringify(value)}`);
}

function string(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw malformed(`expected a string at ${what}, got ${JSON.stringify(value)}`);
}

function optionalString(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function optionalNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  return undefined;
}

/** The named HTML entities the legacy CGIs use, `&amp;` last (§3). */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  nbsp: " ",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  amp: "&",
};

/**
 * A name with the HTML entities some answers carry decoded once (§3):
 * the named ones above and numeric ones (`&#39;`, `&#x27;`); anything
 * else is left as it is.
 */
export function decodeEntities(text: string): string {
  return text.replace(
    /&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g,
    (entity, body: string) => {
      if (body.startsWith("#")) {
        const code = body[1] === "x" || body[1] === "X"
          ? parseInt(body.slice(2), 16)
          : parseInt(body.slice(1), 10);
        return code > 0 && code <= 0x10ffff
          ? String.fromCodePoint(code)
          : entity;
      }
      return NAMED_ENTITIES[body] ?? entity;
    },
  );
}

/** Text of an HTML fragment (`intro` carries `<br>`), entities decoded. */
function plainText(text: string): string {
  return decodeEntities(
    text.replace(/<br\s*\/?>/gi, "\n").replace(/<[^>]*>/g, ""),
  ).trim();
}

/** Epoch ms of a China-time date (`2019-06-03` or `2019-06-03 12:00:00`). */
export function chinaDate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?$/
    .exec(text.trim());
  if (!match) return undefined;
  const time = match[2] ?? "00:00:00";
  const parsed = Date.parse(
    `${match[1]}T${time.length === 5 ? `${time}:00` : time}+08:00`,
  );
  return Number.isNaN(parsed) ? undefined : parsed;
}

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
  total: number;
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

// ---------------------------------------------------------------- square, legacy family A

/**
 * The remote key of a legacy (family A) square pool: its `categoryId`
 * behind `legacy:`. The two families number categories in different id
 * spaces (§3: legacy 165 国语 is not musicu 165), so a bare id would let a
 * legacy category overwrite the musicu pool that happens to share its
 * number, and would send its id to the wrong family. The prefix keeps the
 * two apart in the catalog, tells a reader which family listed the pool,
 * and tells `listPlaylists()` which family pages it.
 */
export function legacyPoolKey(categoryId: string): string {
  return `${LEGACY_POOL_PREFIX}${categoryId}`;
}

/**
 * The legacy `categoryId` of a pool key, or `undefined` for a musicu
 * (family B) key. Throws a `TypeError` for a `legacy:` key without a
 * numeric id.
 */
export function legacyCategoryIdOf(remoteKey: string): number | undefined {
  if (!remoteKey.startsWith(LEGACY_POOL_PREFIX)) return undefined;
  const digits = remoteKey.slice(LEGACY_POOL_PREFIX.length);
  const id = Number(digits);
  if (!/^\d+$/.test(digits) || !Number.isSafeInteger(id)) {
    throw new TypeError(
      `Cannot list the playlists of QQ legacy category '${remoteKey}': expected 'legacy:<numeric id>'`,
    );
  }
  return id;
}

/** Whether a legacy group or category is flagged usable (`usable: 1`, §3). */
function usable(record: Json): boolean {
  return optionalNumber(record.usable) === 1;
}

/** The `data` object of a legacy CGI answer (`{code, subcode, data}`, §8). */
function legacyData(body: unknown, what: string): Json {
  const root = object(body, `the ${what} answer`);
  return object(root.data, `${what}.data`);
}

/**
 * Square categories of the legacy family A (`fcg_get_diss_tag_conf`, §3,
 * §8) as pools keyed `legacy:<categoryId>`. Only groups and categories
 * flagged `usable: 1` are kept, which drops the 热门 group and its
 * `10000000 全部` placeholder; names are decoded of their HTML entities.
 */
export function parseLegacyCategories(body: unknown): PoolCandidate[] {
  const data = legacyData(body, "fcg_get_diss_tag_conf");
  const groups = array(data.categories, "data.categories");
  const pools: PoolCandidate[] = [];
  const seen = new Set<string>();
  groups.forEach((g, gi) => {
    const where = `categories[${gi}]`;
    const group = object(g, where);
    if (!usable(group)) return;
    const groupName = optionalString(group.categoryGroupName);
    optionalArray(group.items, `${where}.items`).forEach((it, ii) => {
      const item = object(it, `${where}.items[${ii}]`);
      if (!usable(item)) return;
      const id = string(item.categoryId, `${where}.items[${ii}].categoryId`);
      if (!/^\d+$/.test(id)) {
        throw malformed(
          `expected a numeric id at ${where}.items[${ii}].categoryId, got ${
            JSON.stringify(item.categoryId)
          }`,
        );
      }
      if (id === String(LEGACY_ALL_CATEGORY_ID) || seen.has(id)) return;
      seen.add(id);
      pools.push({
        platform: "qq",
        kind: "square",
        remoteKey: legacyPoolKey(id),
        name: decodeEntities(
          string(item.categoryName, `${where}.items[${ii}].categoryName`),
        ),
        ...(groupName === undefined
          ? {}
          : { group: decodeEntities(groupName) }),
        raw: { ...item, categoryGroupName: groupName },
      });
    });
  });
  return pools;
}

/** One page of a legacy category (`fcg_get_diss_by_tag`, §3). */
export interface LegacyCategoryPage {
  /** Playlists in the category (`sum`). */
  total: number;
  /** The page's playlists; none carries a track count (§3: no song count). */
  playlists: PlaylistCandidate[];
}

/** Parses a page of a legacy category's playlists. */
export function parseLegacyCategoryPage(body: unknown): LegacyCategoryPage {
  const data = legacyData(body, "fcg_get_diss_by_tag");
  const total = number(data.sum, "data.sum");
  const playlists = optionalArray(data.list, "data.list").map((it, i) =>
    legacyPlaylist(object(it, `data.list[${i}]`), `data.list[${i}]`)
  );
  return { total, playlists };
}

function legacyPlaylist(item: Json, where: string): PlaylistCandidate {
  const dissid = string(item.dissid, `${where}.dissid`);
  if (!/^\d+$/.test(dissid)) {
    throw malformed(
      `expected a numeric id at ${where}.dissid, got ${
        JSON.stringify(item.dissid)
      }`,
    );
  }
  const creator = isObject(item.creator) ? item.creator : {};
  const nick = optionalString(creator.name);
  const cover = optionalString(item.imgurl);
  const playCount = optionalNumber(item.listennum);
  const intro = optionalString(item.introduction);
  const updatedAt = chinaDate(
    optionalString(item.commit_time) ?? optionalString(item.createtime),
  );
  return {
    platform: "qq",
    remoteId: dissid,
    name: decodeEntities(string(item.dissname, `${where}.dissname`)),
    ...(cover === undefined ? {} : { coverUrl: cover }),
    ...(playCount === undefined ? {} : { playCount }),
    ...(nick === undefined ? {} : { creator: decodeEntities(nick) }),
    ...(intro === undefined ? {} : { description: plainText(intro) }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
    raw: item,
  };
}

// ---------------------------------------------------------------- toplists

/** A chart as `GetAll` lists it. */
export interface ToplistEntry {
  topId: number;
  /** The chart's current period (`YYYY-MM-DD` or `YYYY_W`). */
  period: string;
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
  totalNum: number;
  chart: PlaylistCandidate;
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
  total: number;
  playlist?: PlaylistCandidate;
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

// ---------------------------------------------------------------- songs

/** The `action.switch` rights of a song (§6.2). */
export function switchRights(value: number): Set<SwitchRight> {
  const rights = new Set<SwitchRight>();
  SWITCH_BITS.forEach((name, i) => {
    // bit 0 is dropped; bit k (k >= 1) is SWITCH_BITS[k - 1]
    if (Math.floor(value / 2 ** (i + 1)) % 2 === 1) rights.add(name);
  });
  return rights;
}

/** The size of a rung in a song's `file` object (0 = absent). */
export function rungSize(file: Json, rung: Rung): number {
  const value = "index" in rung.size
    ? (Array.isArray(file.size_new) ? file.size_new[rung.size.index] : 0)
    : file[rung.size.field];
  return optionalNumber(value) ?? 0;
}

/** A rung a song has, with its declared size. */
export interface SongRung {
  rung: Rung;
  sizeBytes: number;
}

/** The ladder rungs a song's `file` declares, best first. */
export function songRungs(file: unknown): SongRung[] {
  if (!isObject(file)) return [];
  return LADDER.flatMap((rung) => {
    const sizeBytes = rungSize(file, rung);
    return sizeBytes > 0 ? [{ rung, sizeBytes }] : [];
  });
}

/** Advertised qualities of a song's `file` object, best first. */
export function qualitiesOf(file: unknown): QualityInfo[] {
  return songRungs(file).map(({ rung, sizeBytes }) => ({
    label: rung.label,
    level: rung.prefix,
    sizeBytes,
    extension: rung.extension,
    ...(rung.bitrateKbps === undefined
      ? {}
      : { bitrateKbps: rung.bitrateKbps }),
  }));
}

/**
 * Whether a song can be played (§6.2): unavailable when removed
 * (`status != 0`), without files, or without any `play_*` right; `vip`
 * when it must be paid to play at all (`pay_play == 1`, checked before the
 * rights: such songs carry no play bit for anonymous users); otherwise
 * available (`pay_month` songs are free at low quality, VIP above).
 */
export function availabilityOf(song: unknown): Availability {
  if (!isObject(song)) return "unavailable";
  if ((optionalNumber(song.status) ?? 0) !== 0) return "unavailable";
  if (songRungs(song.file).length === 0) return "unavailable";
  const pay = isObject(song.pay) ? song.pay : {};
  if (optionalNumber(pay.pay_play) === 1) return "vip";
  const action = isObject(song.action) ? song.action : {};
  const bits = optionalNumber(action.switch);
  if (bits !== undefined) {
    const rights = switchRights(bits);
    if (
      !rights.has("play_lq") && !rights.has("play_hq") &&
      !rights.has("play_sq")
    ) {
      return "unavailable";
    }
  }
  return "available";
}

/** Parses a song object (new format, §6). */
export function parseSong(raw: unknown, where = "song"): SongInfo {
  const song = object(raw, where);
  const mid = string(song.mid, `${where}.mid`);
  if (mid === "") throw malformed(`expected a mid at ${where}.mid`);
  const title = optionalString(song.name) ?? optionalString(song.title) ?? "";
  const artists: ArtistRef[] = [];
  const seen = new Set<string>();
  optionalArray(song.singer, `${where}.singer`).forEach((s, i) => {
    const singer = object(s, `${where}.singer[${i}]`);
    const name = optionalString(singer.name) ?? optionalString(singer.title);
    if (name === undefined) return;
    const singerMid = optionalString(singer.mid);
    const key = singerMid === undefined ? `name:${name}` : `mid:${singerMid}`;
    if (seen.has(key)) return;
    seen.add(key);
    artists.push(
      singerMid === undefined ? { name } : {
        remoteId: singerMid,
        name,
      },
    );
  });
  const album = isObject(song.album) ? song.album : {};
  const albumName = optionalString(album.name) ?? optionalString(album.title);
  const albumMid = optionalString(album.mid);
  const interval = optionalNumber(song.interval);
  return {
    platform: "qq",
    remoteId: mid,
    title,
    artists,
    artistNames: artists.map((a) => a.name).join("/"),
    ...(albumName === undefined || albumName === "空" ? {} : {
      album: albumMid === undefined
        ? { name: albumName }
        : { remoteId: albumMid, name: albumName },
    }),
    ...(interval === undefined ? {} : { durationMs: interval * 1000 }),
    qualities: qualitiesOf(song.file),
    availability: availabilityOf(song),
    raw: song,
  };
}

/** What a download needs from a stored song record. */
export interface SongMedia {
  mid: string;
  /** `file.media_mid`; form 2 (`mid + mid`) is used without it (§7.1). */
  mediaMid: string | undefined;
  rungs: SongRung[];
}

/** Reads the download-relevant fields of a song's raw record. */
export function songMedia(raw: unknown, fallbackMid: string): SongMedia {
  const song = isObject(raw) ? raw : {};
  const file = isObject(song.file) ? song.file : {};
  return {
    mid: optionalString(song.mid) ?? fallbackMid,
    mediaMid: optionalString(file.media_mid),
    rungs: songRungs(file),
  };
}

/** The vkey filename of a rung (§7.1: form 1, form 2 without a media mid). */
export function vkeyFilename(rung: Rung, media: SongMedia): string {
  const idPart = media.mediaMid ?? `${media.mid}${media.mid}`;
  return `${rung.prefix}${idPart}.${rung.extension}`;
}

// ---------------------------------------------------------------- vkey

/** One `midurlinfo` entry. */
export interface VkeyEntry {
  songmid: string;
  filename: string;
  purl: string;
  result: number;
}

/** A `CgiGetVkey` answer (§7.3). */
export interface VkeyAnswer {
  /** Seconds the URLs stay valid, when given. */
  expiration: number | undefined;
  sip: string[];
  entries: VkeyEntry[];
}

/** Parses the `data` of a `CgiGetVkey` label. */
export function parseVkey(data: unknown): VkeyAnswer {
  const body = object(data, "data");
  const entries = array(body.midurlinfo, "data.midurlinfo").map((e, i) => {
    const entry = object(e, `midurlinfo[${i}]`);
    return {
      songmid: optionalString(entry.songmid) ?? "",
      filename: optionalString(entry.filename) ?? "",
      purl: optionalString(entry.purl) ?? "",
      result: optionalNumber(entry.result) ?? 0,
    };
  });
  return {
    expiration: optionalNumber(body.expiration),
    sip: optionalArray(body.sip, "data.sip").flatMap((s) =>
      typeof s === "string" && s !== "" ? [s] : []
    ),
    entries,
  };
}

// ---------------------------------------------------------------- artists

/** Parses a `GetSingerDetail` answer (§6.4); `undefined` when it lists nobody. */
export function parseSingerDetail(data: unknown): ArtistDetail | undefined {
  const list = optionalArray(
    object(data, "data").singer_list,
    "data.singer_list",
  );
  if (list.length === 0) return undefined;
  const entry = object(list[0], "singer_list[0]");
  const basic = object(entry.basic_info, "singer_list[0].basic_info");
  const ex = isObject(entry.ex_info) ? entry.ex_info : {};
  const mid = string(basic.singer_mid, "basic_info.singer_mid");
  const desc = optionalString(ex.desc);
  return {
    platform: "qq",
    remoteId: mid,
    name: string(basic.name, "basic_info.name"),
    avatarUrl: artistPhotoUrl(mid),
    ...(desc === undefined ? {} : { description: plainText(desc) }),
    raw: entry,
  };
}
