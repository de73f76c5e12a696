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
  WorldShape,
} from "./world.ts";

/** The records looked up by id, by kind. */
export interface RecordKinds {
  playlist: GenPlaylist;
  chart: GenChart;
  artist: GenArtist;
  category: GenCategory;
}

/** A kind of record looked up by id. */
export type RecordKind = keyof RecordKinds;

/** How many records of a kind a world holds, and the record at an index. */
const KINDS: {
  readonly [K in RecordKind]: {
    count(shape: WorldShape): number;
    record(world: World, index: number): RecordKinds[K];
  };
} = {
  playlist: { count: (s) => s.playlists, record: (w, i) => w.playlist(i) },
  chart: { count: (s) => s.charts, record: (w, i) => w.chart(i) },
  artist: { count: (s) => s.artists, record: (w, i) => w.artist(i) },
  category: { count: (s) => s.categories, record: (w, i) => w.category(i) },
};

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
  #indexes = new Map<RecordKind, Map<number, number>>();

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

  /** The playlist, chart, artist or category with an id. */
  byId<K extends RecordKind>(kind: K, id: number): RecordKinds[K] | undefined {
    const { count, record } = KINDS[kind];
    let index = this.#indexes.get(kind);
    if (!index) {
      index = indexBy(count(this.world.shape), (i) => record(this.world, i).id);
      this.#indexes.set(kind, index);
    }
    const found = index.get(id);
    return found === undefined ? undefined : record(this.world, found);
  }
}
