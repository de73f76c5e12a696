/**
 * Every Kuwo protocol constant in one place: hosts, the session cookie,
 * fixed query parameters, the quality ladder and the user agents
 * (`shared/protocols/kuwo.md`, cited by section).
 *
 * @module
 */
import type { Container, QualityLabel } from "../types.ts";

/** The hosts the client calls (§1). */
export const HOSTS = {
  /** Web API: session, signed `/api/www/**` routes. */
  www: "https://www.kuwo.cn",
  /** "PC client" flavour: square and chart list, unsigned. */
  wapi: "http://wapi.kuwo.cn",
  /** Download URL resolver `mobi.s` (plain `f=web`, §9.2). */
  mobi: "https://mobi.kuwo.cn",
  /** The same resolver in its KuwoDES form (`f=kuwo&q=`, §9.3). */
  mobiDes: "http://mobi.kuwo.cn",
  /** Playlist detail without auth (`pl.svc`, §7.2): the web path's fallback. */
  nplserver: "http://nplserver.kuwo.cn",
} as const;

/** The session cookie's current name (§2.1); read from `Set-Cookie` when it changes. */
export const COOKIE_NAME = "Hm_Iuvt_cdb524f42f23cer9b268564v7y735ewrq2324";

/** Finds the session cookie in a `Set-Cookie` header, whatever its suffix (§2.1). */
export const COOKIE_PATTERN = /(Hm_Iuvt_[A-Za-z0-9]+)=([A-Za-z0-9]+)/;

/** Proactive cookie refresh age: U-CS and MBG refresh after 25–30 min (§2.2). */
export const COOKIE_REFRESH_MS = 25 * 60_000;

/** The body signed routes answer for a bad `Secret` or stale cookie (§2.7). */
export const ILLEGAL_PATTERN = /the request is illegal/i;

/** Query shared by the `wapi` square calls (§5). */
export const WAPI_LOGIN_QUERY = "loginUid=0&loginSid=0&appUid=76039576";

/** Query of the tag list call (§5). */
export const TAG_LIST_QUERY: string =
  "cmd=rcm_keyword_playlist&user=0&prod=kwplayer_pc_9.0.5.0&vipver=9.0.5.0" +
  "&source=kwplayer_pc_9.0.5.0&loginUid=0&loginSid=0&appUid=76039576";

/** Tag `digest` of tags whose playlists come from `getTagPlayList` (§5). */
export const TAG_DIGEST_PLAYLISTS = "10000";

/** Square item `digest` of an ordinary playlist (§7.3, lx). */
export const ITEM_DIGEST_PLAYLIST = "8";

/** Square page size (§5: sizes 20–36 seen). */
export const SQUARE_PAGE_SIZE = 36;

/** Chart page size: `rn > 30` answers `code: -1` (§6, §14). */
export const CHART_PAGE_SIZE = 30;

/** Playlist detail page size: `rn = 100` (§7.1, §14). */
export const PLAYLIST_PAGE_SIZE = 100;

/** nplserver `pl.svc` page size: `rn` up to 1000 (§7.2, §15.3); `pn` counts from 0. */
export const NPLSERVER_PAGE_SIZE = 1000;

/** The fixed query of nplserver `getlistinfo` after `pid`, `pn`, `rn` (§7.2, lx). */
export const NPLSERVER_QUERY: string =
  "encode=utf8&keyset=pl2012&identity=kuwo&pcmp4=1" +
  "&vipver=MUSIC_9.0.5.0_W1&newver=1";

/** `remoteKey` of the recommended-playlists pool (§5 `getRcmPlayList`). */
export const RECOMMENDED_POOL_KEY = "rcm";

/** Display name of the recommended-playlists pool. */
export const RECOMMENDED_POOL_NAME = "推荐歌单";

/** `remoteKey` of the chart pool (§6). */
export const TOPLIST_POOL_KEY = "toplist";
/** Display name of the chart pool. */
export const TOPLIST_POOL_NAME = "排行榜";

/** `remoteId` prefix of a chart: its songs come from `bang/musicList` (§6). */
export const CHART_PREFIX = "chart:";

/** The Android client's `source` parameter of `mobi.s` (§9.2, §9.3). */
export const MOBI_SOURCE = "kwplayer_ar_5.1.0.0_B_jiakong_vh.apk";

/** A `source` string of `mobi.s`, with the host and User-Agent it goes with. */
export interface MobiSource {
  /** The `source` parameter. */
  readonly source: string;
  /** The `mobi.s` origin. */
  readonly origin: string;
  /** The User-Agent its clients send. */
  readonly userAgent: string;
}

/**
 * The `source` strings to try, in order, per form of `mobi.s` (corrections
 * of December 2026: the string is an ordered list; the one that answers is
 * remembered for the run). What working clients send:
 *
 * - `kwplayer_ar_5.1.0.0_B_jiakong_vh.apk` (liuran001/MusicBot-Go
 *   `plugins/kuwo/media.go`, plain `f=web` on `mobi.kuwo.cn`; UNM and
 *   musicdl in the KuwoDES query);
 * - `jiakong` with `f=web` (a Rust player's `resolve_remote` and a
 *   TypeScript `kuwoPlayUrl` found by code search, `okhttp/3.10.0`);
 * - `kwplayer_ar_1.1.9_oppo_118980_320.apk`, the car app, on
 *   `nmobi.kuwo.cn` with `okhttp/4.10.0` (lx-music custom sources and a
 *   C# client found by code search; one notes its 2000kflac tier now
 *   answers the preview stub). In the KuwoDES form it is our guess
 *   [UNSURE]: LXAPI sends encrypted queries to `nmobi` too.
 */
export const MOBI_SOURCES: Readonly<
  Record<"plain" | "des", readonly MobiSource[]>
> = {
  plain: [
    { source: MOBI_SOURCE, origin: HOSTS.mobi, userAgent: "okhttp/3.10.0" },
    { source: "jiakong", origin: HOSTS.mobi, userAgent: "okhttp/3.10.0" },
    {
      source: "kwplayer_ar_1.1.9_oppo_118980_320.apk",
      origin: "https://nmobi.kuwo.cn",
      userAgent: "okhttp/4.10.0",
    },
  ],
  des: [
    { source: MOBI_SOURCE, origin: HOSTS.mobiDes, userAgent: "okhttp/3.10.0" },
    {
      source: "kwplayer_ar_1.1.9_oppo_118980_320.apk",
      origin: "http://nmobi.kuwo.cn",
      userAgent: "okhttp/4.10.0",
    },
  ],
};

/** The KuwoDES key, as ASCII (§3). */
export const DES_KEY = "ylzsxkwm";

/** A desktop browser UA for `www` calls (§11). */
export const BROWSER_UA: string =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
  "(KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";

/** The Android client's UA, for `mobi.s` and the CDN (§9.2, §9.5). */
export const MOBILE_UA = "okhttp/3.10.0";

/** Referer the web pages and the CDN expect (§2.6, §9.5). */
export const WWW_REFERER = "https://www.kuwo.cn/";

/** One rung of the download ladder (§9.1). */
export interface Rung {
  /** Kuwo's own name of the tier, sent as `br`. */
  br: string;
  /** The file format `mobi.s` is asked for and answers. */
  format: "flac" | "mp3";
  /** The tier's bitrate, as `mobi.s` and `MINFO` name it. */
  bitrateKbps: number;
  /** The platform-neutral quality of the tier. */
  label: QualityLabel;
  /** The container of the tier's files. */
  container: Container;
}

/** The ladder, best first (§9.1, §9.6). */
export const LADDER: readonly Rung[] = [
  {
    br: "4000kflac",
    format: "flac",
    bitrateKbps: 4000,
    label: "hires",
    container: "flac",
  },
  {
    br: "2000kflac",
    format: "flac",
    bitrateKbps: 2000,
    label: "lossless",
    container: "flac",
  },
  {
    br: "320kmp3",
    format: "mp3",
    bitrateKbps: 320,
    label: "320k",
    container: "mp3",
  },
  {
    br: "192kmp3",
    format: "mp3",
    bitrateKbps: 192,
    label: "192k",
    container: "mp3",
  },
  {
    br: "128kmp3",
    format: "mp3",
    bitrateKbps: 128,
    label: "128k",
    container: "mp3",
  },
];

/** Bitrates above this are encrypted premium tiers (`mflac`, `mgg`...): unusable (§9.1). */
export const MAX_PLAIN_BITRATE = 4000;

/** `mobi.s` codes that end the ladder: unavailable (or VIP) for good (§9.2). */
export const FINAL_CODES: ReadonlySet<number> = new Set([-1, -1001]);

/**
 * `mobi.s`'s "music not found" (`code 404`, or an HTTP 404): the song is
 * unavailable; lower rungs are not asked (corrections of December 2026).
 */
export const NOT_FOUND_CODE = 404;

/** A `msg` that says the song is not there. */
export const NOT_FOUND_PATTERN = /not found|不存在/i;

/** `mobi.s` code of the region lock (§9.2). */
export const REGION_CODE = 407;

/**
 * A preview stub's duration differs from the track's by more than this
 * (seconds), or `PREVIEW_DURATION_SLACK_RATIO`, whichever is larger (§9.6
 * step 4).
 */
export const PREVIEW_DURATION_SLACK_S = 5;
/** The fraction of the track's duration a preview stub differs by at least. */
export const PREVIEW_DURATION_SLACK_RATIO = 0.05;

/** `pay` bits that mark a song paid on the web (§8.2, U-CS). */
export const PAY_MASK = 0x030003;

/**
 * A CDN audio host: `kw-*` (2026) or a `sycdn` host (`er-sycdn`,
 * `other.web.nf01.sycdn`, the 2020 capture's `eo.sycdn`) under `kuwo.cn`
 * (§9.5). MBG accepts only `-sycdn`; the captures show `.sycdn` too.
 */
export const CDN_HOST_PATTERN =
  /^(?:kw-[a-z0-9-]+|(?:[a-z0-9-]+\.)*[a-z0-9]+[-.]sycdn)\.kuwo\.cn$/i;

/** A CDN path: `/<32 hex signature>/<8 hex expiry>/resource/...` (§9.5). */
export const CDN_PATH_PATTERN = /^\/([0-9a-f]{32})\/([0-9a-f]{8})\/resource\//i;
