/**
 * Whether a file's first bytes are those of the container it claims to
 * be: an HTML error page or a different format served under an audio URL
 * is refused before it is recorded.
 *
 * @module
 */
import type { Container } from "../sources/types.ts";

/** Bytes needed to tell every container apart. */
export const MAGIC_BYTES = 12;

/**
 * Whether `head` (the first bytes of a file) starts like `container`:
 * `fLaC`; `ID3` or an MPEG frame sync (`0xFF 0xEx`); `ftyp` at offset 4;
 * `OggS`; `MAC ` (Monkey's Audio).
 *
 * @example A FLAC header
 * ```ts
 * import { matchesContainer } from "./magic.ts";
 * import assert from "node:assert/strict";
 * const head = new TextEncoder().encode("fLaC\x80\x00\x00\x22");
 * assert.ok(matchesContainer(head, "flac"));
 * assert.ok(!matchesContainer(head, "mp3"));
 * ```
 */
export function matchesContainer(
  head: Uint8Array,
  container: Container,
): boolean {
  switch (container) {
    case "flac":
      return startsWith(head, 0, "fLaC");
    case "mp3":
      return startsWith(head, 0, "ID3") ||
        (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0);
    case "m4a":
      return startsWith(head, 4, "ftyp");
    case "ogg":
      return startsWith(head, 0, "OggS");
    case "ape":
      return startsWith(head, 0, "MAC ");
  }
}

function startsWith(head: Uint8Array, offset: number, text: string): boolean {
  if (head.length < offset + text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (head[offset + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** A short printable view of a file's first bytes, for error messages. */
export function describeHead(head: Uint8Array): string {
  let out = "";
  for (const byte of head.subarray(0, 8)) {
    out += byte >= 0x20 && byte < 0x7f
      ? String.fromCharCode(byte)
      : `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return out === "" ? "(empty)" : `'${out}'`;
}
