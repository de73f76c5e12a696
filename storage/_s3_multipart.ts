/**
 * Multipart uploads of the S3 backend: parts of a fixed size, each sent
 * with its `Content-MD5` and signed SHA-256; an upload id written to the
 * journal before the first part, so that a killed upload is resumed from
 * the parts the server lists (each checked against the file's bytes by its
 * MD5); the file's SHA-256 checked before the upload is completed.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { PutOptions, PutResult, SourceFile } from "./backend.ts";
import { cleanEtag } from "./backend.ts";
import { StorageError } from "./errors.ts";
import { hashFile, hexToBase64, RunningDigest } from "./hashing.ts";
import { corruptSource, type S3Client } from "./_s3_client.ts";
import { uriEncode } from "./sigv4.ts";
import { escapeXml, xmlBlocks, xmlText } from "./_xml.ts";

const MAX_PARTS = 10_000;
const HEX_ETAG = /^[0-9a-f]{32}(-\d+)?$/;

/**
 * Uploads `source` in parts of (at least) `partSizeWanted` bytes, resuming
 * the upload the journal names.
 */
export async function putMultipart(
  client: S3Client,
  key: string,
  source: SourceFile,
  options: PutOptions,
  partSizeWanted: number,
): Promise<PutResult> {
  const partSize = Math.max(
    partSizeWanted,
    Math.ceil(source.sizeBytes / MAX_PARTS / (1024 * 1024)) * 1024 * 1024,
  );
  const count = Math.max(1, Math.ceil(source.sizeBytes / partSize));
  const journal = options.journal;
  let uploadId = journal?.uploadId;
  let listed = new Map<number, { etag: string; size: number }>();
  if (uploadId !== undefined) {
    try {
      listed = await listParts(client, key, uploadId, options.signal);
    } catch (error) {
      if (!(error instanceof StorageError && error.kind === "not_found")) {
        throw error;
      }
      uploadId = undefined; // completed or aborted meanwhile: start again
      journal?.save(null);
    }
  }
  if (uploadId === undefined) {
    uploadId = await createUpload(client, key, options.signal);
    journal?.save(uploadId);
  }
  const whole = new RunningDigest(true);
  const partMd5s: Uint8Array[] = [];
  const done: Array<{ n: number; etag: string }> = [];
  let sent = 0;
  let resumedBytes = 0;
  for (let n = 1; n <= count; n++) {
    const offset = (n - 1) * partSize;
    const length = Math.min(partSize, source.sizeBytes - offset);
    const part = await hashFile(source.path, {
      offset,
      length,
      md5: true,
      signal: options.signal,
      onBytes: undefined,
    });
    if (part.sizeBytes !== length) throw corruptSource(client.url, source);
    const have = listed.get(n);
    let etag: string;
    if (have && have.etag === part.md5 && have.size === length) {
      etag = have.etag;
      resumedBytes += length;
      sent += length;
      options.onBytes?.(sent);
      await feed(whole, source.path, offset, length);
    } else {
      const answer = await client.putRange(
        key,
        `partNumber=${n}&uploadId=${uriEncode(uploadId)}`,
        { "content-md5": hexToBase64(part.md5!) },
        source,
        {
          offset,
          length,
          payloadHash: part.sha256,
          signal: options.signal,
          onChunk: (chunk) => {
            whole.update(chunk);
            sent += chunk.length;
            options.onBytes?.(sent);
          },
        },
      );
      etag = cleanEtag(answer.headers.get("etag")) ?? part.md5!;
      if (HEX_ETAG.test(etag) && etag !== part.md5) {
        throw new StorageError(
          "checksum",
          client.url,
          `part ${n} of '${key}' arrived as ${etag}, sent as ${part.md5}`,
        );
      }
    }
    partMd5s.push(hexBytes(part.md5!));
    done.push({ n, etag });
  }
  const got = whole.digest();
  if (got.sha256 !== source.sha256 || got.sizeBytes !== source.sizeBytes) {
    await abortUpload(client, key, uploadId).catch(() => {});
    journal?.save(null);
    throw corruptSource(client.url, source);
  }
  const etag = await completeUpload(
    client,
    key,
    uploadId,
    done,
    options.signal,
  );
  journal?.save(null);
  const combined = createHash("md5");
  for (const md5 of partMd5s) combined.update(md5);
  return {
    sizeBytes: got.sizeBytes,
    md5: got.md5!,
    etag,
    expectedEtag: `${combined.digest("hex")}-${count}`,
    resumedBytes,
  };
}

async function createUpload(
  client: S3Client,
  key: string,
  signal?: AbortSignal,
): Promise<string> {
  const response = await client.send("POST", key, {
    query: "uploads=",
    headers: { "content-type": "application/octet-stream" },
    signal,
  });
  const text = await response.text();
  if (!response.ok) {
    client.failWith(response.status, text, `start an upload of '${key}'`);
  }
  const id = xmlText(text, "UploadId");
  if (!id) {
    throw new StorageError(
      "protocol",
      client.url,
      `no UploadId in the answer to starting an upload of '${key}'`,
    );
  }
  return id;
}

async function listParts(
  client: S3Client,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<Map<number, { etag: string; size: number }>> {
  const parts = new Map<number, { etag: string; size: number }>();
  let marker = "";
  for (;;) {
    const response = await client.send("GET", key, {
      query: `${marker}uploadId=${uriEncode(uploadId)}`,
      signal,
    });
    const text = await response.text();
    if (!response.ok) {
      client.failWith(response.status, text, `list the parts of '${key}'`);
    }
    for (const block of xmlBlocks(text, "Part")) {
      const n = Number(xmlText(block, "PartNumber"));
      const etag = cleanEtag(xmlText(block, "ETag") ?? null);
      const size = Number(xmlText(block, "Size"));
      if (Number.isInteger(n) && etag) parts.set(n, { etag, size });
    }
    if (xmlText(text, "IsTruncated") !== "true") return parts;
    marker = `part-number-marker=${
      xmlText(text, "NextPartNumberMarker") ?? ""
    }&`;
  }
}

async function completeUpload(
  client: S3Client,
  key: string,
  uploadId: string,
  parts: ReadonlyArray<{ n: number; etag: string }>,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const body = `<CompleteMultipartUpload>${
    parts.map((p) =>
      `<Part><PartNumber>${p.n}</PartNumber><ETag>"${
        escapeXml(p.etag)
      }"</ETag></Part>`
    ).join("")
  }</CompleteMultipartUpload>`;
  const response = await client.send("POST", key, {
    query: `uploadId=${uriEncode(uploadId)}`,
    body,
    headers: { "content-type": "application/xml" },
    signal,
  });
  const text = await response.text();
  // S3 may answer 200 and put an error in the body
  if (!response.ok || xmlText(text, "Code") !== undefined) {
    client.failWith(
      response.ok ? 500 : response.status,
      text,
      `complete the upload of '${key}'`,
    );
  }
  return cleanEtag(xmlText(text, "ETag") ?? null);
}

/** Aborts a multipart upload (one that no longer exists is fine). */
export async function abortUpload(
  client: S3Client,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<void> {
  const response = await client.send("DELETE", key, {
    query: `uploadId=${uriEncode(uploadId)}`,
    signal,
  });
  if (!response.ok && response.status !== 404) {
    await client.fail(response, `abort the upload of '${key}'`);
  }
  await response.body?.cancel();
}

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

async function feed(
  digest: RunningDigest,
  path: string,
  offset: number,
  length: number,
): Promise<void> {
  using file = await Deno.open(path, { read: true });
  await file.seek(offset, Deno.SeekMode.Start);
  const buffer = new Uint8Array(1024 * 1024);
  let left = length;
  while (left > 0) {
    const n = await file.read(
      buffer.subarray(0, Math.min(buffer.length, left)),
    );
    if (n === null || n === 0) break;
    digest.update(buffer.subarray(0, n));
    left -= n;
  }
}
