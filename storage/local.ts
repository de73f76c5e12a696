/**
 * The local backend's file writing: a body streams into `<final>.part`,
 * hashed (SHA-256, and MD5 when asked) as it is written; only a complete,
 * checked file is synced to disk and renamed into place. A sidecar
 * `<final>.part.json` names what the `.part` holds (platform, song,
 * level, size, MD5, ETag), so an interrupted transfer resumes only into
 * the same file. The sidecar is written once the `.part` holds 1 MiB, or
 * when a transfer is given up to be resumed later: a smaller file killed
 * mid-way is fetched again from zero, and most files cost no extra file.
 *
 * A body may be written after `reserve` bytes of room (zeros), where its
 * tags go once it is checked (`writeHead()`): an observer follows the body
 * as it is written (`storage/tags/head.ts`). The sidecar records the
 * reserve, so a resumed body lands where it was. Syncing is the caller's
 * last step before the rename (`writeHead()` or `sync()`), after the
 * checks and the tags.
 *
 * The file-opening function is a seam: tests pass one that fails with
 * `ENOSPC` after N bytes.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { dirname } from "node:path";
import { isNoSpace, NoSpaceError } from "./errors.ts";
import {
  fileSize,
  type PartIdentity,
  readSidecar,
  removeIfThere,
  sameIdentity,
  type Sidecar,
} from "./_part_sidecar.ts";

export { fileSize };
export type { PartIdentity };

/** An open file being written. */
export interface WritableFile {
  /** Writes some of `bytes`; resolves to how many were written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Flushes the data (and the size) to the disk (`fdatasync`). */
  syncData(): Promise<void>;
  /** Closes the file. */
  close(): void;
}

/** Opens a file for writing: creating it, and appending or truncating. */
export type OpenFile = (
  path: string,
  options: { append: boolean },
) => Promise<WritableFile>;

/** The real `OpenFile`: `Deno.open` with write, create and append or truncate. */
export const openLocalFile: OpenFile = (path, { append }) =>
  Deno.open(path, { write: true, create: true, append, truncate: !append });

/** Follows a body as it is written (see `storage/tags/head.ts`). */
export interface BodyObserver {
  /** The body starts again from its first byte. */
  reset(): void;
  /** The next bytes of the body. */
  update(chunk: Uint8Array): void;
}

/** Hashes and size of a finished file. */
export interface FinishedFile {
  /** Bytes written. */
  sizeBytes: number;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
  /** Hex MD5 of the whole file, when computed. */
  md5: string | undefined;
}

/** Options of `PartFile.prepare()`. */
export interface PartFileOptions {
  /** Opens the file for writing. @default openLocalFile */
  openFile?: OpenFile;
  /** Also compute MD5. @default false */
  md5?: boolean;
  /** Bytes of room to leave before a fresh body. @default 0 */
  reserve?: number;
  /**
   * An observer of the body, given the room actually before it (a resumed
   * `.part` keeps the room it was started with).
   */
  observe?: (reserve: number) => BodyObserver;
}

const HEAD_BYTES = 16;
/** A `.part` gets its sidecar (becomes resumable after a crash) at this size. */
const SIDECAR_AFTER = 1 << 20;

/**
 * A file being downloaded to `<path>.part`. Prepare it (which finds a
 * resumable `.part`), then `begin()` a fresh body or `resume()` after the
 * bytes already there, `write()` chunks, and `finish()`; `commit()`
 * renames it into place. `discard()` removes it; `keep()` leaves it for a
 * later resume.
 */
export class PartFile {
  /** The final path. */
  readonly path: string;
  /** `<path>.part`. */
  readonly partPath: string;
  /** `<path>.part.json`. */
  readonly sidecarPath: string;
  #identity: PartIdentity;
  #openFile: OpenFile;
  #withMd5: boolean;
  #file: WritableFile | undefined;
  #sha256: Hash;
  #md5: Hash | undefined;
  #size = 0;
  #head = new Uint8Array(HEAD_BYTES);
  #headLength = 0;
  #resumable: { size: number; etag: string | null } | undefined;
  #writing: Promise<void> | undefined;
  #writeError: unknown;
  #etag: string | null = null;
  #sidecarOnDisk = false;
  #reserve: number;
  #observer: BodyObserver | undefined;

  private constructor(
    path: string,
    identity: PartIdentity,
    options: PartFileOptions,
  ) {
    this.path = path;
    this.partPath = `${path}.part`;
    this.sidecarPath = `${path}.part.json`;
    this.#identity = identity;
    this.#openFile = options.openFile ?? openLocalFile;
    this.#withMd5 = options.md5 ?? false;
    this.#sha256 = createHash("sha256");
    this.#md5 = this.#withMd5 ? createHash("md5") : undefined;
    this.#reserve = Math.max(0, Math.floor(options.reserve ?? 0));
  }

  /**
   * Gets ready to download to `path`: a `.part` whose sidecar names the
   * same file is kept for resuming (its bytes hashed now, so the final
   * hash covers the whole file); anything else there is removed.
   */
  static async prepare(
    path: string,
    identity: PartIdentity,
    options: PartFileOptions = {},
  ): Promise<PartFile> {
    const part = new PartFile(path, identity, options);
    await Deno.mkdir(dirname(path), { recursive: true });
    const size = await fileSize(part.partPath);
    if (size === undefined) {
      // no .part: at most a stale sidecar to clear
      await removeIfThere(part.sidecarPath);
      part.#observer = options.observe?.(part.#reserve);
      return part;
    }
    const sidecar = size > 0 ? await readSidecar(part.sidecarPath) : undefined;
    const body = size - (sidecar?.reserve ?? 0);
    if (
      sidecar && sameIdentity(sidecar, identity) && body >= 0 &&
      (identity.sizeBytes === null || body <= identity.sizeBytes)
    ) {
      part.#reserve = sidecar.reserve;
      part.#observer = options.observe?.(part.#reserve);
      await part.#hashExisting();
      part.#resumable = { size: part.#size, etag: sidecar.etag };
      part.#etag = sidecar.etag;
      part.#sidecarOnDisk = true;
    } else {
      await part.#removeFiles();
      part.#observer = options.observe?.(part.#reserve);
    }
    return part;
  }

  /** Bytes of room before the body. */
  get reserve(): number {
    return this.#reserve;
  }

  /** The observer following the body, if there is one. */
  get observer(): BodyObserver | undefined {
    return this.#observer;
  }

  /** Bytes of an interrupted transfer that can be resumed (0 if none). */
  get resumableBytes(): number {
    return this.#resumable?.size ?? 0;
  }

  /** The ETag the interrupted transfer was started with, if known. */
  get resumableEtag(): string | null {
    return this.#resumable?.etag ?? null;
  }

  /** Bytes in the file so far (some may still be on their way to the disk: `flush()`). */
  get size(): number {
    return this.#size;
  }

  /** The first bytes of the file (up to 16). */
  get head(): Uint8Array {
    return this.#head.subarray(0, this.#headLength);
  }

  /** Starts the file from zero (a fresh body, or a server that ignored `Range`). */
  async begin(etag: string | null): Promise<void> {
    await this.#settle();
    this.#close();
    this.#sha256 = createHash("sha256");
    this.#md5 = this.#withMd5 ? createHash("md5") : undefined;
    this.#size = 0;
    this.#headLength = 0;
    this.#resumable = undefined;
    this.#etag = etag;
    this.#observer?.reset();
    try {
      if (this.#sidecarOnDisk) {
        // it described the bytes being thrown away
        await removeIfThere(this.sidecarPath);
        this.#sidecarOnDisk = false;
      }
      this.#file = await this.#openFile(this.partPath, { append: false });
      if (this.#reserve > 0) {
        const room = new Uint8Array(this.#reserve);
        for (let at = 0; at < room.length;) {
          at += await this.#file.write(room.subarray(at));
        }
      }
    } catch (error) {
      throw this.#translate(error);
    }
  }

  /** Continues after the bytes already in the `.part`. */
  async resume(): Promise<void> {
    if (this.#resumable === undefined) {
      throw new Error(`Cannot resume '${this.partPath}': nothing to resume`);
    }
    await this.#settle();
    this.#close();
    try {
      this.#file = await this.#openFile(this.partPath, { append: true });
    } catch (error) {
      throw this.#translate(error);
    }
  }

  /**
   * Appends a chunk, hashing it at once. The chunk is written in the
   * background while the caller reads the next one: the previous write is
   * awaited first, so at most one chunk is in flight. The chunk's memory
   * must stay untouched until the next `write()` or `flush()` resolves
   * (two buffers used in turn are enough). Throws `NoSpaceError` when the
   * disk is full.
   */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#writeError !== undefined) throw this.#writeError;
    if (!this.#file) {
      throw new Error(`Cannot write '${this.partPath}': not open`);
    }
    // hash while the previous chunk is being written
    this.#takeHead(chunk);
    this.#sha256.update(chunk);
    this.#md5?.update(chunk);
    this.#observer?.update(chunk);
    this.#size += chunk.length;
    await this.flush();
    const file = this.#file;
    if (!file) throw new Error(`Cannot write '${this.partPath}': closed`);
    this.#writing = this.#writeOut(file, chunk);
    if (!this.#sidecarOnDisk && this.#size >= SIDECAR_AFTER) {
      await this.#writeSidecar();
    }
  }

  /** Waits until every chunk written so far is with the operating system. */
  async flush(): Promise<void> {
    await this.#settle();
    if (this.#writeError !== undefined) throw this.#writeError;
  }

  /**
   * Writes what is in flight and closes the file; returns the body's size
   * and hashes. The data is not synced yet: `writeHead()` or `sync()` is
   * the last step before `commit()`.
   */
  async finish(): Promise<FinishedFile> {
    try {
      await this.flush();
    } finally {
      this.#close();
    }
    return {
      sizeBytes: this.#size,
      sha256: this.#sha256.digest("hex"),
      md5: this.#md5?.digest("hex"),
    };
  }

  /**
   * Writes `head` over the start of the finished `.part` (the reserved
   * room and the body's own head); `sync()` follows. The sidecar goes
   * first: a `.part` with tags in it is no longer a body to resume.
   */
  async writeHead(head: Uint8Array): Promise<void> {
    await this.#dropSidecar();
    try {
      using file = await Deno.open(this.partPath, { write: true });
      for (let at = 0; at < head.length;) {
        at += await file.write(head.subarray(at));
      }
    } catch (error) {
      throw this.#translate(error);
    }
  }

  /** Puts a rewritten (tagged and synced) file in the place of the `.part`. */
  async replaceWith(path: string): Promise<void> {
    await this.#dropSidecar();
    await Deno.rename(path, this.partPath);
  }

  /** Syncs the finished `.part` to disk (`fdatasync`). */
  async sync(): Promise<void> {
    try {
      using file = await Deno.open(this.partPath, { read: true, write: true });
      await file.syncData();
    } catch (error) {
      throw this.#translate(error);
    }
  }

  async #dropSidecar(): Promise<void> {
    if (!this.#sidecarOnDisk) return;
    await removeIfThere(this.sidecarPath);
    this.#sidecarOnDisk = false;
  }

  /**
   * Renames the finished `.part` into place and removes the sidecar.
   * Synchronous, so it can run inside the catalog transaction that records
   * the file.
   */
  commit(): void {
    Deno.renameSync(this.partPath, this.path);
    if (!this.#sidecarOnDisk) return;
    try {
      Deno.removeSync(this.sidecarPath);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    this.#sidecarOnDisk = false;
  }

  /** Closes and removes the `.part` and its sidecar. */
  async discard(): Promise<void> {
    await this.#settle();
    this.#close();
    await this.#removeFiles();
  }

  /** Writes what is in flight and closes the file, leaving the `.part` to resume later. */
  async keep(): Promise<void> {
    await this.#settle();
    if (!this.#sidecarOnDisk && this.#size > 0 && this.#file) {
      await this.#writeSidecar().catch(() => {});
    }
    this.#close();
  }

  async #writeSidecar(): Promise<void> {
    const sidecar: Sidecar = {
      ...this.#identity,
      etag: this.#etag,
      reserve: this.#reserve,
    };
    try {
      await Deno.writeTextFile(this.sidecarPath, JSON.stringify(sidecar));
    } catch (error) {
      throw this.#translate(error);
    }
    this.#sidecarOnDisk = true;
  }

  /** Writes one chunk; a failure is kept for the next call. */
  async #writeOut(file: WritableFile, chunk: Uint8Array): Promise<void> {
    try {
      let written = 0;
      while (written < chunk.length) {
        written += await file.write(chunk.subarray(written));
      }
    } catch (error) {
      this.#writeError = this.#translate(error);
    }
  }

  /** Waits for the background writes to end (successfully or not). */
  async #settle(): Promise<void> {
    while (this.#writing) {
      const writing = this.#writing;
      await writing;
      if (this.#writing === writing) this.#writing = undefined;
    }
  }

  #close(): void {
    const file = this.#file;
    this.#file = undefined;
    try {
      file?.close();
    } catch {
      // already closed
    }
  }

  #takeHead(chunk: Uint8Array): void {
    if (this.#size >= HEAD_BYTES || this.#headLength >= HEAD_BYTES) return;
    const room = HEAD_BYTES - this.#headLength;
    const take = chunk.subarray(0, room);
    this.#head.set(take, this.#headLength);
    this.#headLength += take.length;
  }

  async #hashExisting(): Promise<void> {
    using file = await Deno.open(this.partPath, { read: true });
    await file.seek(this.#reserve, Deno.SeekMode.Start);
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const read = await file.read(buffer);
      if (read === null) break;
      const chunk = buffer.subarray(0, read);
      this.#takeHead(chunk);
      this.#sha256.update(chunk);
      this.#md5?.update(chunk);
      this.#observer?.update(chunk);
      this.#size += chunk.length;
    }
  }

  async #removeFiles(): Promise<void> {
    await removeIfThere(this.partPath);
    await removeIfThere(this.sidecarPath);
    this.#sidecarOnDisk = false;
  }

  #translate(error: unknown): unknown {
    if (error instanceof NoSpaceError || !isNoSpace(error)) return error;
    return new NoSpaceError(
      `No space left on the device holding '${dirname(this.path)}'`,
      { path: dirname(this.path), cause: error },
    );
  }
}
