/**
 * iTunes-style MP4 metadata for m4a files: `moov/udta/meta/ilst` with
 * `©nam`, `©ART` (one `data` atom per artist), `aART`, `©alb`, `trkn`,
 * `disk`, `©day`, `©lyr`, `covr` and freeform `----` items for the catalog
 * id and the source URL. The head is everything up to the end of `moov`
 * (and the `free` boxes right after it); when it changes length, the
 * chunk offsets (`stco`, `co64`) of every track move with the media data.
 * A file whose `moov` comes after its media data, or a fragmented one, is
 * refused (`TagFormatError`).
 *
 * @module
 */
import { concat, fromLatin1, latin1, u32be, utf8, viewOf } from "./_bytes.ts";
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

interface Box {
  type: string;
  /** The whole box, header included. */
  bytes: Uint8Array;
  /** Header length (8, or 16 with a 64-bit size). */
  header: number;
}

/** Boxes in `bytes`, one after the other; throws on a size that runs past. */
function boxes(bytes: Uint8Array): Box[] {
  const out: Box[] = [];
  const view = viewOf(bytes);
  for (let at = 0; at + 8 <= bytes.length;) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > bytes.length) break;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = bytes.length - at;
    }
    if (size < header || at + size > bytes.length) {
      throw new TagFormatError("An MP4 box runs past its parent");
    }
    out.push({
      type: fromLatin1(bytes.subarray(at + 4, at + 8)),
      bytes: bytes.subarray(at, at + size),
      header,
    });
    at += size;
  }
  return out;
}

function box(type: string, ...children: Uint8Array[]): Uint8Array {
  const body = concat(children);
  return concat([u32be(8 + body.length), latin1(type), body]);
}

const body = (b: Box) => b.bytes.subarray(b.header);

/** `©` is 0xA9 in item names. */
function itemType(name: string): string {
  return name.replace("©", "\u00a9");
}

function data(type: number, payload: Uint8Array): Uint8Array {
  return box("data", u32be(type), u32be(0), payload);
}

function textItem(name: string, values: readonly string[]): Uint8Array {
  return box(itemType(name), ...values.map((v) => data(1, utf8(v))));
}

function freeform(name: string, value: string): Uint8Array {
  return box(
    "----",
    box("mean", u32be(0), latin1("com.apple.iTunes")),
    box("name", u32be(0), latin1(name)),
    data(1, utf8(value)),
  );
}

function numberPair(name: string, n: number, pad: number): Uint8Array {
  const payload = new Uint8Array(4 + pad);
  viewOf(payload).setUint16(2, n);
  return box(name, data(0, payload));
}

function fieldItems(fields: TagFields): Uint8Array[] {
  const items = [textItem("©nam", [fields.title])];
  if (fields.artists.length > 0) items.push(textItem("©ART", fields.artists));
  if (fields.albumArtist) items.push(textItem("aART", [fields.albumArtist]));
  if (fields.album) items.push(textItem("©alb", [fields.album]));
  if (fields.trackNumber) items.push(numberPair("trkn", fields.trackNumber, 4));
  if (fields.discNumber) items.push(numberPair("disk", fields.discNumber, 2));
  if (fields.date) items.push(textItem("©day", [fields.date]));
  for (const [name, value] of ownFields(fields)) {
    items.push(freeform(name, value));
  }
  return items;
}

function ownItems(tags: TagSet): Uint8Array[] {
  const items = tags.fields ? fieldItems(tags.fields) : [];
  if (tags.lyrics) items.push(textItem("©lyr", [tags.lyrics]));
  if (tags.cover) {
    const type = tags.cover.mime === "image/png" ? 14 : 13;
    items.push(box("covr", data(type, tags.cover.data)));
  }
  return items;
}

const FIELD_ITEMS = new Set(
  ["©nam", "©ART", "aART", "©alb", "trkn", "disk", "©day"].map(itemType),
);

/** The name of a freeform item (`----`), if it has one. */
function freeformName(item: Box): string | undefined {
  for (const child of boxes(body(item))) {
    if (child.type === "name") return fromLatin1(body(child).subarray(4));
  }
  return undefined;
}

function replaced(item: Box, tags: TagSet): boolean {
  if (tags.fields) {
    if (FIELD_ITEMS.has(item.type)) return true;
    if (item.type === "----") {
      const name = freeformName(item);
      if (name !== undefined && OWN_FIELD_NAMES.has(name)) return true;
    }
  }
  if (tags.lyrics !== undefined && item.type === itemType("©lyr")) return true;
  if (tags.cover !== undefined && item.type === "covr") return true;
  return false;
}

/** The order items are written in: others first, then ours as `ownItems()` writes them. */
const ORDER = [
  "©nam",
  "©ART",
  "aART",
  "©alb",
  "trkn",
  "disk",
  "©day",
  "----",
  "©lyr",
  "covr",
].map(itemType);

/**
 * Items in one order whatever part was kept or written, so that rendering
 * a file's tags again gives the same bytes.
 */
function inOrder(items: Uint8Array[]): Uint8Array[] {
  const rank = (item: Uint8Array) =>
    ORDER.indexOf(fromLatin1(item.subarray(4, 8)));
  return items
    .map((item, index) => ({ item, index, rank: rank(item) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.item);
}

const HANDLER = box(
  "hdlr",
  new Uint8Array(8),
  latin1("mdir"),
  latin1("appl"),
  new Uint8Array(9),
);

/** A new `udta` from the old one (or none) with the tag set's items. */
function newUdta(old: Box | undefined, tags: TagSet): Uint8Array {
  const udtaChildren = old ? boxes(body(old)) : [];
  const meta = udtaChildren.find((b) => b.type === "meta");
  const metaChildren = meta ? boxes(body(meta).subarray(4)) : [];
  const ilst = metaChildren.find((b) => b.type === "ilst");
  const kept = ilst
    ? boxes(body(ilst)).filter((item) => !replaced(item, tags))
    : [];
  const items = inOrder([...kept.map((b) => b.bytes), ...ownItems(tags)]);
  const metaParts = [
    metaChildren.find((b) => b.type === "hdlr")?.bytes ?? HANDLER,
    box("ilst", ...items),
    ...metaChildren
      .filter((b) =>
        b.type !== "hdlr" && b.type !== "ilst" && b.type !== "free"
      )
      .map((b) => b.bytes),
  ];
  const newMeta = box("meta", u32be(0), ...metaParts);
  return box(
    "udta",
    ...udtaChildren.filter((b) => b.type !== "meta").map((b) => b.bytes),
    newMeta,
  );
}

/** Adds `shift` to every chunk offset at or after `from` in a `moov`. */
function shiftOffsets(moov: Uint8Array, from: number, shift: number): void {
  const walk = (bytes: Uint8Array) => {
    for (const b of boxes(bytes)) {
      if (["trak", "mdia", "minf", "stbl"].includes(b.type)) walk(body(b));
      if (b.type !== "stco" && b.type !== "co64") continue;
      const view = viewOf(body(b));
      const count = view.getUint32(4);
      const wide = b.type === "co64";
      for (let i = 0; i < count; i++) {
        const at = 8 + i * (wide ? 8 : 4);
        if (wide) {
          const value = view.getBigUint64(at);
          if (value >= BigInt(from)) {
            view.setBigUint64(at, value + BigInt(shift));
          }
        } else {
          const value = view.getUint32(at);
          if (value < from) continue;
          const moved = value + shift;
          if (moved > 0xffffffff || moved < 0) {
            throw new TagFormatError("A chunk offset would not fit in 32 bits");
          }
          view.setUint32(at, moved);
        }
      }
    }
  };
  walk(moov.subarray(8));
}

/** The boxes of the head: those before `moov`, `moov`, and the `free` after it. */
function headBoxes(head: Uint8Array): { before: Box[]; moov: Box } {
  const all = boxes(head);
  const index = all.findIndex((b) => b.type === "moov");
  if (index < 0) throw new TagFormatError("The MP4 head has no moov box");
  return { before: all.slice(0, index), moov: all[index]! };
}

/** iTunes `ilst` items for m4a. */
export const mp4: ContainerTagger = {
  probe(bytes) {
    const view = viewOf(bytes);
    let seenMoov = false;
    for (let at = 0;;) {
      if (at + 8 > bytes.length) return { need: at + 16 };
      let size = view.getUint32(at);
      const type = fromLatin1(bytes.subarray(at + 4, at + 8));
      if (seenMoov && type !== "free" && type !== "skip") return { length: at };
      if (size === 1) {
        if (at + 16 > bytes.length) return { need: at + 16 };
        size = Number(view.getBigUint64(at + 8));
      }
      if (type === "mdat" || type === "moof" || size === 0 || size < 8) {
        throw new TagFormatError(
          "The MP4 file has its media data before its moov box",
        );
      }
      if (at === 0 && type !== "ftyp") {
        throw new TagFormatError("Not an MP4 file: no ftyp box at its start");
      }
      if (type === "moov") seenMoov = true;
      at += size;
    }
  },

  render(head, tags, length) {
    const { before, moov } = headBoxes(head);
    const children = boxes(body(moov));
    if (children.some((b) => b.type === "mvex")) {
      throw new TagFormatError("Fragmented MP4 files are not tagged");
    }
    const udta = children.find((b) => b.type === "udta");
    const newMoov = box(
      "moov",
      ...children.filter((b) => b !== udta).map((b) => b.bytes),
      newUdta(udta, tags),
    );
    const prefix = before.reduce((n, b) => n + b.bytes.length, 0);
    const content = prefix + newMoov.length;
    const total = length ?? content + 8 + DEFAULT_PADDING;
    const room = total - content;
    if (room !== 0 && room < 8) return undefined;
    shiftOffsets(newMoov, head.length, total - head.length);
    const out = new Uint8Array(total);
    let at = 0;
    for (const b of before) {
      out.set(b.bytes, at);
      at += b.bytes.length;
    }
    out.set(newMoov, at);
    at += newMoov.length;
    if (room > 0) {
      out.set(u32be(room), at);
      out.set(latin1("free"), at + 4);
    }
    return out;
  },

  tagBytes(tags) {
    return 64 + HANDLER.length +
      ownItems(tags).reduce((n, i) => n + i.length, 0);
  },
};
