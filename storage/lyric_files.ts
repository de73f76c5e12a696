/**
 * Synced lyrics next to an audio file: `<name>.lrc` (the lyrics as the
 * platform publishes them: the file players load on their own) and
 * `<name>.zh.lrc` (the platform's translation, for players and people who
 * want it). Each is written through a temporary file and a rename, and
 * only when its text changed.
 *
 * @module
 */
import { dirname, extname } from "node:path";

/** The `.lrc` and translation paths beside an audio file. */
export function lrcPaths(
  audioPath: string,
): { lrc: string; translation: string } {
  const base = audioPath.slice(0, audioPath.length - extname(audioPath).length);
  return { lrc: `${base}.lrc`, translation: `${base}.zh.lrc` };
}

/** What the `.lrc` files beside a file should hold (`undefined`: leave as they are). */
export interface LrcTexts {
  /** The synced lyrics. */
  lrc?: string | undefined;
  /** Their translation. */
  translation?: string | undefined;
}

/** Writes the `.lrc` files that differ; resolves to how many were written. */
export async function writeLrcFiles(
  audioPath: string,
  texts: LrcTexts,
): Promise<number> {
  const paths = lrcPaths(audioPath);
  let written = 0;
  for (
    const [path, text] of [[paths.lrc, texts.lrc], [
      paths.translation,
      texts.translation,
    ]] as const
  ) {
    if (text === undefined) continue;
    const content = text.endsWith("\n") ? text : `${text}\n`;
    if (await readIfThere(path) === content) continue;
    await Deno.mkdir(dirname(path), { recursive: true });
    const temp = `${path}.part`;
    await Deno.writeTextFile(temp, content);
    await Deno.rename(temp, path);
    written++;
  }
  return written;
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
