/**
 * One claimed song of a download run: its offers walked down the quality
 * ladder, each offer worth trying transferred into the backend under a
 * name no other song holds, and the first complete, checked file recorded
 * with the task's completion.
 *
 * @module
 */
import { type LeaseHolder, recordDownload } from "../catalog/download_tasks.ts";
import { renewLease } from "../catalog/leases.ts";
import type { SongRow } from "../catalog/songs.ts";
import {
  activeLocations,
  type BackendRow,
  locatorTaken,
} from "../catalog/storage.ts";
import type { Fetch } from "../sources/http.ts";
import {
  type DownloadOffer,
  type QualityLabel,
  qualityRank,
  type SongInfo,
  type Source,
} from "../sources/types.ts";
import { isNoSpace } from "../storage/errors.ts";
import { writeLrcFiles } from "../storage/lyric_files.ts";
import { writesAnything } from "../storage/tags/head.ts";
import type { OpenFile } from "../storage/local.ts";
import { foldKey, resolveInside, songLocator } from "../storage/names.ts";
import type { Context } from "./context.ts";
import type { DownloadProgress } from "./_download_progress.ts";
import type { Reservation, SpaceController } from "./_space_policy.ts";
import {
  OfferLadder,
  type OfferOutcome,
  offerOutcomeOf,
  refusalOutcome,
  type SongOutcome,
} from "./_offer_ladder.ts";
import { transferOffer } from "./_transfer.ts";
import { tagPart } from "./_download_tags.ts";
import type { PreparedTags, Tagger } from "./_tagging.ts";
import type { TaggingTally } from "./download_summary.ts";

/** A claimed song and the source to fetch it from. */
export interface Job {
  /** `songs.id`. */
  songId: number;
  /** Its row. */
  row: SongRow;
  /** The song as its source produced it. */
  song: SongInfo;
  /** Its platform's source. */
  source: Source;
  /**
   * An upgrade: the quality of the file the song has. Only a better offer
   * is taken; the new file replaces the old one.
   */
  floor?: QualityLabel | undefined;
  /** Its offers resolved with other songs' (a batch): taken before resolving alone. */
  prepared?: AsyncIterable<DownloadOffer> | undefined;
}

/** How songs are fetched: what a run resolved from its options. */
export interface FetchSettings {
  /** The lease owner of the run. */
  owner: string;
  /** This process, recorded with each lease. */
  holder: LeaseHolder;
  /** How long a lease lasts without renewal, in ms. */
  leaseTtlMs: number;
  /** The best quality wanted (no cap when `undefined`). */
  top: QualityLabel | undefined;
  /** Retries of a transfer after network errors, cut bodies and 5xx. */
  retries: number;
  /** First pause between transfer retries, in ms. */
  backoffMs: number;
  /** Times a song's offers are resolved again after an expired URL. */
  maxResolves: number;
  /** The `fetch` for CDN requests. */
  fetch: Fetch;
  /** Opens files for writing (a seam for tests). */
  openFile: OpenFile | undefined;
  /** Prepares the tags of each file (none written without it). */
  tagger: Tagger | undefined;
}

/** Artists and title of a song, as summaries and logs name it. */
export function songTitle(song: SongInfo): string {
  return song.artistNames ? `${song.artistNames} - ${song.title}` : song.title;
}

/** Fetches claimed songs; several at once share its names in flight. */
export class SongFetcher {
  readonly #context: Context;
  readonly #settings: FetchSettings;
  readonly #progress: DownloadProgress;
  readonly #space: Pick<SpaceController, "progress">;
  readonly #tally: { rejectedOffers: number; tagging: TaggingTally };
  readonly #inFlightNames = new Set<string>();
  readonly #prepared = new WeakMap<Job, Promise<PreparedTags>>();

  /**
   * A fetcher that counts rejected offers in `tally` and tells `space`
   * how far each file got.
   */
  constructor(
    context: Context,
    settings: FetchSettings,
    progress: DownloadProgress,
    space: Pick<SpaceController, "progress">,
    tally: { rejectedOffers: number; tagging: TaggingTally },
  ) {
    this.#context = context;
    this.#settings = settings;
    this.#progress = progress;
    this.#space = space;
    this.#tally = tally;
  }

  /**
   * Walks a claimed song's offers into the reserved backend until one is
   * recorded or none is left; the reservation follows each transfer's
   * bytes on disk and size (`SpaceController.progress()`).
   */
  async fetch(job: Job, reservation: Reservation): Promise<SongOutcome> {
    const context = this.#context;
    const top = this.#settings.top;
    const ladder = new OfferLadder(job.song, this.#settings.maxResolves);
    let prepared = job.prepared;
    const offers = () => {
      const batch = prepared;
      prepared = undefined;
      return (batch ?? job.source.downloadOffers(job.song, {
        ...(top ? { top } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
      }))[Symbol.asyncIterator]();
    };
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
        if (
          job.floor !== undefined &&
          qualityRank(offer.quality) >= qualityRank(job.floor)
        ) {
          return {
            kind: "kept",
            reason: `nothing better than ${job.floor} is granted now${
              ladder.rejected.length > 0
                ? ` (rejected: ${ladder.rejected.join("; ")})`
                : ""
            }`,
          };
        }
        const verdict = ladder.consider(offer);
        if (verdict === "rejected") this.#tally.rejectedOffers++;
        if (verdict !== "transfer") continue;
        const result = await this.#transfer(job, offer, reservation);
        const next = ladder.afterTransfer(offer, result);
        if (next.kind === "rejected") {
          this.#tally.rejectedOffers++;
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
    reservation: Reservation,
  ): Promise<OfferOutcome> {
    const backend = reservation.backend;
    const context = this.#context;
    const catalog = context.catalog;
    const { owner, leaseTtlMs: ttl, retries } = this.#settings;
    const { locator, key } = this.#chooseLocator(job, offer, backend);
    this.#inFlightNames.add(key);
    const transfer = this.#progress.begin(
      job.songId,
      `${job.row.platform} ${songTitle(job.song)} (${offer.level})`,
      offer.sizeBytes,
    );
    // a new file: what the offer says until the CDN says more
    this.#space.progress(reservation, 0, offer.sizeBytes);
    let renewedAt = context.now();
    // an upgrade replaces the song's file: where the old one lives
    const replaced = job.floor === undefined
      ? []
      : activeLocations(catalog, job.songId).filter((l) => l.kind === "local")
        .map((l) => resolveInside(l.containerName, l.locator));
    try {
      const path = resolveInside(backend.container_name, locator);
      const tagStart = performance.now();
      const prepared = await this.#prepare(job);
      let tagMs = performance.now() - tagStart;
      let result;
      try {
        result = await transferOffer(path, offer, {
          fetch: this.#settings.fetch,
          sleep: context.sleep,
          signal: context.signal,
          openFile: this.#settings.openFile,
          retries,
          backoffMs: this.#settings.backoffMs,
          now: context.now,
          onBytes: (bytes, total) => {
            transfer.bytes = bytes;
            transfer.total = total;
            this.#space.progress(reservation, bytes, total);
            const now = context.now();
            if (now - renewedAt >= ttl / 3) {
              if (
                !renewLease(
                  catalog,
                  { kind: "download", id: job.songId, owner },
                  now,
                  ttl,
                )
              ) {
                return false;
              }
              renewedAt = now;
            }
            this.#progress.show();
            return true;
          },
          onRetry: (reason, attempt, delayMs) =>
            context.log.debug(
              `${job.row.platform}:${job.row.remote_song_id}: ${reason}; retry ${attempt}/${retries} in ${delayMs} ms`,
            ),
          ...(prepared && writesAnything(prepared.tagSet)
            ? { tags: prepared.tagSet }
            : {}),
        });
      } catch (error) {
        if (isNoSpace(error)) return { kind: "no_space" };
        throw error;
      }
      if (result.kind !== "ok") return offerOutcomeOf(result);
      const { part, file } = result;
      const writeStart = performance.now();
      let tagged;
      try {
        tagged = await tagPart(part, offer, prepared, result.head);
        if (prepared) {
          this.#tally.tagging.lrcFiles += await writeLrcFiles(
            path,
            prepared.lrc,
          );
        }
      } catch (error) {
        await part.discard().catch(() => {});
        if (isNoSpace(error)) return { kind: "no_space" };
        throw error;
      }
      tagMs += performance.now() - writeStart;
      this.#count(tagged.tagging.state, prepared, tagMs);
      try {
        // after the checks and the tags, before the rename
        await part.sync();
      } catch (error) {
        await part.discard().catch(() => {});
        if (isNoSpace(error)) return { kind: "no_space" };
        throw error;
      }
      const recorded = recordDownload(catalog, {
        owner,
        asset: {
          songId: job.songId,
          quality: offer.quality,
          platformQuality: offer.level,
          extension: offer.extension,
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
          md5: file.md5,
          bitrateKbps: offer.bitrateKbps,
          stored: tagged.stored,
          tagging: tagged.tagging,
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
      // the new file and its location are recorded: the old file goes
      for (const old of replaced) {
        if (old === path) continue;
        await Deno.remove(old).catch((error) => {
          if (!(error instanceof Deno.errors.NotFound)) {
            context.log.warn(
              `could not remove the replaced file ${old}: ${
                error instanceof Error ? error.message : String(error)
              }`,
            );
          }
        });
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
      this.#progress.end(job.songId);
    }
  }

  /** The song's tags, prepared once (at its first transfer). */
  #prepare(job: Job): Promise<PreparedTags> | undefined {
    const tagger = this.#settings.tagger;
    if (!tagger?.active) return undefined;
    let prepared = this.#prepared.get(job);
    if (!prepared) {
      prepared = tagger.prepare(job.songId, job.row, job.song, job.source);
      this.#prepared.set(job, prepared);
    }
    return prepared;
  }

  #count(
    state: string,
    prepared: PreparedTags | undefined,
    ms: number,
  ): void {
    const tally = this.#tally.tagging;
    if (state === "tagged") tally.tagged++;
    else if (state === "failed") tally.failed++;
    else if (state === "unsupported") tally.unsupported++;
    if (prepared) {
      if (prepared.notes.length > 0) tally.partial++;
      tally.coversFetched += prepared.fetched.covers;
      tally.lyricsFetched += prepared.fetched.lyrics;
      // counted once per song even when a later offer is transferred
      prepared.fetched = { covers: 0, lyrics: 0 };
    }
    tally.ms += ms;
  }

  /** The first name for the song's file no other song holds or is writing. */
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
}
