/**
 * The last steps of a checked download when tags are written: the head
 * `TaggedHead` built while the body streamed is written over the room
 * left before the body (no byte of the body moves), or, when it could not
 * be built (a head larger than the room, a resumed `.part` without room),
 * the file is rewritten with its tags beside the `.part` and put in its
 * place. Either way the `.part` is synced after the tags (by the
 * caller), and the stored file's size and SHA-256 are known for the
 * record. A file whose
 * tags cannot be written at all (an MP4 with its `moov` after the media
 * data) is kept as served, without the room, its tagging `failed`.
 *
 * @module
 */
import type { TaggingRecord } from "../catalog/storage.ts";
import type { DownloadOffer } from "../sources/types.ts";
import type { PartFile } from "../storage/local.ts";
import {
  type HeadResult,
  TagFormatError,
  taggerFor,
  writesAnything,
} from "../storage/tags/head.ts";
import { copyFrom, retagFile } from "../storage/tags/retag.ts";
import type { PreparedTags } from "./_tagging.ts";

/** What tagging a download made of it. */
export interface TaggedDownload {
  /** The file as stored, when it differs from the body as served. */
  stored: { sizeBytes: number; sha256: string } | undefined;
  /** How tagging went, for `file_assets`. */
  tagging: TaggingRecord;
}

/**
 * Writes the tags into a finished, checked `.part` (or leaves it as
 * served); `head` is what the part's observer made of it. The caller
 * syncs the `.part` next (`part.sync()`): a rewritten one is synced
 * already, and syncing it again costs nothing.
 */
export async function tagPart(
  part: PartFile,
  offer: DownloadOffer,
  prepared: PreparedTags | undefined,
  head: HeadResult | undefined,
): Promise<TaggedDownload> {
  const untagged = (state: TaggingRecord["state"], error: string | null) => ({
    state,
    signature: null,
    error,
  });
  if (!prepared || !writesAnything(prepared.tagSet)) {
    return {
      stored: await withoutRoom(part),
      tagging: untagged("untagged", null),
    };
  }
  if (!taggerFor(offer.container)) {
    return {
      stored: await withoutRoom(part),
      tagging: untagged(
        "unsupported",
        `${offer.container} files are not tagged`,
      ),
    };
  }
  const tagging: TaggingRecord = {
    state: "tagged",
    signature: prepared.signature,
    error: prepared.notes.length > 0 ? prepared.notes.join("; ") : null,
  };
  if (head?.kind === "ready") {
    await part.writeHead(head.head);
    return {
      stored: { sizeBytes: head.sizeBytes, sha256: head.sha256 },
      tagging,
    };
  }
  const temp = `${part.partPath}.tag`;
  try {
    const result = await retagFile(
      part.partPath,
      offer.container,
      prepared.tagSet,
      temp,
      part.reserve,
    );
    if (result.kind === "unchanged") return { stored: undefined, tagging };
    await part.replaceWith(temp);
    return {
      stored: { sizeBytes: result.sizeBytes, sha256: result.sha256 },
      tagging,
    };
  } catch (error) {
    if (!(error instanceof TagFormatError)) throw error;
    return {
      stored: await withoutRoom(part),
      tagging: untagged("failed", error.message),
    };
  }
}

/**
 * A `.part` that gets no tags: one with room before its body is rewritten
 * without it; its stored identity is then the body's.
 */
async function withoutRoom(
  part: PartFile,
): Promise<{ sizeBytes: number; sha256: string } | undefined> {
  if (part.reserve === 0) return undefined;
  const temp = `${part.partPath}.tag`;
  await copyFrom(part.partPath, part.reserve, temp);
  await part.replaceWith(temp);
  return undefined;
}
