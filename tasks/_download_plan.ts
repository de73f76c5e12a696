/**
 * The planning half of the download stage: which songs the options
 * select, which of them are already owned (an active local location whose
 * file is there with the recorded size, or a checked copy in a bucket or
 * on a cloud drive unless `--owned local`), which have their only copies on
 * an offline disk, and which tasks to (re)open.
 *
 * @module
 */
import type { Catalog } from "../catalog/database.ts";
import {
  type DownloadCandidate,
  downloadCandidates,
  isTerminalState,
  planTask,
  planUpgrade,
  settleOwnedTask,
  type SongSelection,
  type TerminalState,
} from "../catalog/download_tasks.ts";
import { songById, songInfoFromRow } from "../catalog/songs.ts";
import { findSyncedPlaylist } from "../catalog/playlists.ts";
import {
  activeLocations,
  markLocationsChecked,
  markLocationsMissing,
} from "../catalog/storage.ts";
import type { Platform, QualityLabel, SongInfo } from "../sources/types.ts";
import { isQualityLabel, qualityRank } from "../sources/types.ts";
import { fileSize } from "../storage/local.ts";
import { type RootState, rootState } from "../storage/local_backend.ts";
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
  /** Songs to download, in order (upgrades included). */
  songIds: number[];
  /**
   * The platform of each song to download: the run's lane for it (each
   * platform paces its own requests) and the progress line's counts.
   */
  platformOf: Map<number, Platform>;
  /** Songs to upgrade (`upgrade`), with the quality of the file they have. */
  upgrades: Map<number, QualityLabel>;
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
  /**
   * Plan owned songs whose file is below the best quality their song
   * advertises at or below `top` again, to upgrade. @default false
   */
  upgrade?: boolean;
  /** The best quality wanted (no cap when `undefined`). */
  top?: QualityLabel | undefined;
  /** Only a local copy makes a song owned (`--owned local`). @default false */
  ownedLocal?: boolean;
  /** Download songs whose only copies are on offline disks. @default false */
  redownloadOffline?: boolean;
}

/** Songs whose checks are written in one transaction. */
const PLAN_BATCH = 256;

/** A candidate with what its files' check found, waiting to be written. */
interface Checked {
  candidate: DownloadCandidate;
  good: number[];
  bad: number[];
  /**
   * Why it is not downloaded: a local file (`local`), a copy in a bucket
   * or on a cloud drive (`remote`), or copies on an offline disk only
   * (`offline`); `undefined` when it is to be downloaded.
   */
  owned: "local" | "remote" | "offline" | undefined;
  /** The roots of its copies on offline disks. */
  offline: string[];
  /** The quality of its local file, when it is to be upgraded. */
  upgradeFrom: QualityLabel | undefined;
}

/**
 * Walks the selected songs in order: skips owned songs (marking locations
 * whose file vanished as `missing`), songs in terminal states not retried
 * and songs leased by another process, and opens a `pending` task for the
 * rest, up to the limit. The files are checked a batch at a time and each
 * batch's writes go in one transaction.
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
    platformOf: new Map(),
    upgrades: new Map(),
    owned: 0,
    terminal: { vip_only: 0, unavailable: 0, rate_limited: 0, failed: 0 },
    busy: 0,
    missing: 0,
    offline: new Map(),
  };
  const roots = new Map<string, Promise<RootState>>();
  const full = () => options.limit > 0 && plan.songIds.length >= options.limit;
  let batch: Checked[] = [];
  /** Songs of the batch that may be planned: counted against the limit. */
  let hopeful = 0;
  const flush = () => {
    const checked = batch;
    batch = [];
    hopeful = 0;
    if (options.dryRun) {
      for (const item of checked) settle(catalog, plan, item, options);
    } else {
      catalog.transaction(() => {
        for (const item of checked) settle(catalog, plan, item, options);
      });
    }
  };
  for (const candidate of candidates) {
    if (
      options.limit > 0 && plan.songIds.length + hopeful >= options.limit
    ) {
      flush();
      if (full()) break;
    }
    const { good, bad, remote, offline } = await checkLocations(
      catalog,
      candidate.id,
      roots,
    );
    const owned = good.length > 0
      ? "local"
      : !options.ownedLocal && remote.length > 0
      ? "remote"
      : offline.length > 0 && !options.redownloadOffline
      ? "offline"
      : undefined;
    const upgradeFrom = owned === "local" && options.upgrade
      ? upgradable(catalog, candidate, options.top)
      : undefined;
    batch.push({ candidate, good, bad, offline, owned, upgradeFrom });
    if (owned === undefined || upgradeFrom !== undefined) hopeful++;
    if (batch.length >= PLAN_BATCH) flush();
  }
  flush();
  const platformOf = new Map(candidates.map((c) => [c.id, c.platform]));
  for (const id of plan.songIds) plan.platformOf.set(id, platformOf.get(id)!);
  return plan;
}

/** Writes what the check of one candidate found, and plans it (or not). */
function settle(
  catalog: Catalog,
  plan: Plan,
  { candidate, good, bad, offline, owned, upgradeFrom }: Checked,
  options: PlanOptions,
): void {
  if (options.limit > 0 && plan.songIds.length >= options.limit) return;
  const now = options.now;
  if (options.dryRun) {
    plan.missing += bad.length;
  } else {
    plan.missing += markLocationsMissing(catalog, bad, now);
    markLocationsChecked(catalog, good, now);
  }
  const state = candidate.state;
  const leased = state === "running" && candidate.leaseUntil !== null &&
    candidate.leaseUntil >= now;
  if (owned === "offline" || owned === undefined) {
    // copies on a disk that is not plugged in: neither missing nor
    // downloaded again, unless asked (--redownload-offline)
    for (const root of offline) {
      plan.offline.set(root, (plan.offline.get(root) ?? 0) + 1);
    }
  }
  if (owned === "offline") {
    plan.owned++;
    return;
  }
  if (owned !== undefined) {
    if (upgradeFrom === undefined || leased) {
      plan.owned++;
      if (!options.dryRun) settleOwnedTask(catalog, candidate.id, now);
      return;
    }
    if (!options.dryRun) {
      planUpgrade(catalog, candidate.id, options.requestedQuality, now);
    }
    plan.upgrades.set(candidate.id, upgradeFrom);
    plan.songIds.push(candidate.id);
    return;
  }
  if (leased) {
    plan.busy++;
    return;
  }
  if (
    state !== null && isTerminalState(state) && !options.retry.includes(state)
  ) {
    plan.terminal[state]++;
    return;
  }
  if (state === "running" || options.dryRun) {
    // an expired lease: claimable as it is
    plan.songIds.push(candidate.id);
    return;
  }
  // a `done` task is opened again: the song's copies do not count (a
  // replica with --owned local, an offline disk with --redownload-offline)
  if (
    planTask(
      catalog,
      candidate.id,
      options.requestedQuality,
      options.retry,
      now,
      true,
    )
  ) plan.songIds.push(candidate.id);
  else plan.busy++;
}

/**
 * The quality of an owned song's file when the song advertises a better
 * one at or below `top` (worth asking the platform for again).
 */
function upgradable(
  catalog: Catalog,
  candidate: DownloadCandidate,
  top: QualityLabel | undefined,
): QualityLabel | undefined {
  const have = candidate.assetQuality;
  if (have === null || !isQualityLabel(have)) return undefined;
  const row = songById(catalog, candidate.id);
  if (!row) return undefined;
  const cap = top === undefined ? 0 : qualityRank(top);
  const best = Math.min(
    ...songInfoFromRow(row).qualities.map((q) => qualityRank(q.label))
      .filter((rank) => rank >= cap),
  );
  return best < qualityRank(have) ? have : undefined;
}

/**
 * A song's active locations: local ones whose file is there with its
 * stored size (`good`) or not (`bad`), ones on other kinds of backend
 * (`remote`, trusted: checked when they were recorded and by `verify`),
 * and the roots of local ones on an offline volume (root gone, or an
 * empty mount point), which are neither. `roots` caches each root's state
 * for the run.
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
