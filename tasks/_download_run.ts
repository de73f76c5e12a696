/**
 * One download run: a bounded number of workers take planned songs in
 * order, reserve room for each on the active backend (the space policy),
 * claim its task, fetch it (`SongFetcher`), and settle what happened in the
 * catalog and the summary.
 *
 * Workers take the songs lane by lane (`_download_lanes.ts`): the next
 * song of the platform with the fewest songs in progress. Each file's
 * room is its expected size (`SizeEstimator`), and the space policy
 * follows its transfer. Where a source batches, a song's offers come from
 * a round with the next songs of its lane (`_offer_batches.ts`).
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
import type {
  Platform,
  QualityLabel,
  SongInfo,
  Source,
} from "../sources/types.ts";
import type { Context } from "./context.ts";
import {
  type BackendUsage,
  type DownloadFailure,
  type DownloadSummary,
  noSpaceMessage,
} from "./download_summary.ts";
import { Lanes, type Taken } from "./_download_lanes.ts";
import { DownloadProgress } from "./_download_progress.ts";
import { OfferBatches } from "./_offer_batches.ts";
import {
  type FetchSettings,
  type Job,
  SongFetcher,
  songTitle,
} from "./_download_song.ts";
import type { SongOutcome } from "./_offer_ladder.ts";
import {
  type CatalogDisk,
  type Reservation,
  SpaceController,
} from "./_space_policy.ts";
import type { PlatformProgress } from "./_progress.ts";
import { SizeEstimator } from "./_size_estimate.ts";
import type { StageUnits } from "./_stage.ts";

/** How a run works: what `download()` resolved from its options. */
export interface RunSettings extends FetchSettings {
  /** Files downloaded at once. */
  concurrency: number;
  /** Bytes to keep free on a backend. */
  minFree: number;
  /** Directories to continue in, in order, when space runs low. */
  nextDirs: readonly string[];
  /** The disk of the catalog's file, and the room kept there for it. */
  catalogDisk?: CatalogDisk | undefined;
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
  readonly #sizes: SizeEstimator;
  /** Offers of the songs the workers take next, resolved together. */
  readonly #batches: OfferBatches;
  readonly #stopped = new Map<Platform, string>();
  /** Platforms whose login was refused: the message, once. */
  readonly #loginRefused = new Map<Platform, string>();
  readonly #perBackend = new Map<number, BackendUsage>();
  readonly #lanes = new Lanes();
  #upgrades: ReadonlyMap<number, QualityLabel> = new Map();
  #planned = 0;
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
        queued: this.#planned,
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
      catalogDisk: settings.catalogDisk,
      remaining: () => this.#lanes.left,
    });
    this.#fetcher = new SongFetcher(
      context,
      settings,
      this.#progress,
      this.#space,
      summary,
    );
    this.#sizes = new SizeEstimator(context.catalog, sources, settings.top);
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
   * Downloads the planned songs, in order within each platform's lane, and
   * fills the summary in; returns the units of work for its status.
   * `platformOf` (each song's platform, read from the catalog when absent)
   * gives each song its lane and the progress line its counts per
   * platform; `upgrades` the quality of the file each song to upgrade has.
   */
  async execute(
    songIds: readonly number[],
    platformOf: ReadonlyMap<number, Platform> = new Map(),
    upgrades: ReadonlyMap<number, QualityLabel> = new Map(),
  ): Promise<StageUnits> {
    this.#planned = songIds.length;
    this.#upgrades = upgrades;
    for (const id of songIds) {
      const platform = platformOf.get(id) ??
        loadSong(this.#context, id).platform;
      this.#lanes.add(id, platform);
      const counts = this.#byPlatform.get(platform) ?? { done: 0, total: 0 };
      counts.total++;
      this.#byPlatform.set(platform, counts);
    }
    const summary = this.#summary;
    this.#progress.show(true);
    await Promise.all(
      Array.from({ length: this.#settings.concurrency }, () => this.#worker()),
    );
    this.#progress.clear();
    summary.notStarted += this.#lanes.left;
    summary.switches = [...this.#space.switches];
    for (const [platform, error] of this.#stopped) {
      summary.platformErrors[platform] = error;
    }
    const stop = this.#space.stopped;
    if (stop) summary.noSpace = { ...stop, message: noSpaceMessage(stop) };
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
      succeeded: summary.downloaded + summary.skippedOwned +
        summary.notUpgraded,
      total: summary.planned,
    };
  }

  /**
   * The songs of a platform the workers take next, for its offer rounds
   * (`Lanes.upcoming()`: the songs just taken that have not asked yet,
   * then the lane's next ones; each given once). None for a stopped
   * platform.
   */
  #upcoming(platform: Platform, limit: number): SongInfo[] {
    if (this.#stopped.has(platform)) return [];
    return this.#lanes.upcoming(platform, limit).map((id) =>
      songInfoFromRow(loadSong(this.#context, id))
    );
  }

  async #worker(): Promise<void> {
    const context = this.#context;
    for (;;) {
      if (context.signal?.aborted || this.#space.stopped) return;
      const taken = this.#lanes.take();
      if (taken === undefined) return;
      try {
        if (!await this.#song(taken)) return;
      } finally {
        this.#lanes.done(taken);
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
      this.#lanes.requeue(taken);
      return false;
    }
    const floor = this.#upgrades.get(songId);
    try {
      if (
        !claimTask(
          context.catalog,
          songId,
          this.#settings.owner,
          this.#summary.quality,
          context.now(),
          this.#settings.leaseTtlMs,
          { upgrade: floor !== undefined, holder: this.#settings.holder },
        )
      ) {
        this.#summary.busy++;
        return true;
      }
      // it asks its offers now: in a round with its platform's next songs
      // when its source batches
      this.#lanes.asked(taken);
      const prepared = this.#batches.offers(song);
      const job: Job = { songId, row, song, source, floor, prepared };
      const anonymous = this.#loginRefused.has(row.platform);
      const outcome = await this.#fetcher.fetch(job, reservation);
      if (outcome.kind === "login_refused") {
        this.#loginRefusal(job, outcome.error, anonymous, taken);
      } else {
        this.#settle(job, outcome, reservation, taken);
      }
    } finally {
      this.#space.release(reservation);
    }
    return true;
  }

  /** Records what happened to a claimed song (`taken`: its place in the lanes). */
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
        this.#settled(job.row.platform);
        summary.downloaded++;
        if (job.floor !== undefined) summary.upgraded++;
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
      case "kept":
        this.#settled(job.row.platform);
        this.#keep(job, outcome.reason);
        return;
      case "terminal": {
        this.#settled(job.row.platform);
        if (job.floor !== undefined) {
          // an upgrade refused: the song keeps the file it has
          this.#keep(job, outcome.error);
          this.#stopPlatform(job, outcome.stopPlatform);
          return;
        }
        finishTask(catalog, job.songId, owner, {
          state: outcome.state,
          error: outcome.error,
        }, now);
        if (outcome.state === "vip_only") summary.vipOnly++;
        else if (outcome.state === "unavailable") summary.unavailable++;
        else if (outcome.state === "rate_limited") summary.rateLimited++;
        else summary.failed++;
        fail(outcome.state, outcome.error);
        if (this.#stopPlatform(job, outcome.stopPlatform)) return;
        if (outcome.state === "failed") {
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
        this.#lanes.requeue(taken);
        context.log.warn(
          `the disk holding ${reservation.backend.container_name} is full (ENOSPC); the file is removed and will be downloaded again`,
        );
        return;
      case "interrupted":
        releaseTask(catalog, job.songId, owner, now, "interrupted");
        this.#lanes.requeue(taken);
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

  /**
   * A song's platform refused the login. The first refusal drops the
   * login for the rest of the run (one warning) and the song is tried
   * again anonymously, as is any song that was already under way with the
   * login; a song refused after it went anonymous needs a login: `vip_only`.
   */
  #loginRefusal(
    job: Job,
    error: string,
    wasAnonymous: boolean,
    taken: Taken,
  ): void {
    const context = this.#context;
    const platform = job.row.platform;
    if (wasAnonymous) {
      this.#settled(platform);
      finishTask(context.catalog, job.songId, this.#settings.owner, {
        state: "vip_only",
        error: `needs a login: ${error}`,
      }, context.now());
      this.#summary.vipOnly++;
      this.#summary.failures.push({
        platform,
        remoteId: job.row.remote_song_id,
        title: songTitle(job.song),
        state: "vip_only",
        error: `needs a login: ${error}`,
      });
      return;
    }
    if (!this.#loginRefused.has(platform)) {
      const dropped = job.source.dropLogin?.() ?? false;
      if (dropped) {
        // what its rounds resolved with the login is asked again without
        this.#batches.forget(platform);
        this.#lanes.giveAgain(platform);
      }
      const message = `${platform} refused the login (${error}); ${
        dropped
          ? "going on anonymously for the rest of the run: songs that need the login end vip_only"
          : "songs that need a login end vip_only"
      }`;
      this.#loginRefused.set(platform, message);
      this.#summary.loginRefused[platform] = message;
      context.log.warn(message);
    }
    releaseTask(
      context.catalog,
      job.songId,
      this.#settings.owner,
      context.now(),
    );
    this.#lanes.requeue(taken);
  }

  /** Stops downloads of the job's platform for `reason`, once; whether it did now. */
  #stopPlatform(job: Job, reason: string | undefined): boolean {
    const platform = job.row.platform;
    if (reason === undefined || this.#stopped.has(platform)) return false;
    this.#stopped.set(platform, reason);
    this.#context.log.warn(`${platform}: downloads stopped: ${reason}`);
    return true;
  }

  /** Ends an upgrade that did not happen: the task is done with the file it had. */
  #keep(job: Job, reason: string): void {
    const context = this.#context;
    finishTask(context.catalog, job.songId, this.#settings.owner, {
      state: "done",
      achievedQuality: job.floor,
      error: `not upgraded: ${reason}`,
    }, context.now());
    this.#summary.notUpgraded++;
    context.log.debug(
      `${job.row.platform}:${job.row.remote_song_id}: kept at ${job.floor}: ${reason}`,
    );
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
