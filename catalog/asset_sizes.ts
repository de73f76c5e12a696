/**
 * What downloaded files of one platform and quality really weigh: the
 * median size and bit rate of the latest file assets, for size estimates
 * of songs the platform gives no size for.
 *
 * @module
 */
import type { Catalog } from "./database.ts";

/** The median of the latest files of a platform and quality. */
export interface AssetSizes {
  /** Files measured (the latest, at most `ASSET_SAMPLE`). */
  samples: number;
  /** Median size in bytes. */
  medianBytes: number;
  /** Median bytes per second of the files whose song has a duration. */
  medianBytesPerSecond: number | undefined;
}

/** Latest files measured per platform and quality. */
export const ASSET_SAMPLE = 1001;

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1
    ? values[middle]!
    : (values[middle - 1]! + values[middle]!) / 2;
}

/**
 * The median size (and bytes per second) of the latest downloaded files
 * of a platform at a quality label; `undefined` when there is none.
 */
export function assetSizes(
  catalog: Catalog,
  platform: string,
  quality: string,
): AssetSizes | undefined {
  const rows = catalog.all<{ size: number; duration: number | null }>(
    `SELECT a.size_bytes AS size, s.duration_ms AS duration
     FROM file_assets a JOIN songs s ON s.id = a.song_id
     WHERE s.platform = ? AND a.quality = ? AND a.size_bytes > 0
     ORDER BY a.id DESC LIMIT ${ASSET_SAMPLE}`,
    platform,
    quality,
  );
  if (rows.length === 0) return undefined;
  const rates = rows.filter((r) => r.duration !== null && r.duration > 0)
    .map((r) => r.size / (r.duration! / 1000));
  return {
    samples: rows.length,
    medianBytes: median(rows.map((r) => r.size)),
    medianBytesPerSecond: rates.length > 0 ? median(rates) : undefined,
  };
}
