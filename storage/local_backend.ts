/**
 * A local directory as a storage backend (a library, or a second disk
 * that holds replicas), and the state of a volume's root: a USB disk that
 * is unplugged leaves its root missing (or an empty mount point), which
 * makes the backend offline rather than its files missing.
 *
 * @module
 */
import { dirname } from "node:path";
import type {
  PutOptions,
  PutResult,
  Reachability,
  SourceFile,
  StorageBackend,
  StoredObject,
  Verification,
} from "./backend.ts";
import { isNoSpace, StorageError } from "./errors.ts";
import type { FreeSpaceProbe } from "./free_space.ts";
import { checkedBySize, SentBytes, sizeMismatch } from "./_backend_steps.ts";
import { fileSize } from "./local.ts";
import { resolveInside } from "./names.ts";

/** The state of a local root. */
export type RootState = "present" | "empty" | "missing" | "not_directory";

/**
 * Looks at a root: `missing` (nothing there: an unplugged disk, a moved
 * folder), `empty` (a folder with nothing in it: a mount point without
 * its disk), `not_directory`, or `present`.
 */
export async function rootState(root: string): Promise<RootState> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(root);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
  if (!info.isDirectory) return "not_directory";
  for await (const _ of Deno.readDir(root)) return "present";
  return "empty";
}

/** A directory holding files under paths below it. */
export class LocalBackend implements StorageBackend {
  /** Always `local`. */
  readonly kind = "local" as const;
  /** The root. */
  readonly url: string;
  /** The root. */
  readonly containerName: string;
  readonly #freeSpace: FreeSpaceProbe | undefined;

  /** A backend rooted at `root` (absolute). */
  constructor(root: string, freeSpace?: FreeSpaceProbe) {
    this.url = root;
    this.containerName = root;
    this.#freeSpace = freeSpace;
  }

  /** The path below the root. */
  locatorFor(relative: string): string {
    return relative;
  }

  /** The root is there and a directory; its free space when a probe is given. */
  async probe(): Promise<Reachability> {
    const state = await rootState(this.url);
    if (state === "missing") {
      return { ok: false, offline: true, reason: `${this.url} is not there` };
    }
    if (state === "not_directory") {
      return {
        ok: false,
        offline: true,
        reason: `${this.url} is not a directory`,
      };
    }
    let freeBytes: number | undefined;
    try {
      freeBytes = await this.#freeSpace?.(this.url);
    } catch {
      freeBytes = undefined;
    }
    return { ok: true, freeBytes };
  }

  /** The file's size, or `undefined` when there is none. */
  async head(locator: string): Promise<StoredObject | undefined> {
    const size = await fileSize(resolveInside(this.url, locator));
    return size === undefined
      ? undefined
      : { sizeBytes: size, etag: undefined };
  }

  /** Copies the file to `<path>.part`, hashing it, syncs it and renames it into place. */
  async put(
    locator: string,
    source: SourceFile,
    options: PutOptions = {},
  ): Promise<PutResult> {
    const path = resolveInside(this.url, locator);
    const part = `${path}.part`;
    const sent = new SentBytes(options);
    try {
      await Deno.mkdir(dirname(path), { recursive: true });
      {
        using input = await Deno.open(source.path, { read: true });
        using output = await Deno.open(part, {
          write: true,
          create: true,
          truncate: true,
        });
        const buffer = new Uint8Array(1024 * 1024);
        for (;;) {
          options.signal?.throwIfAborted();
          const n = await input.read(buffer);
          if (n === null || n === 0) break;
          const chunk = buffer.subarray(0, n);
          let written = 0;
          while (written < n) {
            written += await output.write(chunk.subarray(written));
          }
          sent.onChunk(chunk);
        }
        await output.syncData();
      }
      const result = await sent.checked(
        this.url,
        source,
        null,
        () => Deno.remove(part),
      );
      await Deno.rename(part, path);
      return result;
    } catch (error) {
      await Deno.remove(part).catch(() => {});
      if (error instanceof StorageError || options.signal?.aborted) throw error;
      if (isNoSpace(error)) {
        throw new StorageError("quota", this.url, "no space left on the disk", {
          cause: error,
        });
      }
      throw new StorageError(
        "container",
        this.url,
        `cannot write '${locator}': ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
  }

  /** Compares the file's size with the record (what `put` hashed when given). */
  async verify(
    locator: string,
    source: SourceFile,
    written?: PutResult,
  ): Promise<Verification> {
    const object = await this.head(locator);
    if (!object) return { ok: false, reason: `'${locator}' is not there` };
    return sizeMismatch(locator, object, source) ??
      checkedBySize(object, written);
  }

  /** The file's bytes. */
  async read(locator: string): Promise<ReadableStream<Uint8Array>> {
    const file = await Deno.open(resolveInside(this.url, locator), {
      read: true,
    });
    return file.readable;
  }

  /** Deletes the file (none there is fine). */
  async remove(locator: string): Promise<void> {
    await Deno.remove(resolveInside(this.url, locator)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}
