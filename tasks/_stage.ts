/**
 * The bookkeeping the stages share: when a run started and which platforms
 * it works on, the platforms' work side by side, a list worked through by
 * a few workers, and the closing status and duration of the summary.
 *
 * @module
 */
import type { Platform, Source } from "../sources/types.ts";
import { type Context, contextPlatforms, sourcesFor } from "./context.ts";
import { type RunStatus, runStatus } from "./outcome.ts";

/** The start of a stage's run. */
export interface StageStart {
  /** When the run started (epoch milliseconds). */
  readonly started: number;
  /** The platforms it works on: those asked for, else those the context has sources for. */
  readonly platforms: readonly Platform[];
}

/** Starts a stage's run now, on `options.platforms` or the context's. */
export function startStage(
  context: Context,
  options: { readonly platforms?: readonly Platform[] },
): StageStart {
  return {
    started: context.now(),
    platforms: options.platforms ?? contextPlatforms(context),
  };
}

/**
 * Runs `work` for each platform with its source, side by side, and clears
 * the progress display when every platform is done. Fails clearly when a
 * platform has no source.
 */
export async function eachPlatform<T>(
  context: Context,
  platforms: readonly Platform[],
  work: (platform: Platform, source: Source) => Promise<T>,
): Promise<Array<[Platform, T]>> {
  const results = await Promise.all(
    sourcesFor(context, platforms).map(async ([platform, source]) =>
      [platform, await work(platform, source)] as [Platform, T]
    ),
  );
  context.progress.clear();
  return results;
}

/**
 * Works through `items` in order, `workers` at a time (at least one): each
 * worker takes the next item until none is left or `stopped()` says so
 * (checked before each item), and the progress display is cleared at the
 * end. Returns how many items were taken.
 */
export async function workThrough<T>(
  context: Context,
  items: readonly T[],
  workers: number,
  stopped: () => boolean,
  work: (item: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stopped()) {
      await work(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  context.progress.clear();
  return next;
}

/** The units of work of a run, for its status. */
export interface StageUnits {
  /** Units that failed (platforms stopped included). */
  failed: number;
  /** Units that succeeded. */
  succeeded: number;
  /** Units the run set out to do. */
  total: number;
}

/**
 * Closes a stage's summary: its status from the units of work (or
 * `interrupted` when the context's signal was aborted) and its duration.
 */
export function finishStage<
  S extends { status: RunStatus; durationMs: number },
>(context: Context, start: StageStart, summary: S, units: StageUnits): S {
  summary.status = runStatus({
    interrupted: context.signal?.aborted ?? false,
    failedUnits: units.failed,
    succeededUnits: units.succeeded,
    totalUnits: units.total,
  });
  summary.durationMs = context.now() - start.started;
  return summary;
}
