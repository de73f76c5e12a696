/**
 * Every QQ Music protocol constant in one place: hosts, the `comm` profile,
 * module names, page sizes, the quality ladder and the business codes
 * (see `shared/protocols/qq.md`).
 *
 * @module
 */
import type { SourceErrorKind } from "../errors.ts";
import type { Container, QualityLabel } from "../types.ts";

/** The unsigned JSON gateway (§1.1). */
export const MUSICU_URL = "https://u.y.qq.com/cgi-bin/musicu.fcg";
/** The same gateway, signed with zzc (§2). */
export const MUSICS_URL = "https://u.y.qq.com/cgi-bin/musics.fcg";
/** Playlist detail with songs (§5). */
export const CDINFO_URL =
  "https://c.y.qq.com/qzone/fcg-bin/fcg_ucc_getcdinfo_byids_cp.fcg";
/** Square categories, legacy family A (§3), the fallback of family B. */
export const DISS_TAG_CONF_URL =
  "https://c.y.qq.com/splcloud/fcgi-bin/fcg_get_diss_tag_conf.fcg";
/** Playlists of a legacy category, family A (§3). */
export const DISS_BY_TAG_URL =
  "https://c.y.qq.com/splcloud/fcgi-bin/fcg_get_diss_by_tag.fcg";
/** The CDN used when a vkey answer lists no `sip` (§7.3, as YTD does). */
export const DEFAULT_CDN = "https://dl.stream.qqmusic.qq.com/";

/** `Referer` of the web client (§1.4); required on `c.y.qq.com`. */
export const WEB_REFERER = "https://y.qq.com/";
/** `Referer` of playlist detail calls (§5, JSO). */
export const PLAYLIST_REFERER = "https://y.qq.com/n/yqq/playlist";
/** `Origin` of the web client (§1.4). */
export const WEB_ORIGIN = "https://y.qq.com";
/** `Referer` for audio downloads (§7.4 step 6, MDL). */
export const CDN_REFERER = "http://y.qq.com";
/** A desktop Chrome user agent (§1.4: any reasonable one). */
export const USER_AGENT: string =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
  "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

/** An artist's photo (§6.3: `T001R{S}x{S}M000{singer_mid}.jpg`). */
export function artistPhotoUrl(singerMid: string, size = 300): string {
  return `https://y.gtimg.cn/music/photo_new/T001R${size}x${size}M000${singerMid}.jpg`;
}

/** `g_tk` of an anonymous session (§1.5). */
export const ANONYMOUS_G_TK = 5381;

/**
 * Format and cosmetic parameters of the legacy `c.y.qq.com` CGIs (§3, §5),
 * kept anonymous so that URLs never carry the login.
 */
export const LEGACY_CGI_QUERY: Readonly<Record<string, string>> = {
  format: "json",
  inCharset: "utf8",
  outCharset: "utf-8",
  loginUin: "0",
  hostUin: "0",
  notice: "0",
  platform: "yqq.json",
  needNewCode: "0",
  g_tk: String(ANONYMOUS_G_TK),
};

/**
 * The web `comm` profile (§1.3, matches a real 2022 capture), with the
 * session's `uin` and `g_tk`.
 */
export function webComm(uin: number, gTk: number): Record<string, unknown> {
  return {
    cv: 4747474,
    ct: 24,
    format: "json",
    inCharset: "utf-8",
    outCharset: "utf-8",
    notice: 0,
    platform: "yqq.json",
    needNewCode: 1,
    uin,
    g_tk_new_20200303: gTk,
    g_tk: gTk,
  };
}

/**
 * The Android app's `comm` profile, for `music.vkey.GetVkey` (corrections
 * of December 2026: L-1124/QQMusicApi asks vkeys so since its issue #252).
 * Values from L-1124/QQMusicApi @261326e `qqmusic_api/core/versioning.py`
 * (`ct` 11, `cv` = `v` = 14090008, the app 14.9.0.8) and `utils/qimei.py`
 * (`CHANNEL_ID` 10003505); the QIMEI36 is the fallback device id working
 * clients send when the QIMEI service does not answer
 * (CharlesPikachu/musicdl @e989aec `musicdl/modules/utils/qqutils.py`, and
 * the protocol page §1.3). A login goes in `comm` (`qq`, `authst`,
 * `tmeLoginType`), as L11 sends it.
 */
export function appComm(uin: number, key: string | undefined): Record<
  string,
  unknown
> {
  return {
    ct: 11,
    cv: APP_VERSION_CODE,
    v: APP_VERSION_CODE,
    chid: "10003505",
    tmeAppID: "qqmusic",
    QIMEI36: FALLBACK_QIMEI36,
    format: "json",
    inCharset: "utf-8",
    outCharset: "utf-8",
    ...(key === undefined ? {} : {
      qq: String(uin),
      authst: key,
      tmeLoginType: key.startsWith("W_X_") ? 1 : 2,
    }),
  };
}

/** The Android app's version code (L-1124/QQMusicApi versioning.py). */
export const APP_VERSION_CODE = 14090008;
/** The QIMEI36 clients send when they have none of their own (musicdl qqutils.py). */
export const FALLBACK_QIMEI36 = "6c9d3cd110abca9b16311cee10001e717614";
/** The app's User-Agent: `QQMusic <cv>(android <release>)` (L11 versioning.py). */
export const APP_USER_AGENT = `QQMusic ${APP_VERSION_CODE}(android 10)`;

/** A module and method of the gateway. */
export interface ModuleMethod {
  /** The module (`vkey.GetVkeyServer`...). */
  readonly module: string;
  /** Its method (`CgiGetVkey`...). */
  readonly method: string;
}

/** The gateway modules the client calls. */
export const MODULES = {
  /** Square categories, musicu family B (§3). */
  categories: {
    module: "playlist.PlaylistAllCategoriesServer",
    method: "get_all_categories",
  },
  /** Playlists of a category, musicu family B (§3). */
  categoryContent: {
    module: "playlist.PlayListCategoryServer",
    method: "get_category_content",
  },
  /** Every chart (§4). */
  toplists: { module: "musicToplist.ToplistInfoServer", method: "GetAll" },
  /** Songs of a chart (§4). */
  toplistDetail: {
    module: "musicToplist.ToplistInfoServer",
    method: "GetDetail",
  },
  /** Download URLs (§7). */
  vkey: { module: "vkey.GetVkeyServer", method: "CgiGetVkey" },
  /** Download URLs, the Android app's module (§7; L11 `modules/song.py`). */
  appVkey: { module: "music.vkey.GetVkey", method: "UrlGetVkey" },
  /** Artist detail (§6.4). */
  singerDetail: {
    module: "music.musichallSinger.SingerInfoInter",
    method: "GetSingerDetail",
  },
} as const satisfies Record<string, ModuleMethod>;

/** Labels per envelope (L11 batches 20). */
export const MAX_LABELS = 20;
/** Playlists per square page. */
export const CATEGORY_PAGE_SIZE = 50;
/** Playlists per legacy square page (§3: clients ask 20 or 30). */
export const LEGACY_PAGE_SIZE = 30;
/** Legacy `sortId` of the hottest playlists first (§10: 5 hot, 2 new). */
export const LEGACY_SORT_HOT = 5;
/** The legacy `全部` placeholder category of the 热门 group (§3). */
export const LEGACY_ALL_CATEGORY_ID = 10000000;
/** Prefix of the pool keys of legacy (family A) categories. */
export const LEGACY_POOL_PREFIX = "legacy:";
/** Songs per chart page (JSO 100). */
export const TOPLIST_PAGE_SIZE = 100;
/** Songs per playlist page (§10: 100). */
export const PLAYLIST_PAGE_SIZE = 100;
/** Pages requested in one envelope once the total is known. */
export const PAGES_PER_ENVELOPE = 10;
/**
 * `songmid`/`filename` entries per vkey label (§7: ≤ 100 mids): one entry
 * per rung asked. L-1124/QQMusicApi @261326e `qqmusic_api/modules/song.py`
 * keeps `_GET_SONG_URLS_MAX_MID = 100`, and before @5e31a48 refused more
 * ("mid 数量不能超过 100", tested in `tests/test_song.py`).
 */
export const MAX_VKEY_ENTRIES = 100;
/**
 * Vkey calls of one variant for a song while a rung above the best grant
 * comes back empty with `result` 0 (§7.3: transient). An answer without
 * any grant goes to the next variant instead (`_offers.ts`).
 */
export const VKEY_ATTEMPTS = 3;
/** How long a `GetAll` answer is reused for chart periods. */
export const TOPLIST_CACHE_MS = 10 * 60 * 1000;
/** Chart id of the MV chart, which has no songs (§4, LX). */
export const MV_CHART_ID = 201;
/** Name of the one toplist pool (every chart is one of its playlists). */
export const TOPLIST_POOL_NAME = "排行榜";

/** Where a rung's size sits in the song's `file` object (§6.1). */
export type SizeField =
  | { readonly field: string }
  | { readonly field: "size_new"; readonly index: number };

/** One rung of the quality ladder (§7.2). */
export interface Rung {
  /** The filename prefix that asks for the rung (`F000`, `M800`...). */
  readonly prefix: string;
  /** The filename extension of the rung. */
  readonly extension: string;
  /** The container of the rung's files. */
  readonly container: Container;
  /** The platform-neutral quality of the rung. */
  readonly label: QualityLabel;
  /** Where the song's `file` object declares the rung's size. */
  readonly size: SizeField;
  /** Nominal bitrate of lossy rungs; lossless ones vary. */
  readonly bitrateKbps?: number;
}

/**
 * The rungs the client asks for, best first (§7.2). Skipped on purpose:
 * `Q000`/`Q001` (spatial and 5.1 mixes, not better stereo), `A000` (legacy
 * APE, `F000` is the same quality), the OGG rungs (same qualities as the
 * MP3/AAC ones), `C200`/`C100` (below 96k), `RS02` (previews) and every
 * encrypted or exotic rung (`.mflac`, `.mgg`, `DT03`, `TL01` ...).
 * `C600` (AAC 192k) is kept: it is a plain stereo rung and `192k` is a label
 * of the contract. `C400` is 96k (§10: sizes say 96k, not 128k).
 */
export const LADDER: readonly Rung[] = [
  {
    prefix: "AI00",
    extension: "flac",
    container: "flac",
    label: "master",
    size: { field: "size_new", index: 0 },
  },
  {
    prefix: "RS01",
    extension: "flac",
    container: "flac",
    label: "hires",
    size: { field: "size_hires" },
  },
  {
    prefix: "F000",
    extension: "flac",
    container: "flac",
    label: "lossless",
    size: { field: "size_flac" },
  },
  {
    prefix: "M800",
    extension: "mp3",
    container: "mp3",
    label: "320k",
    size: { field: "size_320mp3" },
    bitrateKbps: 320,
  },
  {
    prefix: "C600",
    extension: "m4a",
    container: "m4a",
    label: "192k",
    size: { field: "size_192aac" },
    bitrateKbps: 192,
  },
  {
    prefix: "M500",
    extension: "mp3",
    container: "mp3",
    label: "128k",
    size: { field: "size_128mp3" },
    bitrateKbps: 128,
  },
  {
    prefix: "C400",
    extension: "m4a",
    container: "m4a",
    label: "96k",
    size: { field: "size_96aac" },
    bitrateKbps: 96,
  },
];

/**
 * Songs one round of batched vkey requests asks (`QqBatcher`): each song's
 * rungs are whole in one label of `MAX_VKEY_ENTRIES` entries, and one
 * envelope carries `MAX_LABELS` labels, so this many songs of up to
 * `LADDER.length` rungs are one request per variant.
 */
export const VKEY_BATCH_SONGS: number = MAX_LABELS *
  Math.floor(MAX_VKEY_ENTRIES / LADDER.length);

/** `action.switch` bits after dropping the least-significant one (§6.2). */
export const SWITCH_BITS = [
  "play_lq",
  "play_hq",
  "play_sq",
  "down_lq",
  "down_hq",
  "down_sq",
  "soso",
  "fav",
  "share",
  "bgm",
  "ring",
  "sing",
  "radio",
  "try",
  "give",
] as const;

/** A named `action.switch` right. */
export type SwitchRight = typeof SWITCH_BITS[number];

/** Per-label business codes (§9). */
export const CODES = {
  ok: 0,
  signRequired: 2000,
  rateLimited: 2001,
  loginInvalid: 1000,
  noData: 10007,
} as const;

/** Vkey `result` codes (§7.3). */
export const VKEY_RESULTS = {
  ok: 0,
  noPermission: 104003,
  vkeyFailure: 104004,
  deviceRestricted: 104013,
} as const;

/**
 * The `retcode` of a vkey answer that refuses the caller's device, with a
 * `msg` naming `invalidq` and empty `purl`s (L-1124/QQMusicApi#252, 2026).
 */
export const INVALIDQ_RETCODE = 104009;

/** What a per-label business code means for callers. */
export function kindOfCode(code: number): SourceErrorKind {
  if (code === CODES.signRequired) return "sign";
  if (code === CODES.rateLimited) return "rate_limited";
  if (code === CODES.loginInvalid || (code >= 104400 && code < 104500)) {
    return "login";
  }
  if (code === CODES.noData) return "not_found";
  return "http";
}
