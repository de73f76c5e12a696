/**
 * One download run: a bounded number of workers take planned songs in
 * order, reserve room for each on the active backend (the space policy),
 * claim its task, fetch it (`SongFetcher`), and settle what happened in the
 * catalog and the summary.
 *
 * @module
 */
import {
  claimTask,
  finishTask,
  releaseTask,
} from "../catalog/download_tasks.ts";
import { songById, songInfoFromRow, type SongRow } from "../catalog/songs.ts";
import type { BackendRow } from "../catalog/storage.ts";
import type { Platform, SongInfo, Source } from "../sources/types.ts";
import type { Context } from "./context.ts";
import type {
  BackendUsage,
  DownloadFailure,
  DownloadSummary,
} from "./download_summary.ts";
import { formatBytes } from "./format.ts";
import { expectedBytes } from "./_download_plan.ts";
import { DownloadProgress } from "./_download_progress.ts";
import { OfferBatches } from "./_offer_batches.ts";
import {
  type FetchSettings,
  type Job,
  SongFetcher,
  songTitle,
} from "./_download_song.ts";
import type { SongOutcome } from "./_offer_ladder.ts";
import { type Reservation, SpaceController } from "./_space_policy.ts";
import type { PlatformProgress } from "./_progress.ts";
import type { StageUnits } from "./_stage.ts";

/** How a run works: what `download()` resolved from its options. */
export interface RunSettings extends FetchSettings {
  /** Files downloaded at once. */
  concurrency: number;
  /** Bytes to keep free on a backend. */
  minFree: number;
  /** Directories to continue in, in order, when space runs low. */
  nextDirs: readonly string[];
}

/** A planned song's row, failing clearly when it left the catalog. */
export function loadSong(context: Context, songId: number): SongRow {
  const row = songById(context.catalog, songId);
  if (!row) throw new Error(`Song ${songId} vanished from the catalog`);
  return row;
}

/** One download run: workers, space, progress and the summary. */
export class DownloadRun {
  readonly #context: Context;
  readonly #summary: DownloadSummary;
  readonly #sources: ReadonlyMap<Platform, Source>;
  readonly #settings: RunSettings;
  readonly #space: SpaceController;
  readonly #progress: DownloadProgress;
  readonly #fetcher: SongFetcher;
  /** Offers of the songs the workers take next, resolved together. */
  readonly #batches: OfferBatches;
  readonly #stopped = new Map<Platform, string>();
  readonly #perBackend = new Map<number, BackendUsage>();
  #queue: number[] = [];
  #next = 0;
  #platformOf: ReadonlyMap<number, Platform> = new Map();
  /** How far the queue was read for each platform's next songs. */
  readonly #scanned = new Map<Platform, number>();
  #finished = 0;
  /** Songs settled and planned per platform, for the progress line. */
  readonly #byPlatform = new Map<Platform, PlatformProgress>();

  /** A run that fills `summary`, starting on the backend `first`. */
  constructor(
    context: Context,
    settings: RunSettings,
    summary: DownloadSummary,
    sources: ReadonlyMap<Platform, Source>,
    first: BackendRow,
  ) {
    this.#context = context;
    this.#summary = summary;
    this.#sources = sources;
    this.#settings = settings;
    this.#progress = new DownloadProgress(
      context.progress,
      context.now,
      () => ({
        finished: this.#finished,
        queued: this.#queue.length,
        downloaded: summary.downloaded,
        bytes: summary.bytes,
        resumedBytes: summary.resumedBytes,
        directory: this.#space.active.container_name,
        platforms: this.#byPlatform,
      }),
    );
    this.#space = new SpaceController({
      catalog: context.catalog,
      active: first,
      freeSpace: context.freeSpace,
      prompt: context.prompt,
      log: context.log,
      now: context.now,
      minFree: settings.minFree,
      nextDirs: settings.nextDirs,
      beforePrompt: () => this.#progress.clear(),
    });
    this.#fetcher = new SongFetcher(context, settings, this.#progress, summary);
    this.#batches = new OfferBatches(sources, {
      upcoming: (platform, limit) => this.#upcoming(platform, limit),
    }, {
      top: settings.top,
      signal: context.signal,
      now: context.now,
      concurrency: settings.concurrency,
    });
    this.#usage(first);
  }

  /**
   * Downloads the planned songs, in order, and fills the summary in; returns
   * the units of work for its status. `platformOf` (each song's platform)
   * gives the progress line its counts per platform.
   */
  async execute(
    songIds: number[],
    platformOf: ReadonlyMap<number, Platform> = new Map(),
  ): Promise<StageUnits> {
    this.#queue = songIds;
    this.#platformOf = platformOf;
    for (const id of songIds) {
      const platform = platformOf.get(id);
      if (platform === undefined) continue;
      const counts = this.#byPlatform.get(platform) ??
        { done: 0, total: 0 };
      counts.total++;
      this.#byPlatform.set(platform, counts);
    }
    const summary = this.#summary;
    this.#progress.show(true);
    await Promise.all(
      Array.from({ length: this.#settings.concurrency }, () => this.#worker()),
    );
    this.#progress.clear();
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
    return {
      failed: summary.failed + summary.rateLimited + summary.retryLater +
        this.#stopped.size + (stop ? 1 : 0),
      succeeded: summary.downloaded + summary.skippedOwned,
      total: summary.planned,
    };
  }

  #take(): number | undefined {
    return this.#next < this.#queue.length
      ? this.#queue[this.#next++]
      : undefined;
  }

  #requeue(songId: number): void {
    this.#queue.splice(this.#next, 0, songId);
  }

  /**
   * The next `limit` songs of a platform in the queue, each given once;
   * from the songs the workers took last, which may not have asked yet.
   */
  #upcoming(platform: Platform, limit: number): SongInfo[] {
    const songs: SongInfo[] = [];
    const taken = this.#next - this.#settings.concurrency;
    let i = Math.max(taken, this.#scanned.get(platform) ?? 0);
    for (; i < this.#queue.length && songs.length < limit; i++) {
      const id = this.#queue[i]!;
      const known = this.#platformOf.get(id);
      if (known !== undefined && known !== platform) continue;
      const row = loadSong(this.#context, id);
      if (row.platform === platform) songs.push(songInfoFromRow(row));
    }
    this.#scanned.set(platform, i);
    return songs;
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
        expectedBytes(song, this.#settings.top),
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
            this.#settings.owner,
            this.#summary.quality,
            context.now(),
            this.#settings.leaseTtlMs,
          )
        ) {
          this.#summary.busy++;
          continue;
        }
        const prepared = this.#batches.offers(song);
        const job = {
          songId,
          row,
          song,
          source,
          ...(prepared && { prepared }),
        };
        const outcome = await this.#fetcher.fetch(job, reservation.backend);
        this.#settle(job, outcome, reservation);
      } finally {
        this.#space.release(reservation);
      }
      this.#progress.show();
    }
  }

  /** Records what happened to a claimed song. */
  #settle(job: Job, outcome: SongOutcome, reservation: Reservation): void {
    const context = this.#context;
    const catalog = context.catalog;
    const summary = this.#summary;
    const owner = this.#settings.owner;
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
        this.#settled(job.row.platform);
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
        this.#settled(job.row.platform);
        finishTask(catalog, job.songId, owner, {
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
        releaseTask(catalog, job.songId, owner, now, outcome.error);
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
          owner,
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
        releaseTask(catalog, job.songId, owner, now, "interrupted");
        this.#requeue(job.songId);
        return;
      case "lease_lost":
        context.log.warn(
          `${job.row.platform}:${job.row.remote_song_id}: another process took this song over (our lease expired)`,
        );
        return;
    }
  }

  #settled(platform: Platform): void {
    this.#finished++;
    const counts = this.#byPlatform.get(platform);
    if (counts) counts.done++;
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
}
