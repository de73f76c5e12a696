/**
 * NetEase's anonymous identity (protocols/netease.md §4 and the corrections
 * of December 2026): the cookies NeteaseCloudMusicApi sends besides `os`
 * and `appver`, and the `MUSIC_A` token it obtains once from
 * `/api/register/anonimous`. The client keeps minimal cookies (listen1's)
 * by default and builds this identity only after a risk-control refusal.
 *
 * What working clients do (read in nooblong/NeteaseCloudMusicApiBackup
 * @ed28a57, the v4.25 mirror, and NeteaseCloudMusicApiEnhanced/api-enhanced
 * @7c17de7):
 *
 * - `module/register_anonimous.js`: a device id; `username` =
 *   Base64(UTF-8(`<deviceId> <Base64(MD5(deviceId XOR "3go8&$8*3*3h0k(2)2"))>`)),
 *   the XOR character by character with the key repeated; posted as weapi
 *   `{username}` to `/api/register/anonimous`; `code 200` and a `MUSIC_A`
 *   cookie in `Set-Cookie`;
 * - `util/index.js` `generateDeviceId()` (enhanced): 52 uppercase hex
 *   characters (the v4.25 mirror picks one of such ids from a list);
 * - `util/request.js`: `_ntes_nuid` = 32 random bytes as hex, `_ntes_nnid`
 *   = `<_ntes_nuid>,<ms>`, `NMTID` = 16 random bytes as hex, `WNMCID` =
 *   `<6 lowercase letters>.<ms>.01.0`, `WEVNSM` = `1.0.0`, and `MUSIC_A` as
 *   a cookie and in the eapi `header` of a caller without `MUSIC_U`.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** The key the device id is XORed with (register_anonimous.js). */
export const DEVICE_ID_XOR_KEY = "3go8&$8*3*3h0k(2)2";

/** The identity cookies and the token, as sent. */
export interface AnonymousIdentity {
  /** The device id the username was derived from. */
  deviceId: string;
  /** The anonymous token from `/api/register/anonimous`. Never printed. */
  musicA: string;
  /** The web fingerprint cookies (`NMTID`, `_ntes_nuid`, ...). */
  cookies: Record<string, string>;
}

/** A device id: 52 uppercase hex characters (api-enhanced `generateDeviceId`). */
export function newDeviceId(random: () => number): string {
  let id = "";
  for (let i = 0; i < 52; i++) {
    id += Math.floor(random() * 16).toString(16).toUpperCase();
  }
  return id;
}

/**
 * The `username` of `/api/register/anonimous` for a device id.
 *
 * @example Usage
 * ```ts
 * import { anonymousUsername } from "./_identity.ts";
 * import assert from "node:assert/strict";
 *
 * const username = anonymousUsername("ABC123");
 * assert.match(atob(username), /^ABC123 [A-Za-z0-9+/]{22}==$/);
 * ```
 */
export function anonymousUsername(deviceId: string): string {
  let xored = "";
  for (let i = 0; i < deviceId.length; i++) {
    xored += String.fromCharCode(
      deviceId.charCodeAt(i) ^
        DEVICE_ID_XOR_KEY.charCodeAt(i % DEVICE_ID_XOR_KEY.length),
    );
  }
  const digest = createHash("md5").update(xored, "utf8").digest("base64");
  return new TextEncoder().encode(`${deviceId} ${digest}`).toBase64();
}

/** The web fingerprint cookies of a new identity (NCM `util/request.js`). */
export function fingerprintCookies(
  random: () => number,
  now: number,
): Record<string, string> {
  const hex = (bytes: number) => {
    let out = "";
    for (let i = 0; i < bytes * 2; i++) {
      out += Math.floor(random() * 16).toString(16);
    }
    return out;
  };
  let letters = "";
  for (let i = 0; i < 6; i++) {
    letters += String.fromCharCode(97 + Math.floor(random() * 26));
  }
  const nuid = hex(32);
  return {
    NMTID: hex(16),
    _ntes_nuid: nuid,
    _ntes_nnid: `${nuid},${now}`,
    WNMCID: `${letters}.${now}.01.0`,
    WEVNSM: "1.0.0",
  };
}

/** The `MUSIC_A` value of a registration's `Set-Cookie` headers, if any. */
export function musicAFrom(setCookies: readonly string[]): string | undefined {
  for (const line of setCookies) {
    const match = /(?:^|;\s*)MUSIC_A=([^;]+)/.exec(line);
    if (match && match[1] !== "") return match[1];
  }
  return undefined;
}
