/**
 * Tags of a file already on disk: its head read and rendered again, and,
 * when that changes it, a new file written beside it (the new head, then
 * the old file's bytes after its head), hashed as it is written and
 * synced, for the caller to rename into place.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Container } from "../../sources/types.ts";
import { isNoSpace, NoSpaceError } from "../errors.ts";
import { concat, sameBytes } from "./_bytes.ts";
import { TagFormatError } from "./_container.ts";
import { taggerFor } from "./head.ts";
import type { TagSet } from "./tag_set.ts";

/** What `retagFile()` did. */
export type RetagResult =
  | {
    /** The file already has these tags: nothing was written. */
    kind: "unchanged";
  }
  | {
    /** `dest` holds the tagged file, synced. */
    kind: "written";
    /** Size of the tagged file. */
    sizeBytes: number;
    /** Hex SHA-256 of the tagged file. */
    sha256: string;
  };

const CHUNK = 1 << 20;

/** The head of a file (as its container's writer delimits it). */
async function readHead(
  file: Deno.FsFile,
  container: Container,
): Promise<Uint8Array> {
  const tagger = taggerFor(container);
  if (!tagger) throw new TagFormatError(`${container} files are not tagged`);
  let bytes: Uint8Array = new Uint8Array(0);
  let eof = false;
  for (;;) {
    const probe = tagger.probe(bytes);
    const want = "need" in probe ? probe.need : probe.length;
    if ("length" in probe && bytes.length >= probe.length) {
      return bytes.subarray(0, probe.length);
    }
    if (eof) throw new TagFormatError("The file ends inside its head");
    const more = new Uint8Array(Math.max(want - bytes.length, 64 * 1024));
    const read = await file.read(more);
    if (read === null) {
      eof = true;
      continue;
    }
    bytes = concat([bytes, more.subarray(0, read)]);
  }
}

/**
 * Renders `tags` into the file at `path` (whose content starts `from`
 * bytes in: a `.part` with room before its body). The new head keeps the
 * old head's length when it fits (so running it twice changes nothing),
 * else takes its natural size. When the head changes (or `from` is not
 * 0), writes the whole tagged file to `dest` and syncs it; the file at
 * `path` is not touched. Throws `TagFormatError` for a file whose tags
 * cannot be rewritten and `NoSpaceError` when the disk is full (`dest` is
 * removed).
 */
export async function retagFile(
  path: string,
  container: Container,
  tags: TagSet,
  dest: string,
  from = 0,
): Promise<RetagResult> {
  const tagger = taggerFor(container);
  if (!tagger) throw new TagFormatError(`${container} files are not tagged`);
  using source = await Deno.open(path, { read: true });
  await source.seek(from, Deno.SeekMode.Start);
  const oldHead = await readHead(source, container);
  const head = tagger.render(oldHead, tags, oldHead.length) ??
    tagger.render(oldHead, tags)!;
  if (from === 0 && sameBytes(head, oldHead)) return { kind: "unchanged" };
  await source.seek(from + oldHead.length, Deno.SeekMode.Start);
  return await writeTail(source, head, dest, path);
}

/**
 * Copies the file at `path` from byte `from` on to `dest` and syncs it:
 * a `.part` without the room that was left before its body.
 */
export async function copyFrom(
  path: string,
  from: number,
  dest: string,
): Promise<{ sizeBytes: number; sha256: string }> {
  using source = await Deno.open(path, { read: true });
  await source.seek(from, Deno.SeekMode.Start);
  return await writeTail(source, new Uint8Array(0), dest, path);
}

/** Writes `head` and the rest of `source` to `dest`, hashed and synced. */
async function writeTail(
  source: Deno.FsFile,
  head: Uint8Array,
  dest: string,
  path: string,
): Promise<{ kind: "written"; sizeBytes: number; sha256: string }> {
  const hash = createHash("sha256").update(head);
  let size = head.length;
  try {
    using out = await Deno.open(dest, {
      write: true,
      create: true,
      truncate: true,
    });
    await writeAll(out, head);
    const buffer = new Uint8Array(CHUNK);
    for (;;) {
      const read = await source.read(buffer);
      if (read === null) break;
      const chunk = buffer.subarray(0, read);
      hash.update(chunk);
      await writeAll(out, chunk);
      size += read;
    }
    await out.syncData();
  } catch (error) {
    await Deno.remove(dest).catch(() => {});
    if (isNoSpace(error) && !(error instanceof NoSpaceError)) {
      throw new NoSpaceError(`No space left to retag '${path}'`, {
        path: dest,
        cause: error,
      });
    }
    throw error;
  }
  return { kind: "written", sizeBytes: size, sha256: hash.digest("hex") };
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
}
