/**
 * What the QQ Music emulation knows of hosts, paths and codes
 * (protocols/qq.md §1, §3, §5, §11), restated here on purpose rather than
 * read from the client's constants.
 *
 * @module
 */

/** The gateway host. */
export const API_HOST = "u.y.qq.com";
/** The legacy CGI host. */
export const CGI_HOST = "c.y.qq.com";
/** The audio CDN hosts `sip` lists. */
export const CDN_HOSTS = [
  "dl.stream.qqmusic.qq.com",
  "isure.stream.qqmusic.qq.com",
] as const;

/**
 * Codes the page does not document, chosen by the emulation: a label (or
 * envelope) it cannot read, and a `getcdinfo` call it refuses.
 */
export const EMULATION_CODES = {
  badRequest: 500001,
  badReferer: -1,
  badParam: -2,
  noPlaylist: 4000,
} as const;

/** Where a 2001 answer sends the user to log in. */
export const FEEDBACK_URL =
  "https://y.qq.com/wk_v17/common_login.html#/login?QQAppid=100497308";

/** The label of the vkey call (§7). */
export const VKEY = "vkey.GetVkeyServer.CgiGetVkey";
/** The label of the app's vkey call (§7; corrections of December 2026). */
export const APP_VKEY = "music.vkey.GetVkey.UrlGetVkey";
/**
 * The `retcode` of a vkey answer that refuses the caller's device
 * (`msg` naming `invalidq`; L-1124/QQMusicApi#252, 2026).
 */
export const INVALIDQ_RETCODE = 104009;
/** The paths the emulation answers on its hosts (§1, §3, §5). */
export const PATHS = {
  /** The unsigned gateway. */
  gateway: "/cgi-bin/musicu.fcg",
  /** The zzc-signed gateway (§2.1). */
  signedGateway: "/cgi-bin/musics.fcg",
  /** `getcdinfo`: a playlist and a page of its songs (§5). */
  cdinfo: "/qzone/fcg-bin/fcg_ucc_getcdinfo_byids_cp.fcg",
  /** The legacy square's categories (§3 family A). */
  tagConf: "/splcloud/fcgi-bin/fcg_get_diss_tag_conf.fcg",
  /** The legacy square's playlists of a category (§3 family A). */
  byTag: "/splcloud/fcgi-bin/fcg_get_diss_by_tag.fcg",
} as const;

/**
 * The `match` of a scripted fault that hits musicu family B of the square
 * (both `playlist.PlaylistAllCategoriesServer` and
 * `playlist.PlayListCategoryServer`), and nothing else.
 */
export const FAMILY_B_SQUARE_MATCH = "#playlist.";
