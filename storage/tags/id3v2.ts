/**
 * ID3v2.4 tags for MP3 files: UTF-8 text frames (several artists as
 * separate values, `\0`-separated as v2.4 allows), `TXXX` for the catalog
 * id and the source URL, `WOAS`, `APIC` (front cover) and `USLT` (plain
 * lyrics). Frames of a v2.4 tag that we do not write are kept as they
 * are; an older tag (v2.2/v2.3) is replaced whole. An ID3v1 tag at the end
 * of the file is left alone.
 *
 * @module
 */
import {
  concat,
  fromLatin1,
  fromUtf8,
  hasAscii,
  latin1,
  utf8,
} from "./_bytes.ts";
import {
  type ContainerTagger,
  DEFAULT_PADDING,
  TagFormatError,
} from "./_container.ts";
import {
  OWN_FIELD_NAMES,
  ownFields,
  type TagFields,
  type TagSet,
} from "./tag_set.ts";

const HEADER = 10;
/** Text encoding byte of UTF-8 frames. */
const UTF8 = 3;

/** The text frames of the fields, in the order `fieldFrames()` writes them. */
const TEXT_FRAMES = ["TIT2", "TPE1", "TALB", "TPE2", "TRCK", "TPOS", "TDRC"];
/** The frames the text fields own (and `TXXX` frames named in `OWN_FIELD_NAMES`). */
const FIELD_FRAMES = new Set([...TEXT_FRAMES, "WOAS"]);

function syncsafe(value: number): Uint8Array {
  if (value >= 1 << 28) {
    throw new TagFormatError(`An ID3v2 size of ${value} bytes is too large`);
  }
  return Uint8Array.of(
    (value >> 21) & 0x7f,
    (value >> 14) & 0x7f,
    (value >> 7) & 0x7f,
    value & 0x7f,
  );
}

function readSyncsafe(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 21) | (bytes[at + 1]! << 14) | (bytes[at + 2]! << 7) |
    bytes[at + 3]!;
}

function frame(id: string, data: Uint8Array): Uint8Array {
  return concat([latin1(id), syncsafe(data.length), Uint8Array.of(0, 0), data]);
}

function textFrame(id: string, values: readonly string[]): Uint8Array {
  return frame(id, concat([Uint8Array.of(UTF8), utf8(values.join("\0"))]));
}

function userText(description: string, value: string): Uint8Array {
  return frame(
    "TXXX",
    concat([
      Uint8Array.of(UTF8),
      utf8(description),
      Uint8Array.of(0),
      utf8(value),
    ]),
  );
}

function fieldFrames(fields: TagFields): Uint8Array[] {
  const frames = [textFrame("TIT2", [fields.title])];
  if (fields.artists.length > 0) frames.push(textFrame("TPE1", fields.artists));
  if (fields.album) frames.push(textFrame("TALB", [fields.album]));
  if (fields.albumArtist) {
    frames.push(textFrame("TPE2", [fields.albumArtist]));
  }
  if (fields.trackNumber) {
    frames.push(textFrame("TRCK", [String(fields.trackNumber)]));
  }
  if (fields.discNumber) {
    frames.push(textFrame("TPOS", [String(fields.discNumber)]));
  }
  if (fields.date) frames.push(textFrame("TDRC", [fields.date]));
  for (const [name, value] of ownFields(fields)) {
    frames.push(userText(name, value));
  }
  if (fields.sourceUrl) frames.push(frame("WOAS", latin1(fields.sourceUrl)));
  return frames;
}

/** The frames a tag set writes, in order. */
function ownFrames(tags: TagSet): Uint8Array[] {
  const frames = tags.fields ? fieldFrames(tags.fields) : [];
  if (tags.cover) {
    frames.push(frame(
      "APIC",
      concat([
        Uint8Array.of(UTF8),
        latin1(tags.cover.mime),
        Uint8Array.of(0, 3, 0),
        tags.cover.data,
      ]),
    ));
  }
  if (tags.lyrics) {
    frames.push(frame(
      "USLT",
      concat([
        Uint8Array.of(UTF8),
        latin1("XXX"),
        Uint8Array.of(0),
        utf8(tags.lyrics),
      ]),
    ));
  }
  return frames;
}

/** Whether a kept frame is one the tag set replaces. */
function replaced(id: string, data: Uint8Array, tags: TagSet): boolean {
  if (tags.fields) {
    if (FIELD_FRAMES.has(id)) return true;
    if (id === "TXXX") {
      const end = data.indexOf(0, 1);
      const description = data[0] === UTF8 || data[0] === 0
        ? (data[0] === UTF8 ? fromUtf8 : fromLatin1)(
          data.subarray(1, end < 0 ? undefined : end),
        )
        : "";
      if (OWN_FIELD_NAMES.has(description)) return true;
    }
  }
  if (tags.cover !== undefined && id === "APIC") return true;
  if (tags.lyrics !== undefined && id === "USLT") return true;
  return false;
}

/** The raw frames of a v2.4 tag worth keeping (none from older versions). */
function keptFrames(head: Uint8Array, tags: TagSet): Uint8Array[] {
  if (head.length < HEADER || !hasAscii(head, 0, "ID3") || head[3] !== 4) {
    return [];
  }
  const flags = head[5]!;
  // a tag-level unsynchronisation or an extended header: start afresh
  if ((flags & 0xc0) !== 0) return [];
  const end = Math.min(head.length, HEADER + readSyncsafe(head, 6));
  const kept: Uint8Array[] = [];
  for (let at = HEADER; at + 10 <= end;) {
    const id = fromLatin1(head.subarray(at, at + 4));
    if (!/^[A-Z0-9]{4}$/.test(id)) break; // padding
    const size = readSyncsafe(head, at + 4);
    const next = at + 10 + size;
    if (next > end) break;
    const formatFlags = head[at + 9]!;
    // data of compressed, encrypted or unsynchronised frames is not plain
    const plain = (formatFlags & 0x0f) === 0;
    if (!plain || !replaced(id, head.subarray(at + 10, next), tags)) {
      kept.push(head.subarray(at, next));
    }
    at = next;
  }
  return kept;
}

/** The order frames are written in: others first, then ours as `ownFrames()` writes them. */
const ORDER = [...TEXT_FRAMES, "TXXX", "WOAS", "APIC", "USLT"];

/**
 * Frames in one order whatever part was kept or written, so that
 * rendering a file's tags again gives the same bytes.
 */
function inOrder(frames: Uint8Array[]): Uint8Array[] {
  const rank = (f: Uint8Array) => ORDER.indexOf(fromLatin1(f.subarray(0, 4)));
  return frames
    .map((frame, index) => ({ frame, index, rank: rank(frame) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.frame);
}

/** ID3v2.4 for MP3. */
export const id3v2: ContainerTagger = {
  probe(bytes) {
    if (bytes.length < HEADER) return { need: HEADER };
    if (!hasAscii(bytes, 0, "ID3")) return { length: 0 };
    const footer = bytes[3] === 4 && (bytes[5]! & 0x10) !== 0 ? 10 : 0;
    return { length: HEADER + readSyncsafe(bytes, 6) + footer };
  },

  render(head, tags, length) {
    const frames = concat(
      inOrder([...keptFrames(head, tags), ...ownFrames(tags)]),
    );
    const content = HEADER + frames.length;
    const total = length ?? content + DEFAULT_PADDING;
    if (total < content) return undefined;
    const out = new Uint8Array(total);
    out.set(latin1("ID3"));
    out.set([4, 0, 0], 3);
    out.set(syncsafe(total - HEADER), 6);
    out.set(frames, HEADER);
    return out;
  },

  tagBytes(tags) {
    return HEADER + ownFrames(tags).reduce((n, f) => n + f.length, 0);
  },
};
