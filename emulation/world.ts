/**
 * A seeded, deterministic music catalog for one emulated platform:
 * categories, playlists, charts, songs, artists and albums, each computed
 * on demand from its index. Nothing is stored per song, so a world of
 * 200,000 songs costs no more memory than a world of twelve.
 *
 * Every song is in at least one playlist (playlist windows overlap and
 * cover the song space), so collecting and syncing every playlist reaches
 * every song; songs are shared between playlists and charts.
 *
 * @module
 */
import {
  affinePermutation,
  between,
  hash32,
  hexString,
  mid,
  unit,
} from "./_hash.ts";
import {
  artistName,
  CATEGORIES,
  CHARTS,
  NAME_ONLY_CREDITS,
  title,
} from "./_names.ts";
import {
  checkIndex,
  layoutPlaylists,
  normalizeShape,
  tiersOf,
} from "./_world_layout.ts";
import type {
  Access,
  GenAlbum,
  GenArtist,
  GenCategory,
  GenChart,
  GenPlaylist,
  GenSong,
} from "./world_records.ts";
import { WORLD_SIZES, type WorldShape, type WorldSize } from "./world_shape.ts";

export type * from "./world_records.ts";
export * from "./world_shape.ts";

/** Counts of what a world holds. */
export interface WorldStats {
  /** Square categories. */
  categories: number;
  /** Charts. */
  charts: number;
  /** Square playlists. */
  playlists: number;
  /** Songs in the world. */
  songs: number;
  /** Artists with ids. */
  artists: number;
  /** Songs only VIP can play. */
  vipOnly: number;
  /** Songs without copyright. */
  unavailable: number;
}

/** Options of `new World()`. */
export interface WorldOptions {
  /** Seed of everything generated. @default 1 */
  seed?: number;
  /** A named size or a partial shape. @default "tiny" */
  shape?: WorldSize | Partial<WorldShape>;
  /** Overrides on top of `shape`. */
  overrides?: Partial<WorldShape>;
  /** Base of song ids. @default 100000 */
  songIdBase?: number;
  /** Epoch milliseconds the catalog's dates count back from. */
  epoch?: number;
}

/** A generated catalog. Cheap to create; every record is computed on demand. */
export class World {
  /** Seed of the generated catalogs. */
  readonly seed: number;
  /** The shape the world was generated with. */
  readonly shape: WorldShape;
  /** Epoch milliseconds the world's dates count back from. */
  readonly epoch: number;
  #songIdBase: number;
  #starts: Int32Array;
  #counts: Int32Array;
  #categoryPlaylists = new Map<number, number[]>();
  #stats: WorldStats | undefined;

  /** Lays out a world; records are computed when asked for. */
  constructor(options: WorldOptions = {}) {
    this.seed = options.seed ?? 1;
    const base = typeof options.shape === "string"
      ? WORLD_SIZES[options.shape]
      : { ...WORLD_SIZES.tiny, ...options.shape };
    this.shape = normalizeShape({ ...base, ...options.overrides });
    this.epoch = options.epoch ?? Date.UTC(2026, 10, 1);
    this.#songIdBase = options.songIdBase ?? 100_000;
    const { starts, counts } = layoutPlaylists(this.seed, this.shape);
    this.#starts = starts;
    this.#counts = counts;
  }

  /** The artist at `index` (0-based). */
  artist(index: number): GenArtist {
    checkIndex(index, this.shape.artists, "artist");
    const s = this.seed;
    return {
      index,
      id: 1000 + index * 7 + (hash32(s, 11, index) % 7),
      mid: mid(s, 12, index),
      name: artistName(s, index),
      alias: unit(s, 13, index) < 0.3
        ? [`${artistName(s, index)} Official`]
        : [],
      description: `Artist ${index + 1} of an emulated catalog.`,
      songCount: 10 + (hash32(s, 14, index) % 500),
      albumCount: 1 + (hash32(s, 15, index) % 40),
    };
  }

  /** The album at `index`. */
  album(index: number): GenAlbum {
    const s = this.seed;
    return {
      index,
      id: 5000 + index * 3 + (hash32(s, 21, index) % 3),
      mid: mid(s, 22, index),
      name: title(s, 23, index, this.shape.awkwardPercent / 2),
    };
  }

  /** The song at `index` (0-based). */
  song(index: number): GenSong {
    checkIndex(index, this.shape.songs, "song");
    const s = this.seed;
    const shape = this.shape;
    const artistCount = unit(s, 31, index) * 100 < shape.multiArtistPercent
      ? between(s, 2, 3, 32, index)
      : 1;
    const artistIndexes = [index % shape.artists];
    for (
      let k = 1;
      k < artistCount && artistIndexes.length < shape.artists;
      k++
    ) {
      let candidate = hash32(s, 33, index, k) % shape.artists;
      while (artistIndexes.includes(candidate)) {
        candidate = (candidate + 1) % shape.artists;
      }
      artistIndexes.push(candidate);
    }
    const durationSec = between(s, 90, 420, 34, index);
    const noAlbum = unit(s, 35, index) < 0.05;
    const nameOnly = unit(s, 37, index) * 100 < shape.nameOnlyCreditPercent
      ? NAME_ONLY_CREDITS[hash32(s, 38, index) % NAME_ONLY_CREDITS.length]
      : undefined;
    const songMid = mid(s, 39, index);
    return {
      index,
      id: this.#songIdBase + index * 16 + (hash32(s, 40, index) % 16),
      mid: songMid,
      mediaMid: unit(s, 41, index) < 0.35 ? mid(s, 42, index) : songMid,
      title: title(s, 43, index, shape.awkwardPercent),
      artists: artistIndexes.map((a) => this.artist(a)),
      nameOnlyCredit: nameOnly,
      album: noAlbum ? undefined : this.album(Math.floor(index / 8)),
      durationMs: durationSec * 1000 + (hash32(s, 44, index) % 1000),
      tiers: tiersOf(s, index, durationSec, shape.sizeScale),
      access: this.#access(index),
      publishTime: this.epoch - (hash32(s, 45, index) % 3650) * 86_400_000,
    };
  }

  /** The category at `index`. */
  category(index: number): GenCategory {
    checkIndex(index, this.shape.categories, "category");
    const [group, name] = CATEGORIES[index % CATEGORIES.length]!;
    const round = Math.floor(index / CATEGORIES.length);
    return {
      index,
      id: 100 + index * 3,
      name: round === 0 ? name : `${name}${round + 1}`,
      group,
      hot: index % 3 === 0,
    };
  }

  /** Indexes of the playlists of a category, in index order. */
  categoryPlaylists(category: number): number[] {
    checkIndex(category, this.shape.categories, "category");
    let list = this.#categoryPlaylists.get(category);
    if (!list) {
      list = [];
      for (let p = 0; p < this.shape.playlists; p++) {
        if (this.#playlistCategories(p).includes(category)) list.push(p);
      }
      this.#categoryPlaylists.set(category, list);
    }
    return list;
  }

  /** The square playlist at `index`; playlist 0 is the largest. */
  playlist(index: number): GenPlaylist {
    checkIndex(index, this.shape.playlists, "playlist");
    const s = this.seed;
    const start = this.#starts[index]!;
    const count = this.#counts[index]!;
    const n = this.shape.songs;
    const permute = affinePermutation(count, s, 51, index);
    const categories = this.#playlistCategories(index);
    const updateTime = this.epoch - index * 3_600_000 -
      (hash32(s, 52, index) % 3_600_000);
    return {
      index,
      id: 2_000_000_000 + index * 97 + (hash32(s, 53, index) % 97),
      name: title(s, 54, index, this.shape.awkwardPercent),
      description: `An emulated playlist (${count} tracks).`,
      creator: {
        id: 80_000 + (hash32(s, 55, index) % 5000),
        name: `用户${hash32(s, 56, index) % 100000}`,
      },
      playCount: hash32(s, 57, index) % 50_000_000,
      updateTime,
      createTime: updateTime - (hash32(s, 58, index) % 1000) * 86_400_000,
      coverId: String(109951160000000000n + BigInt(hash32(s, 59, index))),
      categories,
      tags: categories.map((c) => this.category(c).name),
      highQuality: index % 4 === 0,
      trackCount: count,
      track: (position) => {
        checkIndex(position, count, "track");
        return (start + permute(position)) % n;
      },
    };
  }

  /** The chart at `index`. */
  chart(index: number): GenChart {
    checkIndex(index, this.shape.charts, "chart");
    const s = this.seed;
    const n = this.shape.songs;
    const count = Math.min(
      n,
      between(
        s,
        this.shape.minChartTracks,
        this.shape.maxChartTracks,
        61,
        index,
      ),
    );
    const start = hash32(s, 62, index) % n;
    const permute = affinePermutation(count, s, 63, index);
    const round = Math.floor(index / CHARTS.length);
    const name = CHARTS[index % CHARTS.length]!;
    return {
      index,
      id: 60 + index * 11,
      name: round === 0 ? name : `${name} ${round + 1}`,
      cadence: index % 3 === 2 ? "weekly" : "daily",
      trackCount: count,
      updateTime: this.epoch - (hash32(s, 64, index) % 86_400_000),
      track: (position) => {
        checkIndex(position, count, "track");
        return (start + permute(position)) % n;
      },
    };
  }

  /** Counts of what the world holds (computed once). */
  stats(): WorldStats {
    if (!this.#stats) {
      let vipOnly = 0;
      let unavailable = 0;
      for (let i = 0; i < this.shape.songs; i++) {
        const access = this.#access(i);
        if (access === "vip") vipOnly++;
        else if (access === "unavailable") unavailable++;
      }
      this.#stats = {
        categories: this.shape.categories,
        charts: this.shape.charts,
        playlists: this.shape.playlists,
        songs: this.shape.songs,
        artists: Math.min(this.shape.artists, this.shape.songs),
        vipOnly,
        unavailable,
      };
    }
    return this.#stats;
  }

  /** A deterministic hex token, for signatures and keys. */
  token(length: number, ...parts: number[]): string {
    return hexString(length, this.seed, 90, ...parts);
  }

  #access(index: number): Access {
    const shape = this.shape;
    const roll = unit(this.seed, 36, index) * 100;
    if (roll < shape.unavailablePercent) return "unavailable";
    if (roll < shape.unavailablePercent + shape.vipPercent) return "vip";
    if (
      roll < shape.unavailablePercent + shape.vipPercent + shape.hqVipPercent
    ) {
      return "hq_vip";
    }
    return "free";
  }

  #playlistCategories(index: number): number[] {
    const c = this.shape.categories;
    const primary = index % c;
    const secondary = (index * 7 + 3) % c;
    return unit(this.seed, 71, index) < 0.3 && secondary !== primary
      ? [primary, secondary]
      : [primary];
  }
}
