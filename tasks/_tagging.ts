/**
 * What a song's file gets written into it: the tag set (text fields from
 * the catalog and the source's tag facts, the album cover, the plain
 * lyrics) and its `.lrc` files, prepared once per song. Covers are
 * fetched once per album and size (in flight and in the catalog's
 * `covers`); lyrics once per song (`song_lyrics`, including "none" and
 * "instrumental", which are not asked again). A cover or lyrics request
 * that fails leaves that part out, with a note: a later `tag` run fills
 * it in.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { SongRow } from "../catalog/songs.ts";
import {
  cachedCover,
  type CoverRow,
  creditedNames,
  type LyricsRow,
  recordCover,
  recordedLyrics,
  recordLyrics,
} from "../catalog/tags.ts";
import { lrcText } from "../sources/lyrics.ts";
import type { Platform, SongInfo, Source } from "../sources/types.ts";
import type { LrcTexts } from "../storage/lyric_files.ts";
import {
  type Picture,
  pictureOf,
  type TagFields,
  type TagSet,
} from "../storage/tags/tag_set.ts";
import type { Context } from "./context.ts";

/** Covers kept in memory (the songs of an album are usually together). */
const RECENT_COVERS = 16;

/** Which parts of the tags a stage writes. */
export interface TagParts {
  /** The text fields (title, artists, album, ids...). @default true */
  tags?: boolean;
  /** The album cover. @default true */
  cover?: boolean;
  /** The lyrics (embedded plain text and the `.lrc` files). @default true */
  lyrics?: boolean;
  /** Size of the cover in pixels, where the platform scales. @default 800 */
  coverSize?: number;
}

/** Defaults of `TagParts`. */
export const TAG_DEFAULTS = {
  tags: true,
  cover: true,
  lyrics: true,
  coverSize: 800,
} as const satisfies Required<TagParts>;

/** A song's tags, ready to write. */
export interface PreparedTags {
  /** What goes into the file. */
  tagSet: TagSet;
  /** A digest of what goes into the file, recorded with it. */
  signature: string;
  /** What goes into the `.lrc` files. */
  lrc: LrcTexts;
  /** Parts left out because a request failed. */
  notes: string[];
  /** Covers and lyrics fetched from the platform for it. */
  fetched: { covers: number; lyrics: number };
}

/** Prepares tags for songs; one per run, shared by its workers. */
export class Tagger {
  readonly #context: Context;
  readonly #parts: Required<TagParts>;
  readonly #covers = new Map<string, Promise<CoverRow | undefined>>();

  /** A tagger writing `parts`. */
  constructor(context: Context, parts: TagParts = {}) {
    this.#context = context;
    this.#parts = {
      tags: parts.tags ?? TAG_DEFAULTS.tags,
      cover: parts.cover ?? TAG_DEFAULTS.cover,
      lyrics: parts.lyrics ?? TAG_DEFAULTS.lyrics,
      coverSize: parts.coverSize ?? TAG_DEFAULTS.coverSize,
    };
  }

  /** Whether any part is written. */
  get active(): boolean {
    const p = this.#parts;
    return p.tags || p.cover || p.lyrics;
  }

  /** The tags of a song. */
  async prepare(
    songId: number,
    row: SongRow,
    song: SongInfo,
    source: Source | undefined,
  ): Promise<PreparedTags> {
    const parts = this.#parts;
    const notes: string[] = [];
    const fetched = { covers: 0, lyrics: 0 };
    const info = source?.tagInfo?.(song, { coverSize: parts.coverSize });
    const tagSet: TagSet = {};
    if (parts.tags) {
      const artists = creditedNames(this.#context.catalog, songId);
      if (artists.length === 0 && row.artist_names) {
        artists.push(row.artist_names);
      }
      const fields: TagFields = {
        title: row.name,
        artists,
        album: row.album_name ?? undefined,
        albumArtist: artists[0],
        trackNumber: info?.trackNumber,
        discNumber: info?.discNumber,
        date: info?.date,
        catalogId: `${row.platform}:${row.remote_song_id}`,
        sourceUrl: info?.pageUrl ?? "",
      };
      tagSet.fields = fields;
    }
    if (parts.cover && info?.cover && source?.fetchCover) {
      const cover = await this.#cover(row.platform, source, info.cover, fetched)
        .catch((error) => {
          notes.push(`cover: ${messageOf(error)}`);
          return undefined;
        });
      const picture = cover?.state === "ok" && cover.data
        ? pictureOf(cover.data)
        : undefined;
      if (picture) tagSet.cover = picture;
    }
    const lrc: LrcTexts = {};
    if (parts.lyrics && source?.lyrics) {
      const lyrics = await this.#lyrics(songId, song, source, fetched).catch(
        (error) => {
          notes.push(`lyrics: ${messageOf(error)}`);
          return undefined;
        },
      );
      if (lyrics?.state === "lyrics" && lyrics.lrc) {
        const plain = lrcText(lyrics.lrc).join("\n");
        if (plain !== "") tagSet.lyrics = plain;
        lrc.lrc = lyrics.lrc;
        if (lyrics.translation) lrc.translation = lyrics.translation;
      }
    }
    return { tagSet, signature: signatureOf(tagSet), lrc, notes, fetched };
  }

  /** The cover of a picture key: from the catalog, else fetched once. */
  #cover(
    platform: Platform,
    source: Source,
    cover: { key: string; url: string; sizePx: number },
    fetched: { covers: number },
  ): Promise<CoverRow | undefined> {
    const catalog = this.#context.catalog;
    const cacheKey = `${platform}|${cover.key}|${cover.sizePx}`;
    let pending = this.#covers.get(cacheKey);
    if (!pending) {
      const known = cachedCover(catalog, platform, cover.key, cover.sizePx);
      pending = known ? Promise.resolve(known) : (async () => {
        const bytes = await source.fetchCover!(cover, {
          ...(this.#context.signal ? { signal: this.#context.signal } : {}),
        });
        fetched.covers++;
        const picture = bytes ? pictureOf(bytes) : undefined;
        const row: CoverRow = bytes === null
          ? {
            state: "missing",
            url: cover.url,
            mime: null,
            data: null,
            sha256: null,
          }
          : picture
          ? {
            state: "ok",
            url: cover.url,
            mime: picture.mime,
            data: bytes,
            sha256: createHash("sha256").update(bytes).digest("hex"),
          }
          : {
            state: "invalid",
            url: cover.url,
            mime: null,
            data: null,
            sha256: null,
          };
        recordCover(catalog, {
          platform,
          key: cover.key,
          sizePx: cover.sizePx,
          ...row,
        }, this.#context.now());
        return row;
      })();
      // a failed fetch is not kept: the next song of the album tries again
      pending.catch(() => this.#covers.delete(cacheKey));
      this.#covers.set(cacheKey, pending);
      // the catalog is the cache; memory keeps the last few albums only
      for (const key of this.#covers.keys()) {
        if (this.#covers.size <= RECENT_COVERS) break;
        this.#covers.delete(key);
      }
    }
    return pending;
  }

  /** A song's lyrics: from the catalog, else fetched and recorded. */
  async #lyrics(
    songId: number,
    song: SongInfo,
    source: Source,
    fetched: { lyrics: number },
  ): Promise<LyricsRow> {
    const catalog = this.#context.catalog;
    const known = recordedLyrics(catalog, songId);
    if (known) return known;
    const lyrics = await source.lyrics!(song, {
      ...(this.#context.signal ? { signal: this.#context.signal } : {}),
    });
    fetched.lyrics++;
    const row: LyricsRow = {
      state: lyrics.kind,
      lrc: lyrics.lrc ?? null,
      translation: lyrics.translation ?? null,
    };
    recordLyrics(catalog, songId, row, this.#context.now());
    return row;
  }
}

/** A digest of a tag set: its fields, the cover's bytes and the lyrics. */
function signatureOf(tags: TagSet): string {
  const hash = createHash("sha256");
  hash.update(
    JSON.stringify({
      fields: tags.fields ?? null,
      lyrics: tags.lyrics ?? null,
    }),
  );
  if (tags.cover) hash.update((tags.cover as Picture).data);
  return hash.digest("hex").slice(0, 32);
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
