/**
 * What an answer's head and body say about themselves, for the HTTP layer
 * (`http.ts`): how long a `Retry-After` asks to wait, whether a body is an
 * HTML page where data was expected, and a one-line description of a body
 * for error messages.
 *
 * @module
 */

/** Parses a `Retry-After` header (seconds or an HTTP date) into seconds. */
export function parseRetryAfter(
  value: string | null,
  now: number,
): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Whether a body looks like an HTML page rather than data. */
export function looksLikeHtml(text: string): boolean {
  const start = text.trimStart().slice(0, 15).toLowerCase();
  return start.startsWith("<!doctype") || start.startsWith("<html") ||
    start.startsWith("<head") || start.startsWith("<body");
}

/** A short, single-line description of a body for error messages. */
export function describeBody(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return "an empty body";
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
  if (title) return `"${title.slice(0, 80)}"`;
  const oneLine = trimmed.replace(/\s+/g, " ");
  return `"${oneLine.slice(0, 60)}${oneLine.length > 60 ? "…" : ""}"`;
}
