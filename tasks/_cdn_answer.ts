/**
 * Reading a CDN's answer for the transfer: its headers (`Content-Length`,
 * `Content-Range`, an HTML `Content-Type`), whether a body starts like
 * markup (a gateway's error page), and an error in one line.
 *
 * @module
 */

/** Whether a body starts like markup: `<` after optional blanks (and a BOM). */
export function looksLikeMarkup(head: Uint8Array): boolean {
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) {
      continue;
    }
    if (byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
    return byte === 0x3c;
  }
  return false;
}

/** Whether a `Content-Type` names an HTML page. */
export function isHtmlType(value: string | null): boolean {
  return value !== null && /\btext\/html\b/i.test(value);
}

/** A header's value as a whole number of bytes, if it is one. */
export function headerNumber(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** `bytes START-END/TOTAL` (TOTAL may be `*`). */
export function parseContentRange(
  value: string | null,
): { start: number; end: number; total: number | undefined } | undefined {
  const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value?.trim() ?? "");
  if (!match) return undefined;
  return {
    start: Number(match[1]),
    end: Number(match[2]),
    total: match[3] === "*" ? undefined : Number(match[3]),
  };
}

/** The first line of an error's message. */
export function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
