/**
 * FLAC metadata: a Vorbis comment block (one `ARTIST` per artist,
 * `LYRICS`, `CATALOGSYNC_ID`, `CATALOGSYNC_URL`, ...) and a `PICTURE`
 * block (type 3, front cover), with a `PADDING` block last. `STREAMINFO`
 * stays first; other blocks (seek table, cue sheet, application) are
 * kept; comments we do not write are kept in the new comment block.
 *
 * @module
 */
import {
  concat,
  fromUtf8,
  hasAscii,
  latin1,
  u32be,
  u32le,
  utf8,
  viewOf,
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

const STREAMINFO = 0;
const PADDING = 1;
const VORBIS_COMMENT = 4;
const PICTURE = 6;
/** The largest metadata block (24-bit length). */
const MAX_BLOCK = (1 << 24) - 1;
const VENDOR = "catalogsync";

/** The comment names the text fields own. */
const FIELD_KEYS = new Set([
  "TITLE",
  "ARTIST",
  "ALBUM",
  "ALBUMARTIST",
  "TRACKNUMBER",
  "DISCNUMBER",
  "DATE",
  ...OWN_FIELD_NAMES,
]);
const LYRICS_KEYS = new Set(["LYRICS", "UNSYNCEDLYRICS"]);

interface Block {
  type: number;
  data: Uint8Array;
}

function block(type: number, data: Uint8Array, last: boolean): Uint8Array {
  if (data.length > MAX_BLOCK) {
    throw new TagFormatError(
      `A FLAC metadata block of ${data.length} bytes is too large`,
    );
  }
  const header = u32be(data.length);
  header[0] = (last ? 0x80 : 0) | type;
  return concat([header, data]);
}

function parseBlocks(head: Uint8Array): Block[] {
  if (!hasAscii(head, 0, "fLaC")) {
    throw new TagFormatError("Not a FLAC file: no 'fLaC' at its start");
  }
  const blocks: Block[] = [];
  for (let at = 4;;) {
    if (at + 4 > head.length) {
      throw new TagFormatError("The FLAC metadata ends early");
    }
    const last = (head[at]! & 0x80) !== 0;
    const type = head[at]! & 0x7f;
    const size = (head[at + 1]! << 16) | (head[at + 2]! << 8) | head[at + 3]!;
    if (at + 4 + size > head.length) {
      throw new TagFormatError("A FLAC metadata block runs past the head");
    }
    blocks.push({ type, data: head.subarray(at + 4, at + 4 + size) });
    at += 4 + size;
    if (last) return blocks;
  }
}

/** The comments of a Vorbis comment block, with its vendor. */
function parseComments(
  data: Uint8Array,
): { vendor: string; comments: string[] } {
  const view = viewOf(data);
  let at = 0;
  const read = (): string => {
    const size = view.getUint32(at, true);
    const text = fromUtf8(data.subarray(at + 4, at + 4 + size));
    at += 4 + size;
    return text;
  };
  try {
    const vendor = read();
    const count = view.getUint32(at, true);
    at += 4;
    const comments: string[] = [];
    for (let i = 0; i < count; i++) comments.push(read());
    return { vendor, comments };
  } catch {
    return { vendor: VENDOR, comments: [] };
  }
}

/** The order comments are written in: others first, then ours as `ownComments()` writes them. */
const ORDER = [...FIELD_KEYS, "LYRICS"];

/**
 * Comments in one order whatever part was kept or written, so that
 * rendering a file's tags again gives the same bytes.
 */
function inOrder(comments: string[]): string[] {
  const rank = (c: string) =>
    ORDER.indexOf(c.slice(0, c.indexOf("=")).toUpperCase());
  return comments
    .map((comment, index) => ({ comment, index, rank: rank(comment) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.comment);
}

function fieldComments(fields: TagFields): string[] {
  const out = [`TITLE=${fields.title}`];
  for (const artist of fields.artists) out.push(`ARTIST=${artist}`);
  if (fields.album) out.push(`ALBUM=${fields.album}`);
  if (fields.albumArtist) out.push(`ALBUMARTIST=${fields.albumArtist}`);
  if (fields.trackNumber) out.push(`TRACKNUMBER=${fields.trackNumber}`);
  if (fields.discNumber) out.push(`DISCNUMBER=${fields.discNumber}`);
  if (fields.date) out.push(`DATE=${fields.date}`);
  for (const [name, value] of ownFields(fields)) out.push(`${name}=${value}`);
  return out;
}

function commentBlock(vendor: string, comments: readonly string[]): Uint8Array {
  const parts = [
    u32le(utf8(vendor).length),
    utf8(vendor),
    u32le(comments.length),
  ];
  for (const comment of comments) {
    const bytes = utf8(comment);
    parts.push(u32le(bytes.length), bytes);
  }
  return concat(parts);
}

function pictureBlock(tags: TagSet): Uint8Array | undefined {
  const cover = tags.cover;
  if (!cover) return undefined;
  return concat([
    u32be(3),
    u32be(cover.mime.length),
    latin1(cover.mime),
    u32be(0),
    u32be(cover.width),
    u32be(cover.height),
    u32be(cover.depth),
    u32be(0),
    u32be(cover.data.length),
    cover.data,
  ]);
}

function ownComments(tags: TagSet): string[] {
  const out = tags.fields ? fieldComments(tags.fields) : [];
  if (tags.lyrics) out.push(`LYRICS=${tags.lyrics}`);
  return out;
}

/** The metadata blocks (without PADDING) for a tag set, STREAMINFO first. */
function newBlocks(old: Block[], tags: TagSet): Block[] {
  const streaminfo = old[0];
  if (!streaminfo || streaminfo.type !== STREAMINFO) {
    throw new TagFormatError(
      "The FLAC metadata does not start with STREAMINFO",
    );
  }
  const blocks: Block[] = [streaminfo];
  let vendor = VENDOR;
  let comments: string[] = [];
  for (const b of old.slice(1)) {
    if (b.type === PADDING) continue;
    if (b.type === VORBIS_COMMENT) {
      ({ vendor, comments } = parseComments(b.data));
      continue;
    }
    if (b.type === PICTURE && tags.cover !== undefined) continue;
    blocks.push(b);
  }
  const kept = comments.filter((comment) => {
    const key = comment.slice(0, comment.indexOf("=")).toUpperCase();
    if (tags.fields && FIELD_KEYS.has(key)) return false;
    if (tags.lyrics !== undefined && LYRICS_KEYS.has(key)) return false;
    return true;
  });
  const all = inOrder([...kept, ...ownComments(tags)]);
  if (all.length > 0) {
    blocks.splice(1, 0, {
      type: VORBIS_COMMENT,
      data: commentBlock(vendor, all),
    });
  }
  const picture = pictureBlock(tags);
  if (picture) blocks.push({ type: PICTURE, data: picture });
  return blocks;
}

/** Vorbis comments and PICTURE blocks for FLAC. */
export const flac: ContainerTagger = {
  probe(bytes) {
    if (bytes.length < 4) return { need: 4 };
    if (!hasAscii(bytes, 0, "fLaC")) {
      throw new TagFormatError("Not a FLAC file: no 'fLaC' at its start");
    }
    for (let at = 4;;) {
      if (at + 4 > bytes.length) return { need: at + 4 };
      const last = (bytes[at]! & 0x80) !== 0;
      const size = (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) |
        bytes[at + 3]!;
      at += 4 + size;
      if (last) return { length: at };
    }
  },

  render(head, tags, length) {
    const blocks = newBlocks(parseBlocks(head), tags);
    const body = blocks.map((b) => block(b.type, b.data, false));
    const content = 4 + body.reduce((n, b) => n + b.length, 0);
    const total = length ?? content + 4 + DEFAULT_PADDING;
    const room = total - content;
    if (room !== 0 && room < 4) return undefined;
    const out = new Uint8Array(total);
    out.set(latin1("fLaC"));
    let at = 4;
    body.forEach((bytes, i) => {
      out.set(bytes, at);
      if (room === 0 && i === body.length - 1) out[at] = out[at]! | 0x80;
      at += bytes.length;
    });
    if (room > 0) out.set(block(PADDING, new Uint8Array(room - 4), true), at);
    return out;
  },

  tagBytes(tags) {
    const comments = ownComments(tags);
    const picture = pictureBlock(tags);
    return 4 + commentBlock(VENDOR, comments).length + 64 +
      (picture ? picture.length + 4 : 0);
  },
};
