/**
 * The `.lrc` files beside a replicated audio file (`<name>.lrc` and
 * `<name>.zh.lrc`, written by `download` and `tag`): copied next to its
 * replica and checked before the replica is recorded, so that a failed
 * copy leaves the file's task for the next run as a failed audio copy
 * would; with `--move` they are removed with the local audio file. They
 * are not recorded as locations: the catalog keeps the lyrics themselves
 * (`song_lyrics`), and the files are written from it.
 *
 * @module
 */
import type { SourceFile, StorageBackend } from "../storage/backend.ts";
import { StorageError } from "../storage/errors.ts";
import { hashFile } from "../storage/hashing.ts";
import { fileSize } from "../storage/local.ts";
import { lrcPaths } from "../storage/lyric_files.ts";

/** The `.lrc` files beside the audio file at `path` that are there. */
async function lyricFiles(path: string): Promise<string[]> {
  const { lrc, translation } = lrcPaths(path);
  const there: string[] = [];
  for (const file of [lrc, translation]) {
    if (await fileSize(file) !== undefined) there.push(file);
  }
  return there;
}

/**
 * Copies the `.lrc` files beside `audioPath` next to `audioLocator` on
 * `backend`, each checked as the audio file is; throws `StorageError`
 * when one does not check out. Resolves to how many were copied.
 */
export async function copyLyricFiles(
  backend: StorageBackend,
  audioPath: string,
  audioLocator: string,
  signal: AbortSignal | undefined,
): Promise<number> {
  const files = await lyricFiles(audioPath);
  if (files.length === 0) return 0;
  const targets = lrcPaths(audioLocator);
  const locals = lrcPaths(audioPath);
  for (const path of files) {
    const locator = path === locals.lrc ? targets.lrc : targets.translation;
    const digest = await hashFile(path, { md5: true, signal });
    const source: SourceFile = {
      path,
      sizeBytes: digest.sizeBytes,
      sha256: digest.sha256,
      md5: digest.md5,
    };
    const written = await backend.put(locator, source, { signal });
    const check = await backend.verify(locator, source, written, signal);
    if (!check.ok) {
      await backend.remove(locator, signal).catch(() => {});
      throw new StorageError(
        "checksum",
        backend.url,
        `the copy of '${path}' did not check out: ${check.reason}`,
      );
    }
  }
  return files.length;
}

/** Removes the `.lrc` files beside the audio file at `audioPath` (`--move`). */
export async function removeLyricFiles(audioPath: string): Promise<void> {
  for (const path of await lyricFiles(audioPath)) {
    await Deno.remove(path).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}
