/**
 * Deterministic audio bodies: bytes that start with the real container's
 * structure (`_containers.ts`: what readers and tag writers parse) and
 * continue with noise, have exactly the declared size, and are served with
 * `Content-Length`, `Range`/206 and `HEAD`, cheaply enough to stream
 * gigabytes on loopback.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Container } from "../sources/types.ts";
import { headerOf, overlayMp3Frames } from "./_containers.ts";
import { hashString, xorshift } from "./_hash.ts";

/** One emulated audio file. */
export interface AudioFile {
  /** Identity of the bytes: equal keys give equal bodies. */
  key: string;
  container: Container;
  sizeBytes: number;
}

const BLOCK_SIZE = 1 << 20;
let noiseBlock: Uint8Array | undefined;

/** A 1 MiB block of noise, shared by every body. */
function noise(): Uint8Array {
  if (!noiseBlock) {
    noiseBlock = new Uint8Array(BLOCK_SIZE + 8);
    const next = xorshift(0x5eed);
    const words = new Uint32Array(noiseBlock.buffer, 0, (BLOCK_SIZE + 8) / 4);
    for (let i = 0; i < words.length; i++) words[i] = next();
  }
  return noiseBlock;
}

/** Writes bytes `start..end` (exclusive) of a file's body into `out`. */
export function fillAudio(
  file: AudioFile,
  start: number,
  end: number,
  out: Uint8Array,
): void {
  const header = headerOf(file.container, file.sizeBytes);
  const block = noise();
  const shift = hashString(file.key) % BLOCK_SIZE;
  let written = 0;
  let position = start;
  while (position < end) {
    if (position < header.length) {
      out[written++] = header[position]!;
      position++;
      continue;
    }
    const offset = (position + shift) % BLOCK_SIZE;
    const run = Math.min(end - position, BLOCK_SIZE - offset);
    out.set(block.subarray(offset, offset + run), written);
    written += run;
    position += run;
  }
  if (file.container === "mp3") overlayMp3Frames(start, end, out);
}

/** Bytes `start..end` (exclusive) of a file's body. */
export function audioBytes(
  file: AudioFile,
  start = 0,
  end = file.sizeBytes,
): Uint8Array {
  const out = new Uint8Array(Math.max(0, end - start));
  fillAudio(file, start, end, out);
  return out;
}

const CHUNK = 64 * 1024;

/**
 * A stream of bytes `start..end` (exclusive). With `breakAt`, the stream
 * errors after that many bytes, as a connection cut mid-body does.
 */
export function audioStream(
  file: AudioFile,
  start: number,
  end: number,
  breakAt?: number,
): ReadableStream<Uint8Array> {
  let position = start;
  const stop = breakAt === undefined ? end : Math.min(end, start + breakAt);
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    pull(controller) {
      if (position >= stop) {
        if (stop < end) {
          controller.error(new Error("connection reset by the emulation"));
        } else {
          controller.close();
        }
        return;
      }
      const next = Math.min(stop, position + CHUNK);
      const chunk = new Uint8Array(next - position);
      fillAudio(file, position, next, chunk);
      position = next;
      controller.enqueue(chunk);
    },
  });
}

const md5Cache = new Map<string, string>();

/** The hex MD5 of a file's whole body (cached). */
export function audioMd5(file: AudioFile): string {
  const cacheKey = `${file.key}|${file.container}|${file.sizeBytes}`;
  let digest = md5Cache.get(cacheKey);
  if (digest === undefined) {
    const hash = createHash("md5");
    const buffer = new Uint8Array(Math.min(file.sizeBytes, BLOCK_SIZE));
    for (let start = 0; start < file.sizeBytes; start += buffer.length) {
      const end = Math.min(file.sizeBytes, start + buffer.length);
      const view = buffer.subarray(0, end - start);
      fillAudio(file, start, end, view);
      hash.update(view);
    }
    digest = hash.digest("hex");
    if (md5Cache.size > 4096) md5Cache.clear();
    md5Cache.set(cacheKey, digest);
  }
  return digest;
}

/** The MIME type of a container. */
export function contentType(container: Container): string {
  switch (container) {
    case "flac":
      return "audio/flac";
    case "mp3":
      return "audio/mpeg";
    case "m4a":
      return "audio/mp4";
    case "ogg":
      return "audio/ogg";
    case "ape":
      return "audio/ape";
  }
}

/** Options of `serveAudio()`. */
export interface ServeAudioOptions {
  /** Answer `Accept-Ranges: none` and ignore `Range`. */
  noRanges?: boolean;
  /** Cut the body after this many bytes (a truncated transfer). */
  breakAt?: number;
}

/**
 * Answers a request for an audio file: `GET` or `HEAD`, a single `Range`
 * (`bytes=a-b`, `bytes=a-`, `bytes=-n`) with 206 and `Content-Range`, 416
 * when unsatisfiable.
 */
export function serveAudio(
  request: Request,
  file: AudioFile,
  options: ServeAudioOptions = {},
): Response {
  const size = file.sizeBytes;
  const headers = new Headers({
    "content-type": contentType(file.container),
    "accept-ranges": options.noRanges ? "none" : "bytes",
    "etag": `"${hashString(`${file.key}|${size}`).toString(16)}"`,
  });
  let start = 0;
  let end = size;
  let status = 200;
  const range = options.noRanges ? null : request.headers.get("range");
  if (range !== null) {
    const parsed = parseRange(range, size);
    if (parsed === "unsatisfiable") {
      headers.set("content-range", `bytes */${size}`);
      return new Response(null, { status: 416, headers });
    }
    if (parsed) {
      [start, end] = parsed;
      status = 206;
      headers.set("content-range", `bytes ${start}-${end - 1}/${size}`);
    }
  }
  headers.set("content-length", String(end - start));
  if (request.method === "HEAD") {
    return new Response(null, { status, headers });
  }
  return new Response(audioStream(file, start, end, options.breakAt), {
    status,
    headers,
  });
}

/**
 * Parses a single byte range against a size: `[start, endExclusive]`,
 * `"unsatisfiable"`, or `undefined` for a header to ignore.
 */
export function parseRange(
  header: string,
  size: number,
): [number, number] | "unsatisfiable" | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size];
  }
  const start = Number(match[1]);
  const last = match[2] === ""
    ? size - 1
    : Math.min(Number(match[2]), size - 1);
  if (start >= size || last < start) return "unsatisfiable";
  return [start, last + 1];
}
