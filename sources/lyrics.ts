/**
 * What the three platforms' lyric clients share: LRC helpers (the
 * instrumental markers, numeric HTML entities, lines from timed entries).
 * The cover fetch is `PlatformSource.fetchCover()` (`platform_source.ts`).
 *
 * @module
 */

/**
 * Lines the platforms put in place of lyrics for music without words
 * (NetEase's and Kuwo's "纯音乐，请欣赏", QQ's "此歌曲为没有填词的纯音乐，请您欣赏").
 */
const INSTRUMENTAL = /纯音乐[，,]?\s*请(您)?欣赏|没有填词的纯音乐/;

/** The text of an LRC without its time and header tags, one line a line. */
export function lrcText(lrc: string): string[] {
  const lines: string[] = [];
  for (const raw of lrc.split(/\r?\n/)) {
    const text = raw.replace(/^(\s*\[[^\]]*\])+/, "").trim();
    const tagOnly = /^\s*\[[a-z#]+:[^\]]*\]\s*$/i.test(raw);
    if (text !== "" && !tagOnly) lines.push(text);
  }
  return lines;
}

/** Whether an LRC holds nothing but an instrumental marker. */
export function isInstrumental(lrc: string): boolean {
  const lines = lrcText(lrc);
  return lines.length > 0 && lines.every((line) => INSTRUMENTAL.test(line));
}

/** Whether an LRC has at least one timed line. */
export function hasTimedLines(lrc: string): boolean {
  return /^\s*\[\d{1,3}:\d{1,2}([.:]\d{1,3})?\]/m.test(lrc);
}

/** Decodes numeric HTML entities (`&#91;`, `&#x5B;`) and the common named ones. */
export function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(
      /&#x([0-9a-f]+);/gi,
      (_, n) => String.fromCodePoint(parseInt(n, 16)),
    )
    .replace(
      /&(quot|apos|lt|gt|amp);/g,
      (_, name: string) =>
        ({ quot: '"', apos: "'", lt: "<", gt: ">", amp: "&" })[name]!,
    );
}

/** `[mm:ss.xx]` of a time in seconds. */
export function lrcStamp(seconds: number): string {
  const hundredths = Math.max(0, Math.round(seconds * 100));
  const minutes = Math.floor(hundredths / 6000);
  const rest = hundredths % 6000;
  const two = (n: number) => String(n).padStart(2, "0");
  return `[${two(minutes)}:${two(Math.floor(rest / 100))}.${two(rest % 100)}]`;
}
