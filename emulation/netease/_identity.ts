/**
 * NetEase's anonymous identity on the server side (protocols/netease.md §4
 * and the corrections of December 2026): `POST /api/register/anonimous`
 * with a `username` derived from a device id answers `code 200` and sets a
 * `MUSIC_A` token; a request that presents an issued token (cookie, or the
 * eapi `header`) has an identity, which clears the emulated risk control.
 *
 * The username is Base64 of `<deviceId> <Base64(MD5(deviceId XOR key))>`,
 * the key `3go8&$8*3*3h0k(2)2` applied character by character (the form
 * NeteaseCloudMusicApi's `module/register_anonimous.js` sends), checked
 * here with code of the emulation's own.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { World } from "../world.ts";

/** The XOR key of the device id (§4). */
const ID_XOR_KEY = "3go8&$8*3*3h0k(2)2";

/** Seconds an issued token lives, as the `Max-Age` of its cookie. */
const TOKEN_MAX_AGE = 10 * 365 * 86_400;

/** The device id a username stands for, if it is well formed. */
export function deviceIdOf(username: unknown): string | undefined {
  if (typeof username !== "string" || username === "") return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(username), (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const space = text.indexOf(" ");
  const deviceId = text.slice(0, space);
  const digest = text.slice(space + 1);
  if (space <= 0 || !/^[0-9A-Za-z]{8,128}$/.test(deviceId)) return undefined;
  let xored = "";
  for (let i = 0; i < deviceId.length; i++) {
    xored += String.fromCharCode(
      deviceId.charCodeAt(i) ^ ID_XOR_KEY.charCodeAt(i % ID_XOR_KEY.length),
    );
  }
  const expected = createHash("md5").update(xored, "utf8").digest("base64");
  return digest === expected ? deviceId : undefined;
}

/** The anonymous identities one emulation has issued. */
export class AnonymousIdentities {
  #world: World;
  #issued = new Set<string>();

  /** Identities issued from tokens derived from the world's seed. */
  constructor(world: World) {
    this.#world = world;
  }

  /**
   * Answers a registration: `code 200` and the `MUSIC_A` cookie for a well
   * formed username, `code 400` otherwise.
   */
  register(params: Record<string, unknown>, now: number): Response {
    const deviceId = deviceIdOf(params.username);
    if (deviceId === undefined) {
      return Response.json({ code: 400, msg: "参数错误" });
    }
    const serial = this.#issued.size + 1;
    const token = this.#world.token(96, 0x4d41, serial);
    this.#issued.add(token);
    const headers = new Headers({
      "content-type": "application/json;charset=UTF-8",
    });
    headers.append(
      "set-cookie",
      `MUSIC_A=${token}; Max-Age=${TOKEN_MAX_AGE}; Path=/`,
    );
    return new Response(
      JSON.stringify({
        code: 200,
        userId: 8_000_000_000 + serial,
        createTime: now,
      }),
      { headers },
    );
  }

  /** Whether a `MUSIC_A` value is one this emulation issued. */
  knows(token: string | undefined): boolean {
    if (!token) return false;
    let value = token;
    try {
      value = decodeURIComponent(token);
    } catch {
      // compared as it is
    }
    return this.#issued.has(value);
  }
}
