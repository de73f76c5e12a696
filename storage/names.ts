/**
 * File names derived from metadata: sanitized for every common file
 * system, bounded in UTF-8 bytes, and checked to stay inside their root
 * whatever the metadata says.
 *
 * A song lands at `<platform>/<artists> - <title> [<remote id>].<ext>`
 * relative to its backend's root. The remote id keeps names unique per
 * platform; callers add a ` (2)` counter on the rare case-folding clash.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { isAbsolute, relative, resolve, sep } from "node:path";

/**
 * Longest file name in UTF-8 bytes. File systems allow 255; the rest is
 * room for `.part.json` (the resume sidecar) and a collision counter.
 */
export const MAX_NAME_BYTES = 200;

/** Longest remote id kept verbatim in a name; longer ones are cut and hashed. */
const MAX_ID_BYTES = 64;

/**
 * Characters dropped from names: C0 and C1 controls, DEL, zero-width
 * space, bidirectional marks, embeddings, overrides and isolates (they can
 * make `evil\u202Egpj.mp3` display as `evilmp3.jpg`), the BOM.
 */
const DROPPED =
  // deno-lint-ignore no-control-regex -- control characters are what it removes
  /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Characters no common file system takes in a name: separators and Windows' reserved set. */
const FORBIDDEN = /[/\\:*?"<>|]/g;

/** Windows device names, reserved with or without an extension. */
const RESERVED =
  /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])$/i;

const segmenter = new Intl.Segmenter("und", { granularity: "grapheme" });
const encoder = new TextEncoder();

/** Bytes of a string in UTF-8. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Cuts a string to at most `maxBytes` UTF-8 bytes, on a character
 * (grapheme cluster) boundary: an emoji sequence or a letter with its
 * accents is kept whole or dropped whole.
 */
export function cutUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let out = "";
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const bytes = utf8Length(segment);
    if (used + bytes > maxBytes) break;
    out += segment;
    used += bytes;
  }
  return out;
}

/**
 * One path component from free text: NFC, no controls or bidi overrides,
 * no separators or characters Windows refuses, whitespace collapsed, no
 * leading dots (hidden files, `..`), no trailing dots or spaces, not a
 * Windows device name, at most `maxBytes` bytes. Empty results become
 * `fallback`.
 *
 * @example Hostile names become harmless ones
 * ```ts
 * import { sanitizeComponent } from "./names.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sanitizeComponent("../../etc/passwd"), "_.._etc_passwd");
 * assert.equal(sanitizeComponent("CON"), "_CON");
 * assert.equal(sanitizeComponent("a\u0000b\nc"), "ab c");
 * ```
 */
export function sanitizeComponent(
  text: string,
  fallback = "_",
  maxBytes = MAX_NAME_BYTES,
): string {
  const name = clean(text, maxBytes) || fallback;
  return isReserved(name) ? trimEnd(cutUtf8(`_${name}`, maxBytes)) : name;
}

/** Everything `sanitizeComponent()` does but the fallback and the device-name check. */
function clean(text: string, maxBytes: number): string {
  return trimEnd(cutUtf8(scrub(text).replace(/^[\s.]+/, ""), maxBytes));
}

/** NFC, no controls or bidi overrides, no forbidden characters, whitespace collapsed. */
function scrub(text: string): string {
  return text.normalize("NFC")
    .replace(/[\n\r\t\u2028\u2029]/g, " ")
    .replace(DROPPED, "")
    .replace(FORBIDDEN, "_")
    .replace(/\s+/g, " ");
}

/** Whether Windows takes a name for a device (`CON`, `nul.txt`, `COM1 .mp3`). */
function isReserved(name: string): boolean {
  return RESERVED.test(name.split(".")[0]!.trimEnd());
}

/** Drops trailing dots and spaces (Windows refuses them). */
function trimEnd(text: string): string {
  return text.replace(/[\s.]+$/, "");
}

/** What a song's file name is made of. */
export interface SongNameParts {
  /** The platform (the first directory). */
  platform: string;
  /** The platform's id of the song: keeps the name unique. */
  remoteId: string;
  /** The title. */
  title: string;
  /** The artists as displayed. */
  artistNames: string;
}

/**
 * The relative path of a song's file: `<platform>/<artists> - <title>
 * [<remote id>].<ext>`, with `/` separators. `counter` (2, 3, ...)
 * disambiguates names that clash on a case-insensitive file system.
 *
 * @example A song's path
 * ```ts
 * import { songLocator } from "./names.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   songLocator({ platform: "qq", remoteId: "003aBc", title: "晴天", artistNames: "周杰伦" }, "flac"),
 *   "qq/周杰伦 - 晴天 [003aBc].flac",
 * );
 * ```
 */
export function songLocator(
  parts: SongNameParts,
  extension: string,
  counter = 1,
): string {
  const platform = sanitizeComponent(parts.platform, "unknown", 32);
  let id = sanitizeComponent(parts.remoteId, "0", 1000);
  if (utf8Length(id) > MAX_ID_BYTES) {
    id = `${cutUtf8(id, MAX_ID_BYTES - 9)}~${shortHash(parts.remoteId)}`;
  }
  const ext = /^[a-z0-9]{1,8}$/i.test(extension)
    ? extension.toLowerCase()
    : "bin";
  const tail = ` [${id}]${counter > 1 ? ` (${counter})` : ""}.${ext}`;
  const artist = clean(parts.artistNames, MAX_NAME_BYTES);
  const title = clean(parts.title, MAX_NAME_BYTES);
  let head = artist && title
    ? `${artist} - ${title}`
    : artist || title || "Unknown";
  if (isReserved(`${head}${tail}`)) head = `_${head}`;
  const room = MAX_NAME_BYTES - utf8Length(tail);
  return `${platform}/${clean(head, room) || "Unknown"}${tail}`;
}

/**
 * A file name for free text with an extension (exported playlists):
 * sanitized like song names; `suffix` (an id that keeps the name unique)
 * and the extension are kept whole when the text is cut.
 */
export function fileName(
  text: string,
  extension: string,
  suffix = "",
): string {
  const tail = `${cutUtf8(scrub(suffix), MAX_NAME_BYTES / 2)}.${extension}`;
  let head = clean(text, MAX_NAME_BYTES) || "Untitled";
  if (isReserved(`${head}${tail}`)) head = `_${head}`;
  return `${
    clean(head, MAX_NAME_BYTES - utf8Length(tail)) || "Untitled"
  }${tail}`;
}

/** The key two names clash on in a case-insensitive, normalizing file system. */
export function foldKey(name: string): string {
  return name.normalize("NFC").toUpperCase().toLowerCase();
}

/**
 * The absolute path of `locator` under `root`, refusing anything that
 * would land outside it: absolute locators, backslashes, NUL, empty, `.`
 * or `..` components, whatever the metadata said.
 */
export function resolveInside(root: string, locator: string): string {
  const problem = locatorProblem(locator);
  if (problem !== undefined) {
    throw new RangeError(
      `Refusing path '${locator}' under '${root}': ${problem}`,
    );
  }
  const base = resolve(root);
  const full = resolve(base, ...locator.split("/"));
  const rel = relative(base, full);
  if (
    rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)
  ) {
    throw new RangeError(
      `Refusing path '${locator}': it resolves outside '${base}'`,
    );
  }
  return full;
}

function locatorProblem(locator: string): string | undefined {
  if (locator === "") return "it is empty";
  if (locator.includes("\0")) return "it contains NUL";
  if (locator.includes("\\")) return "it contains a backslash";
  if (isAbsolute(locator) || /^[a-z]:/i.test(locator)) return "it is absolute";
  for (const part of locator.split("/")) {
    if (part === "" || part === "." || part === "..") {
      return `it has a '${part}' component`;
    }
  }
  return undefined;
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}
