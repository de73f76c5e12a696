/**
 * Kuwo's lyric service `newlyric.kuwo.cn`, the one working clients use
 * since `songinfoandlrc` went dark (protocols/kuwo.md §12, §14): the query
 * and the answer's codec.
 *
 * Request (lx-music-desktop @8d6b2078 `src/renderer/utils/musicSdk/kw/
 * lyric.js` `buildParams`; the LDDC kuwo module `_build_params`, `KEY =
 * b"yeelion"`; MusicCopilot @a8f3501 `server/docs/kuwo-api-notes.md` §5,
 * curl-tested 2026-09; a C# "KuwoOfficialClient", 2026):
 * `GET http://newlyric.kuwo.cn/newlyric.lrc?<q>` where `q` is the base64 of
 * `user=12345,web,web,web&requester=localhost&req=1&rid=MUSIC_<rid>&lrcx=1`
 * XORed byte by byte with the repeating key `yeelion`; no cookie, no
 * signature. `user=...&requester=localhost` are fixed values (MCP: "改动即
 * 报错"), `req=1` asks for the lyric (`req=2` for the candidate list). A
 * query sent in clear is answered `TP=ERROR REQUEST` (a 2026-08 lyric
 * precision study of a public tagger).
 *
 * Answer: a text header, `\r\n`-separated `key=value` lines, a blank line,
 * then a zlib stream. A captured header (a public Go PC-client study):
 * `tp=content`, `path=<rid>`, `score=`, `provider=`, `lrc_length=<bytes of
 * the zlib body>`, `cand_lrc_count=`, `wiki_entry=`, `wiki_entry_sig=0`,
 * `lrcx=1`, `show=1`. lx-music tests `tp=content` in lower case; a Kotlin
 * client's test vector starts `TP=content\r\nlrcx=1` (we compare keys and
 * values without case). With `lrcx=1` the inflated body is base64 of the
 * text XORed with `yeelion`; the text is GB18030 (lx-music's main-process
 * `kw_decodeLyric.ts` uses iconv `gb18030`; LDDC and the C# client too).
 * Without `lrcx=1` MCP got an 8-byte empty body while the 2026-08 study got
 * a plain LRC with two-digit stamps, so we ask `lrcx=1`, which both saw
 * answer, and has millisecond stamps.
 *
 * "No lyrics" is `tp=none` (`tp=none\r\ncand_lrc_count=0`, a Kotlin
 * client's test; `TP=none`, a Rust client's test). `TP=ERROR REQUEST` is
 * what every song gets for minutes after a dozen fast calls (§12, MCP:
 * per-IP, "back off 30 s+"): a `rate_limited` error, never "none". Any
 * other `tp`, a missing body, a zlib, base64 or GB18030 failure is
 * `malformed`.
 *
 * The text (lrcx): header tags (`[ver:v1.0]`, `[ti:]`, `[ar:]`, `[al:]`,
 * `[by:]`, `[offset:0]`, `[kuwo:0NN]`, the octal word-timing factors),
 * then `[mm:ss.fff]<a,b>word<a,b>word...` lines. We keep line times and
 * strip the `<a,b>` (or `<a,b,c>`) word tags: `.lrc` files are line
 * synced, and the word times need the `[kuwo:]` factors (lx-music
 * `lrcTools`, LDDC `_convert_kuwo_lrc`), which nothing here uses.
 *
 * Translations repeat a time stamp, and the first line of such a pair is
 * the translation of the line BEFORE it, the second the next original
 * (the 2026-08 study, corrected after a real sample: `[00:01.547]夢ならば`,
 * `[00:02.880]如果只是一场梦`, `[00:02.880]どれほど...`; lx-music's
 * `sortLrcArr` pops the first of the pair and re-times it to the line
 * before; a Go client: "上一句的中文译文,挂在下一句原文的时间戳上").
 * Translation lines carry only `<0,0>` tags; a line without translation
 * has an empty slot. The last line's translation has no next line to
 * share a stamp with: a trailing `<0,0>`-only line after translated
 * lines is taken as it.
 *
 * @module
 */
import { inflateSync } from "node:zlib";
import { malformedAnswer, SourceError } from "../errors.ts";
import { decodeEntities, isInstrumental, lrcStamp } from "../lyrics.ts";
import type { SongLyrics } from "../types.ts";

/** The lyric service. */
export const NEWLYRIC_URL = "http://newlyric.kuwo.cn/newlyric.lrc";
/** The XOR key of the query and of the lrcx body. */
const KEY = new TextEncoder().encode("yeelion");
/** Seconds to wait after `TP=ERROR REQUEST` (§12: "back off 30 s+"). */
export const RATE_LIMIT_PAUSE_SECONDS = 30;

/** `bytes` XORed with the repeating key. */
function xorKey(bytes: Uint8Array): Uint8Array {
  return bytes.map((b, i) => b ^ KEY[i % KEY.length]!);
}

/** The query string (after `?`) asking `rid`'s word-timed lyrics. */
export function newlyricQuery(rid: string): string {
  const plain = `user=12345,web,web,web&requester=localhost&req=1` +
    `&rid=MUSIC_${rid}&lrcx=1`;
  const bytes = xorKey(new TextEncoder().encode(plain));
  return btoa(String.fromCharCode(...bytes));
}

/** The full URL of `rid`'s lyrics. */
export function newlyricUrl(rid: string): string {
  return `${NEWLYRIC_URL}?${newlyricQuery(rid)}`;
}

const SEPARATOR = [13, 10, 13, 10];

function indexOfSeparator(body: Uint8Array): number {
  outer: for (let i = 0; i + SEPARATOR.length <= body.length; i++) {
    for (let j = 0; j < SEPARATOR.length; j++) {
      if (body[i + j] !== SEPARATOR[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** The header's fields, keys in lower case. */
function headerFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const at = line.indexOf("=");
    if (at > 0) {
      fields.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1));
    }
  }
  return fields;
}

/**
 * The text a `newlyric.lrc` answer holds: a string, or `null` for
 * `tp=none`. Throws `rate_limited` for `TP=ERROR REQUEST`, `malformed`
 * for anything else it cannot read.
 */
export function decodeNewlyric(body: Uint8Array, url: string): string | null {
  const at = indexOfSeparator(body);
  const head = new TextDecoder("latin1").decode(
    at < 0 ? body.subarray(0, 512) : body.subarray(0, at),
  );
  const fields = headerFields(head);
  const tp = fields.get("tp")?.trim().toLowerCase();
  const bad = (what: string, cause?: unknown) =>
    malformedAnswer("kuwo", `newlyric answered ${what}`, {
      url,
      ...(cause === undefined ? {} : { cause }),
    });
  if (tp === undefined) {
    throw bad(`no tp= header (${JSON.stringify(head.slice(0, 40))})`);
  }
  if (tp.startsWith("error")) {
    throw new SourceError(
      `kuwo: newlyric answered TP=${fields.get("tp")?.trim()} (rate limited)`,
      {
        platform: "kuwo",
        kind: "rate_limited",
        url,
        code: "ERROR REQUEST",
        // it lasts minutes: a later run asks again, not this call's retries
        retryable: false,
        retryAfterSeconds: RATE_LIMIT_PAUSE_SECONDS,
      },
    );
  }
  if (tp === "none") return null;
  if (tp !== "content") throw bad(`tp=${tp}`);
  if (at < 0) throw bad("tp=content without a body");
  let inflated: Uint8Array;
  try {
    inflated = new Uint8Array(inflateSync(body.subarray(at + 4)));
  } catch (cause) {
    throw bad("a body that does not inflate", cause);
  }
  let text = inflated;
  if (fields.get("lrcx")?.trim() !== "0") {
    // white space and bytes above ASCII dropped (a 2026-08 study does so)
    const base64 = new TextDecoder("latin1").decode(inflated)
      .replace(/[\s\u0080-\u00ff]/g, "");
    try {
      text = xorKey(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    } catch (cause) {
      throw bad("an lrcx body that is not base64", cause);
    }
  }
  try {
    return new TextDecoder("gb18030", { fatal: true }).decode(text);
  } catch (cause) {
    throw bad("a body that is not GB18030 text", cause);
  }
}

const TIMED = /^\[(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?\](.*)$/;
const WORD_TAG = /<-?\d+,-?\d+(?:,-?\d+)?>/g;

interface Entry {
  ms: number;
  text: string;
  /** Only `<0,0>` word tags (a translation slot), or none at all. */
  untimed: boolean;
}

function entriesOf(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const match = TIMED.exec(raw.trim());
    if (!match) continue;
    const [, m, s, fraction = "0", rest = ""] = match;
    const ms = Number(m) * 60_000 + Number(s) * 1000 +
      Math.round(Number(`0.${fraction}`) * 1000);
    const tags = rest.match(WORD_TAG) ?? [];
    entries.push({
      ms,
      text: decodeEntities(rest.replace(WORD_TAG, "")).trim(),
      untimed: tags.every((tag) => /^<0,0(?:,0)?>$/.test(tag)),
    });
  }
  return entries;
}

/**
 * The lyrics of an lrcx (or plain LRC) text: line-synced, word tags and
 * header tags dropped, translations paired as the module comment says.
 */
export function lyricsFromLrcx(text: string): SongLyrics {
  const entries = entriesOf(text);
  const originals: Entry[] = [];
  const translations = new Map<number, string>();
  let lastIsOriginal = false;
  for (const entry of entries) {
    const last = originals.at(-1);
    if (lastIsOriginal && last && last.ms === entry.ms) {
      // the line before was the translation slot of the one before it
      originals.pop();
      if (originals.length > 0 && last.text !== "") {
        translations.set(originals.length - 1, last.text);
      }
      originals.push(entry);
      lastIsOriginal = false;
      continue;
    }
    originals.push(entry);
    lastIsOriginal = true;
  }
  const n = originals.length;
  if (
    translations.size > 0 && n >= 2 && originals[n - 1]!.untimed &&
    !translations.has(n - 2)
  ) {
    // the last line's translation: nothing after it shares its stamp
    const last = originals.pop()!;
    if (last.text !== "") translations.set(n - 2, last.text);
  }
  if (originals.every((entry) => entry.text === "")) return { kind: "none" };
  const stamp = (entry: Entry) => lrcStamp(entry.ms / 1000);
  const lrc = originals.map((e) => `${stamp(e)}${e.text}\n`).join("");
  if (isInstrumental(lrc)) return { kind: "instrumental" };
  const translated = originals.flatMap((entry, i) =>
    translations.has(i) ? [`${stamp(entry)}${translations.get(i)}\n`] : []
  );
  return {
    kind: "lyrics",
    lrc,
    ...(translated.length > 0 ? { translation: translated.join("") } : {}),
  };
}

/** A `newlyric.lrc` answer as `SongLyrics` (errors as `decodeNewlyric`). */
export function parseNewlyric(body: Uint8Array, url: string): SongLyrics {
  const text = decodeNewlyric(body, url);
  return text === null ? { kind: "none" } : lyricsFromLrcx(text);
}
