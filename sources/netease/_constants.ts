/**
 * Every NetEase protocol constant in one place: hosts, keys, the RSA public
 * key, the quality ladder, business codes and the identity the client
 * presents. Values are NetEase's own (protocols/netease.md §1–§4, §9, §11).
 *
 * @module
 */
import type { QualityLabel } from "../types.ts";

/** Web API host: weapi, plain api, linuxapi. */
export const WEB_HOST = "music.163.com";
/** eapi host (the one L1, MDL, NCM-old and UNM use). */
export const EAPI_HOST = "interface3.music.163.com";

/** Origin of weapi calls. */
export const WEB_ORIGIN = `https://${WEB_HOST}`;
/** Origin of eapi calls. */
export const EAPI_ORIGIN = `https://${EAPI_HOST}`;

/** weapi preset AES key (layer 1). */
export const WEAPI_PRESET_KEY = "0CoJUm6Qyw8W8jud";
/** weapi AES-CBC IV, both layers (ASCII). */
export const WEAPI_IV = "0102030405060708";
/** Alphabet of the 16-character weapi secret. */
export const WEAPI_SECRET_ALPHABET =
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** Length of the weapi secret. */
export const WEAPI_SECRET_LENGTH = 16;

/** An RSA public key as hex strings. */
export interface RsaPublicKey {
  /** Modulus, hex (a leading `00` is allowed). */
  modulus: string;
  /** Public exponent, hex. */
  exponent: string;
}

/** NetEase's own weapi RSA public key (1024-bit, e = 65537). */
export const NETEASE_RSA_KEY: RsaPublicKey = {
  modulus: "00e0b509f6259df8642dbc35662901477df22677ec152b5ff68ace615bb7b725" +
    "152b3ab17a876aea8a5aa76d2e417629ec4ee341f56135fccf695280104e0312" +
    "ecbda92557c93870114af6c9d05c4f7f0c3685b7a46bee255932575cce10b424" +
    "d813cfe4875d3e82047b97ddef52741d546b8e289dc6935b3ece0462db0a22b8e7",
  exponent: "010001",
};

/** eapi AES-128-ECB key. */
export const EAPI_KEY = "e82ckenh8dichen8";
/** eapi separator between path, text and digest. */
export const EAPI_SEPARATOR = "-36cd479b6b5-";
/** linuxapi AES-128-ECB key. */
export const LINUXAPI_KEY = "rFgB&h#%2?^eDg:Q";

/** Desktop browser User-Agent for weapi (NCM `chooseUserAgent`). */
export const BROWSER_USER_AGENT: string =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
  "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0";
/** PC client version, sent as `appver`. */
export const PC_APPVER = "3.0.18.203152";
/** PC OS version, sent as `osver`. */
export const PC_OSVER = "Microsoft-Windows-10-Professional-build-22631-64bit";
/** PC channel. */
export const PC_CHANNEL = "netease";
/** The PC client's User-Agent, for eapi. */
export const PC_USER_AGENT: string =
  "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) " +
  `Safari/537.36 Chrome/91.0.4472.164 NeteaseMusicDesktop/${PC_APPVER}`;
/** User-Agent of linuxapi calls. */
export const LINUX_USER_AGENT: string =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " +
  "Chrome/60.0.3112.90 Safari/537.36";

/** Square playlists per `playlist/list` page. */
export const PAGE_SIZE = 50;
/** Most ids `v3/song/detail` accepts per call. */
export const SONG_DETAIL_BATCH = 1000;
/**
 * Most ids one `song/enhance/player/url/v1` call asks: pyncm @0ebc4a6
 * `pyncm/apis/track.py` `GetTrackAudioV1` takes a list of song ids and
 * notes "song_ids 项目数应 <= 1000" (as for `GetTrackDetail`);
 * NeteaseCloudMusicApi's `module/song_url_v1.js` sends whatever
 * comma-separated list it is given as `ids: '[' + id + ']'`.
 */
export const URL_BATCH_IDS = 1000;
/** `n` of `v6/playlist/detail` (NCM). */
export const DETAIL_TRACKS = 100_000;
/** `s` of `v6/playlist/detail`: recent subscribers (NCM). */
export const DETAIL_SUBSCRIBERS = 8;

/** The category every playlist belongs to (`全部`). */
export const ALL_CATEGORY = "全部";
/** `remoteKey` of the high-quality pool. */
export const HIGH_QUALITY_KEY = "highquality";
/** Display name of the high-quality pool. */
export const HIGH_QUALITY_NAME = "精品歌单";
/** `remoteKey` of the one toplist pool. */
export const TOPLIST_KEY = "toplist";
/** Display name of the toplist pool. */
export const TOPLIST_NAME = "排行榜";

/** NetEase's playback levels used for downloads, best first. */
export const LEVELS = [
  "jymaster",
  "hires",
  "lossless",
  "exhigh",
  "higher",
  "standard",
] as const;

/** A NetEase playback level of the download ladder. */
export type Level = typeof LEVELS[number];

/** Quality label of each level. */
export const LEVEL_LABELS: Readonly<Record<Level, QualityLabel>> = {
  jymaster: "master",
  hires: "hires",
  lossless: "lossless",
  exhigh: "320k",
  higher: "192k",
  standard: "128k",
};

/**
 * Weights of the privilege's level names, to compare `plLevel` with
 * `dlLevel` (§9, NCX's weights; `none` is 0). Levels not listed (dolby,
 * vivid) have no agreed weight.
 */
export const LEVEL_WEIGHTS: Readonly<Record<string, number>> = {
  jymaster: 8,
  sky: 7,
  jyeffect: 6,
  hires: 5,
  lossless: 4,
  exhigh: 3,
  higher: 2,
  standard: 1,
  none: 0,
};

/** Song fields describing the files a song has, and their levels. */
export const SONG_QUALITY_FIELDS: ReadonlyArray<
  readonly [field: "hr" | "sq" | "h" | "m" | "l", level: Level]
> = [
  ["hr", "hires"],
  ["sq", "lossless"],
  ["h", "exhigh"],
  ["m", "higher"],
  ["l", "standard"],
];

/** Business codes (§11). */
export const CODE = {
  ok: 200,
  notFound: 404,
  needsLogin: 301,
  privateNeedsLogin: 20001,
  cheating: -460,
  riskControl: -462,
  tooFrequent: 405,
  tooFrequentLong: 406,
  badRequest: 400,
} as const;

/**
 * The weapi path (after `/weapi/`) that issues an anonymous `MUSIC_A`
 * (NeteaseCloudMusicApi `module/register_anonimous.js`; the spelling is
 * NetEase's).
 */
export const REGISTER_ANONYMOUS = "register/anonimous";

/**
 * The pause before a call refused by risk control is sent again with the
 * anonymous identity. Our choice: NetEase documents none; bans can last
 * days (§11), a short one often clears.
 */
export const RISK_CONTROL_PAUSE_MS = 5_000;

/** The same pause against an emulation, which keeps no clock of bans. */
export const EMULATION_RISK_CONTROL_PAUSE_MS = 50;

/** Seconds NetEase suggests waiting after a 406 (codezjx/netease-cloud-music-dl#61). */
export const LONG_RATE_LIMIT_SECONDS = 20;
