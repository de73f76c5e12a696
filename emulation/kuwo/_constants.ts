/**
 * What the Kuwo emulation knows of the protocol, restated here from
 * `shared/protocols/kuwo.md` on purpose: the client keeps its own copy in
 * `sources/kuwo/`, and an emulation that read the client's constants could
 * not catch a client that gets them wrong.
 *
 * @module
 */
import type { Container, QualityLabel } from "../../sources/types.ts";

/** The web host: home page, signed `/api/www/**` routes (§1). */
export const WWW_HOST = "www.kuwo.cn";
/** The "PC client" host: square and chart list, unsigned (§1). */
export const WAPI_HOST = "wapi.kuwo.cn";
/** The nplserver host (§1). */
export const NPLSERVER_HOST = "nplserver.kuwo.cn";
/** The `mobi.s` hosts (§1, §9.2: `nmobi` works too). */
export const MOBI_HOSTS = ["mobi.kuwo.cn", "nmobi.kuwo.cn"] as const;
/** The CDN host the resolver hands out (2026 captures, §9.5). */
export const CDN_HOST = "kw-er.kuwo.cn";

/** The session cookie's current name (§2.1). */
export const COOKIE_NAME = "Hm_Iuvt_cdb524f42f23cer9b268564v7y735ewrq2324";

/** What signed routes answer for a bad `Secret` or a stale cookie (§2.7). */
export const ILLEGAL = {
  success: false,
  message: "The request is illegal!",
} as const;

/** The key of KuwoDES, as ASCII (§3). */
export const KUWO_DES_KEY = "ylzsxkwm";

/** The Android client's `source` of `mobi.s`, echoed in CDN URLs (§9.2). */
export const MOBI_SOURCE = "kwplayer_ar_5.1.0.0_B_jiakong_vh.apk";

/**
 * The `source` strings `mobi.s` knows (corrections of December 2026): the
 * Android client's (MBG), the bare `jiakong` of plain `f=web` calls, and
 * the car app's (on `nmobi.kuwo.cn`). Any other is refused, as are those
 * the `kuwoRefusedSources` behaviour names.
 */
export const MOBI_SOURCES: readonly string[] = [
  MOBI_SOURCE,
  "jiakong",
  "kwplayer_ar_1.1.9_oppo_118980_320.apk",
];

/**
 * The answer to a `source` it refuses. Real refusals are undocumented
 * [UNSURE]: a code of its own, not one clients read as final (`-1`), nor
 * the region lock (`407`) or "not found" (`404`).
 */
export const SOURCE_REFUSED = {
  code: 403,
  msg: "source is forbidden",
} as const;

/** The largest page (`rn`) each paged endpoint serves. */
export const MAX_RN = {
  /** `bang/musicList` (§6: `rn > 30` answers `code: -1`). */
  chart: 30,
  /** `playListInfo` (§7.1, §14). */
  playlist: 100,
  /** The square (unconfirmed upstream: 200 seen, §5). */
  square: 100,
  /** nplserver `pl.svc` (§7.2: up to 1000, lx; §15.3). */
  nplserver: 1000,
} as const;

/** A tier `mobi.s` serves (§9.1). */
export interface KuwoRung {
  /** Kuwo's name of the tier, as `br` asks for it. */
  br: string;
  /** `format` of the answer. */
  format: "flac" | "mp3";
  /** `bitrate` of the answer. */
  bitrateKbps: number;
  /** The world's tier it serves. */
  label: QualityLabel;
  /** The container of its file. */
  container: Container;
}

/** The plain tiers, best first (§9.1); bitrates above are encrypted. */
export const KUWO_RUNGS: readonly KuwoRung[] = [
  ["4000kflac", 4000, "hires"] as const,
  ["2000kflac", 2000, "lossless"] as const,
  ["320kmp3", 320, "320k"] as const,
  ["192kmp3", 192, "192k"] as const,
  ["128kmp3", 128, "128k"] as const,
].map(([br, bitrateKbps, label]) => {
  const format = br.endsWith("flac") ? "flac" : "mp3";
  return { br, format, bitrateKbps, label, container: format };
});
