/**
 * The download run's batched offers. For a platform whose source batches
 * (`Source.offerBatcher()`: NetEase and QQ answer several songs' URLs in
 * one request), the offers of the songs the workers take next are
 * resolved together in rounds, where each song would otherwise cost its
 * own requests:
 *
 * - **When**: a round starts when a worker takes a song that is not
 *   resolved yet, or in the background when only as many resolved songs
 *   are left as the workers take while a round runs (one per worker at
 *   least), so that the next round's requests overlap the transfers
 *   instead of stalling them.
 * - **Which songs**: the songs a round left unsettled (a refused rung
 *   falls to the next rung in the next round), the song a worker waits
 *   for, then what the run's feed gives: the songs its workers took that
 *   have not asked yet, then the next ones of the platform's lane.
 * - **How many, just in time**: the first round asks `FIRST_ROUND_SONGS`;
 *   later rounds as many as the workers start within half of a URL's
 *   lifetime at the pace they have taken songs so far (at most the
 *   platform's cap on one request), so that no URL expires before its
 *   transfer starts.
 * - **Taken as settled**: a worker takes its song as soon as one of the
 *   round's requests settles it (`OfferBatcher.round()`'s `onSettled`),
 *   not when the whole round ends.
 * - **A dropped login** (`forget()`): what the rounds resolved with it and
 *   no worker took is asked again, in a round, without it.
 * - **Expired anyway**: a prepared offer whose URL expires within
 *   `EXPIRY_MARGIN_MS` is not transferred: the song is resolved again
 *   alone, as after a transfer that found its URL expired.
 *
 * Sources without a batcher (Kuwo, whose `mobi.s` takes one song) have
 * each song resolved alone by the run.
 *
 * @module
 */
import type {
  DownloadOffer,
  OfferBatcher,
  Platform,
  QualityLabel,
  SongInfo,
  Source,
} from "../sources/types.ts";

/** Songs a platform's first round asks, before the run's pace is known. */
export const FIRST_ROUND_SONGS = 50;

/** A prepared offer whose URL expires sooner than this is resolved again alone. */
export const EXPIRY_MARGIN_MS = 30_000;

/** Share of a URL's lifetime within which a round's songs are meant to start. */
const LIFETIME_SHARE = 0.5;

/** What the rounds need from the run: the songs its workers take next. */
export interface BatchFeed {
  /**
   * Up to `limit` songs of `platform` the workers take next, in order;
   * each song is given once (later calls go on after it).
   */
  upcoming(platform: Platform, limit: number): SongInfo[];
}

/** Options of `OfferBatches`. */
export interface OfferBatchesOptions {
  /** The best quality wanted. */
  top: QualityLabel | undefined;
  /** Aborts the rounds. */
  signal: AbortSignal | undefined;
  /** The clock, epoch milliseconds. */
  now: () => number;
  /** The run's workers: when this many resolved songs are left, the next round starts. */
  concurrency: number;
}

/** The batched offers of a run, per platform whose source batches. */
export class OfferBatches {
  readonly #platforms = new Map<Platform, PlatformRounds>();

  /** Rounds for each source of `sources` that has a batcher. */
  constructor(
    sources: ReadonlyMap<Platform, Source>,
    feed: BatchFeed,
    options: OfferBatchesOptions,
  ) {
    for (const [platform, source] of sources) {
      const batcher = source.offerBatcher?.({
        ...(options.top ? { top: options.top } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (batcher) {
        this.#platforms.set(
          platform,
          new PlatformRounds(platform, source, batcher, feed, options),
        );
      }
    }
  }

  /**
   * The offers of a claimed song, resolved in a round with the next songs
   * of its platform; `undefined` when its source resolves songs alone.
   */
  offers(song: SongInfo): AsyncIterable<DownloadOffer> | undefined {
    return this.#platforms.get(song.platform)?.offers(song);
  }

  /**
   * Forgets what a platform's rounds resolved and no worker took yet, and
   * what a round under way will resolve: its login was dropped, so those
   * songs are asked again anonymously in a round (given again by the run's
   * feed), not each walked alone after a refused round.
   */
  forget(platform: Platform): void {
    this.#platforms.get(platform)?.forget();
  }
}

/** A running round: the songs it asks, and its end. */
interface Round {
  ids: ReadonlySet<string>;
  done: Promise<void>;
}

/** A song's offers as a round settled them, and when. */
interface Prepared {
  offers: AsyncIterable<DownloadOffer>;
  settledAt: number;
}

/** The rounds of one platform. */
class PlatformRounds {
  readonly #platform: Platform;
  readonly #source: Source;
  readonly #batcher: OfferBatcher;
  readonly #feed: BatchFeed;
  readonly #options: OfferBatchesOptions;
  /** Songs a round settled, not taken yet, by id. */
  readonly #ready = new Map<string, Prepared>();
  /** Songs a round left unsettled, by id: the next round asks them first. */
  readonly #waiting = new Map<string, SongInfo>();
  /** Wakes the worker waiting for a song of the running round, by id. */
  readonly #wake = new Map<string, () => void>();
  #round: Round | undefined;
  /** How long the last round took. */
  #roundMs = 0;
  /** When the first song was settled, and the songs taken since. */
  #since: number | undefined;
  #taken = 0;
  /** The shortest URL lifetime seen, from a song's settling to its URL's expiry. */
  #lifetimeMs: number | undefined;
  #target = FIRST_ROUND_SONGS;
  /** Bumped by `forget()`: a round of an older generation settles nothing. */
  #generation = 0;

  constructor(
    platform: Platform,
    source: Source,
    batcher: OfferBatcher,
    feed: BatchFeed,
    options: OfferBatchesOptions,
  ) {
    this.#platform = platform;
    this.#source = source;
    this.#batcher = batcher;
    this.#feed = feed;
    this.#options = options;
  }

  /** See `OfferBatches.forget()`. */
  forget(): void {
    this.#ready.clear();
    this.#waiting.clear();
    this.#generation++;
  }

  /** A song's prepared offers; an offer about to expire sends it to resolve alone. */
  async *offers(song: SongInfo): AsyncGenerator<DownloadOffer> {
    const prepared = await this.#prepared(song);
    const iterator = prepared.offers[Symbol.asyncIterator]();
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done) return;
        const offer = step.value;
        if (offer.expiresAt !== undefined) {
          const lifetime = offer.expiresAt - prepared.settledAt;
          this.#lifetimeMs = Math.min(this.#lifetimeMs ?? lifetime, lifetime);
          if (offer.expiresAt - this.#options.now() < EXPIRY_MARGIN_MS) {
            // resolved too long ago for its URL: resolve this song alone
            await iterator.return?.(undefined);
            yield* this.#source.downloadOffers(song, {
              ...(this.#options.top ? { top: this.#options.top } : {}),
              ...(this.#options.signal ? { signal: this.#options.signal } : {}),
            });
            return;
          }
        }
        yield offer;
      }
    } finally {
      await iterator.return?.(undefined)?.catch(() => {});
    }
  }

  /** Waits until a round settled the song (starting rounds as needed), and takes it. */
  async #prepared(song: SongInfo): Promise<Prepared> {
    const id = song.remoteId;
    for (;;) {
      const ready = this.#ready.get(id);
      if (ready) {
        this.#ready.delete(id);
        this.#taken++;
        if (this.#ready.size <= this.#lowWater()) this.#start();
        return ready;
      }
      const round = this.#round ?? this.#start(song)!;
      // a song of the round is taken as soon as the round settles it
      const settled = round.ids.has(id)
        ? new Promise<void>((resolve) => this.#wake.set(id, resolve))
        : undefined;
      try {
        await Promise.race([round.done, ...settled ? [settled] : []]);
      } catch (error) {
        if (round.ids.has(id) && !this.#ready.has(id)) throw error;
      } finally {
        this.#wake.delete(id);
      }
    }
  }

  /**
   * Starts a round unless one is running: the unsettled songs, then `song`
   * (a worker waits for it), then the platform's next songs, as many as
   * the workers start in time. Nothing to ask starts nothing.
   */
  #start(song?: SongInfo): Round | undefined {
    if (this.#round) return this.#round;
    const size = this.#batcher.size;
    const songs = new Map<string, SongInfo>();
    if (song) songs.set(song.remoteId, song);
    for (const [id, waiting] of this.#waiting) {
      if (songs.size >= size) break;
      songs.set(id, waiting);
    }
    const room = Math.min(size, this.#nextTarget());
    while (songs.size < room) {
      const next = this.#feed.upcoming(this.#platform, room - songs.size);
      if (next.length === 0) break;
      for (const s of next) {
        if (!this.#ready.has(s.remoteId)) songs.set(s.remoteId, s);
      }
    }
    if (songs.size === 0) return undefined;
    const list = [...songs.values()];
    const started = this.#options.now();
    const told = new Set<number>();
    const generation = this.#generation;
    const current = () => generation === this.#generation;
    const settle = (index: number, offers: AsyncIterable<DownloadOffer>) => {
      if (told.has(index)) return;
      told.add(index);
      const id = list[index]!.remoteId;
      const now = this.#options.now();
      this.#since ??= now;
      if (current()) {
        this.#waiting.delete(id);
        this.#ready.set(id, { offers, settledAt: now });
      }
      this.#wake.get(id)?.();
    };
    const done = (async () => {
      let results: Array<AsyncIterable<DownloadOffer> | undefined>;
      try {
        results = await this.#batcher.round(list, settle);
      } finally {
        this.#round = undefined;
      }
      list.forEach((s, i) => {
        const offers = results[i];
        if (offers) settle(i, offers);
        else if (current()) this.#waiting.set(s.remoteId, s);
      });
      this.#roundMs = this.#options.now() - started;
    })();
    // a round nobody waits for (started in the background) must not fail loudly
    done.catch(() => {});
    this.#round = { ids: new Set(songs.keys()), done };
    return this.#round;
  }

  /**
   * How few resolved songs start the next round: one per worker, and as
   * many as the workers take while a round like the last one runs (its
   * `download/url/v1` extras are one request per song), so that they do
   * not wait for it.
   */
  #lowWater(): number {
    const workers = this.#options.concurrency;
    const rate = this.#rate();
    if (rate === undefined || rate === Infinity) return workers;
    return workers + Math.ceil(rate * this.#roundMs);
  }

  /**
   * Songs the workers take per millisecond, since the first was settled;
   * `Infinity` when time has not moved, `undefined` before any was taken.
   */
  #rate(): number | undefined {
    if (this.#since === undefined || this.#taken === 0) return undefined;
    const elapsed = this.#options.now() - this.#since;
    return elapsed > 0 ? this.#taken / elapsed : Infinity;
  }

  /**
   * How many songs the next round asks: as many as the workers take in
   * half a URL's lifetime at their pace so far, within [1, cap]; the first
   * round's until they took one.
   */
  #nextTarget(): number {
    const size = this.#batcher.size;
    const rate = this.#rate();
    const lifetime = this.#lifetimeMs;
    if (rate === Infinity || (rate !== undefined && lifetime === undefined)) {
      this.#target = size;
    } else if (rate !== undefined && lifetime !== undefined) {
      this.#target = Math.max(
        1,
        Math.min(size, Math.floor(rate * lifetime * LIFETIME_SHARE)),
      );
    }
    return this.#target;
  }
}
