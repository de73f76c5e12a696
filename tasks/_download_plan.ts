/**
 * The planning half of the download stage: which songs the options
 * select, which of them are already owned (an active location whose file
 * is there with the recorded size), and which tasks to (re)open.
 *
 * @module
 */
import type { Catalog } from "../catalog/database.ts";
import {
  type DownloadCandidate,
  downloadCandidates,
  isTerminalState,
  planTask,
  type SongSelection,
  type TerminalState,
} from "../catalog/download_tasks.ts";
import { findSyncedPlaylist } from "../catalog/playlists.ts";
import {
  activeLocations,
  markLocationsChecked,
  markLocationsMissing,
} from "../catalog/storage.ts";
import type { Platform, QualityLabel, SongInfo } from "../sources/types.ts";
import { fileSize } from "../storage/local.ts";
import { resolveInside } from "../storage/names.ts";
import { bestAdvertised, bytesWithoutCatalog } from "./_size_estimate.ts";

/** `--playlist` references the catalog does not know (or has not synced). */
export function unknownPlaylists(
  catalog: Catalog,
  refs: ReadonlyArray<{ platform: Platform; remoteId: string }>,
): string[] {
  return refs.filter((ref) =>
    findSyncedPlaylist(catalog, ref.platform, ref.remoteId) === undefined
  ).map((ref) => `${ref.platform}:${ref.remoteId}`);
}

/** What planning found. */
export interface Plan {
  /** Songs the selection matched. */
  selected: number;
  /** Songs to download, in order. */
  songIds: number[];
  /** The platform of each song of `songIds`, at the same index. */
  platforms: Platform[];
  /** Songs skipped: they have a file. */
  owned: number;
  /** Songs skipped: their task ended in a state not retried. */
  terminal: Record<TerminalState, number>;
  /** Songs another process is downloading (an unexpired lease). */
  busy: number;
  /** Active locations whose file vanished or changed size. */
  missing: number;
}

/** Options of `planDownloads()`. */
export interface PlanOptions {
  /** At most this many songs to download; 0 = all. */
  limit: number;
  /** Terminal states to retry. */
  retry: readonly TerminalState[];
  /** The quality asked for, recorded on the tasks. */
  requestedQuality: string;
  /** The clock. */
  now: number;
  /** Look only: mark nothing, open no task. */
  dryRun: boolean;
}

/**
 * Walks the selected songs in order: skips owned songs (marking locations
 * whose file vanished as `missing`), songs in terminal states not retried
 * and songs leased by another process, and opens a `pending` task for the
 * rest, up to the limit.
 */
export async function planDownloads(
  catalog: Catalog,
  selection: SongSelection,
  options: PlanOptions,
): Promise<Plan> {
  const candidates: readonly DownloadCandidate[] = downloadCandidates(
    catalog,
    selection,
  );
  const plan: Plan = {
    selected: candidates.length,
    songIds: [],
    platforms: [],
    owned: 0,
    terminal: { vip_only: 0, unavailable: 0, rate_limited: 0, failed: 0 },
    busy: 0,
    missing: 0,
  };
  for (const candidate of candidates) {
    if (options.limit > 0 && plan.songIds.length >= options.limit) break;
    const { good, bad } = await checkLocations(catalog, candidate.id);
    if (!options.dryRun && (bad.length > 0 || good.length > 0)) {
      catalog.transaction(() => {
        plan.missing += markLocationsMissing(catalog, bad, options.now);
        markLocationsChecked(catalog, good, options.now);
      });
    } else {
      plan.missing += bad.length;
    }
    if (good.length > 0) {
      plan.owned++;
      continue;
    }
    const state = candidate.state;
    if (
      state === "running" && candidate.leaseUntil !== null &&
      candidate.leaseUntil >= options.now
    ) {
      plan.busy++;
      continue;
    }
    if (
      state !== null && isTerminalState(state) && !options.retry.includes(state)
    ) {
      plan.terminal[state]++;
      continue;
    }
    if (state === "running" || options.dryRun) {
      // an expired lease: claimable as it is
      plan.songIds.push(candidate.id);
      plan.platforms.push(candidate.platform);
      continue;
    }
    const pending = catalog.transaction(() =>
      planTask(
        catalog,
        candidate.id,
        options.requestedQuality,
        options.retry,
        options.now,
      )
    );
    if (pending) {
      plan.songIds.push(candidate.id);
      plan.platforms.push(candidate.platform);
    } else plan.busy++;
  }
  return plan;
}

/** A song's active locations, split by whether their file is there. */
async function checkLocations(
  catalog: Catalog,
  songId: number,
): Promise<{ good: number[]; bad: number[] }> {
  const good: number[] = [];
  const bad: number[] = [];
  for (const location of activeLocations(catalog, songId)) {
    if (location.kind !== "local") {
      // other kinds are checked by their own tools; trust the catalog
      good.push(location.locationId);
      continue;
    }
    let size: number | undefined;
    try {
      size = await fileSize(
        resolveInside(location.containerName, location.locator),
      );
    } catch {
      size = undefined;
    }
    (size === location.sizeBytes ? good : bad).push(location.locationId);
  }
  return { good, bad };
}

/**
 * The bytes a song's file is expected to take at the best quality it
 * advertises at or below `top`, without a source or the catalog: the
 * advertised size, else a lower quality's size scaled by nominal bit
 * rates, else an estimate from the duration (`_size_estimate.ts`; a run
 * estimates with `SizeEstimator`).
 */
export function expectedBytes(
  song: SongInfo,
  top: QualityLabel | undefined,
): number {
  return bytesWithoutCatalog(song, bestAdvertised(song, top));
}
