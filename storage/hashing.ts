/**
 * Hashing files and streams at disk speed: large reads into one reused
 * buffer, SHA-256 (and MD5 when asked) from `node:crypto`, a callback with
 * the bytes done for progress bars.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/** Hashes of some bytes. */
export interface Digest {
  /** Bytes hashed. */
  sizeBytes: number;
  /** Hex SHA-256. */
  sha256: string;
  /** Hex MD5 (when asked for). */
  md5: string | undefined;
}

/** Options of the hashing functions. */
export interface HashOptions {
  /** Also compute MD5. @default false */
  md5?: boolean;
  /** Called after each read with the bytes read. */
  onBytes?: ((bytes: number) => void) | undefined;
  /** Stops hashing (throws the signal's reason). */
  signal?: AbortSignal | undefined;
}

const READ_SIZE = 1024 * 1024;

/** Hashes a byte range of a file (the whole file by default). */
export async function hashFile(
  path: string,
  options: HashOptions & { offset?: number; length?: number } = {},
): Promise<Digest> {
  using file = await Deno.open(path, { read: true });
  if (options.offset) await file.seek(options.offset, Deno.SeekMode.Start);
  const hashes = startHashes(options.md5 ?? false);
  const buffer = new Uint8Array(READ_SIZE);
  let left = options.length ?? Infinity;
  let size = 0;
  while (left > 0) {
    options.signal?.throwIfAborted();
    const want = Math.min(buffer.length, left);
    const n = await file.read(
      want === buffer.length ? buffer : buffer.subarray(0, want),
    );
    if (n === null || n === 0) break;
    const chunk = buffer.subarray(0, n);
    hashes.sha256.update(chunk);
    hashes.md5?.update(chunk);
    size += n;
    left -= n;
    options.onBytes?.(n);
  }
  return finish(hashes, size);
}

/** Hashes a stream to its end. */
export async function hashStream(
  stream: ReadableStream<Uint8Array>,
  options: HashOptions = {},
): Promise<Digest> {
  const hashes = startHashes(options.md5 ?? false);
  let size = 0;
  for await (const chunk of stream) {
    options.signal?.throwIfAborted();
    hashes.sha256.update(chunk);
    hashes.md5?.update(chunk);
    size += chunk.length;
    options.onBytes?.(chunk.length);
  }
  return finish(hashes, size);
}

/**
 * A running SHA-256 (and MD5 when asked) of bytes fed one chunk at a time.
 * MD5 is left out where nothing needs it: Deno's MD5 runs at a third of the
 * speed of its SHA-256 (about 220 against 700 MiB/s here).
 */
export class RunningDigest {
  #hashes;
  #size = 0;

  /** A digest of SHA-256, and of MD5 when `md5`. */
  constructor(md5 = false) {
    this.#hashes = startHashes(md5);
  }

  /** Adds a chunk. */
  update(chunk: Uint8Array): void {
    this.#hashes.sha256.update(chunk);
    this.#hashes.md5?.update(chunk);
    this.#size += chunk.length;
  }

  /** The hashes of everything added. */
  digest(): Digest {
    return finish(this.#hashes, this.#size);
  }
}

function startHashes(md5: boolean): { sha256: Hash; md5: Hash | undefined } {
  return {
    sha256: createHash("sha256"),
    md5: md5 ? createHash("md5") : undefined,
  };
}

function finish(
  hashes: { sha256: Hash; md5: Hash | undefined },
  size: number,
): Digest {
  return {
    sizeBytes: size,
    sha256: hashes.sha256.digest("hex"),
    md5: hashes.md5?.digest("hex"),
  };
}

/** Hex to base64 (`Content-MD5`, `x-amz-checksum-sha256`). */
export function hexToBase64(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Base64 to hex (a checksum header to compare with a recorded hash). */
export function base64ToHex(base64: string): string {
  try {
    return Array.from(
      atob(base64),
      (c) => c.charCodeAt(0).toString(16).padStart(2, "0"),
    ).join("");
  } catch {
    return "";
  }
}
