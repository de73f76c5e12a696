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
import type { QualityLabel } from "../sources/types.ts";
import {
  affinePermutation,
  between,
  hash32,
  hexString,
  mid,
  unit,
} from "./_hash.ts";
import {
  ARTIST_DECORATIONS,
  AWKWARD_FRAGMENTS,
  CATEGORIES,
  CHARTS,
  CHINESE_WORDS,
  GIVEN,
  LATIN_FIRST,
  LATIN_LAST,
  LATIN_WORDS,
  NAME_ONLY_CREDITS,
  OTHER_SCRIPT_WORDS,
  SURNAMES,
} from "./_names.ts";

/** How big a world is and how its songs are distributed. */
export interface WorldShape {
  /** Songs in the world. */
  songs: number;
  /** Artists with ids (at most `songs`). */
  artists: number;
  /** Square categories. */
  categories: number;
  /** Square playlists. */
  playlists: number;
  /** Charts. */
  charts: number;
  /** Tracks of playlist 0, the largest. */
  bigPlaylistTracks: number;
  /** Fewest tracks of a playlist (playlists grow to cover every song). */
  minTracks: number;
  /** Most tracks of a playlist other than playlist 0. */
  maxTracks: number;
  /** Fewest tracks of a chart. */
  minChartTracks: number;
  /** Most tracks of a chart. */
  maxChartTracks: number;
  /** Percent of songs only VIP can play at all. */
  vipPercent: number;
  /** Percent of songs free at low quality, VIP above. */
  hqVipPercent: number;
  /** Percent of songs without copyright. */
  unavailablePercent: number;
  /** Percent of songs credited to several artists. */
  multiArtistPercent: number;
  /** Percent of songs with an extra credit that has no artist id. */
  nameOnlyCreditPercent: number;
  /** Percent of titles and playlist names carrying an awkward fragment. */
  awkwardPercent: number;
  /** Multiplier from real file sizes to emulated audio bytes. */
  sizeScale: number;
}

const SMALL_DEFAULTS = {
  vipPercent: 10,
  hqVipPercent: 30,
  unavailablePercent: 5,
  multiArtistPercent: 25,
  nameOnlyCreditPercent: 8,
  awkwardPercent: 20,
  sizeScale: 1 / 1000,
};

/** Named world sizes. */
export const WORLD_SIZES = {
  /** A dozen songs: unit tests. */
  tiny: {
    ...SMALL_DEFAULTS,
    songs: 12,
    artists: 6,
    categories: 2,
    playlists: 3,
    charts: 2,
    bigPlaylistTracks: 8,
    minTracks: 4,
    maxTracks: 6,
    minChartTracks: 3,
    maxChartTracks: 5,
  },
  /** What `deno task demo` mirrors. */
  demo: {
    ...SMALL_DEFAULTS,
    songs: 240,
    artists: 60,
    categories: 4,
    playlists: 10,
    charts: 3,
    bigPlaylistTracks: 60,
    minTracks: 15,
    maxTracks: 40,
    minChartTracks: 10,
    maxChartTracks: 20,
  },
  /** End-to-end tests: a few thousand songs and one very large playlist. */
  test: {
    ...SMALL_DEFAULTS,
    songs: 4000,
    artists: 400,
    categories: 5,
    playlists: 24,
    charts: 4,
    bigPlaylistTracks: 3000,
    minTracks: 30,
    maxTracks: 220,
    minChartTracks: 20,
    maxChartTracks: 100,
  },
  /** Benchmarks: a hundred thousand songs in a thousand playlists. */
  bench: {
    ...SMALL_DEFAULTS,
    songs: 100_000,
    artists: 8_000,
    categories: 20,
    playlists: 1_000,
    charts: 10,
    bigPlaylistTracks: 1_000,
    minTracks: 20,
    maxTracks: 200,
    minChartTracks: 50,
    maxChartTracks: 300,
  },
} as const satisfies Record<string, WorldShape>;

/** The name of a preset world size. */
export type WorldSize = keyof typeof WORLD_SIZES;

/** How a song may be played. */
export type Access = "free" | "hq_vip" | "vip" | "unavailable";

/** A quality a generated song has, with the size of its emulated file. */
export interface GenTier {
  /** The quality label. */
  label: QualityLabel;
  /** Nominal bitrate in kbit/s. */
  bitrateKbps: number;
  /** Exact size of the emulated file. */
  sizeBytes: number;
}

/** A generated artist. */
export interface GenArtist {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** A QQ-style 14-character id. */
  mid: string;
  /** Its name (may hold awkward characters). */
  name: string;
  /** Other names. */
  alias: string[];
  /** Free text. */
  description: string;
  /** Songs the platform would credit. */
  songCount: number;
  /** Albums the platform would credit. */
  albumCount: number;
}

/** A generated album. */
export interface GenAlbum {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** A QQ-style 14-character id. */
  mid: string;
  /** Its name (may hold awkward characters). */
  name: string;
}

/** A generated song. */
export interface GenSong {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** A QQ-style 14-character id. */
  mid: string;
  /** The media id of its files; differs from `mid` for about a third of songs. */
  mediaMid: string;
  /** Its title (may hold awkward characters). */
  title: string;
  /** Credited artists with ids, lead first. */
  artists: GenArtist[];
  /** A credit without an artist id, when the song has one. */
  nameOnlyCredit: string | undefined;
  /** Its album, if any. */
  album: GenAlbum | undefined;
  /** Duration in milliseconds. */
  durationMs: number;
  /** Qualities the song has, best first; `128k` is always there. */
  tiers: GenTier[];
  /** Who may play it. */
  access: Access;
  /** Epoch milliseconds of its release. */
  publishTime: number;
}

/** A generated square category. */
export interface GenCategory {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** Its name (may hold awkward characters). */
  name: string;
  /** The group the category is filed under. */
  group: string;
  /** Whether the platform flags it as hot. */
  hot: boolean;
}

/** A generated square playlist. */
export interface GenPlaylist {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** Its name (may hold awkward characters). */
  name: string;
  /** Free text. */
  description: string;
  /** Who made the playlist. */
  creator: { id: number; name: string };
  /** Plays. */
  playCount: number;
  /** Epoch milliseconds, strictly decreasing with the index. */
  updateTime: number;
  /** Epoch milliseconds of creation. */
  createTime: number;
  /** Cover image id (above 2^53, as a string). */
  coverId: string;
  /** Indexes of its categories, primary first. */
  categories: number[];
  /** Names of its categories. */
  tags: string[];
  /** Whether it is in the high-quality list. */
  highQuality: boolean;
  /** Its number of tracks. */
  trackCount: number;
  /** Song index of the track at `position` (0-based). */
  track(position: number): number;
}

/** A generated chart. */
export interface GenChart {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** Its name (may hold awkward characters). */
  name: string;
  /** `daily` charts have `YYYY-MM-DD` periods, `weekly` ones `YYYY_W`. */
  cadence: "daily" | "weekly";
  /** Its number of tracks. */
  trackCount: number;
  /** Epoch milliseconds of its last update. */
  updateTime: number;
  /** Song index of the track at a position (0-based). */
  track(position: number): number;
}

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

const TIER_BITRATES: ReadonlyArray<readonly [QualityLabel, number]> = [
  ["master", 4600],
  ["hires", 3000],
  ["lossless", 1000],
  ["320k", 320],
  ["192k", 192],
  ["128k", 128],
  ["96k", 96],
];

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
    const accessRoll = unit(s, 36, index) * 100;
    const access: Access = accessRoll < shape.unavailablePercent
      ? "unavailable"
      : accessRoll < shape.unavailablePercent + shape.vipPercent
      ? "vip"
      : accessRoll <
          shape.unavailablePercent + shape.vipPercent + shape.hqVipPercent
      ? "hq_vip"
      : "free";
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
      access,
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

function normalizeShape(shape: WorldShape): WorldShape {
  const songs = Math.max(1, Math.floor(shape.songs));
  const clamp = (v: number) => Math.max(1, Math.min(songs, Math.floor(v)));
  const minTracks = clamp(shape.minTracks);
  const minChartTracks = clamp(shape.minChartTracks);
  return {
    ...shape,
    songs,
    // at most one artist per song: every artist then leads a song, and no
    // extra credit can reach an artist beyond the `stats().artists` count
    artists: clamp(shape.artists),
    categories: Math.max(1, Math.floor(shape.categories)),
    playlists: Math.max(1, Math.floor(shape.playlists)),
    charts: Math.max(0, Math.floor(shape.charts)),
    bigPlaylistTracks: clamp(shape.bigPlaylistTracks),
    minTracks,
    maxTracks: Math.max(minTracks, clamp(shape.maxTracks)),
    minChartTracks,
    maxChartTracks: Math.max(minChartTracks, clamp(shape.maxChartTracks)),
  };
}

/**
 * Playlist windows over the song space: playlist `p` holds the songs
 * `start[p] .. start[p] + count[p] - 1` (mod songs), shuffled. Windows of
 * playlists 1.. are spread evenly and at least as long as the gap to the
 * next start, so together they cover every song.
 */
function layoutPlaylists(
  seed: number,
  shape: WorldShape,
): { starts: Int32Array; counts: Int32Array } {
  const n = shape.songs;
  const p = shape.playlists;
  const starts = new Int32Array(p);
  const counts = new Int32Array(p);
  starts[0] = hash32(seed, 81) % n;
  counts[0] = shape.bigPlaylistTracks;
  if (p === 1) {
    starts[0] = 0;
    counts[0] = n;
    return { starts, counts };
  }
  const others = p - 1;
  for (let k = 0; k < others; k++) {
    const start = Math.floor(k * n / others);
    const nextStart = Math.floor((k + 1) * n / others);
    const wanted = between(seed, shape.minTracks, shape.maxTracks, 82, k);
    starts[k + 1] = start;
    counts[k + 1] = Math.min(n, Math.max(wanted, nextStart - start));
  }
  return { starts, counts };
}

function tiersOf(
  seed: number,
  index: number,
  durationSec: number,
  sizeScale: number,
): GenTier[] {
  const roll = unit(seed, 91, index);
  // best tier present: 5 % master, 15 % hires, 30 % lossless, 40 % 320k, 10 % 128k
  const top = roll < 0.05
    ? 0
    : roll < 0.20
    ? 1
    : roll < 0.50
    ? 2
    : roll < 0.90
    ? 3
    : 5;
  const tiers: GenTier[] = [];
  for (let t = top; t < TIER_BITRATES.length; t++) {
    const [label, kbps] = TIER_BITRATES[t]!;
    const jitter = 0.9 + unit(seed, 92, index, t) * 0.2;
    const sizeBytes = Math.max(
      512,
      Math.round(kbps * 125 * durationSec * jitter * sizeScale),
    );
    tiers.push({ label, bitrateKbps: kbps, sizeBytes });
  }
  return tiers;
}

function title(
  seed: number,
  salt: number,
  index: number,
  awkwardPercent: number,
): string {
  const h = hash32(seed, salt, index);
  const style = h % 4;
  const pick = <T>(list: readonly T[], k: number) =>
    list[hash32(seed, salt, index, k) % list.length]!;
  let base: string;
  if (style === 0) base = pick(CHINESE_WORDS, 1) + pick(CHINESE_WORDS, 2);
  else if (style === 1) {
    base = `${pick(LATIN_WORDS, 1)} ${pick(LATIN_WORDS, 2)}`;
  } else if (style === 2) {
    base = `${pick(CHINESE_WORDS, 1)} ${pick(LATIN_WORDS, 2)}`;
  } else base = `${pick(OTHER_SCRIPT_WORDS, 1)} ${pick(LATIN_WORDS, 2)}`;
  base += ` ${index + 1}`;
  if (unit(seed, salt, index, 9) * 100 < awkwardPercent) {
    const fragment = pick(AWKWARD_FRAGMENTS, 3);
    base = unit(seed, salt, index, 10) < 0.5
      ? `${fragment} ${base}`
      : `${base} ${fragment}`;
  }
  return base;
}

function artistName(seed: number, index: number): string {
  const decoration =
    ARTIST_DECORATIONS[hash32(seed, 16, index) % ARTIST_DECORATIONS.length]!;
  if (index % 3 === 2) {
    const first = LATIN_FIRST[index % LATIN_FIRST.length]!;
    const last =
      LATIN_LAST[Math.floor(index / LATIN_FIRST.length) % LATIN_LAST.length]!;
    const round = Math.floor(index / (LATIN_FIRST.length * LATIN_LAST.length));
    return `${first} ${last}${
      round > 0 ? ` ${toRoman(round + 1)}` : ""
    }${decoration}`;
  }
  const surname = SURNAMES[index % SURNAMES.length]!;
  const g1 = GIVEN[Math.floor(index / SURNAMES.length) % GIVEN.length]!;
  const g2 = GIVEN[
    Math.floor(index / (SURNAMES.length * GIVEN.length)) % GIVEN.length
  ]!;
  const round = Math.floor(
    index / (SURNAMES.length * GIVEN.length * GIVEN.length),
  );
  return `${surname}${g1}${g2}${round > 0 ? round + 1 : ""}${decoration}`;
}

function toRoman(n: number): string {
  const table: Array<[number, string]> = [
    [1000, "M"],
    [900, "CM"],
    [500, "D"],
    [400, "CD"],
    [100, "C"],
    [90, "XC"],
    [50, "L"],
    [40, "XL"],
    [10, "X"],
    [9, "IX"],
    [5, "V"],
    [4, "IV"],
    [1, "I"],
  ];
  let out = "";
  for (const [value, digits] of table) {
    while (n >= value) {
      out += digits;
      n -= value;
    }
  }
  return out;
}

function checkIndex(index: number, size: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(
      `Cannot find ${what} ${index}: the world holds ${size}`,
    );
  }
}
