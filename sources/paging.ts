/**
 * The "limit + dedupe" rule every platform's `listPlaylists()` pages by:
 * each playlist once (pages may overlap), and no more than the caller's
 * `limit`, stopping as soon as it is reached so that no further page is
 * asked for; and what the pages of one playlist add up to
 * (`PlaylistPages`).
 *
 * @module
 */
import type { PlaylistCandidate, PlaylistSongs, SongInfo } from "./types.ts";

/**
 * What a listing has yielded so far: the remote ids seen and the limit.
 *
 * @example Usage
 * ```ts
 * import { ListingLimit } from "./paging.ts";
 * import assert from "node:assert/strict";
 *
 * const listing = new ListingLimit(2);
 * const page = [{ remoteId: "1" }, { remoteId: "1" }, { remoteId: "2" }, { remoteId: "3" }];
 * assert.deepEqual([...listing.fresh(page)].map((p) => p.remoteId), ["1", "2"]);
 * assert.equal(listing.full, true);
 * ```
 */
export class ListingLimit {
  /** The most items to yield: `Infinity` for no limit. */
  readonly max: number;
  #seen = new Set<string>();

  /** A listing of at most `limit` items; `0`, a negative or no limit means all. */
  constructor(limit: number | undefined) {
    this.max = limit !== undefined && limit > 0 ? limit : Infinity;
  }

  /** Whether the limit is reached: the listing should stop paging. */
  get full(): boolean {
    return this.#seen.size >= this.max;
  }

  /**
   * The items of a page not yielded before, in order, until the limit is
   * reached; each is counted as it is yielded.
   */
  *fresh<T extends { readonly remoteId: string }>(
    items: Iterable<T>,
  ): Generator<T> {
    for (const item of items) {
      if (this.full) return;
      if (this.#seen.has(item.remoteId)) continue;
      this.#seen.add(item.remoteId);
      yield item;
    }
  }
}

/**
 * Items once each by `remoteId`, the first position kept (pages of a
 * playlist may overlap).
 *
 * @example Usage
 * ```ts
 * import { onceEach } from "./paging.ts";
 * import assert from "node:assert/strict";
 *
 * const songs = onceEach([{ remoteId: "a" }, { remoteId: "b" }, { remoteId: "a" }]);
 * assert.deepEqual(songs.map((s) => s.remoteId), ["a", "b"]);
 * ```
 */
export function onceEach<T extends { readonly remoteId: string }>(
  items: Iterable<T>,
): T[] {
  return [...new ListingLimit(undefined).fresh(items)];
}

/**
 * The pages of one playlist or chart as they come: their songs and
 * warnings, and the playlist's record from the first page that has one.
 * What they add up to is each song once (pages may overlap), in order.
 */
export class PlaylistPages {
  readonly #songs: SongInfo[] = [];
  readonly #warnings: string[] = [];
  #playlist: PlaylistCandidate | undefined;

  /** Adds a page's songs and warnings, and the playlist's record unless a page gave one before. */
  add(
    page: { songs: readonly SongInfo[]; warnings: readonly string[] },
    playlist?: PlaylistCandidate,
  ): void {
    this.#songs.push(...page.songs);
    this.#warnings.push(...page.warnings);
    this.#playlist ??= playlist;
  }

  /** The playlist's songs, beside the total its pages declare. */
  songs(declaredCount: number): PlaylistSongs {
    const playlist = this.#playlist;
    const warnings = this.#warnings;
    return {
      ...(playlist === undefined ? {} : { playlist }),
      declaredCount,
      songs: onceEach(this.#songs),
      ...(warnings.length === 0 ? {} : { warnings }),
    };
  }
}
