/**
 * `download`: fetches each selected song once, at the best quality the
 * platform grants, into the active local storage backend.
 *
 * - **Plan**: songs selected by platform, playlist and pool, in `songs.id`
 *   order. A song with an active location whose file is there with the
 *   recorded size is owned and skipped; a location whose file vanished is
 *   marked `missing` and the song planned again. Tasks that ended
 *   `vip_only`, `unavailable`, `rate_limited` or `failed` are retried only
 *   when `retry` names their state.
 * - **Leases**: each task is claimed in `BEGIN IMMEDIATE` with a lease
 *   that is renewed while the file downloads and names its owner (host,
 *   process id), so two processes on one catalog never fetch the same
 *   song. A run holds a lock file beside the catalog while it lives
 *   (`_lease_owner.ts`, shared with `replicate`): a crashed process's songs
 *   are taken over at once by a run on its host, elsewhere once its leases
 *   expire. Songs a live process still holds at the end make the run
 *   `partial`.
 * - **Quality**: offers come best first from the source; a preview, an
 *   empty URL, a 403/404, or a complete body that is still wrong (MD5,
 *   magic bytes) falls to the next offer. An expired URL is resolved
 *   again. Transient faults are retried on the same rung: a reset, a cut
 *   body or a 5xx with backoff (then the song waits for the next run); an
 *   HTML page or a body of the wrong length from zero, then from a fresh
 *   URL, before the rung is given up.
 * - **Integrity**: bodies stream into `<final>.part`, hashed as they are
 *   written, are checked, tagged (title, artists, album, ids, the album
 *   cover, the lyrics; `.lrc` files beside), synced and renamed into
 *   place, and recorded (`file_assets` with the served body's identity and
 *   the stored file's, `file_locations`) in the transaction that completes
 *   the task. An interrupted `.part` resumes with `Range` (the served body
 *   only: tagging runs once it is complete).
 * - **Free space**: before each file the active backend's free space is
 *   checked against its expected size and what the running files still
 *   have to write; when it runs low the run moves to the next directory
 *   (from `nextDirs` or asked on stdin) or stops cleanly (`noSpace`).
 *
 * The stage's parts: `_download_plan.ts` (selection and plan),
 * `_download_offline.ts` (unplugged disks), `_lease_owner.ts` (whose
 * leases are whose, shared with `replicate`), `_download_run.ts` (workers
 * and settling), `_download_lanes.ts` (which song a worker takes next: one
 * lane per platform), `_download_song.ts` (one song's offers),
 * `_offer_ladder.ts` (the ladder's decisions), `_transfer.ts` (one file's
 * fetch), `_size_estimate.ts` (expected sizes), `_space_policy.ts` and
 * `_space_reservations.ts` (low space) and `_download_progress.ts` (the
 * progress lines); `download_summary.ts` holds the summary's types,
 * re-exported here.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { DEFAULT_WAL_BYTES } from "../catalog/database.ts";
import type { TerminalState } from "../catalog/download_tasks.ts";
import { songInfoFromRow } from "../catalog/songs.ts";
import {
  activateLocalBackend,
  activeLocalBackend,
  findLocalBackend,
} from "../catalog/storage.ts";
import type { Fetch } from "../sources/http.ts";
import type { QualityLabel } from "../sources/types.ts";
import type { OpenFile } from "../storage/local.ts";
import { type Context, sourcesFor } from "./context.ts";
import {
  type BackendUsage,
  type DownloadSummary,
  emptyDownloadSummary,
  type QualityChoice,
} from "./download_summary.ts";
import { formatBytes } from "./format.ts";
import { planDownloads, unknownPlaylists } from "./_download_plan.ts";
import { refuseOfflineLibrary, reportOffline } from "./_download_offline.ts";
import { DownloadRun, loadSong } from "./_download_run.ts";
import { songTitle } from "./_download_song.ts";
import { LeaseOwner, takeOverGoneOwners } from "./_lease_owner.ts";
import { SizeEstimator } from "./_size_estimate.ts";
import { finishStage, startStage } from "./_stage.ts";
import type { SongSelectionOptions } from "./song_selection.ts";
import { Tagger, type TagParts } from "./_tagging.ts";
import type { CatalogDisk } from "./_space_policy.ts";

export type {
  BackendSwitch,
  BackendUsage,
  DownloadFailure,
  DownloadSummary,
  NoSpaceStop,
  PlannedSong,
  QualityChoice,
  TaggingTally,
} from "./download_summary.ts";

/**
 * Options of `download()`. The tag parts (`tags`, `cover`, `lyrics`,
 * `coverSize`) say what is written into each file before it is synced and
 * renamed into place (`_download_tags.ts`).
 */
export interface DownloadOptions extends TagParts, SongSelectionOptions {
  /** At most this many songs to download (owned ones not counted); `0` = all. @default 0 */
  limit?: number;
  /** The best quality wanted. @default "best" */
  quality?: QualityChoice;
  /**
   * The library directory: becomes the active local backend.
   * @default the active local backend, else `./library`
   */
  library?: string;
  /** Directories to continue in, in order, when space runs low (before asking). @default [] */
  nextDirs?: readonly string[];
  /** Bytes to keep free on a backend. @default 2 GiB */
  minFree?: number;
  /** Files downloaded at once. @default 4 */
  concurrency?: number;
  /** Terminal states whose songs are tried again. @default [] */
  retry?: readonly TerminalState[];
  /**
   * Also fetch again songs whose file is below the best quality their song
   * advertises (at or below `quality`): after a fault, or after adding a
   * VIP login. Only a better offer is taken; it replaces the file and its
   * location in one transaction, and the old file is removed. @default false
   */
  upgrade?: boolean;
  /** Print the plan; write nothing. @default false */
  dryRun?: boolean;
  /** The `fetch` for CDN requests. @default globalThis.fetch */
  fetch?: Fetch;
  /** Opens files for writing (a seam for tests). @default Deno.open */
  openFile?: OpenFile;
  /** How long a claimed task stays leased without renewal, in ms. @default 600000 */
  leaseTtlMs?: number;
  /** Retries of a transfer after network errors, cut bodies and 5xx. @default 4 */
  retries?: number;
  /** First pause between transfer retries, in ms (doubles each time). @default 500 */
  backoffMs?: number;
  /** Times a song's offers are resolved again after an expired URL. @default 2 */
  maxResolves?: number;
  /**
   * The lease owner of this run. @default this process (host, pid and a
   * lock file beside the catalog that says it lives)
   */
  leaseOwner?: string;
  /**
   * Which copies make a song owned: a checked location on any backend
   * (`any`: a bucket replica counts), or only a local file (`local`).
   * @default "any"
   */
  owned?: "any" | "local";
  /** Download songs whose only copies are on offline disks. @default false */
  redownloadOffline?: boolean;
}

/** Defaults of `DownloadOptions`. */
export const DOWNLOAD_DEFAULTS = {
  limit: 0,
  quality: "best",
  library: "library",
  minFree: 2 * 1024 ** 3,
  concurrency: 4,
  leaseTtlMs: 10 * 60_000,
  retries: 4,
  backoffMs: 500,
  maxResolves: 2,
} as const satisfies Partial<DownloadOptions>;

/**
 * Downloads the selected songs.
 *
 * @example Download two synced songs into a temporary library
 * ```ts
 * import {
 *   Catalog,
 *   collect,
 *   createContext,
 *   createEmulation,
 *   createSources,
 *   download,
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
 * const library = await Deno.makeTempDir();
 * try {
 *   const summary = await download(context, {
 *     library,
 *     limit: 2,
 *     minFree: 0,
 *     fetch: emulation.fetch, // the emulation's CDN too
 *   });
 *   assert.equal(summary.status, "ok");
 *   assert.equal(summary.downloaded, 2);
 * } finally {
 *   await Deno.remove(library, { recursive: true });
 * }
 * ```
 */
export async function download(
  context: Context,
  options: DownloadOptions = {},
): Promise<DownloadSummary> {
  const start = startStage(context, options);
  const { platforms } = start;
  const catalog = context.catalog;
  const quality = options.quality ?? DOWNLOAD_DEFAULTS.quality;
  const top = quality === "best" ? undefined : quality;
  const minFree = options.minFree ?? DOWNLOAD_DEFAULTS.minFree;
  const dryRun = options.dryRun ?? false;
  const summary = emptyDownloadSummary(quality, dryRun);
  const playlists = options.playlists ?? [];
  summary.unknownPlaylists = unknownPlaylists(catalog, playlists);
  for (const ref of summary.unknownPlaylists) {
    context.log.warn(
      `playlist ${ref} is not synced in the catalog: run sync --playlist ${ref} first`,
    );
  }
  const sources = new Map(
    dryRun ? [] : sourcesFor(context, platforms),
  );
  // the catalog's log kept small on a small disk, planning included
  const catalogDisk = dryRun ? undefined : await catalogDiskOf(context);
  // a dry run takes no lease: no lock file either
  using owner = dryRun
    ? undefined
    : options.leaseOwner === undefined
    ? LeaseOwner.open(catalog.path)
    : LeaseOwner.named(options.leaseOwner);
  if (owner) {
    summary.takenOver = takeOverGoneOwners(
      catalog,
      owner,
      context.now(),
      context.log,
    );
  }
  const plan = await planDownloads(catalog, {
    platforms,
    playlists,
    pools: options.pools ?? [],
  }, {
    limit: options.limit ?? DOWNLOAD_DEFAULTS.limit,
    retry: options.retry ?? [],
    requestedQuality: quality,
    now: context.now(),
    dryRun,
    upgrade: options.upgrade ?? false,
    top,
    ownedLocal: options.owned === "local",
    redownloadOffline: options.redownloadOffline ?? false,
  });
  reportOffline(context, summary, plan.offline, options.redownloadOffline);
  summary.selected = plan.selected;
  summary.planned = plan.songIds.length;
  summary.upgrading = plan.upgrades.size;
  summary.skippedOwned = plan.owned;
  summary.skippedTerminal = Object.values(plan.terminal).reduce(
    (a, b) => a + b,
    0,
  );
  summary.busy = plan.busy;
  summary.missing = plan.missing;
  if (summary.missing > 0) {
    context.log.info(
      `${summary.missing} downloaded files are missing or changed; their songs are planned again`,
    );
  }
  const root = options.library !== undefined
    ? resolve(options.library)
    : activeLocalBackend(catalog)?.container_name ??
      resolve(DOWNLOAD_DEFAULTS.library);

  if (dryRun) {
    await dryRunReport(context, summary, plan.songIds, root, {
      top,
      minFree,
      nextDirs: options.nextDirs ?? [],
    });
    summary.durationMs = context.now() - start.started;
    return summary;
  }

  if (options.library === undefined) await refuseOfflineLibrary(context, root);
  // the log's space back after planning
  catalog.checkpoint();
  await Deno.mkdir(root, { recursive: true });
  const first = activateLocalBackend(catalog, root, context.now());
  const run = new DownloadRun(
    context,
    {
      owner: owner!.id,
      holder: { host: owner!.host, pid: owner!.pid },
      leaseTtlMs: options.leaseTtlMs ?? DOWNLOAD_DEFAULTS.leaseTtlMs,
      top,
      retries: options.retries ?? DOWNLOAD_DEFAULTS.retries,
      backoffMs: options.backoffMs ?? DOWNLOAD_DEFAULTS.backoffMs,
      maxResolves: options.maxResolves ?? DOWNLOAD_DEFAULTS.maxResolves,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      openFile: options.openFile,
      tagger: new Tagger(context, options),
      concurrency: Math.max(
        1,
        options.concurrency ?? DOWNLOAD_DEFAULTS.concurrency,
      ),
      minFree,
      nextDirs: options.nextDirs ?? [],
      catalogDisk,
    },
    summary,
    sources,
    first,
  );
  const units = await run.execute(
    plan.songIds,
    plan.platformOf,
    plan.upgrades,
  );
  catalog.checkpoint();
  // songs a live process still holds are not done: the run is partial
  units.failed += summary.busy;
  finishStage(context, start, summary, units);
  if (
    summary.status === "failed" && summary.busy > 0 &&
    units.failed === summary.busy
  ) summary.status = "partial";
  return summary;
}

/**
 * The disk of a file catalog: its write-ahead log is kept to a sixteenth
 * of what is free there (between 512 KiB and 16 MiB), and the run keeps
 * room for it (`SpaceController`). `undefined` for a catalog in memory.
 */
async function catalogDiskOf(
  context: Context,
): Promise<CatalogDisk | undefined> {
  const catalog = context.catalog;
  if (catalog.path === ":memory:" || catalog.path === "") return undefined;
  const dir = dirname(resolve(catalog.path));
  let free: number | undefined;
  try {
    free = await context.freeSpace(dir);
  } catch {
    free = undefined;
  }
  const walLimit = free === undefined
    ? DEFAULT_WAL_BYTES
    : Math.min(DEFAULT_WAL_BYTES, Math.max(MIB / 2, Math.floor(free / 16)));
  catalog.limitWal(walLimit);
  const walPath = `${resolve(catalog.path)}-wal`;
  return {
    dir,
    walLimit,
    walBytes: () => {
      try {
        return Deno.statSync(walPath).size;
      } catch {
        return 0;
      }
    },
  };
}

const MIB = 1024 * 1024;

/**
 * A dry run's plan: each planned song placed on the library, then on the
 * next directories as each one fills down to its reserve.
 */
async function dryRunReport(
  context: Context,
  summary: DownloadSummary,
  songIds: readonly number[],
  root: string,
  options: {
    top: QualityLabel | undefined;
    minFree: number;
    nextDirs: readonly string[];
  },
): Promise<void> {
  const roots = [root, ...options.nextDirs.map((d) => resolve(d))];
  const usage: BackendUsage[] = [];
  for (const dir of roots) {
    const known = findLocalBackend(context.catalog, dir);
    let freeBytes: number | undefined;
    try {
      freeBytes = await context.freeSpace(dir);
    } catch {
      freeBytes = undefined;
    }
    usage.push({
      name: known?.name ?? "",
      root: dir,
      active: dir === root,
      files: 0,
      bytes: 0,
      freeBytes,
    });
  }
  let current = 0;
  const sizes = new SizeEstimator(
    context.catalog,
    context.sources,
    options.top,
  );
  for (const songId of songIds) {
    const song = songInfoFromRow(loadSong(context, songId));
    const { bytes, estimated, refusal } = sizes.estimate(song);
    if (estimated) summary.estimatedBytes += bytes;
    if (refusal) summary.refusalsExpected++;
    // fill each directory down to its reserve, then the next one
    while (
      current < usage.length - 1 &&
      usage[current]!.freeBytes !== undefined &&
      usage[current]!.bytes + bytes + options.minFree >
        usage[current]!.freeBytes!
    ) current++;
    const target = usage[current]!;
    target.files++;
    target.bytes += bytes;
    summary.plan.push({
      platform: song.platform,
      remoteId: song.remoteId,
      title: songTitle(song),
      expectedBytes: bytes,
      estimated,
      root: target.root,
    });
  }
  summary.backends = usage;
  const last = usage[usage.length - 1]!;
  if (
    last.freeBytes !== undefined &&
    last.bytes + options.minFree > last.freeBytes
  ) {
    summary.noSpace = {
      directory: last.root,
      freeBytes: last.freeBytes,
      neededBytes: last.bytes + options.minFree,
      message: `the plan does not fit: ${last.root} has ${
        formatBytes(last.freeBytes)
      } free for ${formatBytes(last.bytes)} plus --min-free ${
        formatBytes(options.minFree)
      }; a real run would ask for another directory (or give --next-dir DIR)`,
    };
  }
}
