/**
 * Real image bytes for emulated covers: a baseline grayscale JPEG and an
 * RGB PNG of any size, drawn as a gradient whose tone depends on a key,
 * so that each album's cover differs and any image viewer or tag reader
 * decodes it. Both encoders are this file's own and tiny: the JPEG has
 * one component, DC-only blocks and a one-symbol AC table; the PNG's rows
 * repeat (filter "Up") and deflate to almost nothing.
 *
 * @module
 */
import { crc32, deflateSync } from "node:zlib";
import { hashString } from "./_hash.ts";

/** The two kinds of cover the platforms serve. */
export type ImageKind = "jpeg" | "png";

const cache = new Map<string, Uint8Array>();

/** The image for `key` at `size` x `size` pixels (cached). */
export function coverImage(
  key: string,
  kind: ImageKind,
  size: number,
): Uint8Array {
  const cacheKey = `${kind}|${size}|${key}`;
  let bytes = cache.get(cacheKey);
  if (!bytes) {
    const tone = hashString(key) % 160;
    bytes = kind === "jpeg" ? jpeg(size, tone, key) : png(size, tone);
    if (cache.size > 256) cache.clear();
    cache.set(cacheKey, bytes);
  }
  return bytes;
}

/** An image answer: `GET` or `HEAD`, with its length. */
export function serveImage(
  request: Request,
  bytes: Uint8Array,
  kind: ImageKind,
): Response {
  const headers = {
    "content-type": kind === "jpeg" ? "image/jpeg" : "image/png",
    "content-length": String(bytes.length),
    "cache-control": "max-age=2592000",
  };
  return new Response(request.method === "HEAD" ? null : bytes.slice(), {
    headers,
  });
}

// ------------------------------------------------------------------ JPEG

class Bits {
  readonly bytes: number[] = [];
  #acc = 0;
  #count = 0;

  put(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((value >> i) & 1);
      if (++this.#count === 8) this.#flush();
    }
  }

  end(): void {
    while (this.#count !== 0) this.put(1, 1);
  }

  #flush(): void {
    this.bytes.push(this.#acc);
    // a 0xFF in entropy-coded data is followed by a stuffed zero
    if (this.#acc === 0xff) this.bytes.push(0);
    this.#acc = 0;
    this.#count = 0;
  }
}

/** Code lengths of the standard luminance DC table (categories 0-11). */
const DC_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];

/** The standard DC codes, by category: [code, length]. */
const DC_CODES: ReadonlyArray<[number, number]> = (() => {
  const codes: Array<[number, number]> = [];
  let code = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < DC_COUNTS[length - 1]!; i++) {
      codes.push([code++, length]);
    }
    code <<= 1;
  }
  return codes;
})();

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...body];
}

/** A baseline grayscale JPEG: 8x8 blocks of one tone each, a gradient. */
function jpeg(size: number, tone: number, key: string): Uint8Array {
  const blocks = Math.ceil(size / 8);
  const comment = [
    ...new TextEncoder().encode(`catalogsync emulated cover ${key}`),
  ];
  const out: number[] = [0xff, 0xd8];
  out.push(
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
  );
  out.push(...segment(0xfe, comment));
  out.push(...segment(0xdb, [0, ...new Array(64).fill(8)]));
  out.push(
    ...segment(0xc0, [
      8,
      size >> 8,
      size & 0xff,
      size >> 8,
      size & 0xff,
      1,
      1,
      0x11,
      0,
    ]),
  );
  out.push(
    ...segment(0xc4, [
      0x00,
      ...DC_COUNTS,
      ...Array.from({ length: 12 }, (_, i) => i),
    ]),
  );
  // AC table: a single one-bit code, for end-of-block
  out.push(...segment(0xc4, [0x10, 1, ...new Array(15).fill(0), 0x00]));
  out.push(...segment(0xda, [1, 1, 0x00, 0, 63, 0]));
  const bits = new Bits();
  let previous = 0;
  for (let by = 0; by < blocks; by++) {
    for (let bx = 0; bx < blocks; bx++) {
      // level in [-128, 127] after the level shift; DC = 8 * level / 8
      const level = tone - 96 + Math.floor(((bx + by) * 96) / (2 * blocks));
      const diff = level - previous;
      previous = level;
      const magnitude = Math.abs(diff);
      const category = magnitude === 0 ? 0 : 32 - Math.clz32(magnitude);
      const [code, length] = DC_CODES[category]!;
      bits.put(code, length);
      if (category > 0) {
        bits.put(diff > 0 ? diff : diff + (1 << category) - 1, category);
      }
      bits.put(0, 1); // end of block
    }
  }
  bits.end();
  out.push(...bits.bytes, 0xff, 0xd9);
  return Uint8Array.from(out);
}

// ------------------------------------------------------------------- PNG

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An RGB PNG: a horizontal gradient, the same on every row. */
function png(size: number, tone: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, size);
  view.setUint32(4, size);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const stride = 1 + size * 3;
  const raw = new Uint8Array(stride * size);
  for (let x = 0; x < size; x++) {
    const shade = Math.floor((x * 96) / size);
    raw.set([tone + shade, 255 - tone - shade, 128], 1 + x * 3);
  }
  // every later row: filter "Up" with a zero difference
  for (let y = 1; y < size; y++) raw[y * stride] = 2;
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
