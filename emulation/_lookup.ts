/**
 * World records by the numeric ids the platforms carry, for every
 * platform's catalog: each index is built on first use, so that a world of
 * a hundred thousand songs costs nothing until a request asks.
 *
 * @module
 */
import type {
  GenArtist,
  GenCategory,
  GenChart,
  GenPlaylist,
  GenSong,
  World,
} from "./world.ts";

/** A map from a key of each of `count` records to the record's index. */
export function indexBy<K>(
  count: number,
  keyOf: (index: number) => K,
): Map<K, number> {
  const map = new Map<K, number>();
  for (let i = 0; i < count; i++) map.set(keyOf(i), i);
  return map;
}

/** Lookups of a world's records by id; platform catalogs build on it. */
export class WorldLookup {
  /** The world looked up. */
  readonly world: World;
  #firstSongId: number | undefined;
  #indexes = new Map<string, Map<number, number>>();

  /** Lookups over a world; nothing is indexed yet. */
  constructor(world: World) {
    this.world = world;
  }

  /** The index of the song with an id, if the world has it. */
  songIndexById(id: number): number | undefined {
    if (!Number.isSafeInteger(id)) return undefined;
    this.#firstSongId ??= this.world.song(0).id;
    // song ids are base + 16 · index + (0..15): one of two indexes has it
    const guess = Math.floor((id - this.#firstSongId) / 16);
    for (const index of [guess, guess + 1]) {
      if (index < 0 || index >= this.world.shape.songs) continue;
      if (this.world.song(index).id === id) return index;
    }
    return undefined;
  }

  /** The song with an id. */
  songById(id: number): GenSong | undefined {
    const index = this.songIndexById(id);
    return index === undefined ? undefined : this.world.song(index);
  }

  /** The square playlist with an id. */
  playlistById(id: number): GenPlaylist | undefined {
    const { world } = this;
    return this.#find(
      "playlist",
      world.shape.playlists,
      (i) => world.playlist(i),
      id,
    );
  }

  /** The chart with an id. */
  chartById(id: number): GenChart | undefined {
    const { world } = this;
    return this.#find("chart", world.shape.charts, (i) => world.chart(i), id);
  }

  /** The artist with an id. */
  artistById(id: number): GenArtist | undefined {
    const { world } = this;
    return this.#find(
      "artist",
      world.shape.artists,
      (i) => world.artist(i),
      id,
    );
  }

  /** The square category with an id. */
  categoryById(id: number): GenCategory | undefined {
    const { world } = this;
    return this.#find(
      "category",
      world.shape.categories,
      (i) => world.category(i),
      id,
    );
  }

  /** The record of a kind with an id, through that kind's index. */
  #find<T extends { id: number }>(
    kind: string,
    count: number,
    record: (index: number) => T,
    id: number,
  ): T | undefined {
    let index = this.#indexes.get(kind);
    if (!index) {
      index = indexBy(count, (i) => record(i).id);
      this.#indexes.set(kind, index);
    }
    const found = index.get(id);
    return found === undefined ? undefined : record(found);
  }
}
