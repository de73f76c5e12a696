/**
 * The structure of emulated audio files, so that real readers (ffprobe,
 * music-metadata, players) parse them and tag writers have real
 * structures to edit: a FLAC `STREAMINFO` block, MP3 frames with valid
 * headers after an empty ID3v2.4 tag, and an MP4 `ftyp` + `moov` (one AAC
 * track whose chunk points into `mdat`) + `mdat`. The payload of frames
 * and samples is noise: the files do not play, they parse.
 *
 * The head of a file depends on its size (the MP4 sample table, the FLAC
 * sample count), so it is built per file and cached.
 *
 * @module
 */
import type { Container } from "../sources/types.ts";

/** Sample rate of every emulated stream. */
const RATE = 44_100;
/** Bytes of one emulated MP3 frame (MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding). */
export const MP3_FRAME = 417;
/** An empty ID3v2.4 tag (size 0), as some CDNs leave in front of MP3 files. */
const EMPTY_ID3 = [0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
/** The header of every emulated MP3 frame: sync, MPEG-1 Layer III, 128k, 44.1 kHz, joint stereo. */
export const MP3_FRAME_HEADER: readonly number[] = [0xff, 0xfb, 0x90, 0x64];
/** Bytes of one emulated AAC frame (1024 samples). */
const AAC_FRAME = 372;

const cache = new Map<string, Uint8Array>();

/** The structured first bytes of a file of `container` and `sizeBytes`. */
export function headerOf(container: Container, sizeBytes: number): Uint8Array {
  const key = `${container}|${sizeBytes}`;
  let header = cache.get(key);
  if (!header) {
    header = build(container, sizeBytes);
    if (cache.size > 4096) cache.clear();
    cache.set(key, header);
  }
  return header;
}

function build(container: Container, sizeBytes: number): Uint8Array {
  switch (container) {
    case "flac":
      return flacHeader(sizeBytes);
    case "mp3":
      return Uint8Array.from([...EMPTY_ID3, ...MP3_FRAME_HEADER]);
    case "m4a":
      return mp4Header(sizeBytes);
    case "ogg":
      return Uint8Array.of(0x4f, 0x67, 0x67, 0x53, 0x00, 0x02);
    case "ape":
      return Uint8Array.of(0x4d, 0x41, 0x43, 0x20);
  }
}

/**
 * Writes the MP3 frame headers that fall in `start..end` over `out` (which
 * holds those bytes): a frame starts every `MP3_FRAME` bytes after the ID3
 * tag.
 */
export function overlayMp3Frames(
  start: number,
  end: number,
  out: Uint8Array,
): void {
  const first = EMPTY_ID3.length;
  let frame = Math.max(0, Math.floor((start - first) / MP3_FRAME));
  for (;; frame++) {
    const at = first + frame * MP3_FRAME;
    if (at >= end) return;
    for (let i = 0; i < MP3_FRAME_HEADER.length; i++) {
      const position = at + i;
      if (position >= start && position < end) {
        out[position - start] = MP3_FRAME_HEADER[i]!;
      }
    }
  }
}

/** `fLaC` and a last STREAMINFO block: 16-bit stereo at 44.1 kHz, its sample count from the size. */
function flacHeader(sizeBytes: number): Uint8Array {
  const out = new Uint8Array(42);
  out.set([0x66, 0x4c, 0x61, 0x43, 0x80, 0x00, 0x00, 0x22]);
  const view = new DataView(out.buffer);
  view.setUint16(8, 4096); // min block size
  view.setUint16(10, 4096); // max block size
  // min/max frame size 0: unknown
  // 20 bits rate, 3 bits channels-1, 5 bits bits-per-sample-1, 36 bits samples
  const samples = Math.floor(sizeBytes / 2); // ~700 kbit/s
  const high = Math.floor(samples / 2 ** 32) & 0xf;
  const word = (RATE << 12) | (1 << 9) | (15 << 4) | high;
  view.setUint32(18, word >>> 0);
  view.setUint32(22, samples >>> 0);
  // MD5 of the decoded audio: zeros (unknown)
  return out;
}

function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  let at = 8;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Big-endian fields: `[value, bytes]` pairs. */
function fields(...values: Array<[number, number]>): Uint8Array {
  const out = new Uint8Array(values.reduce((n, [, bytes]) => n + bytes, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [value, bytes] of values) {
    if (bytes === 1) view.setUint8(at, value);
    else if (bytes === 2) view.setUint16(at, value);
    else view.setUint32(at, value);
    at += bytes;
  }
  return out;
}

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** An MPEG-4 descriptor: tag, one length byte, payload. */
function descriptor(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  return Uint8Array.from([tag, length, ...parts.flatMap((p) => [...p])]);
}

/**
 * `ftyp` + `moov` + the `mdat` header: one AAC-LC track whose samples are
 * `AAC_FRAME` bytes each, in one chunk that starts right after the header.
 */
function mp4Header(sizeBytes: number): Uint8Array {
  const ftyp = box(
    "ftyp",
    ascii("M4A "),
    fields([512, 4]),
    ascii("M4A isomiso2"),
  );
  // the moov's size does not depend on the values in it: build it once to
  // learn where the media data starts, then with the real numbers
  const moovFor = (payload: number, mdatStart: number) => {
    const samples = Math.max(0, Math.floor(payload / AAC_FRAME));
    const duration = samples * 1024;
    const ms = Math.round(duration * 1000 / RATE);
    const esds = box(
      "esds",
      fields([0, 4]),
      descriptor(
        3,
        fields([1, 2], [0, 1]),
        descriptor(
          4,
          fields([0x40, 1], [0x15, 1], [0, 3], [128_000, 4], [128_000, 4]),
          descriptor(5, Uint8Array.of(0x12, 0x10)),
        ),
        descriptor(6, Uint8Array.of(0x02)),
      ),
    );
    const mp4a = box(
      "mp4a",
      fields([0, 4], [0, 2], [1, 2]), // reserved, data reference index
      fields([0, 4], [0, 4], [2, 2], [16, 2], [0, 2], [0, 2]),
      fields([RATE, 2], [0, 2]), // 16.16 sample rate
      esds,
    );
    const stbl = box(
      "stbl",
      box("stsd", fields([0, 4], [1, 4]), mp4a),
      box("stts", fields([0, 4], [1, 4], [samples, 4], [1024, 4])),
      box("stsc", fields([0, 4], [1, 4], [1, 4], [samples, 4], [1, 4])),
      box("stsz", fields([0, 4], [AAC_FRAME, 4], [samples, 4])),
      box("stco", fields([0, 4], [1, 4], [mdatStart, 4])),
    );
    const minf = box(
      "minf",
      box("smhd", fields([0, 4], [0, 4])),
      box(
        "dinf",
        box("dref", fields([0, 4], [1, 4]), box("url ", fields([1, 4]))),
      ),
      stbl,
    );
    const mdia = box(
      "mdia",
      box(
        "mdhd",
        fields([0, 4], [0, 4], [0, 4], [RATE, 4], [duration, 4], [0x55c4, 2], [
          0,
          2,
        ]),
      ),
      box(
        "hdlr",
        fields([0, 4], [0, 4]),
        ascii("soun"),
        new Uint8Array(12),
        ascii("SoundHandler\0"),
      ),
      minf,
    );
    const matrix = fields(
      [0x10000, 4],
      [0, 4],
      [0, 4],
      [0, 4],
      [0x10000, 4],
      [0, 4],
      [0, 4],
      [0, 4],
      [0x40000000, 4],
    );
    const tkhd = box(
      "tkhd",
      fields(
        [3, 4],
        [0, 4],
        [0, 4],
        [1, 4],
        [0, 4],
        [ms, 4],
        [0, 4],
        [0, 4],
        [0, 2],
        [0, 2],
        [0x0100, 2],
        [0, 2],
      ),
      matrix,
      fields([0, 4], [0, 4]),
    );
    const mvhd = box(
      "mvhd",
      fields(
        [0, 4],
        [0, 4],
        [0, 4],
        [1000, 4],
        [ms, 4],
        [0x10000, 4],
        [0x0100, 2],
        [0, 2],
        [0, 4],
        [0, 4],
      ),
      matrix,
      new Uint8Array(24),
      fields([2, 4]),
    );
    return box("moov", mvhd, box("trak", tkhd, mdia));
  };
  const headLength = ftyp.length + moovFor(0, 0).length + 8;
  const payload = Math.max(0, sizeBytes - headLength);
  const moov = moovFor(payload, headLength);
  const mdat = fields([8 + payload, 4]);
  return Uint8Array.from([...ftyp, ...moov, ...mdat, ...ascii("mdat")]);
}
