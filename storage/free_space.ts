/**
 * Free space of a directory's file system, via `statfs`.
 *
 * @module
 */
import { statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** Bytes available to this user on the file system holding `path`. */
export type FreeSpaceProbe = (path: string) => Promise<number>;

/**
 * The real probe: `statfs` on `path`, or on its nearest existing ancestor
 * when it does not exist yet. Needs `--allow-sys=statfs`.
 */
export const statfsFreeBytes: FreeSpaceProbe = async (path) => {
  let current = resolve(path);
  for (;;) {
    try {
      const stats = await statfs(current);
      return Number(stats.bavail) * Number(stats.bsize);
    } catch (error) {
      const parent = dirname(current);
      if (!isNotFound(error) || parent === current) throw error;
      current = parent;
    }
  }
};

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound ||
    (error as { code?: string })?.code === "ENOENT";
}
