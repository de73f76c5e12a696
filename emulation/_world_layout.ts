/**
 * How a world is laid out: its shape made sane, the playlist windows over
 * the song space, the quality tiers of a song, index checks.
 *
 * @module
 */
import type { QualityLabel } from "../sources/types.ts";
import { between, hash32, unit } from "./_hash.ts";
import type { GenTier } from "./world_records.ts";
import type { WorldShape } from "./world_shape.ts";

/** The world's quality tiers, best first, with their nominal bitrates. */
const TIER_BITRATES: ReadonlyArray<readonly [QualityLabel, number]> = [
  ["master", 4600],
  ["hires", 3000],
  ["lossless", 1000],
  ["320k", 320],
  ["192k", 192],
  ["128k", 128],
  ["96k", 96],
];

/** A shape with whole, consistent counts: at least one song, category and playlist. */
export function normalizeShape(shape: WorldShape): WorldShape {
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
export function layoutPlaylists(
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

/** The quality tiers of a song, best first, with the sizes of their files. */
export function tiersOf(
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

/** Throws a `RangeError` unless `index` is a whole number below `size`. */
export function checkIndex(index: number, size: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(
      `Cannot find ${what} ${index}: the world holds ${size}`,
    );
  }
}
