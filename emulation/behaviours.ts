/**
 * The behaviours of real answers the emulation models beyond the happy
 * path (the "Corrections (December 2026)" of `shared/protocols/`), as
 * knobs: each is on by default for a seeded share of the catalog, so that
 * the demo and the end-to-end tests meet it, and each can be switched
 * through `POST /_emulation/config` (`{"behaviours": {...}}`, or
 * `"off"`/`"default"` for all of them). Every request's `EmulatorContext`
 * carries the knobs in force.
 *
 * A share is a probability per record (song, playlist, chart) drawn from
 * the world's seed: `0` switches a behaviour off, `1` makes it universal.
 *
 * @module
 */
import { unit } from "./_hash.ts";

/** How QQ's unsigned web vkey call refuses a song it should grant. */
export type QqVkeyRefusal = "empty" | "invalidq" | "mixed";

/** The knobs of the modelled behaviours. */
export interface Behaviours {
  /**
   * All three platforms: share of playlists and charts whose declared
   * total counts hidden songs (offline, region-locked) that no page holds,
   * some of them in a page in the middle, which comes back short.
   */
  hiddenTracks: number;
  /**
   * QQ: share of songs whose unsigned `musicu.fcg` `CgiGetVkey` answers
   * `code 0` with an empty `purl` on every rung, while the zzc-signed
   * `musics.fcg` and the app's `music.vkey.GetVkey` answer.
   */
  qqUnsignedVkeyEmpty: number;
  /**
   * QQ: the form of that refusal: `empty` (`retcode 0`, `result 0`),
   * `invalidq` (`retcode 104009`, a `msg` naming `invalidq`), or `mixed`
   * (one or the other per song).
   */
  qqUnsignedVkeyForm: QqVkeyRefusal;
  /**
   * QQ: whether the signed `musics.fcg` grants those songs; when `false`
   * only the app module does.
   */
  qqSignedVkeyAnswers: boolean;
  /**
   * Kuwo: share of songs whose first `newlyric.lrc` call is answered
   * `TP=ERROR REQUEST` (its rate limit, §12); the next call answers. Off
   * by default: a lyric refused during a download is fetched by the next
   * `tag`, which changes the file's bytes.
   */
  kuwoLyricRateLimit: number;
  /**
   * Kuwo: share of songs the H5 `songinfoandlrc` answers
   * `{"status":301,"msg":"音乐查询失败"}` for, as it answers every song since
   * 2026-09 (§12); `1` is today's service.
   */
  kuwoH5LyricsGone: number;
  /** Kuwo: `mobi.s` `source` strings refused whatever the song. */
  kuwoRefusedSources: string[];
  /**
   * Kuwo: share of the songs without copyright that `mobi.s` answers
   * "music not found" (`code 404`) for, instead of `code -1`.
   */
  kuwoNotFound: number;
  /**
   * NetEase: share of the songs asked of `song/enhance/download/url/v1`
   * that it answers `301` (needs login) or `-110` instead of a URL.
   */
  neteaseDownloadRefused: number;
  /**
   * NetEase: share of songs whose URL calls answer `-460` (risk control)
   * until the caller presents an anonymous identity (`MUSIC_A` from
   * `/api/register/anonimous`).
   */
  neteaseRiskControl: number;
}

/** The behaviours in force unless told otherwise. */
export const DEFAULT_BEHAVIOURS: Readonly<Behaviours> = Object.freeze({
  hiddenTracks: 0.3,
  qqUnsignedVkeyEmpty: 0.25,
  qqUnsignedVkeyForm: "mixed",
  qqSignedVkeyAnswers: true,
  kuwoLyricRateLimit: 0,
  kuwoH5LyricsGone: 0.5,
  kuwoRefusedSources: ["kwplayer_ar_5.1.0.0_B_jiakong_vh.apk"],
  kuwoNotFound: 0.5,
  neteaseDownloadRefused: 0.5,
  neteaseRiskControl: 0.2,
});

/** Every behaviour off: the happy path of the protocol pages. */
export const NO_BEHAVIOURS: Readonly<Behaviours> = Object.freeze({
  hiddenTracks: 0,
  qqUnsignedVkeyEmpty: 0,
  qqUnsignedVkeyForm: "mixed",
  qqSignedVkeyAnswers: true,
  kuwoLyricRateLimit: 0,
  kuwoH5LyricsGone: 0,
  kuwoRefusedSources: [],
  kuwoNotFound: 0,
  neteaseDownloadRefused: 0,
  neteaseRiskControl: 0,
});

const SHARES = [
  "hiddenTracks",
  "qqUnsignedVkeyEmpty",
  "kuwoNotFound",
  "kuwoLyricRateLimit",
  "kuwoH5LyricsGone",
  "neteaseDownloadRefused",
  "neteaseRiskControl",
] as const;

const FORMS: readonly QqVkeyRefusal[] = ["empty", "invalidq", "mixed"];

/**
 * `base` with the knobs of `patch` applied: a partial `Behaviours`, or
 * `"off"` / `"default"`. Throws a `RangeError` naming the knob for a value
 * it cannot take (an unknown knob, a share outside 0..1).
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_BEHAVIOURS, withBehaviours } from "./behaviours.ts";
 * import assert from "node:assert/strict";
 *
 * const next = withBehaviours(DEFAULT_BEHAVIOURS, { hiddenTracks: 1 });
 * assert.equal(next.hiddenTracks, 1);
 * assert.equal(withBehaviours(next, "off").hiddenTracks, 0);
 * assert.throws(() => withBehaviours(next, { hiddenTracks: 2 }), RangeError);
 * ```
 */
export function withBehaviours(
  base: Readonly<Behaviours>,
  patch: unknown,
): Behaviours {
  if (patch === "off") return copy(NO_BEHAVIOURS);
  if (patch === "default") return copy(DEFAULT_BEHAVIOURS);
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new RangeError(
      `Cannot set behaviours from ${
        JSON.stringify(patch)
      }: expected an object, "off" or "default"`,
    );
  }
  const next = copy(base);
  for (const [key, value] of Object.entries(patch)) {
    if ((SHARES as readonly string[]).includes(key)) {
      if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
        throw new RangeError(
          `Cannot set behaviour '${key}' to ${
            JSON.stringify(value)
          }: expected a share from 0 to 1`,
        );
      }
      next[key as typeof SHARES[number]] = value;
    } else if (key === "qqUnsignedVkeyForm") {
      if (!FORMS.includes(value as QqVkeyRefusal)) {
        throw new RangeError(
          `Cannot set behaviour '${key}' to ${
            JSON.stringify(value)
          }: expected one of ${FORMS.join(", ")}`,
        );
      }
      next.qqUnsignedVkeyForm = value as QqVkeyRefusal;
    } else if (key === "qqSignedVkeyAnswers") {
      if (typeof value !== "boolean") {
        throw new RangeError(
          `Cannot set behaviour '${key}' to ${
            JSON.stringify(value)
          }: expected true or false`,
        );
      }
      next.qqSignedVkeyAnswers = value;
    } else if (key === "kuwoRefusedSources") {
      if (
        !Array.isArray(value) || !value.every((s) => typeof s === "string")
      ) {
        throw new RangeError(
          `Cannot set behaviour '${key}' to ${
            JSON.stringify(value)
          }: expected a list of source strings`,
        );
      }
      next.kuwoRefusedSources = [...value];
    } else {
      throw new RangeError(`Cannot set behaviour '${key}': no such behaviour`);
    }
  }
  return next;
}

function copy(behaviours: Readonly<Behaviours>): Behaviours {
  return {
    ...behaviours,
    kuwoRefusedSources: [...behaviours.kuwoRefusedSources],
  };
}

/** Salts of the seeded draws, one per behaviour. */
export const BEHAVIOUR_SALTS = {
  hiddenTracks: 9100,
  qqUnsignedVkeyEmpty: 9200,
  qqUnsignedVkeyForm: 9210,
  kuwoNotFound: 9300,
  kuwoH5LyricsGone: 9310,
  neteaseDownloadRefused: 9400,
  neteaseDownloadCode: 9410,
  neteaseRiskControl: 9500,
} as const;

/**
 * Whether the record `key` (an index, an id, a string hash) falls in the
 * seeded `share` of a behaviour drawn with `salt`.
 */
export function inShare(
  seed: number,
  salt: number,
  key: number,
  share: number,
): boolean {
  if (share <= 0) return false;
  if (share >= 1) return true;
  return unit(seed, salt, key) < share;
}
