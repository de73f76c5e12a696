/**
 * Pure parsers for download offers: the rungs a song item says to ask
 * (`offerRungs`) and what `mobi.s` answered for one rung, in its JSON
 * (`convert_url_with_sign`) or text (`convert_url2`) form (§9). A JSON
 * answer without its `code` is a `malformed` `SourceError` naming it;
 * every other field is taken when present.
 *
 * @module
 */
import { asNumber, asText, isObject, type Json } from "../_json.ts";
import { LADDER, type Rung } from "./_constants.ts";
import {
  formatsText,
  hasMinfo,
  minfoTexts,
  qualitiesFromMinfo,
  read,
  rungsFromFormats,
  stripMusicPrefix,
} from "./_parse.ts";

/**
 * The rungs `downloadOffers` asks, best first. With `MINFO` (or else
 * `formats`) they are the song's tiers. A web item only says `hasLossless`: then the whole ladder
 * from 4000kflac (flac known) or 320kmp3 down, relying on `mobi.s`
 * answering the best tier it has below the one asked (a downgrade is
 * taken as the tier achieved, §9.6 step 4).
 */
export function offerRungs(item: Json): Rung[] {
  if (hasMinfo(item)) {
    const levels = new Set(
      qualitiesFromMinfo(...minfoTexts(item)).map((q) => q.level),
    );
    return LADDER.filter((rung) => levels.has(rung.br));
  }
  const named = rungsFromFormats(formatsText(item));
  if (named.length > 0) return named;
  const flac = item.hasLossless === true || item.hasLossless === 1 ||
    item.hasLossless === undefined;
  return LADDER.filter((rung) => flac || rung.format === "mp3");
}

/** What `mobi.s` answered for one tier, in either form. */
export interface MobiAnswer {
  /** The business code (`200`, `-1`, `407`...); text answers have none. */
  code?: number;
  /** The message of a JSON answer (`msg`). */
  message?: string;
  /** The URL of the file, when one is granted. */
  url?: string;
  /** The bitrate of the tier answered (it may be below the one asked). */
  bitrateKbps?: number;
  /** The format of the tier answered, lower case. */
  format?: string;
  /** The song id answered for, without `MUSIC_`. */
  rid?: string;
  /** The file's duration in seconds (a preview is short). */
  durationS?: number;
  /** `0` for a full file; anything else marks a preview. */
  type?: number;
}

/** A `convert_url_with_sign` JSON answer (§9.2). */
export function parseMobiJson(body: unknown): MobiAnswer {
  const root = read.object(body, "");
  const code = read.number(root.code, "code");
  const data = isObject(root.data) ? root.data : {};
  const answer: MobiAnswer = { code };
  const message = asText(root.msg);
  if (message !== undefined) answer.message = message;
  fillAnswer(answer, data);
  return answer;
}

function fillAnswer(answer: MobiAnswer, fields: Json): void {
  const url = asText(fields.url);
  if (url !== undefined) answer.url = url;
  const bitrate = asNumber(fields.bitrate);
  if (bitrate !== undefined) answer.bitrateKbps = bitrate;
  const format = asText(fields.format);
  if (format !== undefined) answer.format = format.toLowerCase();
  const rid = asText(fields.rid);
  if (rid !== undefined && rid.trim() !== "") {
    answer.rid = stripMusicPrefix(rid.trim());
  }
  const duration = asNumber(fields.duration);
  if (duration !== undefined) answer.durationS = duration;
  const type = asNumber(fields.type);
  if (type !== undefined) answer.type = type;
}

/**
 * A `convert_url2` text answer (§9.3): `key=value` lines, CRLF or LF,
 * split on the first `=`. A JSON error object is read as JSON.
 */
export function parseMobiText(text: string): MobiAnswer {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let body: unknown;
    try {
      body = JSON.parse(trimmed);
    } catch {
      throw read.malformed("mobi.s: a broken JSON answer");
    }
    return parseMobiJson(body);
  }
  const fields: Json = {};
  for (const line of trimmed.split(/\r?\n/)) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    fields[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  const answer: MobiAnswer = {};
  fillAnswer(answer, fields);
  return answer;
}
