/**
 * New heads for files: which containers take tags, how much room a tag set
 * needs, and `TaggedHead`, which follows a body as it is written and
 * computes, before the body is complete, the head the file will get and
 * the SHA-256 of the file as it will be stored. With room reserved in
 * front of the body (`reserve` bytes), tagging then writes only the head:
 * no byte of the body moves and none is hashed twice.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import type { Container } from "../../sources/types.ts";
import { concat } from "./_bytes.ts";
import {
  type ContainerTagger,
  DEFAULT_PADDING,
  TagFormatError,
} from "./_container.ts";
import { flac } from "./flac.ts";
import { id3v2 } from "./id3v2.ts";
import { mp4 } from "./mp4.ts";
import type { TagSet } from "./tag_set.ts";

export { TagFormatError };

/** The writer of a container, or `undefined` for one we do not tag (Ogg, APE). */
export function taggerFor(container: Container): ContainerTagger | undefined {
  switch (container) {
    case "mp3":
      return id3v2;
    case "flac":
      return flac;
    case "m4a":
      return mp4;
    default:
      return undefined;
  }
}

/** The containers tags are written into. */
export const TAGGED_CONTAINERS: readonly Container[] = ["mp3", "flac", "m4a"];

/** Whether a tag set writes anything. */
export function writesAnything(tags: TagSet): boolean {
  return tags.fields !== undefined || tags.cover !== undefined ||
    tags.lyrics !== undefined;
}

/**
 * Bytes to reserve in front of a body so that `tags` fit without moving
 * it: the tags' own size and the default padding.
 */
export function reserveFor(container: Container, tags: TagSet): number {
  const tagger = taggerFor(container);
  if (!tagger || !writesAnything(tags)) return 0;
  return tagger.tagBytes(tags) + DEFAULT_PADDING;
}

/** The largest head followed in memory while a body streams. */
const MAX_HEAD = 16 << 20;

/** What a `TaggedHead` made of a complete body. */
export type HeadResult =
  | {
    kind: "ready";
    /** The head to write at the start of the `.part`. */
    head: Uint8Array;
    /** Size of the file as stored. */
    sizeBytes: number;
    /** Hex SHA-256 of the file as stored. */
    sha256: string;
  }
  | {
    /** The head could not be built while streaming: rewrite the file instead. */
    kind: "rewrite";
    reason: string;
  };

/**
 * Follows a body written after `reserve` bytes of room. Once the body's
 * head is complete it builds the new head of exactly `reserve + head`
 * bytes, starts the stored file's SHA-256 with it, and hashes the rest of
 * the body as it arrives.
 */
export class TaggedHead {
  readonly #tagger: ContainerTagger | undefined;
  readonly #tags: TagSet;
  readonly #reserve: number;
  #buffered: Uint8Array[] = [];
  #bufferedBytes = 0;
  #headLength: number | undefined;
  #head: Uint8Array | undefined;
  #hash: Hash | undefined;
  #bodyBytes = 0;
  #failure: string | undefined;

  /** Follows a `container` body for `tags`, with `reserve` bytes of room. */
  constructor(container: Container, tags: TagSet, reserve: number) {
    this.#tagger = taggerFor(container);
    this.#tags = tags;
    this.#reserve = reserve;
    if (!this.#tagger) this.#failure = `${container} files are not tagged`;
  }

  /** Starts over: the body is written again from its first byte. */
  reset(): void {
    this.#buffered = [];
    this.#bufferedBytes = 0;
    this.#headLength = undefined;
    this.#head = undefined;
    this.#hash = undefined;
    this.#bodyBytes = 0;
    if (this.#tagger) this.#failure = undefined;
  }

  /** The next bytes of the body. */
  update(chunk: Uint8Array): void {
    this.#bodyBytes += chunk.length;
    if (this.#failure !== undefined) return;
    if (this.#hash) {
      this.#hash.update(chunk);
      return;
    }
    this.#buffered.push(chunk.slice());
    this.#bufferedBytes += chunk.length;
    this.#advance();
  }

  /** The head and the stored file's identity, once the whole body was seen. */
  finish(): HeadResult {
    if (this.#failure === undefined && !this.#hash) {
      this.#failure = "the body ended inside its head";
    }
    if (this.#failure !== undefined) {
      return { kind: "rewrite", reason: this.#failure };
    }
    return {
      kind: "ready",
      head: this.#head!,
      sizeBytes: this.#reserve + this.#bodyBytes,
      sha256: this.#hash!.digest("hex"),
    };
  }

  #advance(): void {
    const tagger = this.#tagger!;
    try {
      if (this.#headLength === undefined) {
        const bytes = this.#joined();
        const probe = tagger.probe(bytes);
        if ("need" in probe) {
          if (probe.need > MAX_HEAD) {
            throw new TagFormatError("the head is too large");
          }
          return;
        }
        this.#headLength = probe.length;
      }
      const length = this.#headLength;
      if (this.#bufferedBytes < length) {
        if (length > MAX_HEAD) {
          throw new TagFormatError("the head is too large");
        }
        return;
      }
      const bytes = this.#joined();
      const head = tagger.render(
        bytes.subarray(0, length),
        this.#tags,
        this.#reserve + length,
      );
      if (!head) {
        throw new TagFormatError("the tags need more room than was reserved");
      }
      this.#head = head;
      this.#hash = createHash("sha256").update(head).update(
        bytes.subarray(length),
      );
      this.#buffered = [];
      this.#bufferedBytes = 0;
    } catch (error) {
      if (!(error instanceof TagFormatError)) throw error;
      this.#failure = error.message;
      this.#buffered = [];
    }
  }

  #joined(): Uint8Array {
    if (this.#buffered.length > 1) this.#buffered = [concat(this.#buffered)];
    return this.#buffered[0] ?? new Uint8Array(0);
  }
}
