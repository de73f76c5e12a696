/**
 * Kuwo's lyric service `newlyric.kuwo.cn/newlyric.lrc`, with an encoder of
 * its own (XOR `yeelion`, base64, zlib, GB18030): never the client's.
 *
 * - The query (everything after `?`) is base64 of the parameters XORed
 *   with the repeating key `yeelion`; they must be
 *   `user=12345,web,web,web&requester=localhost&req=1&rid=MUSIC_<rid>` and
 *   may add `lrcx=1`. Anything else (a query sent in clear, other values)
 *   is answered `TP=ERROR REQUEST`, as the real service answers a clear
 *   query (a 2026-08 lyric precision study) and changed fixed values
 *   (MusicCopilot's notes: "改动即报错").
 * - `TP=ERROR REQUEST` is also its rate limit (protocols/kuwo.md §12): the
 *   behaviour `kuwoLyricRateLimit` refuses the first call for a seeded
 *   share of songs; the next call for the song answers.
 * - An unknown rid, or a song without lyrics: `tp=none\r\ncand_lrc_count=0`.
 * - Lyrics: the header (`tp=content`, `path`, `score`, `provider`,
 *   `lrc_length`, `cand_lrc_count`, `wiki_entry`, `wiki_entry_sig`,
 *   `lrcx`, `show`), a blank line, then zlib of, with `lrcx=1`, the base64
 *   of the GB18030 text XORed with the key (word tags `<a,b>` under
 *   `[kuwo:013]`: begin = (a+b)/2, length = (a-b)/2); without `lrcx`, a
 *   GB18030 LRC with two-digit stamps.
 * - A translation is the line before a repeated stamp: the translation of
 *   line i carries line i+1's stamp and comes just before it, with `<0,0>`
 *   tags; the first line has an empty slot before it; the last line's
 *   translation follows it, 2 s later.
 *
 * @module
 */
import { deflateSync } from "node:zlib";
import { songLyrics } from "../_song_extras.ts";
import { inShare } from "../behaviours.ts";
import type { EmulatorContext, Route } from "../platform.ts";
import type { LyricCatalog } from "./_lyrics.ts";

/** The lyric service's host. */
export const NEWLYRIC_HOST = "newlyric.kuwo.cn";
/** Its path. */
export const NEWLYRIC_PATH = "/newlyric.lrc";
/** The salt of the rate-limit draw. */
const RATE_LIMIT_SALT = 9600;

const KEY = new TextEncoder().encode("yeelion");

function xor(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! ^ KEY[i % 7]!;
  return out;
}

let gbTable: Map<number, number[]> | undefined;

/** Code point → GB18030 bytes for the BMP, read off the platform's decoder. */
function gbCodes(): Map<number, number[]> {
  if (gbTable) return gbTable;
  const table = new Map<number, number[]>();
  const decoder = new TextDecoder("gb18030");
  const add = (bytes: number[]) => {
    const cp = decoder.decode(new Uint8Array(bytes)).codePointAt(0)!;
    if (cp !== 0xfffd && !table.has(cp)) table.set(cp, bytes);
  };
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail !== 0x7f) add([lead, trail]);
    }
  }
  for (let b1 = 0x81; b1 <= 0x84; b1++) {
    for (let b2 = 0x30; b2 <= 0x39; b2++) {
      for (let b3 = 0x81; b3 <= 0xfe; b3++) {
        for (let b4 = 0x30; b4 <= 0x39; b4++) add([b1, b2, b3, b4]);
      }
    }
  }
  gbTable = table;
  return table;
}

/** `text` in GB18030. */
export function gb18030(text: string): Uint8Array {
  const out: number[] = [];
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (cp < 0x80) {
      out.push(cp);
    } else if (cp >= 0x10000) {
      // four bytes, linear from 0x90308130
      let linear = cp - 0x10000 + 189000;
      const b4 = 0x30 + linear % 10;
      linear = Math.floor(linear / 10);
      const b3 = 0x81 + linear % 126;
      linear = Math.floor(linear / 126);
      out.push(0x81 + Math.floor(linear / 10), 0x30 + linear % 10, b3, b4);
    } else {
      const bytes = gbCodes().get(cp);
      if (!bytes) throw new RangeError(`no GB18030 code for U+${cp}`);
      out.push(...bytes);
    }
  }
  return new Uint8Array(out);
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The parameters of a query, or `undefined` when it does not decode. */
function queryParams(route: Route): URLSearchParams | undefined {
  try {
    const raw = decodeURIComponent(route.url.search.slice(1));
    const bytes = Uint8Array.from(atob(raw), (c) => c.charCodeAt(0));
    const plain = new TextDecoder("utf-8", { fatal: true }).decode(xor(bytes));
    return new URLSearchParams(plain);
  } catch {
    return undefined;
  }
}

function answer(body: Uint8Array<ArrayBuffer> | string): Response {
  return new Response(body, {
    headers: { "content-type": "application/octet-stream" },
  });
}

/** `TP=ERROR REQUEST`, the refusal and the rate limit. */
function errorRequest(): Response {
  return answer("TP=ERROR REQUEST\r\n");
}

function none(): Response {
  return answer("tp=none\r\ncand_lrc_count=0\r\n\r\n");
}

function stamp(ms: number, digits: 2 | 3): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const fraction = digits === 3
    ? String(ms % 1000).padStart(3, "0")
    : two(Math.floor((ms % 1000) / 10));
  return `[${two(Math.floor(ms / 60_000))}:${
    two(Math.floor(ms % 60_000 / 1000))
  }.${fraction}]`;
}

/** A line's words with `<a,b>` tags (factors 1 and 1, `[kuwo:013]`). */
function wordTagged(text: string, lengthMs: number): string {
  const chars = Array.from(text);
  const each = Math.max(1, Math.floor(lengthMs / Math.max(1, chars.length)));
  return chars.map((char, i) => {
    const begin = i * each;
    return `<${begin + each},${begin - each}>${char}`;
  }).join("");
}

/** Serves `newlyric.lrc`. */
export class NewlyricServer {
  #asked = new Set<string>();
  #catalog: LyricCatalog;

  /** A server over the Kuwo catalog. */
  constructor(catalog: LyricCatalog) {
    this.#catalog = catalog;
  }

  /** Answers one request. */
  handle(route: Route, context: EmulatorContext): Response {
    const params = queryParams(route);
    const rid = /^MUSIC_(\d+)$/.exec(params?.get("rid") ?? "")?.[1];
    if (
      !params || rid === undefined ||
      params.get("user") !== "12345,web,web,web" ||
      params.get("requester") !== "localhost" || params.get("req") !== "1"
    ) return errorRequest();
    const world = this.#catalog.world;
    const share = context.behaviours.kuwoLyricRateLimit;
    if (!this.#asked.has(rid)) {
      this.#asked.add(rid);
      if (inShare(world.seed, RATE_LIMIT_SALT, Number(rid) % 2 ** 31, share)) {
        return errorRequest();
      }
    }
    const song = this.#catalog.song(rid);
    if (!song) return none();
    const lyrics = songLyrics(world, song.index, song.durationMs);
    if (lyrics.kind === "none") return none();
    const lrcx = params.get("lrcx") === "1";
    const lines: string[] = [];
    if (lrcx) {
      lines.push(
        "[ver:v1.0]",
        `[ti:${song.title}]`,
        `[ar:${song.artists.map((a) => a.name).join("&")}]`,
        `[al:${song.album?.name ?? ""}]`,
        "[by:]",
        "[offset:0]",
        "[kuwo:013]",
      );
    }
    if (lyrics.kind === "instrumental") {
      lines.push(
        `${stamp(0, lrcx ? 3 : 2)}${lrcx ? "<0,0>" : ""}纯音乐，请欣赏`,
      );
    } else if (!lrcx) {
      for (const line of lyrics.lines) {
        lines.push(`${stamp(line.timeMs, 2)}${line.text}`);
        if (line.translation !== undefined) {
          lines.push(`${stamp(line.timeMs, 2)}${line.translation}`);
        }
      }
    } else {
      const all = lyrics.lines;
      all.forEach((line, i) => {
        const next = all[i + 1]?.timeMs ?? line.timeMs + 2000;
        if (lyrics.translated) {
          const before = all[i - 1]?.translation ?? "";
          lines.push(`${stamp(line.timeMs, 3)}<0,0>${before}`);
        }
        lines.push(
          `${stamp(line.timeMs, 3)}${
            wordTagged(line.text, next - line.timeMs)
          }`,
        );
        if (lyrics.translated && i === all.length - 1) {
          lines.push(`${stamp(next, 3)}<0,0>${line.translation ?? ""}`);
        }
      });
    }
    const text = gb18030(lines.join("\r\n") + "\r\n");
    const body = deflateSync(
      lrcx ? new TextEncoder().encode(base64(xor(text))) : text,
    );
    const head = [
      "tp=content",
      `path=${rid}`,
      "score=100",
      "provider=a",
      `lrc_length=${body.length}`,
      "cand_lrc_count=1",
      "wiki_entry=",
      "wiki_entry_sig=0",
      `lrcx=${lrcx ? 1 : 0}`,
      "show=1",
    ].join("\r\n") + "\r\n\r\n";
    const head8 = new TextEncoder().encode(head);
    const out = new Uint8Array(head8.length + body.length);
    out.set(head8);
    out.set(body, head8.length);
    return answer(out);
  }
}
