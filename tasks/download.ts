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
 * @module
 */
import { resolve } from "node:path";
import {
  claimTask,
  finishTask,
  isTerminalState,
  recordDownload,
  releaseTask,
  renewLease,
  TERMINAL_STATES,
  type TerminalState,
} from "../catalog/download_tasks.ts";
import { songById, songInfoFromRow, type SongRow } from "../catalog/songs.ts";
import {
  activateLocalBackend,
  activeLocalBackend,
  type BackendRow,
  findLocalBackend,
  locatorTaken,
} from "../catalog/storage.ts";
import type { Fetch } from "../sources/http.ts";
import {
  type DownloadOffer,
  isQualityLabel,
  type Platform,
  type PoolKind,
  QUALITY_LABELS,
  type QualityLabel,
  type SongInfo,
  type Source,
} from "../sources/types.ts";
import type { OpenFile } from "../storage/local.ts";
import { foldKey, resolveInside, songLocator } from "../storage/names.ts";
import {
  type BackendSwitch,
  type NoSpaceStop,
  type Reservation,
  SpaceController,
} from "../storage/space.ts";
import { type Context, contextPlatforms, sourcesFor } from "./context.ts";
import { isNoSpace } from "../storage/errors.ts";
import { UsageError } from "./errors.ts";
import { formatBytes, formatDuration } from "./format.ts";
import { splitList } from "./options.ts";
import { type RunStatus, runStatus } from "./outcome.ts";
import { transferOffer } from "./_transfer.ts";
import {
  expectedBytes,
  planDownloads,
  unknownPlaylists,
} from "./_download_plan.ts";
import {
  OfferLadder,
  type OfferOutcome,
  offerOutcomeOf,
  refusalOutcome,
  type SongOutcome,
} from "./_offer_ladder.ts";

/** The quality a run asks for: `best` (no cap) or a label to start the ladder at. */
export type QualityChoice = "best" | QualityLabel;

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

/** What a run did on one storage backend. */
export interface BackendUsage {
  /** The backend's name (`local-1`; empty in a dry run for a new directory). */
  name: string;
  /** Its root. */
  root: string;
  /** Whether new files go there at the end of the run. */
  active: boolean;
  /** Files downloaded there in this run (planned, in a dry run). */
  files: number;
  /** Their bytes (expected, in a dry run). */
  bytes: number;
  /** Bytes free there at the end of the run (at planning, in a dry run). */
  freeBytes: number | undefined;
}

/** A song that did not download, and why. */
export interface DownloadFailure {
  /** The platform. */
  platform: Platform;
  /** The platform's id of the song. */
  remoteId: string;
  /** Artists and title. */
  title: string;
  /** The state the task ended in. */
  state: TerminalState | "pending";
  /** Why. */
  error: string;
}

/** A song of a dry run's plan. */
export interface PlannedSong {
  /** The platform. */
  platform: Platform;
  /** The platform's id of the song. */
  remoteId: string;
  /** Artists and title. */
  title: string;
  /** Bytes expected. */
  expectedBytes: number;
  /** The directory it would go to. */
  root: string;
}

/** The summary of `download()`. */
export interface DownloadSummary {
  /** How the run ended (`noSpace` says whether it stopped for lack of space). */
  status: RunStatus;
  /** Whether this was a dry run (nothing written). */
  dryRun: boolean;
  /** The quality asked for. */
  quality: QualityChoice;
  /** Songs the selection matched. */
  selected: number;
  /** Songs planned for download. */
  planned: number;
  /** Songs downloaded. */
  downloaded: number;
  /** Songs skipped because their file is there. */
  skippedOwned: number;
  /** Songs skipped because their task ended in a state not retried. */
  skippedTerminal: number;
  /** Songs another process is downloading. */
  busy: number;
  /** Locations found missing (file vanished or changed size) and marked so. */
  missing: number;
  /** Downloads by the quality label served. */
  byQuality: Record<string, number>;
  /** Songs downloaded after at least one offer was rejected. */
  fallbacks: number;
  /** Offers rejected (preview, empty URL, 403/404, wrong length, MD5 or magic). */
  rejectedOffers: number;
  /** Songs only VIP can download. */
  vipOnly: number;
  /** Songs without any usable file (no copyright, taken down). */
  unavailable: number;
  /** Songs refused by rate limiting or risk control. */
  rateLimited: number;
  /** Songs that failed otherwise. */
  failed: number;
  /** Transfers that kept failing; their `.part` is kept and the next run resumes them. */
  retryLater: number;
  /** Planned songs not started (platform stopped, out of space, interrupted). */
  notStarted: number;
  /** Bytes downloaded (resumed bytes included). */
  bytes: number;
  /** Bytes taken over from interrupted transfers. */
  resumedBytes: number;
  /** Per backend. */
  backends: BackendUsage[];
  /** Switches to a new directory when space ran low. */
  switches: BackendSwitch[];
  /** Songs that did not download, and why. */
  failures: DownloadFailure[];
  /** Platforms that stopped early, and why. */
  platformErrors: Partial<Record<Platform, string>>;
  /** Set when the run stopped because space ran out with no directory left. */
  noSpace: (NoSpaceStop & { message: string }) | undefined;
  /** `--playlist` references that are not synced in the catalog. */
  unknownPlaylists: string[];
  /** A dry run's plan (empty otherwise). */
  plan: PlannedSong[];
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

interface Job {
  songId: number;
  row: SongRow;
  song: SongInfo;
  source: Source;
}

interface Active {
  label: string;
  bytes: number;
  total: number | undefined;
}

/** Downloads the selected songs. */
export async function download(
  context: Context,
  options: DownloadOptions = {},
): Promise<DownloadSummary> {
  const started = context.now();
  const catalog = context.catalog;
  const platforms = options.platforms ?? contextPlatforms(context);
  const quality = options.quality ?? DOWNLOAD_DEFAULTS.quality;
  const top = quality === "best" ? undefined : quality;
  const minFree = options.minFree ?? DOWNLOAD_DEFAULTS.minFree;
  const dryRun = options.dryRun ?? false;
  const summary = emptySummary(quality, dryRun);
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
  });
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
    summary.durationMs = context.now() - started;
    return summary;
  }

  await Deno.mkdir(root, { recursive: true });
  const first = activateLocalBackend(catalog, root, context.now());
  const run = new Run(context, options, summary, sources, top, first);
  await run.execute(plan.songIds);
  summary.durationMs = context.now() - started;
  return summary;
}

function emptySummary(
  quality: QualityChoice,
  dryRun: boolean,
): DownloadSummary {
  return {
    status: "ok",
    dryRun,
    quality,
    selected: 0,
    planned: 0,
    downloaded: 0,
    skippedOwned: 0,
    skippedTerminal: 0,
    busy: 0,
    missing: 0,
    byQuality: {},
    fallbacks: 0,
    rejectedOffers: 0,
    vipOnly: 0,
    unavailable: 0,
    rateLimited: 0,
    failed: 0,
    retryLater: 0,
    notStarted: 0,
    bytes: 0,
    resumedBytes: 0,
    backends: [],
    switches: [],
    failures: [],
    platformErrors: {},
    noSpace: undefined,
    unknownPlaylists: [],
    plan: [],
    durationMs: 0,
  };
}

function loadSong(context: Context, songId: number): SongRow {
  const row = songById(context.catalog, songId);
  if (!row) throw new Error(`Song ${songId} vanished from the catalog`);
  return row;
}

function songTitle(song: SongInfo): string {
  return song.artistNames ? `${song.artistNames} - ${song.title}` : song.title;
}

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

/** One download run: workers, space, progress and the summary. */
class Run {
  readonly #context: Context;
  readonly #summary: DownloadSummary;
  readonly #sources: Map<Platform, Source>;
  readonly #top: QualityLabel | undefined;
  readonly #space: SpaceController;
  readonly #owner: string;
  readonly #ttl: number;
  readonly #concurrency: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxResolves: number;
  readonly #fetch: Fetch;
  readonly #openFile: OpenFile | undefined;
  readonly #stopped = new Map<Platform, string>();
  readonly #inFlightNames = new Set<string>();
  readonly #active = new Map<number, Active>();
  readonly #perBackend = new Map<number, BackendUsage>();
  #queue: number[] = [];
  #next = 0;
  #finished = 0;
  #lastShown = -Infinity;
  readonly #startedAt: number;

  constructor(
    context: Context,
    options: DownloadOptions,
    summary: DownloadSummary,
    sources: Map<Platform, Source>,
    top: QualityLabel | undefined,
    first: BackendRow,
  ) {
    this.#context = context;
    this.#startedAt = context.now();
    this.#summary = summary;
    this.#sources = sources;
    this.#top = top;
    this.#owner = options.leaseOwner ?? crypto.randomUUID();
    this.#ttl = options.leaseTtlMs ?? DOWNLOAD_DEFAULTS.leaseTtlMs;
    this.#concurrency = Math.max(
      1,
      options.concurrency ?? DOWNLOAD_DEFAULTS.concurrency,
    );
    this.#retries = options.retries ?? DOWNLOAD_DEFAULTS.retries;
    this.#backoffMs = options.backoffMs ?? DOWNLOAD_DEFAULTS.backoffMs;
    this.#maxResolves = options.maxResolves ?? DOWNLOAD_DEFAULTS.maxResolves;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#openFile = options.openFile;
    this.#space = new SpaceController({
      catalog: context.catalog,
      active: first,
      freeSpace: context.freeSpace,
      prompt: context.prompt,
      log: context.log,
      now: context.now,
      minFree: options.minFree ?? DOWNLOAD_DEFAULTS.minFree,
      nextDirs: options.nextDirs ?? [],
      beforePrompt: () => context.progress.clear(),
    });
    this.#usage(first);
  }

  async execute(songIds: number[]): Promise<void> {
    this.#queue = songIds;
    const summary = this.#summary;
    this.#show(true);
    await Promise.all(
      Array.from({ length: this.#concurrency }, () => this.#worker()),
    );
    this.#context.progress.clear();
    summary.notStarted += Math.max(0, this.#queue.length - this.#next);
    summary.switches = [...this.#space.switches];
    for (const [platform, error] of this.#stopped) {
      summary.platformErrors[platform] = error;
    }
    const stop = this.#space.stopped;
    if (stop) {
      summary.noSpace = {
        ...stop,
        message: `out of space in ${stop.directory} (${
          formatBytes(stop.freeBytes)
        } free, ${
          formatBytes(stop.neededBytes)
        } needed) and no directory to continue in. Nothing is lost: rerun with --next-dir DIR (or --library DIR) to continue there`,
      };
    }
    const activeId = this.#space.active.id;
    for (const [id, usage] of this.#perBackend) {
      usage.active = id === activeId;
      try {
        usage.freeBytes = await this.#context.freeSpace(usage.root);
      } catch {
        usage.freeBytes = undefined;
      }
    }
    summary.backends = [...this.#perBackend.values()];
    summary.status = runStatus({
      interrupted: this.#context.signal?.aborted ?? false,
      failedUnits: summary.failed + summary.rateLimited + summary.retryLater +
        this.#stopped.size + (stop ? 1 : 0),
      succeededUnits: summary.downloaded + summary.skippedOwned,
      totalUnits: summary.planned,
    });
  }

  #take(): number | undefined {
    return this.#next < this.#queue.length
      ? this.#queue[this.#next++]
      : undefined;
  }

  #requeue(songId: number): void {
    this.#queue.splice(this.#next, 0, songId);
  }

  async #worker(): Promise<void> {
    const context = this.#context;
    for (;;) {
      if (context.signal?.aborted || this.#space.stopped) return;
      const songId = this.#take();
      if (songId === undefined) return;
      const row = loadSong(context, songId);
      if (this.#stopped.has(row.platform)) {
        this.#summary.notStarted++;
        continue;
      }
      const source = this.#sources.get(row.platform);
      if (!source) continue;
      const song = songInfoFromRow(row);
      const reservation = await this.#space.acquire(
        expectedBytes(song, this.#top),
      );
      if (!reservation) {
        this.#requeue(songId);
        return;
      }
      try {
        if (
          !claimTask(
            context.catalog,
            songId,
            this.#owner,
            this.#summary.quality,
            context.now(),
            this.#ttl,
          )
        ) {
          this.#summary.busy++;
          continue;
        }
        const outcome = await this.#downloadSong(
          { songId, row, song, source },
          reservation,
        );
        this.#settle({ songId, row, song, source }, outcome, reservation);
      } finally {
        this.#space.release(reservation);
      }
      this.#show();
    }
  }

  /** Records what happened to a claimed song. */
  #settle(job: Job, outcome: SongOutcome, reservation: Reservation): void {
    const context = this.#context;
    const catalog = context.catalog;
    const summary = this.#summary;
    const now = context.now();
    const fail = (state: DownloadFailure["state"], error: string) =>
      summary.failures.push({
        platform: job.row.platform,
        remoteId: job.row.remote_song_id,
        title: songTitle(job.song),
        state,
        error,
      });
    switch (outcome.kind) {
      case "done": {
        this.#finished++;
        summary.downloaded++;
        summary.bytes += outcome.bytes;
        summary.resumedBytes += outcome.resumedBytes;
        const label = outcome.offer.quality;
        summary.byQuality[label] = (summary.byQuality[label] ?? 0) + 1;
        if (outcome.rejected.length > 0) {
          summary.fallbacks++;
          context.log.debug(
            `${job.row.platform}:${job.row.remote_song_id}: fell back to ${outcome.offer.level} after ${
              outcome.rejected.join("; ")
            }`,
          );
        }
        const usage = this.#usage(outcome.backend);
        usage.files++;
        usage.bytes += outcome.bytes;
        return;
      }
      case "terminal": {
        this.#finished++;
        finishTask(catalog, job.songId, this.#owner, {
          state: outcome.state,
          error: outcome.error,
        }, now);
        if (outcome.state === "vip_only") summary.vipOnly++;
        else if (outcome.state === "unavailable") summary.unavailable++;
        else if (outcome.state === "rate_limited") summary.rateLimited++;
        else summary.failed++;
        fail(outcome.state, outcome.error);
        if (outcome.stopPlatform && !this.#stopped.has(job.row.platform)) {
          this.#stopped.set(job.row.platform, outcome.stopPlatform);
          context.log.warn(
            `${job.row.platform}: downloads stopped: ${outcome.stopPlatform}`,
          );
        } else if (outcome.state === "failed") {
          context.log.warn(
            `${job.row.platform}:${job.row.remote_song_id} (${
              songTitle(job.song)
            }): ${outcome.error}`,
          );
        }
        return;
      }
      case "retry_later":
        releaseTask(catalog, job.songId, this.#owner, now, outcome.error);
        summary.retryLater++;
        fail("pending", outcome.error);
        context.log.warn(
          `${job.row.platform}:${job.row.remote_song_id}: ${outcome.error}`,
        );
        return;
      case "no_space":
        releaseTask(
          catalog,
          job.songId,
          this.#owner,
          now,
          "the disk filled up during the transfer",
        );
        this.#space.markFull(reservation.backend);
        this.#requeue(job.songId);
        context.log.warn(
          `the disk holding ${reservation.backend.container_name} is full (ENOSPC); the file is removed and will be downloaded again`,
        );
        return;
      case "interrupted":
        releaseTask(catalog, job.songId, this.#owner, now, "interrupted");
        this.#requeue(job.songId);
        return;
      case "lease_lost":
        context.log.warn(
          `${job.row.platform}:${job.row.remote_song_id}: another process took this song over (our lease expired)`,
        );
        return;
    }
  }

  async #downloadSong(
    job: Job,
    reservation: Reservation,
  ): Promise<SongOutcome> {
    const context = this.#context;
    const ladder = new OfferLadder(job.song, this.#maxResolves);
    const offers = () =>
      job.source.downloadOffers(job.song, {
        ...(this.#top ? { top: this.#top } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
      })[Symbol.asyncIterator]();
    let iterator = offers();
    try {
      for (;;) {
        let step: IteratorResult<DownloadOffer>;
        try {
          step = await iterator.next();
        } catch (error) {
          if (context.signal?.aborted) return { kind: "interrupted" };
          return refusalOutcome(job.row.platform, error, ladder.rejected);
        }
        if (step.done) break;
        const offer = step.value;
        const verdict = ladder.consider(offer);
        if (verdict === "rejected") this.#summary.rejectedOffers++;
        if (verdict !== "transfer") continue;
        const result = await this.#transfer(job, offer, reservation.backend);
        const next = ladder.afterTransfer(offer, result);
        if (next.kind === "rejected") {
          this.#summary.rejectedOffers++;
          continue;
        }
        if (next.kind === "resolve_again") {
          context.log.debug(
            `${job.row.platform}:${job.row.remote_song_id}: ${next.reason}; resolving the offers again`,
          );
          await iterator.return?.().catch(() => {});
          iterator = offers();
          continue;
        }
        return next.outcome;
      }
    } finally {
      await iterator.return?.().catch(() => {});
    }
    return ladder.exhausted();
  }

  /** Fetches one offer into the backend; records it when it is complete and checked. */
  async #transfer(
    job: Job,
    offer: DownloadOffer,
    backend: BackendRow,
  ): Promise<OfferOutcome> {
    const context = this.#context;
    const catalog = context.catalog;
    const { locator, key } = this.#chooseLocator(job, offer, backend);
    this.#inFlightNames.add(key);
    const label = `${job.row.platform} ${songTitle(job.song)} (${offer.level})`;
    const active: Active = { label, bytes: 0, total: offer.sizeBytes };
    this.#active.set(job.songId, active);
    let renewedAt = context.now();
    try {
      const path = resolveInside(backend.container_name, locator);
      let result;
      try {
        result = await transferOffer(path, offer, {
          fetch: this.#fetch,
          sleep: context.sleep,
          signal: context.signal,
          openFile: this.#openFile,
          retries: this.#retries,
          backoffMs: this.#backoffMs,
          now: context.now,
          onBytes: (bytes, total) => {
            active.bytes = bytes;
            active.total = total;
            const now = context.now();
            if (now - renewedAt >= this.#ttl / 3) {
              if (
                !renewLease(catalog, job.songId, this.#owner, now, this.#ttl)
              ) return false;
              renewedAt = now;
            }
            this.#show();
            return true;
          },
          onRetry: (reason, attempt, delayMs) =>
            context.log.debug(
              `${job.row.platform}:${job.row.remote_song_id}: ${reason}; retry ${attempt}/${this.#retries} in ${delayMs} ms`,
            ),
        });
      } catch (error) {
        if (isNoSpace(error)) return { kind: "no_space" };
        throw error;
      }
      if (result.kind !== "ok") return offerOutcomeOf(result);
      const { part, file } = result;
      const recorded = recordDownload(catalog, {
        owner: this.#owner,
        asset: {
          songId: job.songId,
          quality: offer.quality,
          platformQuality: offer.level,
          extension: offer.extension,
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
          md5: file.md5,
          bitrateKbps: offer.bitrateKbps,
        },
        location: {
          backendId: backend.id,
          containerName: backend.container_name,
          locator,
        },
        now: context.now(),
      }, () => part.commit());
      if (!recorded) {
        await part.keep();
        return { kind: "lease_lost" };
      }
      return {
        kind: "done",
        offer,
        bytes: file.sizeBytes,
        resumedBytes: result.resumedBytes,
        backend,
      };
    } finally {
      this.#inFlightNames.delete(key);
      this.#active.delete(job.songId);
    }
  }

  #chooseLocator(
    job: Job,
    offer: DownloadOffer,
    backend: BackendRow,
  ): { locator: string; key: string } {
    const parts = {
      platform: job.row.platform,
      remoteId: job.row.remote_song_id,
      title: job.song.title,
      artistNames: job.song.artistNames,
    };
    for (let counter = 1;; counter++) {
      const locator = songLocator(parts, offer.extension, counter);
      const key = `${backend.id}:${foldKey(locator)}`;
      if (
        !this.#inFlightNames.has(key) &&
        !locatorTaken(this.#context.catalog, backend.id, locator, job.songId)
      ) return { locator, key };
    }
  }

  #usage(backend: BackendRow): BackendUsage {
    let usage = this.#perBackend.get(backend.id);
    if (!usage) {
      usage = {
        name: backend.name,
        root: backend.container_name,
        active: true,
        files: 0,
        bytes: 0,
        freeBytes: undefined,
      };
      this.#perBackend.set(backend.id, usage);
    }
    return usage;
  }

  #show(force = false): void {
    const now = this.#context.now();
    if (!force && now - this.#lastShown < 100) return;
    this.#lastShown = now;
    const summary = this.#summary;
    const inFlight = [...this.#active.values()];
    const bytes = summary.bytes +
      inFlight.reduce((n, a) => n + a.bytes, 0);
    const elapsed = Math.max(1, now - this.#startedAt);
    const rate = (bytes - summary.resumedBytes) / (elapsed / 1000);
    const left = this.#queue.length - this.#finished;
    const lines = [
      `download ${this.#finished}/${this.#queue.length} songs · ${
        formatBytes(bytes)
      } · ${formatBytes(rate)}/s${
        left > 0 && summary.downloaded > 0
          ? ` · ETA ${
            formatDuration(
              (elapsed / Math.max(1, this.#finished)) * left,
            )
          }`
          : ""
      } · ${this.#space.active.container_name}`,
    ];
    for (const a of inFlight) {
      const pct = a.total ? ` ${Math.floor((a.bytes / a.total) * 100)}%` : "";
      lines.push(
        `  ${a.label}${pct} ${formatBytes(a.bytes)}${
          a.total ? `/${formatBytes(a.total)}` : ""
        }`,
      );
    }
    this.#context.progress.status(lines);
  }
}

/** `--quality`: `best` or a quality label. */
export function parseQuality(value: string | undefined): QualityChoice {
  if (value === undefined) return DOWNLOAD_DEFAULTS.quality;
  const choice = value.trim().toLowerCase();
  if (choice === "best" || isQualityLabel(choice)) return choice;
  throw new UsageError(
    `Invalid --quality '${value}': expected best, lossless, 320k or 128k (or ${
      QUALITY_LABELS.filter((q) => !["lossless", "320k", "128k"].includes(q))
        .join(", ")
    })`,
  );
}

/** `--retry`: terminal states, repeatable or comma-separated. */
export function parseRetry(
  values: string | readonly string[] | undefined,
): TerminalState[] {
  const out: TerminalState[] = [];
  for (const item of splitList(values)) {
    const state = item.toLowerCase();
    if (!isTerminalState(state)) {
      throw new UsageError(
        `Invalid --retry '${item}': expected one of ${
          TERMINAL_STATES.join(", ")
        }`,
      );
    }
    if (!out.includes(state)) out.push(state);
  }
  return out;
}

/** The text form of a download summary. */
export function formatDownloadSummary(summary: DownloadSummary): string {
  const lines: string[] = [];
  if (summary.dryRun) {
    lines.push(
      `download plan (dry run, nothing written): ${summary.planned} songs to download, ${summary.skippedOwned} owned, ${summary.skippedTerminal} in states not retried, ${summary.busy} busy in another process`,
    );
    for (const b of summary.backends) {
      lines.push(
        `  ${b.name || "new backend"} ${b.root}: ${b.files} files, ${
          formatBytes(b.bytes)
        } expected, ${
          b.freeBytes === undefined
            ? "free space unknown"
            : `${formatBytes(b.freeBytes)} free`
        }`,
      );
    }
    for (const song of summary.plan.slice(0, 20)) {
      lines.push(
        `  ${song.platform}:${song.remoteId} ${song.title} (${
          formatBytes(song.expectedBytes)
        })`,
      );
    }
    if (summary.plan.length > 20) {
      lines.push(`  … and ${summary.plan.length - 20} more songs`);
    }
    if (summary.noSpace) lines.push(`  ${summary.noSpace.message}`);
    return lines.join("\n");
  }
  lines.push(
    `download ${summary.status}: ${summary.downloaded} downloaded (${
      formatBytes(summary.bytes)
    }), ${summary.skippedOwned} owned, ${summary.planned} planned of ${summary.selected} selected (${
      formatDuration(summary.durationMs)
    })`,
  );
  const qualities = Object.entries(summary.byQuality).map(([q, n]) =>
    `${q} ${n}`
  );
  if (qualities.length > 0) lines.push(`  by quality: ${qualities.join(", ")}`);
  lines.push(
    `  fallbacks ${summary.fallbacks} (${summary.rejectedOffers} offers rejected), vip_only ${summary.vipOnly}, unavailable ${summary.unavailable}, rate_limited ${summary.rateLimited}, failed ${summary.failed}, to resume ${summary.retryLater}`,
  );
  if (summary.skippedTerminal > 0) {
    lines.push(
      `  ${summary.skippedTerminal} songs skipped in states not retried (--retry vip_only|unavailable|rate_limited|failed)`,
    );
  }
  if (summary.busy > 0) {
    lines.push(`  ${summary.busy} songs being downloaded by another process`);
  }
  if (summary.missing > 0) {
    lines.push(`  ${summary.missing} files found missing and planned again`);
  }
  if (summary.resumedBytes > 0) {
    lines.push(
      `  ${
        formatBytes(summary.resumedBytes)
      } resumed from interrupted transfers`,
    );
  }
  for (const b of summary.backends) {
    lines.push(
      `  ${b.name} ${b.root}${b.active ? " (active)" : ""}: ${b.files} files, ${
        formatBytes(b.bytes)
      } this run${
        b.freeBytes === undefined ? "" : `, ${formatBytes(b.freeBytes)} free`
      }`,
    );
  }
  for (const s of summary.switches) {
    lines.push(
      `  switched from ${s.from} to ${s.to} (${s.name}, ${
        s.via === "next-dir" ? "--next-dir" : "answered on stdin"
      })`,
    );
  }
  for (const [platform, error] of Object.entries(summary.platformErrors)) {
    lines.push(`  ${platform} stopped: ${error}`);
  }
  // VIP-only and unavailable songs are the platforms' answer, not errors:
  // counted above, listed in --json
  const actionable = summary.failures.filter((f) =>
    f.state !== "vip_only" && f.state !== "unavailable"
  );
  for (const f of actionable.slice(0, 20)) {
    lines.push(
      `  ${f.state} ${f.platform}:${f.remoteId} (${f.title}): ${f.error}`,
    );
  }
  if (actionable.length > 20) {
    lines.push(`  … and ${actionable.length - 20} more`);
  }
  if (summary.notStarted > 0) {
    lines.push(
      `  ${summary.notStarted} planned songs not started; a rerun continues`,
    );
  }
  if (summary.noSpace) lines.push(`  stopped: ${summary.noSpace.message}`);
  return lines.join("\n");
}
