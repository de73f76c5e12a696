/**
 * The steps the storage backends (local directory, S3 bucket, WebDAV
 * drive) take alike: a request that gets no answer becomes a `network`
 * error, a failed probe becomes an unreachable backend, the bytes of a put
 * are hashed and counted as they are sent and checked against the file's
 * record, and a stored object is first checked by its size.
 *
 * @module
 */
import {
  cleanEtag,
  corruptSource,
  type HttpFetch,
  type PutOptions,
  type PutResult,
  type Reachability,
  type SourceFile,
  type StoredObject,
  type Verification,
} from "./backend.ts";
import { StorageError } from "./errors.ts";
import { RunningDigest } from "./hashing.ts";

/** A request with a small (or no) body. */
export interface BackendRequest {
  /** The HTTP method. */
  method: string;
  /** Its headers. */
  headers: Record<string, string>;
  /** Its body, if any. */
  body?: string | undefined;
  /** Stops it. */
  signal?: AbortSignal | undefined;
}

/**
 * Sends a request of `backend` through `fetch`. A request that gets no
 * answer throws a `network` `StorageError` naming the host; an aborted one
 * throws the signal's reason.
 */
export async function sendRequest(
  fetch: HttpFetch,
  backend: string,
  url: URL,
  request: BackendRequest,
): Promise<Response> {
  const { body, signal } = request;
  try {
    return await fetch(url, {
      method: request.method,
      headers: request.headers,
      ...(body === undefined ? {} : { body }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new StorageError(
      "network",
      backend,
      `cannot reach ${url.host}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}

/**
 * What a failed probe says: a `StorageError` means the backend cannot be
 * reached (offline when it is the network); anything else is thrown again.
 */
export function unreachable(error: unknown): Reachability {
  if (!(error instanceof StorageError)) throw error;
  return {
    ok: false,
    offline: error.kind === "network",
    reason: error.message,
  };
}

/**
 * The bytes of a file as a put sends them: hashed, counted to the put's
 * `onBytes`, and checked against the file's record once all are sent.
 */
export class SentBytes {
  readonly #digest = new RunningDigest();
  readonly #onBytes: PutOptions["onBytes"];
  #sent = 0;

  /** Bytes sent for a put with `options`. */
  constructor(options: PutOptions) {
    this.#onBytes = options.onBytes;
  }

  /** Takes a chunk as it is sent. */
  readonly onChunk = (chunk: Uint8Array): void => {
    this.#digest.update(chunk);
    this.#sent += chunk.length;
    this.#onBytes?.(this.#sent);
  };

  /**
   * What the put of the whole file stored, with the server's `etag`
   * header. When the bytes sent are not the recorded file's (it changed
   * on disk), `discard` removes what was stored and the file's
   * `checksum` error is thrown.
   */
  async checked(
    backend: string,
    source: SourceFile,
    etag: string | null,
    discard: () => Promise<void>,
  ): Promise<PutResult> {
    const got = this.#digest.digest();
    if (got.sha256 !== source.sha256) {
      await discard().catch(() => {});
      throw corruptSource(backend, source);
    }
    return {
      sizeBytes: got.sizeBytes,
      md5: got.md5,
      etag: cleanEtag(etag),
      expectedEtag: got.md5,
      resumedBytes: 0,
    };
  }
}

/**
 * The first check of every `verify()` once something is stored under
 * `locator`: it has the file's size. `undefined` when it has.
 */
export function sizeMismatch(
  locator: string,
  object: StoredObject,
  source: SourceFile,
): Verification | undefined {
  if (object.sizeBytes === source.sizeBytes) return undefined;
  return {
    ok: false,
    reason:
      `'${locator}' has ${object.sizeBytes} bytes, the file ${source.sizeBytes}`,
  };
}

/**
 * A stored object of the right size with nothing more to compare: checked
 * by size, or by SHA-256 when `written` (the put hashed what it sent).
 */
export function checkedBySize(
  object: StoredObject,
  written: PutResult | undefined,
): Verification {
  return {
    ok: true,
    etag: object.etag,
    method: written ? "size+sha256" : "size",
  };
}
