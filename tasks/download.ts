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
 *   that is renewed while the file downloads, so two processes on one
 *   catalog never fetch the same song and a crashed process's songs are
 *   taken over once its leases expire.
 * - **Quality**: offers come best first from the source; a preview, an
 *   empty URL, a 403/404, or a body that is not what was offered (length,
 *   MD5, magic bytes) falls to the next offer. An expired URL is resolved
 *   again.
 * - **Integrity**: bodies stream into `<final>.part`, hashed as they are
 *   written, are checked, synced and renamed into place, and recorded
 *   (`file_assets`, `file_locations`) in the transaction that completes
 *   the task. An interrupted `.part` resumes with `Range`.
 * - **Free space**: before each file the active backend's free space is
 *   checked; when it runs low the run moves to the next directory (from
 *   `nextDirs` or asked on stdin) or stops cleanly (`noSpace`).
 *
 * The stage's parts: `_download_plan.ts` (selection and plan),
 * `_download_run.ts` (workers and settling), `_download_song.ts` (one
 * song's offers), `_offer_ladder.ts` (the ladder's decisions),
 * `_transfer.ts` (one file's fetch), `_space_policy.ts` (low space) and
 * `_download_progress.ts` (the progress lines); `download_summary.ts`
 * holds the summary's types, re-exported here.
 *
 * @module
 */
import { resolve } from "node:path";
import type { TerminalState } from "../catalog/download_tasks.ts";
import { songInfoFromRow } from "../catalog/songs.ts";
import {
  activateLocalBackend,
  activeLocalBackend,
  findLocalBackend,
} from "../catalog/storage.ts";
import { backendHasFiles } from "../catalog/backends.ts";
import type { Fetch } from "../sources/http.ts";
import type { Platform, PoolKind, QualityLabel } from "../sources/types.ts";
import type { OpenFile } from "../storage/local.ts";
import { rootState } from "../storage/local_backend.ts";
import { type Context, sourcesFor } from "./context.ts";
import {
  type BackendUsage,
  type DownloadSummary,
  emptyDownloadSummary,
  type QualityChoice,
} from "./download_summary.ts";
import { formatBytes } from "./format.ts";
import {
  expectedBytes,
  planDownloads,
  unknownPlaylists,
} from "./_download_plan.ts";
import { DownloadRun, loadSong } from "./_download_run.ts";
import { songTitle } from "./_download_song.ts";
import { finishStage, startStage } from "./_stage.ts";

export type {
  BackendSwitch,
  BackendUsage,
  DownloadFailure,
  DownloadSummary,
  NoSpaceStop,
  PlannedSong,
  QualityChoice,
} from "./download_summary.ts";

/** Options of `download()`. */
export interface DownloadOptions {
  /** Songs of these platforms. @default the platforms the context has sources for */
  platforms?: readonly Platform[];
  /** Only songs of these playlists. @default every synced song */
  playlists?: ReadonlyArray<{ platform: Platform; remoteId: string }>;
  /** Only songs of playlists listed by pools of these kinds. @default any */
  pools?: readonly PoolKind[];
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
  /** The lease owner of this run. @default a random id */
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
    ownedLocal: options.owned === "local",
    redownloadOffline: options.redownloadOffline ?? false,
  });
  reportOffline(context, summary, plan.offline, options.redownloadOffline);
  summary.selected = plan.selected;
  summary.planned = plan.songIds.length;
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
  await Deno.mkdir(root, { recursive: true });
  const first = activateLocalBackend(catalog, root, context.now());
  const run = new DownloadRun(
    context,
    {
      owner: options.leaseOwner ?? crypto.randomUUID(),
      leaseTtlMs: options.leaseTtlMs ?? DOWNLOAD_DEFAULTS.leaseTtlMs,
      top,
      retries: options.retries ?? DOWNLOAD_DEFAULTS.retries,
      backoffMs: options.backoffMs ?? DOWNLOAD_DEFAULTS.backoffMs,
      maxResolves: options.maxResolves ?? DOWNLOAD_DEFAULTS.maxResolves,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      openFile: options.openFile,
      concurrency: Math.max(
        1,
        options.concurrency ?? DOWNLOAD_DEFAULTS.concurrency,
      ),
      minFree,
      nextDirs: options.nextDirs ?? [],
    },
    summary,
    sources,
    first,
  );
  return finishStage(context, start, summary, await run.execute(plan.songIds));
}

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
  for (const songId of songIds) {
    const song = songInfoFromRow(loadSong(context, songId));
    const bytes = expectedBytes(song, options.top);
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

/**
 * Says once per run which local backends are offline and how many selected
 * songs they hold (not marked missing; downloaded again only when asked).
 */
function reportOffline(
  context: Context,
  summary: DownloadSummary,
  offline: ReadonlyMap<string, number>,
  redownload: boolean | undefined,
): void {
  for (const [root, songs] of offline) {
    const name = findLocalBackend(context.catalog, root)?.name ?? "";
    summary.offline.push({ name, root, songs });
    context.log.warn(
      `storage backend ${name} (${root}) is offline: ${songs} selected songs have their file there; ${
        redownload
          ? "downloading them again (--redownload-offline)"
          : "they are not marked missing and not downloaded again (plug the disk in, 'catalogsync storage relocate " +
            `${name} NEW_ROOT' if it moved, or --redownload-offline)`
      }`,
    );
  }
}

/**
 * Refuses to recreate the active library's root when it is offline (a
 * moved folder, an unplugged disk) and holds files: downloads would land
 * in an empty folder in its place.
 */
async function refuseOfflineLibrary(
  context: Context,
  root: string,
): Promise<void> {
  const active = activeLocalBackend(context.catalog);
  if (!active || active.container_name !== root) return;
  const state = await rootState(root);
  if (state === "present") return;
  if (!backendHasFiles(context.catalog, active.id)) return;
  throw new Error(
    `The library ${root} (${active.name}) is offline (${
      state === "empty"
        ? "an empty folder: a mount point without its disk?"
        : "not there"
    }): plug its disk in, run 'catalogsync storage relocate ${active.name} NEW_ROOT' if it moved, or give --library DIR`,
  );
}
