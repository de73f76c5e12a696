/**
 * What a file's tags hold: the text fields, the front cover and the plain
 * lyrics, each part either set, removed (`null`) or left as the file has
 * it (`undefined`). The container writers (`id3v2.ts`, `flac.ts`,
 * `mp4.ts`) render a `TagSet` into the head of a file.
 *
 * @module
 */

/** The text fields every container gets. */
export interface TagFields {
  /** The song's title. */
  title: string;
  /** The credited artists, one value each, lead first. */
  artists: readonly string[];
  /** The album's name. */
  album?: string | undefined;
  /** The album's artist. */
  albumArtist?: string | undefined;
  /** The track number on its disc. */
  trackNumber?: number | undefined;
  /** The disc number. */
  discNumber?: number | undefined;
  /** The release date, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. */
  date?: string | undefined;
  /** `<platform>:<id>`, e.g. `netease:123` (`CATALOGSYNC_ID`). */
  catalogId: string;
  /** The playlist-independent URL of the song's page (`CATALOGSYNC_URL`; `""` for none). */
  sourceUrl: string;
}

/** An embedded picture: the front cover. */
export interface Picture {
  /** `image/jpeg` or `image/png`, from the magic bytes. */
  mime: ImageMime;
  /** The image's bytes, as served. */
  data: Uint8Array;
  /** Width in pixels (0 when unknown). */
  width: number;
  /** Height in pixels (0 when unknown). */
  height: number;
  /** Bits per pixel (0 when unknown). */
  depth: number;
}

/** What to write; a part left `undefined` keeps what the file has. */
export interface TagSet {
  /** The text fields; `undefined` keeps the file's text tags. */
  fields?: TagFields | undefined;
  /** The front cover; `null` removes embedded pictures. */
  cover?: Picture | null | undefined;
  /** Plain (unsynced) lyrics; `null` removes embedded lyrics. */
  lyrics?: string | null | undefined;
}

/** The image types a cover may have. */
export type ImageMime = "image/jpeg" | "image/png";

/** The name every container stores the catalog id under (`catalogId`). */
export const CATALOG_ID_KEY = "CATALOGSYNC_ID";
/** The name every container stores the source URL under (`sourceUrl`). */
export const SOURCE_URL_KEY = "CATALOGSYNC_URL";

/**
 * The names of our own fields, which no container has a field of its own
 * for: a Vorbis comment, a `TXXX` frame or a freeform item of that name.
 */
export const OWN_FIELD_NAMES: ReadonlySet<string> = new Set([
  CATALOG_ID_KEY,
  SOURCE_URL_KEY,
]);

/** Our own fields of `fields`, name and value: the catalog id, and the source URL when there is one. */
export function ownFields(fields: TagFields): Array<[string, string]> {
  const own: Array<[string, string]> = [[CATALOG_ID_KEY, fields.catalogId]];
  if (fields.sourceUrl) own.push([SOURCE_URL_KEY, fields.sourceUrl]);
  return own;
}

/**
 * The picture in `bytes` when they are a JPEG or a PNG (by their magic
 * bytes), with the size read from the JPEG frame header or the PNG `IHDR`;
 * `undefined` for anything else.
 *
 * @example A PNG header
 * ```ts
 * import { pictureOf } from "./tag_set.ts";
 * import assert from "node:assert/strict";
 * const png = Uint8Array.from([
 *   0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
 *   0, 0, 3, 32, 0, 0, 3, 32, 8, 2, 0, 0, 0,
 * ]);
 * const picture = pictureOf(png);
 * assert.equal(picture?.mime, "image/png");
 * assert.equal(picture?.width, 800);
 * assert.equal(pictureOf(new TextEncoder().encode("<html>")), undefined);
 * ```
 */
export function pictureOf(bytes: Uint8Array): Picture | undefined {
  if (
    bytes.length > 24 && bytes[0] === 0x89 && bytes[1] === 0x50 &&
    bytes[2] === 0x4e && bytes[3] === 0x47 && bytes[12] === 0x49 &&
    bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52
  ) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const channels = [1, 0, 3, 1, 2, 0, 4][bytes[25]!] ?? 0;
    return {
      mime: "image/png",
      data: bytes,
      width: view.getUint32(16),
      height: view.getUint32(20),
      depth: channels * bytes[24]!,
    };
  }
  if (
    bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 &&
    bytes[2] === 0xff
  ) {
    return { mime: "image/jpeg", data: bytes, ...jpegSize(bytes) };
  }
  return undefined;
}

/** Width, height and depth from a JPEG's first frame header (zeros when absent). */
function jpegSize(
  bytes: Uint8Array,
): { width: number; height: number; depth: number } {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 &&
      marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      return {
        height: (bytes[at + 5]! << 8) | bytes[at + 6]!,
        width: (bytes[at + 7]! << 8) | bytes[at + 8]!,
        depth: bytes[at + 4]! * bytes[at + 9]!,
      };
    }
    if (marker === 0xda || marker === 0xd9) break;
    at += 2 + length;
  }
  return { width: 0, height: 0, depth: 0 };
}
