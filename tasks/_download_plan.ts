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
import { qualityRank } from "../sources/types.ts";
import { fileSize } from "../storage/local.ts";
import { type RootState, rootState } from "../storage/local_backend.ts";
import { resolveInside } from "../storage/names.ts";

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
  /** Songs skipped: they have a file. */
  owned: number;
  /** Songs skipped: their task ended in a state not retried. */
  terminal: Record<TerminalState, number>;
  /** Songs another process is downloading (an unexpired lease). */
  busy: number;
  /** Active locations whose file vanished or changed size. */
  missing: number;
  /** Offline local backends (by root) and the selected songs they hold. */
  offline: Map<string, number>;
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
  /** Only a local copy makes a song owned (`--owned local`). @default false */
  ownedLocal?: boolean;
  /** Download songs whose only copies are on offline disks. @default false */
  redownloadOffline?: boolean;
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
    owned: 0,
    terminal: { vip_only: 0, unavailable: 0, rate_limited: 0, failed: 0 },
    busy: 0,
    missing: 0,
    offline: new Map(),
  };
  const roots = new Map<string, Promise<RootState>>();
  for (const candidate of candidates) {
    if (options.limit > 0 && plan.songIds.length >= options.limit) break;
    const { good, bad, remote, offline } = await checkLocations(
      catalog,
      candidate.id,
      roots,
    );
    if (!options.dryRun && (bad.length > 0 || good.length > 0)) {
      catalog.transaction(() => {
        plan.missing += markLocationsMissing(catalog, bad, options.now);
        markLocationsChecked(catalog, good, options.now);
      });
    } else {
      plan.missing += bad.length;
    }
    if (
      good.length > 0 || (!options.ownedLocal && remote.length > 0)
    ) {
      plan.owned++;
      continue;
    }
    if (offline.length > 0) {
      // its copy is on a disk that is not plugged in: neither missing nor
      // to download again, unless asked
      for (const root of offline) {
        plan.offline.set(root, (plan.offline.get(root) ?? 0) + 1);
      }
      if (!options.redownloadOffline) {
        plan.owned++;
        continue;
      }
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
      continue;
    }
    const pending = catalog.transaction(() =>
      planTask(
        catalog,
        candidate.id,
        options.requestedQuality,
        options.retry,
        options.now,
        true,
      )
    );
    if (pending) plan.songIds.push(candidate.id);
    else plan.busy++;
  }
  return plan;
}

/**
 * A song's active locations: local ones whose file is there (`good`) or
 * not (`bad`), ones on other kinds of backend (`remote`, trusted: checked
 * when they were recorded and by `verify`), and the roots of local ones on
 * an offline volume (root gone, or an empty mount point), which are
 * neither.
 */
async function checkLocations(
  catalog: Catalog,
  songId: number,
  roots: Map<string, Promise<RootState>>,
): Promise<
  { good: number[]; bad: number[]; remote: number[]; offline: string[] }
> {
  const good: number[] = [];
  const bad: number[] = [];
  const remote: number[] = [];
  const offline: string[] = [];
  for (const location of activeLocations(catalog, songId)) {
    if (location.kind !== "local") {
      remote.push(location.locationId);
      continue;
    }
    let state = roots.get(location.containerName);
    if (!state) {
      state = rootState(location.containerName).catch(() => "missing" as const);
      roots.set(location.containerName, state);
    }
    if ((await state) !== "present") {
      offline.push(location.containerName);
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
  return { good, bad, remote, offline };
}

/** Bytes assumed for a file when a song says nothing about its size. */
const UNKNOWN_SIZE = 16 * 1024 * 1024;

/** Nominal bitrates (kbit/s) to estimate a size from a duration. */
const NOMINAL_KBPS: Record<QualityLabel, number> = {
  master: 4600,
  hires: 3000,
  lossless: 1000,
  "320k": 320,
  "192k": 192,
  "128k": 128,
  "96k": 96,
};

/**
 * The bytes a song's file is expected to take at the best quality at or
 * below `top`: the size the platform advertises, else a lower quality's
 * size scaled by the nominal bitrates, else an estimate from bitrate and
 * duration.
 */
export function expectedBytes(
  song: SongInfo,
  top: QualityLabel | undefined,
): number {
  const cap = top === undefined ? 0 : qualityRank(top);
  const usable = song.qualities.filter((q) => qualityRank(q.label) >= cap);
  const best = usable[0];
  if (best?.sizeBytes !== undefined && best.sizeBytes > 0) {
    return best.sizeBytes;
  }
  // a lower quality's size, scaled up by the nominal bitrates
  const sized = usable.find((q) =>
    q.sizeBytes !== undefined && q.sizeBytes > 0
  );
  if (best && sized) {
    return Math.ceil(
      sized.sizeBytes! * NOMINAL_KBPS[best.label] / NOMINAL_KBPS[sized.label],
    );
  }
  if (song.durationMs !== undefined && song.durationMs > 0) {
    const kbps = best?.bitrateKbps ??
      NOMINAL_KBPS[best?.label ?? top ?? "lossless"];
    return Math.ceil(kbps * 125 * (song.durationMs / 1000));
  }
  return UNKNOWN_SIZE;
}
