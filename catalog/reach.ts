/**
 * What of a platform reached the catalog, counted the way the emulation
 * counts what it holds, so that the demo can set the two side by side; and
 * the query the demo suggests for a look at the files.
 *
 * @module
 */
import type { Platform } from "../sources/types.ts";
import type { Catalog } from "./database.ts";

/** What of one platform reached the catalog. */
export interface PlatformReach {
  /** Square categories (pools of kind `square` that are not the platform's lists). */
  categories: number;
  /** Charts: distinct playlists listed by toplist pools. */
  charts: number;
  /** Playlists, square ones and charts. */
  playlists: number;
  /** Songs. */
  songs: number;
  /** Songs only VIP members may play. */
  vipOnly: number;
  /** Songs the platform does not offer. */
  unavailable: number;
}

/**
 * Counts what of `platform` reached the catalog. `listPools` are the
 * remote keys of the square pools that list playlists rather than being a
 * category (`LIST_POOLS` of the sources).
 */
export function platformReach(
  catalog: Catalog,
  platform: Platform,
  listPools: readonly string[],
): PlatformReach {
  const count = (sql: string, ...params: string[]) =>
    catalog.get<{ n: number }>(sql, platform, ...params)?.n ?? 0;
  return {
    categories: count(
      `SELECT count(*) AS n FROM playlist_pools WHERE platform = ? AND kind = 'square'
       AND remote_key NOT IN (SELECT value FROM json_each(?))`,
      JSON.stringify(listPools),
    ),
    charts: count(
      `SELECT count(DISTINCT pp.playlist_id) AS n FROM pool_playlists pp
       JOIN playlist_pools p ON p.id = pp.pool_id WHERE p.platform = ? AND p.kind = 'toplist'`,
    ),
    playlists: count("SELECT count(*) AS n FROM playlists WHERE platform = ?"),
    songs: count("SELECT count(*) AS n FROM songs WHERE platform = ?"),
    vipOnly: count(
      "SELECT count(*) AS n FROM songs WHERE platform = ? AND availability = 'vip'",
    ),
    unavailable: count(
      "SELECT count(*) AS n FROM songs WHERE platform = ? AND availability = 'unavailable'",
    ),
  };
}

/** A query to try on the catalog with `sqlite3`: files per backend and quality. */
export const FILES_BY_BACKEND_SQL =
  "SELECT backend, quality, count(*) FROM files GROUP BY 1, 2";
