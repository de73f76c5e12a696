/**
 * A PUT whose body streams from a range of a local file with a
 * `Content-Length`, in bounded memory.
 *
 * Why not `fetch`: Deno's `fetch` (2.9) drops a `Content-Length` given for
 * a `ReadableStream` body and sends `Transfer-Encoding: chunked`
 * (denoland/deno#20274, open), and S3 answers a chunked PUT with 501
 * or 411 (MissingContentLength); buffering the body instead would hold a
 * whole file (or part) in memory. `node:http` sends the length given and
 * reads the file a chunk at a time, waiting for the socket to drain. Every
 * other request of the backends goes through `fetch`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import http from "node:http";
import https from "node:https";
import { StorageError } from "./errors.ts";

/** A PUT of `length` bytes of `path` from `offset`. */
export interface FilePut {
  /** Where to. */
  url: URL;
  /** Request headers (`content-length` is set here). */
  headers: Readonly<Record<string, string>>;
  /** The file. */
  path: string;
  /** First byte. */
  offset: number;
  /** Bytes to send. */
  length: number;
  /** The backend's URL, for errors. */
  backend: string;
  /** Stops the request. */
  signal?: AbortSignal | undefined;
  /** Sees each chunk as it is sent (hashing, progress). */
  onChunk?: ((chunk: Uint8Array) => void) | undefined;
  /** Gives up when the connection is silent this long. @default 120000 */
  idleTimeoutMs?: number;
}

/** The server's answer. */
export interface PutAnswer {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** The (small) response body. */
  body: string;
}

const CHUNK = 256 * 1024;
const BUFFERS = 4;

/** Sends the PUT; a failure of the connection becomes `StorageError` (`network`). */
export async function putFileRange(put: FilePut): Promise<PutAnswer> {
  using file = await Deno.open(put.path, { read: true });
  if (put.offset > 0) await file.seek(put.offset, Deno.SeekMode.Start);
  const client = put.url.protocol === "https:" ? https : http;
  return await new Promise<PutAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      request.destroy();
      if (put.signal?.aborted) {
        reject(put.signal.reason);
        return;
      }
      reject(
        error instanceof StorageError ? error : new StorageError(
          "network",
          put.backend,
          `upload cut: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        ),
      );
    };
    const request = client.request(put.url, {
      method: "PUT",
      headers: { ...put.headers, "content-length": String(put.length) },
    }, (response) => {
      const parts: Buffer[] = [];
      response.on("data", (chunk: Buffer) => parts.push(chunk));
      response.on("error", fail);
      response.on("end", () => {
        if (settled) return;
        settled = true;
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (typeof value === "string") headers.set(name, value);
          else if (Array.isArray(value)) headers.set(name, value.join(", "));
        }
        resolve({
          status: response.statusCode ?? 0,
          headers,
          body: Buffer.concat(parts).toString("utf8"),
        });
      });
    });
    request.setTimeout(
      put.idleTimeoutMs ?? 120_000,
      () => fail(new Error("no answer from the server")),
    );
    request.on("error", fail);
    const onAbort = () =>
      fail(put.signal?.reason ?? new DOMException("aborted", "AbortError"));
    put.signal?.addEventListener("abort", onAbort, { once: true });
    request.on(
      "close",
      () => put.signal?.removeEventListener("abort", onAbort),
    );
    (async () => {
      // a few buffers used in turn: one is reused only once the socket has
      // taken its bytes (the write's callback), so memory stays bounded and
      // the garbage collector has nothing to chase
      const pool = Array.from({ length: BUFFERS }, () => ({
        bytes: new Uint8Array(CHUNK),
        free: Promise.resolve(),
        release: () => {},
      }));
      // a closed request flushes nothing more: free every buffer
      request.once("close", () => pool.forEach((slot) => slot.release()));
      let left = put.length;
      for (let i = 0; left > 0 && !settled; i++) {
        const slot = pool[i % BUFFERS]!;
        await slot.free;
        if (settled) break;
        const n = await file.read(
          slot.bytes.subarray(0, Math.min(CHUNK, left)),
        );
        if (n === null || n === 0) {
          throw new StorageError(
            "checksum",
            put.backend,
            `'${put.path}' is shorter than recorded: it changed since it was downloaded`,
          );
        }
        const sent = slot.bytes.subarray(0, n);
        put.onChunk?.(sent);
        left -= n;
        slot.free = new Promise<void>((done) => (slot.release = done));
        const more = request.write(sent, () => slot.release());
        if (!more) {
          await new Promise<void>((done) => {
            const finish = () => {
              request.off("drain", finish);
              request.off("close", finish);
              done();
            };
            request.on("drain", finish);
            request.on("close", finish);
          });
        }
      }
      if (!settled) request.end();
    })().catch(fail);
  });
}
