/**
 * How big a generated world is: its shape and the named preset sizes.
 *
 * @module
 */

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
} as const satisfies Record<WorldSize, WorldShape>;

/** The name of a preset world size. */
export type WorldSize = "tiny" | "demo" | "test" | "bench";
