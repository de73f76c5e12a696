/**
 * `enrich`: lazy artist enrichment. Fetches `artistDetail()` for artists
 * that have a remote id and no enrichment yet, and records it (status,
 * time, metadata JSON) on the artist row.
 *
 * @module
 */
import { artistsToEnrich, recordEnrichment } from "../catalog/artists.ts";
import { isSourceError } from "../sources/errors.ts";
import type { Platform } from "../sources/types.ts";
import type { Context } from "./context.ts";
import {
  describeError,
  isFatalForPlatform,
  type RunStatus,
} from "./outcome.ts";
import { eachPlatform, finishStage, startStage } from "./_stage.ts";
import { type PlatformProgress, progressLine } from "./_progress.ts";

/** Options of `enrich()`. */
export interface EnrichOptions {
  /** Platforms to enrich. @default the platforms the context has sources for */
  platforms?: readonly Platform[];
  /** Artists per platform in this run. @default 100 */
  limit?: number;
  /** Also retry artists whose enrichment failed before. @default false */
  retryFailed?: boolean;
}

/** Defaults of `EnrichOptions`. */
export const ENRICH_DEFAULTS = {
  limit: 100,
  retryFailed: false,
} as const satisfies Partial<EnrichOptions>;

/** The summary of `enrich()`. */
export interface EnrichSummary {
  /** How the run ended. */
  status: RunStatus;
  /** Artists selected for this run. */
  selected: number;
  /** Artists enriched. */
  enriched: number;
  /** Artists whose enrichment failed (recorded on the artist). */
  failed: number;
  /** The artists that failed, and why. */
  failures: Array<
    { platform: Platform; remoteId: string; name: string; error: string }
  >;
  /** Platforms that stopped early, and why. */
  platformErrors: Partial<Record<Platform, string>>;
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

/**
 * Enriches artists that have a remote id and no enrichment yet.
 *
 * @example Enrich the artists a sync found
 * ```ts
 * import {
 *   Catalog,
 *   collect,
 *   createContext,
 *   createEmulation,
 *   createSources,
 *   enrich,
 *   sync,
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
 * await collect(context, { pools: ["toplist"], limit: 1 });
 * await sync(context, { limit: 1 });
 * const summary = await enrich(context, { limit: 2 });
 * assert.equal(summary.status, "ok");
 * assert.equal(summary.enriched, summary.selected);
 * ```
 */
export async function enrich(
  context: Context,
  options: EnrichOptions = {},
): Promise<EnrichSummary> {
  const start = startStage(context, options);
  const catalog = context.catalog;
  const limit = options.limit ?? ENRICH_DEFAULTS.limit;
  const summary: EnrichSummary = {
    status: "ok",
    selected: 0,
    enriched: 0,
    failed: 0,
    failures: [],
    platformErrors: {},
    durationMs: 0,
  };
  const progress = new Map<Platform, PlatformProgress>();
  await eachPlatform(
    context,
    start.platforms,
    async (platform, source) => {
      const artists = artistsToEnrich(catalog, {
        platforms: [platform],
        limit: limit === 0 ? -1 : limit,
        retryFailed: options.retryFailed ?? ENRICH_DEFAULTS.retryFailed,
      });
      summary.selected += artists.length;
      const mine = { done: 0, total: artists.length };
      progress.set(platform, mine);
      for (const artist of artists) {
        if (context.signal?.aborted) break;
        try {
          const detail = await source.artistDetail(artist.remote_artist_id);
          catalog.transaction(() =>
            recordEnrichment(
              catalog,
              artist.id,
              { ok: true, detail },
              context.now(),
            )
          );
          summary.enriched++;
        } catch (error) {
          const message = describeError(error);
          if (isFatalForPlatform(error) && !isSourceError(error, "not_found")) {
            summary.platformErrors[platform] = message;
            context.log.warn(`${platform}: enrich stopped: ${message}`);
            break;
          }
          catalog.transaction(() =>
            recordEnrichment(
              catalog,
              artist.id,
              { ok: false, error: message },
              context.now(),
            )
          );
          summary.failed++;
          summary.failures.push({
            platform,
            remoteId: artist.remote_artist_id,
            name: artist.name,
            error: message,
          });
        }
        mine.done++;
        context.progress.status(progressLine("enrich", "artists", progress));
      }
    },
  );
  return finishStage(context, start, summary, {
    failed: summary.failed + Object.keys(summary.platformErrors).length,
    succeeded: summary.enriched,
    total: summary.selected,
  });
}
