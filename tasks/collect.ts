/**
 * `collect`: lists each platform's square categories and charts as pools
 * and pages through their playlists into `playlist_pools`, `playlists` and
 * `pool_playlists`. Platforms run side by side; one failing does not stop
 * the others.
 *
 * @module
 */
import { linkPoolPlaylist, upsertPool } from "../catalog/pools.ts";
import { findPlaylist, upsertPlaylist } from "../catalog/playlists.ts";
import { matchKey } from "../sources/artist_names.ts";
import { isSourceError } from "../sources/errors.ts";
import {
  type Platform,
  type PlaylistCandidate,
  POOL_KINDS,
  type PoolCandidate,
  type PoolKind,
  type Source,
} from "../sources/types.ts";
import type { Context } from "./context.ts";
import {
  describeError,
  isFatalForPlatform,
  type RunStatus,
} from "./outcome.ts";
import { eachPlatform, finishStage, startStage } from "./_stage.ts";

/** Options of `collect()`. */
export interface CollectOptions {
  /** Platforms to collect. @default the platforms the context has sources for */
  platforms?: readonly Platform[];
  /** Pool kinds to collect. @default ["square", "toplist"] */
  pools?: readonly PoolKind[];
  /** Only square categories with these names or keys. @default every category */
  categories?: readonly string[];
  /** Playlists per pool; `0` = all. @default 50 */
  limit?: number;
}

/** Defaults of `CollectOptions`. */
export const COLLECT_DEFAULTS = {
  limit: 50,
} as const satisfies Partial<CollectOptions>;

/** What collect did on one platform. */
export interface CollectPlatformSummary {
  /** Pools listed on this platform. */
  pools: number;
  /** Playlist sightings (a playlist in two pools counts twice). */
  listed: number;
  /** Playlists new to the catalog. */
  newPlaylists: number;
  /** Pools that failed part-way (what was listed before the failure is kept). */
  poolErrors: Array<{ pool: string; error: string }>;
  /** Why the platform stopped early, if it did. */
  error?: string;
}

/** The summary of `collect()`. */
export interface CollectSummary {
  /** How the run ended. */
  status: RunStatus;
  /** Pools listed on every platform. */
  pools: number;
  /** Playlist sightings (a playlist in two pools counts twice). */
  listed: number;
  /** Playlists new to the catalog. */
  newPlaylists: number;
  /** `--category` names no selected platform has. */
  unmatchedCategories: string[];
  /** What collect did on each platform it ran on. */
  platforms: Partial<Record<Platform, CollectPlatformSummary>>;
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

const FLUSH_EVERY = 100;

/**
 * Collects pools and their playlists.
 *
 * @example Collect the charts of the offline emulation
 * ```ts
 * import {
 *   Catalog,
 *   collect,
 *   createContext,
 *   createEmulation,
 *   createSources,
 * } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const emulation = createEmulation({ size: "tiny" });
 * using catalog = Catalog.open(":memory:");
 * const sources = await createSources({
 *   fetch: emulation.fetch,
 *   emulation: "http://emulation",
 *   ratePerSecond: 0,
 *   platforms: ["netease"],
 * });
 * const context = createContext({ catalog, sources });
 * const summary = await collect(context, { pools: ["toplist"], limit: 2 });
 * assert.equal(summary.status, "ok");
 * assert.ok(summary.newPlaylists > 0);
 * ```
 */
export async function collect(
  context: Context,
  options: CollectOptions = {},
): Promise<CollectSummary> {
  const start = startStage(context, options);
  const { platforms } = start;
  const kinds = options.pools ?? POOL_KINDS;
  const limit = options.limit ?? COLLECT_DEFAULTS.limit;
  const wanted = (options.categories ?? []).map(matchKey);
  const matched = new Set<string>();
  const progress = new Map<Platform, string>();
  const show = () => context.progress.status([...progress.values()]);

  const results = await eachPlatform(
    context,
    platforms,
    async (platform, source) => {
      const summary: CollectPlatformSummary = {
        pools: 0,
        listed: 0,
        newPlaylists: 0,
        poolErrors: [],
      };
      const report = (text: string) => {
        progress.set(platform, `collect ${platform}: ${text}`);
        show();
      };
      try {
        for (const kind of kinds) {
          if (context.signal?.aborted) break;
          report(`listing ${kind} pools`);
          let pools = await source.listPools(kind);
          if (kind === "square" && wanted.length > 0) {
            pools = pools.filter((pool) => {
              const keys = [matchKey(pool.name), matchKey(pool.remoteKey)];
              const hit = wanted.find((w) => keys.includes(w));
              if (hit !== undefined) matched.add(hit);
              return hit !== undefined;
            });
          }
          for (const [index, pool] of pools.entries()) {
            if (context.signal?.aborted) break;
            const label = `${kind} ${index + 1}/${pools.length} ${pool.name}`;
            report(label);
            try {
              await collectPool(
                context,
                source,
                pool,
                limit,
                summary,
                (n) => report(`${label} · ${n} playlists`),
              );
            } catch (error) {
              if (isFatalForPlatform(error)) {
                throw error;
              }
              summary.poolErrors.push({
                pool: pool.name,
                error: describeError(error),
              });
              context.log.warn(
                `${platform}: pool ${pool.name}: ${describeError(error)}`,
              );
            }
          }
        }
      } catch (error) {
        summary.error = describeError(error);
        context.log.warn(`${platform}: collect stopped: ${summary.error}`);
        if (!isSourceError(error)) {
          context.log.debug(stackOf(error));
        }
      } finally {
        progress.delete(platform);
        show();
      }
      return summary;
    },
  );
  const summaries = Object.fromEntries(results) as CollectSummary["platforms"];
  const all = results.map(([, s]) => s);
  const unmatchedCategories = (options.categories ?? []).filter((c) =>
    kinds.includes("square") && !matched.has(matchKey(c))
  );
  for (const name of unmatchedCategories) {
    context.log.warn(
      `no square category named '${name}' on ${platforms.join(", ")}`,
    );
  }
  const summary: CollectSummary = {
    status: "ok",
    pools: all.reduce((n, s) => n + s.pools, 0),
    listed: all.reduce((n, s) => n + s.listed, 0),
    newPlaylists: all.reduce((n, s) => n + s.newPlaylists, 0),
    unmatchedCategories,
    platforms: summaries,
    durationMs: 0,
  };
  return finishStage(context, start, summary, {
    failed: all.filter((s) => s.error !== undefined).length +
      all.reduce((n, s) => n + s.poolErrors.length, 0),
    succeeded: all.filter((s) => s.error === undefined).length,
    total: all.length,
  });
}

async function collectPool(
  context: Context,
  source: Source,
  pool: PoolCandidate,
  limit: number,
  summary: CollectPlatformSummary,
  onCount: (count: number) => void,
): Promise<void> {
  const catalog = context.catalog;
  const now = context.now();
  const poolId = catalog.transaction(() => upsertPool(catalog, pool, now));
  summary.pools++;
  let buffer: PlaylistCandidate[] = [];
  let position = 0;
  let listed = 0;
  const seen = new Set<string>();
  const flush = () => {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    catalog.transaction(() => {
      for (const playlist of batch) {
        const before = findPlaylist(
          catalog,
          playlist.platform,
          playlist.remoteId,
        );
        const id = upsertPlaylist(catalog, playlist, now);
        if (!before) summary.newPlaylists++;
        linkPoolPlaylist(catalog, poolId, id, position++, now);
      }
    });
  };
  try {
    for await (
      const playlist of source.listPlaylists(pool, {
        limit,
        ...(context.signal ? { signal: context.signal } : {}),
      })
    ) {
      // platforms repeat items across pages; keep the first sighting
      if (seen.has(playlist.remoteId)) continue;
      seen.add(playlist.remoteId);
      buffer.push(playlist);
      summary.listed++;
      listed++;
      if (buffer.length >= FLUSH_EVERY) flush();
      onCount(listed);
      if ((limit > 0 && listed >= limit) || context.signal?.aborted) break;
    }
  } finally {
    flush();
  }
}

function stackOf(error: unknown): string {
  return error instanceof Error ? error.stack ?? error.message : String(error);
}
