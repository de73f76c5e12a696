/**
 * Just enough XML for the S3 and WebDAV answers: the text of an element,
 * the blocks of a repeated element, entity decoding. The answers are flat
 * and machine-written; anything unexpected reads as absent.
 *
 * @module
 */

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

/** Decodes the five named entities and numeric references. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X"
        ? parseInt(name.slice(2), 16)
        : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Escapes text for an element's content. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  ).replace(/"/g, "&quot;");
}

function tagPattern(tag: string): RegExp {
  // any namespace prefix (d:, D:, ...)
  return new RegExp(
    `<(?:[A-Za-z][\\w.-]*:)?${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[A-Za-z][\\w.-]*:)?${tag}>`,
    "g",
  );
}

/** The contents of every `<tag>` element, in order (raw, not unescaped). */
export function xmlBlocks(xml: string, tag: string): string[] {
  return [...xml.matchAll(tagPattern(tag))].map((m) => m[1]!);
}

/** The unescaped, trimmed text of the first `<tag>`, if any. */
export function xmlText(xml: string, tag: string): string | undefined {
  const block = xmlBlocks(xml, tag)[0];
  return block === undefined ? undefined : unescapeXml(block).trim();
}
