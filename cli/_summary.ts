/**
 * Lines the summaries of several commands share: the platforms that
 * stopped, and long lists cut to their first entries.
 *
 * @module
 */
import type { Platform } from "../sources/types.ts";

/** How many entries of a list a text summary shows (`--json` has them all). */
export const LISTED = 20;

/** `  <platform> stopped: <error>`, one line per platform that stopped. */
export function stoppedLines(
  platformErrors: Partial<Record<Platform, string>>,
): string[] {
  return Object.entries(platformErrors).map(([platform, error]) =>
    `  ${platform} stopped: ${error}`
  );
}

/**
 * One line per item for the first `LISTED` items, then `  … and N more`
 * followed by `what` (when given) for the rest.
 */
export function listedLines<T>(
  items: readonly T[],
  line: (item: T) => string,
  what?: string,
): string[] {
  const lines = items.slice(0, LISTED).map(line);
  if (what !== undefined && items.length > LISTED) {
    lines.push(`  … and ${items.length - LISTED} more${what}`);
  }
  return lines;
}
