/**
 * Artist names: normalization, match keys, and splitting a singer string on
 * the separators each platform joins credits with.
 *
 * @module
 */
import type { Platform } from "./types.ts";

/**
 * The separators each platform joins several artists with in a display
 * string. NetEase and QQ display `A/B`; Kuwo joins with `&`. `feat.`,
 * `ft.` and `featuring` are separators everywhere. Matched after NFKC, so
 * full-width forms (`／`, `＆`, `，`) count too.
 */
export const ARTIST_SEPARATORS: Readonly<Record<Platform, readonly string[]>> =
  {
    netease: ["/", "、", "&", ","],
    qq: ["/", "、", "&", ","],
    kuwo: ["&", "/", "、", ",", ";"],
  };

// deno-lint-ignore no-control-regex -- stripping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const FEATURING = /\s*[([]?\s*\b(?:feat\.?|ft\.|featuring)(?:\s+|(?<=\.))/giu;

/**
 * A display form of a name: Unicode NFKC, control characters removed,
 * whitespace collapsed, trimmed.
 *
 * @example Usage
 * ```ts
 * import { normalizeName } from "./artist_names.ts";
 * import assert from "node:assert/strict";
 * assert.equal(normalizeName("  ＤＪ\tＭｉｋａ "), "DJ Mika");
 * ```
 */
export function normalizeName(name: string): string {
  return name.normalize("NFKC").replace(CONTROL, " ").replace(/\s+/gu, " ")
    .trim();
}

/** The key names are matched by: the normalized name, case-folded. */
export function matchKey(name: string): string {
  return normalizeName(name).toLowerCase();
}

/**
 * Splits a singer string into artist names on the platform's separators,
 * normalized, without empty or repeated names (first spelling wins).
 *
 * @example Usage
 * ```ts
 * import { splitArtistNames } from "./artist_names.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitArtistNames("周杰伦&费玉清", "kuwo"), ["周杰伦", "费玉清"]);
 * assert.deepEqual(splitArtistNames("A feat. B", "qq"), ["A", "B"]);
 * assert.deepEqual(splitArtistNames("A (feat. B)", "qq"), ["A", "B"]);
 * assert.deepEqual(splitArtistNames("萧杰 (乐队)&B", "kuwo"), ["萧杰 (乐队)", "B"]);
 * ```
 */
export function splitArtistNames(text: string, platform: Platform): string[] {
  const separators = ARTIST_SEPARATORS[platform];
  let normalized = normalizeName(text).replace(FEATURING, "\u0000");
  for (const separator of separators) {
    normalized = normalized.split(separator).join("\u0000");
  }
  const names: string[] = [];
  const seen = new Set<string>();
  for (const part of normalized.split("\u0000")) {
    const name = normalizeName(stripStrayClosers(part));
    const key = name.toLowerCase();
    if (name === "" || seen.has(key)) continue;
    seen.add(key);
    names.push(name);
  }
  return names;
}

/**
 * Drops the closing brackets a `feat.` split leaves behind (`A (feat. B)`
 * gives `B)`): leading ones, and trailing ones without an opening partner,
 * so that a name like `乐队 (Live)` keeps its balanced brackets.
 */
function stripStrayClosers(part: string): string {
  let text = part.replace(/^[)\]\s]+/, "");
  const count = (pattern: RegExp) => text.match(pattern)?.length ?? 0;
  while (/[)\]]\s*$/.test(text) && count(/[)\]]/g) > count(/[([]/g)) {
    text = text.replace(/[)\]]\s*$/, "");
  }
  return text;
}
