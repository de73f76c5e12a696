/**
 * One claimed song of a download run: its offers walked down the quality
 * ladder, each offer worth trying transferred into the backend under a
 * name no other song holds, and the first complete, checked file recorded
 * with the task's completion.
 *
 * @module
 */
import { recordDownload, renewLease } from "../catalog/download_tasks.ts";
import type { SongRow } from "../catalog/songs.ts";
import { type BackendRow, locatorTaken } from "../catalog/storage.ts";
import type { Fetch } from "../sources/http.ts";
import type {
  DownloadOffer,
  QualityLabel,
  SongInfo,
  Source,
} from "../sources/types.ts";
import { isNoSpace } from "../storage/errors.ts";
import type { OpenFile } from "../storage/local.ts";
import { foldKey, resolveInside, songLocator } from "../storage/names.ts";
import type { Context } from "./context.ts";
import type { DownloadProgress } from "./_download_progress.ts";
import {
  OfferLadder,
  type OfferOutcome,
  offerOutcomeOf,
  refusalOutcome,
  type SongOutcome,
} from "./_offer_ladder.ts";
import { transferOffer } from "./_transfer.ts";

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
  /** Its offers resolved with other songs' (a batch): taken before resolving alone. */
  prepared?: AsyncIterable<DownloadOffer>;
}

/** How songs are fetched: what a run resolved from its options. */
export interface FetchSettings {
  /** The lease owner of the run. */
  owner: string;
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
  readonly #tally: { rejectedOffers: number };
  readonly #inFlightNames = new Set<string>();

  /** A fetcher that counts rejected offers in `tally`. */
  constructor(
    context: Context,
    settings: FetchSettings,
    progress: DownloadProgress,
    tally: { rejectedOffers: number },
  ) {
    this.#context = context;
    this.#settings = settings;
    this.#progress = progress;
    this.#tally = tally;
  }

  /** Walks a claimed song's offers into `backend` until one is recorded or none is left. */
  async fetch(job: Job, backend: BackendRow): Promise<SongOutcome> {
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
        const verdict = ladder.consider(offer);
        if (verdict === "rejected") this.#tally.rejectedOffers++;
        if (verdict !== "transfer") continue;
        const result = await this.#transfer(job, offer, backend);
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
    backend: BackendRow,
  ): Promise<OfferOutcome> {
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
    let renewedAt = context.now();
    try {
      const path = resolveInside(backend.container_name, locator);
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
            const now = context.now();
            if (now - renewedAt >= ttl / 3) {
              if (!renewLease(catalog, job.songId, owner, now, ttl)) {
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
        });
      } catch (error) {
        if (isNoSpace(error)) return { kind: "no_space" };
        throw error;
      }
      if (result.kind !== "ok") return offerOutcomeOf(result);
      const { part, file } = result;
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
      this.#progress.end(job.songId);
    }
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
