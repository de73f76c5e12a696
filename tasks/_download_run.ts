/**
 * One download run: a bounded number of workers take planned songs in
 * order, reserve room for each on the active backend (the space policy),
 * claim its task, fetch it (`SongFetcher`), and settle what happened in the
 * catalog and the summary.
 *
 * Each platform paces its own requests, so a worker takes the next song of
 * the platform with the fewest songs in progress (in plan order among
 * equals): every platform keeps a song in progress while it has songs
 * left, and no platform's pace waits behind another's.
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
import type { Platform, Source } from "../sources/types.ts";
import type { Context } from "./context.ts";
import type {
  BackendUsage,
  DownloadFailure,
  DownloadSummary,
} from "./download_summary.ts";
import { formatBytes } from "./format.ts";
import { DownloadProgress } from "./_download_progress.ts";
import {
  type FetchSettings,
  type Job,
  SongFetcher,
  songTitle,
} from "./_download_song.ts";
import type { SongOutcome } from "./_offer_ladder.ts";
import { SizeEstimator } from "./_size_estimate.ts";
import { type Reservation, SpaceController } from "./_space_policy.ts";
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

/** The planned songs of one platform: taken from `next` on, in plan order. */
interface PlatformQueue {
  /** Song ids. */
  ids: number[];
  /** Their positions in the plan. */
  positions: number[];
  /** The first song not taken yet. */
  next: number;
  /** Songs of the platform in progress. */
  running: number;
}

/** A song a worker took. */
interface Taken {
  songId: number;
  position: number;
  queue: PlatformQueue;
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
  readonly #sizes: SizeEstimator;
  readonly #stopped = new Map<Platform, string>();
  readonly #perBackend = new Map<number, BackendUsage>();
  #queues = new Map<Platform, PlatformQueue>();
  #planned = 0;
  #finished = 0;

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
        queued: this.#planned,
        downloaded: summary.downloaded,
        bytes: summary.bytes,
        resumedBytes: summary.resumedBytes,
        directory: this.#space.active.container_name,
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
    this.#sizes = new SizeEstimator(context.catalog, sources, settings.top);
    this.#usage(first);
  }

  /**
   * Downloads the planned songs, in order, and fills the summary in; returns
   * the units of work for its status.
   */
  async execute(
    songIds: readonly number[],
    platforms: readonly Platform[],
  ): Promise<StageUnits> {
    this.#planned = songIds.length;
    songIds.forEach((songId, position) => {
      const platform = platforms[position]!;
      let queue = this.#queues.get(platform);
      if (!queue) {
        queue = { ids: [], positions: [], next: 0, running: 0 };
        this.#queues.set(platform, queue);
      }
      queue.ids.push(songId);
      queue.positions.push(position);
    });
    const summary = this.#summary;
    this.#progress.show(true);
    await Promise.all(
      Array.from({ length: this.#settings.concurrency }, () => this.#worker()),
    );
    this.#progress.clear();
    for (const queue of this.#queues.values()) {
      summary.notStarted += queue.ids.length - queue.next;
    }
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

  /**
   * The next song of the platform with the fewest songs in progress (the
   * earliest planned among equals), counted in progress; `undefined` when
   * every queue is empty.
   */
  #take(): Taken | undefined {
    let best: PlatformQueue | undefined;
    for (const queue of this.#queues.values()) {
      if (queue.next >= queue.ids.length) continue;
      if (
        !best || queue.running < best.running ||
        (queue.running === best.running &&
          queue.positions[queue.next]! < best.positions[best.next]!)
      ) best = queue;
    }
    if (!best) return undefined;
    best.running++;
    const at = best.next++;
    return {
      songId: best.ids[at]!,
      position: best.positions[at]!,
      queue: best,
    };
  }

  /** Puts a taken song back at the head of its platform's queue. */
  #requeue(taken: Taken): void {
    const { queue } = taken;
    queue.ids.splice(queue.next, 0, taken.songId);
    queue.positions.splice(queue.next, 0, taken.position);
  }

  async #worker(): Promise<void> {
    const context = this.#context;
    for (;;) {
      if (context.signal?.aborted || this.#space.stopped) return;
      const taken = this.#take();
      if (taken === undefined) return;
      try {
        if (!await this.#song(taken)) return;
      } finally {
        taken.queue.running--;
      }
      this.#progress.show();
    }
  }

  /** Downloads one taken song; `false` when the worker has to stop. */
  async #song(taken: Taken): Promise<boolean> {
    const context = this.#context;
    const songId = taken.songId;
    const row = loadSong(context, songId);
    if (this.#stopped.has(row.platform)) {
      this.#summary.notStarted++;
      return true;
    }
    const source = this.#sources.get(row.platform);
    if (!source) return true;
    const song = songInfoFromRow(row);
    const size = this.#sizes.estimate(song);
    const reservation = await this.#space.acquire(size.bytes, size.estimated);
    if (!reservation) {
      this.#requeue(taken);
      return false;
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
        return true;
      }
      const job = { songId, row, song, source };
      const outcome = await this.#fetcher.fetch(
        job,
        reservation.backend,
        (written, total) => this.#space.progress(reservation, written, total),
      );
      this.#settle(job, outcome, reservation, taken);
    } finally {
      this.#space.release(reservation);
    }
    return true;
  }

  /** Records what happened to a claimed song. */
  #settle(
    job: Job,
    outcome: SongOutcome,
    reservation: Reservation,
    taken: Taken,
  ): void {
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
        this.#requeue(taken);
        context.log.warn(
          `the disk holding ${reservation.backend.container_name} is full (ENOSPC); the file is removed and will be downloaded again`,
        );
        return;
      case "interrupted":
        releaseTask(catalog, job.songId, owner, now, "interrupted");
        this.#requeue(taken);
        return;
      case "lease_lost":
        context.log.warn(
          `${job.row.platform}:${job.row.remote_song_id}: another process took this song over (our lease expired)`,
        );
        return;
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
}
