/**
 * An S3-compatible bucket as a storage backend: AWS S3, MinIO, Cloudflare
 * R2, Alibaba OSS, Tencent COS and the like, with an endpoint, a region
 * and path-style or virtual-hosted addressing. Requests are signed with
 * SigV4 (`sigv4.ts`).
 *
 * - Uploads declare checksums the server verifies: the signed payload hash
 *   (`x-amz-content-sha256`) and `x-amz-checksum-sha256` are the file's
 *   recorded SHA-256, `Content-MD5` is sent when the MD5 is known and for
 *   every part. The bytes are also hashed as they are sent: a local file
 *   that no longer matches its record is removed from the bucket again and
 *   reported as corrupt.
 * - Files above `multipartThreshold` (64 MiB) go in parts of `partSize`
 *   (16 MiB, more for files above 160 GiB: at most 10,000 parts). The
 *   upload id is written to a journal before the first part; a killed
 *   upload is resumed from the parts the server lists (each checked by its
 *   MD5), and `pendingUploads()`/`abortUpload()` let a run clear the ones
 *   nobody will resume.
 * - The server's ETag of a single PUT is the MD5 of the bytes it stored;
 *   of a multipart upload, the MD5 of the parts' MD5s and `-N`. `verify()`
 *   compares both with what was sent.
 *
 * @module
 */
import {
  type BackendSpec,
  cleanEtag,
  type HttpFetch,
  type PendingUpload,
  type PutOptions,
  type PutResult,
  type Reachability,
  type SourceFile,
  type StorageBackend,
  type StoredObject,
  type Verification,
} from "./backend.ts";
import {
  checkedBySize,
  SentBytes,
  sizeMismatch,
  unreachable,
} from "./_backend_steps.ts";
import { base64ToHex, hexToBase64 } from "./hashing.ts";
import { S3Client } from "./_s3_client.ts";
import { abortUpload, putMultipart } from "./_s3_multipart.ts";
import { type AwsCredentials, uriEncode } from "./sigv4.ts";
import { xmlBlocks, xmlText } from "./_xml.ts";

/** Options of an `S3Backend`. */
export interface S3Options {
  /** The bucket, prefix, endpoint, region and addressing. */
  spec: Extract<BackendSpec, { kind: "object_store" }>;
  /** The access key; without one every request fails with a clear message. */
  credentials: AwsCredentials | undefined;
  /** The `fetch` for every request but the upload bodies. @default globalThis.fetch */
  fetch?: HttpFetch;
  /** The clock (signatures carry the time). @default Date.now */
  now?: () => number;
  /** Files above this size go multipart. @default 64 MiB */
  multipartThreshold?: number;
  /** The size of a part. @default 16 MiB */
  partSize?: number;
}

/** Defaults of `S3Options`. */
export const S3_DEFAULTS = {
  multipartThreshold: 64 * 1024 * 1024,
  partSize: 16 * 1024 * 1024,
} as const;

const MIN_PART = 5 * 1024 * 1024;
const HEX_ETAG = /^[0-9a-f]{32}(-\d+)?$/;

/** A bucket (and key prefix) of an S3-compatible object store. */
export class S3Backend implements StorageBackend {
  /** Always `object_store`. */
  readonly kind = "object_store" as const;
  /** `s3://bucket/prefix`. */
  readonly url: string;
  /** The bucket. */
  readonly containerName: string;
  readonly #client: S3Client;
  readonly #threshold: number;
  readonly #partSize: number;

  /** A backend for `options.spec`. */
  constructor(options: S3Options) {
    this.url = options.spec.url;
    this.containerName = options.spec.containerName;
    this.#client = new S3Client({
      spec: options.spec,
      credentials: options.credentials,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      now: options.now ?? Date.now,
    });
    this.#threshold = options.multipartThreshold ??
      S3_DEFAULTS.multipartThreshold;
    this.#partSize = Math.max(
      MIN_PART,
      options.partSize ?? S3_DEFAULTS.partSize,
    );
  }

  /** The key of a file whose path below a library root is `relative`. */
  locatorFor(relative: string): string {
    return this.#client.spec.prefix === ""
      ? relative
      : `${this.#client.spec.prefix}/${relative}`;
  }

  /**
   * Asks for the bucket's location (GetBucketLocation): the bucket exists
   * and the key is known. A key that may only write (AccessDenied) still
   * counts as reaching it; an unknown key or a bad signature does not.
   */
  async probe(signal?: AbortSignal): Promise<Reachability> {
    try {
      const response = await this.#client.send("GET", undefined, {
        query: "location=",
        signal,
      });
      const text = await response.text();
      if (!response.ok && !/<Code>AccessDenied<\/Code>/.test(text)) {
        this.#client.failWith(response.status, text, "reach the bucket");
      }
      return { ok: true, freeBytes: undefined };
    } catch (error) {
      return unreachable(error);
    }
  }

  /** The object's size and ETag, or `undefined` when there is none. */
  async head(
    key: string,
    signal?: AbortSignal,
  ): Promise<StoredObject | undefined> {
    // servers that keep checksums (AWS, MinIO) send the SHA-256 they
    // verified at upload when asked
    const response = await this.#client.send("HEAD", key, {
      headers: { "x-amz-checksum-mode": "ENABLED" },
      signal,
    });
    if (response.status === 404) return undefined;
    if (!response.ok) await this.#client.fail(response, `look up '${key}'`);
    // a multipart object's checksum is of its parts' checksums ("...-N")
    const checksum = response.headers.get("x-amz-checksum-sha256");
    const whole = checksum !== null && !checksum.includes("-") &&
      response.headers.get("x-amz-checksum-type") !== "COMPOSITE";
    return {
      sizeBytes: Number(response.headers.get("content-length") ?? NaN),
      etag: cleanEtag(response.headers.get("etag")),
      ...(whole ? { sha256: base64ToHex(checksum) } : {}),
    };
  }

  /** Uploads the file: one PUT up to the threshold, multipart above it. */
  async put(
    key: string,
    source: SourceFile,
    options: PutOptions = {},
  ): Promise<PutResult> {
    if (source.sizeBytes > this.#threshold) {
      return await putMultipart(
        this.#client,
        key,
        source,
        options,
        this.#partSize,
      );
    }
    const sent = new SentBytes(options);
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      "x-amz-checksum-sha256": hexToBase64(source.sha256),
    };
    if (source.md5) headers["content-md5"] = hexToBase64(source.md5);
    const answer = await this.#client.putRange(key, "", headers, source, {
      offset: 0,
      length: source.sizeBytes,
      payloadHash: source.sha256,
      signal: options.signal,
      onChunk: sent.onChunk,
    });
    return await sent.checked(
      this.url,
      source,
      answer.headers.get("etag"),
      () => this.remove(key),
    );
  }

  /** Compares the object's size and ETag with the file (and what was sent). */
  async verify(
    key: string,
    source: SourceFile,
    written?: PutResult,
    signal?: AbortSignal,
  ): Promise<Verification> {
    const object = await this.head(key, signal);
    if (!object) return { ok: false, reason: `'${key}' is not in the bucket` };
    const resized = sizeMismatch(key, object, source);
    if (resized) return resized;
    if (object.sha256 !== undefined) {
      if (object.sha256 !== source.sha256) {
        return {
          ok: false,
          reason:
            `'${key}' has SHA-256 ${object.sha256}, the file ${source.sha256}`,
        };
      }
      return { ok: true, etag: object.etag, method: "size+sha256" };
    }
    // S3 gives a multipart object the MD5 of its parts' MD5s and "-N";
    // some compatible servers (s3rver among them) the MD5 of all its bytes
    const accepted = [written?.expectedEtag, written?.md5, source.md5].filter(
      (e): e is string => e !== undefined,
    );
    if (
      accepted.length > 0 && object.etag !== undefined &&
      HEX_ETAG.test(object.etag)
    ) {
      if (!accepted.includes(object.etag)) {
        return {
          ok: false,
          reason: `'${key}' has ETag ${object.etag}, the bytes sent ${
            accepted[0]
          }`,
        };
      }
      return { ok: true, etag: object.etag, method: "size+etag" };
    }
    // the bytes sent were hashed and matched the record
    return checkedBySize(object, written);
  }

  /** The object's bytes. */
  async read(
    key: string,
    signal?: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const response = await this.#client.send("GET", key, { signal });
    if (!response.ok || !response.body) {
      await this.#client.fail(response, `read '${key}'`);
    }
    return response.body!;
  }

  /** Deletes the object (none there is fine). */
  async remove(key: string, signal?: AbortSignal): Promise<void> {
    const response = await this.#client.send("DELETE", key, { signal });
    if (!response.ok && response.status !== 404) {
      await this.#client.fail(response, `delete '${key}'`);
    }
    await response.body?.cancel();
  }

  /** Multipart uploads under the prefix that were started and not finished. */
  async pendingUploads(signal?: AbortSignal): Promise<PendingUpload[]> {
    const out: PendingUpload[] = [];
    let marker = "";
    for (;;) {
      const prefix = this.#client.spec.prefix === ""
        ? ""
        : `${this.#client.spec.prefix}/`;
      const response = await this.#client.send("GET", undefined, {
        query: `${marker}prefix=${uriEncode(prefix)}&uploads=`,
        signal,
      });
      const text = await response.text();
      if (!response.ok) {
        this.#client.failWith(response.status, text, "list uploads");
      }
      for (const block of xmlBlocks(text, "Upload")) {
        const key = xmlText(block, "Key");
        const uploadId = xmlText(block, "UploadId");
        if (key === undefined || uploadId === undefined) continue;
        const initiated = Date.parse(xmlText(block, "Initiated") ?? "");
        out.push({
          locator: key,
          uploadId,
          initiatedAt: Number.isFinite(initiated) ? initiated : undefined,
        });
      }
      if (xmlText(text, "IsTruncated") !== "true") return out;
      const nextKey = xmlText(text, "NextKeyMarker") ?? "";
      const nextId = xmlText(text, "NextUploadIdMarker") ?? "";
      marker = `key-marker=${uriEncode(nextKey)}&upload-id-marker=${
        uriEncode(nextId)
      }&`;
    }
  }

  /** Aborts a multipart upload (one that no longer exists is fine). */
  async abortUpload(
    key: string,
    uploadId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await abortUpload(this.#client, key, uploadId, signal);
  }
}
