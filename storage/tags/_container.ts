/**
 * What each container's tag writer provides: where its tags live (the
 * head of the file, read from its first bytes) and a new head for a tag
 * set.
 *
 * @module
 */
import type { TagSet } from "./tag_set.ts";

/** What the first bytes of a file say about its head. */
export type HeadProbe =
  /** Not enough bytes yet: at least this many are needed. */
  | { need: number }
  /** The head (everything a new tag replaces) is this many bytes long. */
  | { length: number };

/** A file whose tags this writer cannot rewrite (the reason says why). */
export class TagFormatError extends Error {
  override readonly name = "TagFormatError";
}

/** Padding a head gets when it is written at its natural size. */
export const DEFAULT_PADDING = 2048;

/** One container's tag writer. */
export interface ContainerTagger {
  /** The head's length from the first bytes; throws `TagFormatError`. */
  probe(bytes: Uint8Array): HeadProbe;
  /**
   * A new head for `tags` from the old one (`probe()`'s length of bytes):
   * exactly `length` bytes (padding absorbs the difference), or its natural
   * size (with `DEFAULT_PADDING`) when `length` is not given; `undefined`
   * when it does not fit in `length`. Bytes after the old head move by the
   * difference in length. Throws `TagFormatError`.
   */
  render(
    head: Uint8Array,
    tags: TagSet,
    length?: number,
  ): Uint8Array | undefined;
  /** Bytes the tags themselves take (room to reserve before a body arrives). */
  tagBytes(tags: TagSet): number;
}
