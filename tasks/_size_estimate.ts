/**
 * How many bytes a planned song's file will take, for the dry run's plan
 * and the space check before a file starts.
 *
 * The estimate is for the rung the song will most likely get: the one its
 * source expects for its account (`Source.expectedQuality`: the rungs the
 * song advertises and the account's entitlement), else the best it
 * advertises at or below the quality asked. Its size is, in order:
 *
 * 1. the size the platform advertises for that rung (not an estimate);
 * 2. the median of the files of that platform and quality already
 *    downloaded (`file_assets`), per second of the song's duration when
 *    known: what the platform really serves;
 * 3. another rung's advertised size, scaled by nominal bit rates;
 * 4. the duration at the rung's nominal bit rate (for FLAC the typical
 *    average, not the tier's name: Kuwo's `2000kflac` files run well
 *    below 2,000 kbit/s);
 * 5. 16 MiB.
 *
 * A song the source expects to be refused (VIP only, unavailable) is
 * estimated at 0 bytes.
 *
 * @module
 */
import { type AssetSizes, assetSizes } from "../catalog/asset_sizes.ts";
import type { Catalog } from "../catalog/database.ts";
import {
  type Platform,
  type QualityInfo,
  type QualityLabel,
  qualityRank,
  type SongInfo,
  type Source,
} from "../sources/types.ts";

/** Estimates between two readings of one platform and quality's medians. */
const REMEASURE_EVERY = 100;

/** Bytes assumed for a file when a song says nothing about its size. */
export const UNKNOWN_SIZE = 16 * 1024 * 1024;

/**
 * Nominal bit rates (kbit/s) to estimate a size from a duration: for the
 * lossy labels their bit rate, for FLAC labels a typical average.
 */
export const NOMINAL_KBPS: Readonly<Record<QualityLabel, number>> = {
  master: 4600,
  hires: 3000,
  lossless: 1000,
  "320k": 320,
  "192k": 192,
  "128k": 128,
  "96k": 96,
};

/** Labels whose files vary in bit rate (FLAC): their rung's bit rate is a name. */
const VARIABLE: ReadonlySet<QualityLabel> = new Set([
  "master",
  "hires",
  "lossless",
]);

/** A song's expected size. */
export interface SizeEstimate {
  /** Bytes expected. */
  bytes: number;
  /** Whether `bytes` is an estimate rather than the size the platform advertises. */
  estimated: boolean;
  /** Whether the source expects a refusal (`bytes` is then 0). */
  refusal: boolean;
}

/** The best quality a song advertises at or below `top`. */
export function bestAdvertised(
  song: SongInfo,
  top: QualityLabel | undefined,
): QualityInfo | undefined {
  const cap = top === undefined ? 0 : qualityRank(top);
  return song.qualities.find((q) => qualityRank(q.label) >= cap);
}

/**
 * The size of a song's file at `quality` without the catalog: advertised,
 * else scaled from a lower advertised rung, else from the duration, else
 * `UNKNOWN_SIZE` (steps 1, 3, 4, 5 of the module doc).
 */
export function bytesWithoutCatalog(
  song: SongInfo,
  quality: QualityInfo | undefined,
): number {
  if (quality?.sizeBytes !== undefined && quality.sizeBytes > 0) {
    return quality.sizeBytes;
  }
  return scaledOrNominal(song, quality);
}

function scaledOrNominal(
  song: SongInfo,
  quality: QualityInfo | undefined,
): number {
  // a lower rung's size, scaled up by the nominal bit rates
  const rank = quality ? qualityRank(quality.label) : 0;
  const sized = song.qualities.find((q) =>
    qualityRank(q.label) >= rank && q.sizeBytes !== undefined &&
    q.sizeBytes > 0
  );
  if (quality && sized) {
    return Math.ceil(
      sized.sizeBytes! * NOMINAL_KBPS[quality.label] /
        NOMINAL_KBPS[sized.label],
    );
  }
  if (song.durationMs !== undefined && song.durationMs > 0) {
    const label = quality?.label ?? "lossless";
    const kbps = VARIABLE.has(label)
      ? NOMINAL_KBPS[label]
      : quality?.bitrateKbps ?? NOMINAL_KBPS[label];
    return Math.ceil(kbps * 125 * (song.durationMs / 1000));
  }
  return UNKNOWN_SIZE;
}

/** Estimates the sizes of planned songs; one per run (it caches the catalog's medians). */
export class SizeEstimator {
  readonly #catalog: Catalog;
  readonly #sources: ReadonlyMap<Platform, Source>;
  readonly #top: QualityLabel | undefined;
  readonly #measured = new Map<
    string,
    { sizes: AssetSizes | undefined; uses: number }
  >();

  /** An estimator over the catalog's files and the sources' expectations. */
  constructor(
    catalog: Catalog,
    sources: ReadonlyMap<Platform, Source>,
    top: QualityLabel | undefined,
  ) {
    this.#catalog = catalog;
    this.#sources = sources;
    this.#top = top;
  }

  /** The bytes a song's file will most likely take. */
  estimate(song: SongInfo): SizeEstimate {
    const expected = this.#sources.get(song.platform)?.expectedQuality?.(
      song,
      this.#top,
    );
    if (expected === null) return { bytes: 0, estimated: true, refusal: true };
    const quality = expected ?? bestAdvertised(song, this.#top);
    if (quality?.sizeBytes !== undefined && quality.sizeBytes > 0) {
      return { bytes: quality.sizeBytes, estimated: false, refusal: false };
    }
    const measured = quality && this.#sizes(song.platform, quality.label);
    if (measured) {
      const rate = measured.medianBytesPerSecond;
      const bytes = rate !== undefined && song.durationMs !== undefined &&
          song.durationMs > 0
        ? Math.ceil(rate * song.durationMs / 1000)
        : Math.ceil(measured.medianBytes);
      return { bytes, estimated: true, refusal: false };
    }
    return {
      bytes: scaledOrNominal(song, quality),
      estimated: true,
      refusal: false,
    };
  }

  /** The catalog's medians, read again every `REMEASURE_EVERY` uses (a run adds files). */
  #sizes(platform: Platform, label: QualityLabel): AssetSizes | undefined {
    const key = `${platform}:${label}`;
    let measured = this.#measured.get(key);
    if (!measured || measured.uses >= REMEASURE_EVERY) {
      measured = {
        sizes: assetSizes(this.#catalog, platform, label),
        uses: 0,
      };
      this.#measured.set(key, measured);
    }
    measured.uses++;
    return measured.sizes;
  }
}
