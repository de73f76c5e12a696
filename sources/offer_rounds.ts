/**
 * What the sources' batchers share: a round's results, handed to the run
 * as each song settles (`OfferBatcher.round()`), so that the songs one
 * request settles need not wait for the round's other requests; and the
 * rounds themselves (`RoundBatcher`), where the songs a round left
 * unsettled go on.
 *
 * @module
 */
import type {
  DownloadOffer,
  OfferBatcher,
  OfferSettled,
  SongInfo,
} from "./types.ts";

/** The offers of a round's songs, by index; each told as it settles. */
export class RoundResults {
  /** Each song's offers once settled; `undefined` while it is not. */
  readonly offers: Array<AsyncIterable<DownloadOffer> | undefined>;
  readonly #onSettled: OfferSettled | undefined;

  /** Results for `count` songs, told to `onSettled` as they come. */
  constructor(count: number, onSettled?: OfferSettled) {
    this.offers = Array.from({ length: count }, () => undefined);
    this.#onSettled = onSettled;
  }

  /** Settles song `index` with its offers (once). */
  settle(index: number, offers: AsyncIterable<DownloadOffer>): void {
    if (this.offers[index] !== undefined) return;
    this.offers[index] = offers;
    this.#onSettled?.(index, offers);
  }

  /** Whether song `index` is settled. */
  settled(index: number): boolean {
    return this.offers[index] !== undefined;
  }
}

/** A song of a round: where its result goes, and how far it has got. */
export interface RoundSong<S> {
  /** The song's place in the round. */
  index: number;
  /** The song. */
  song: SongInfo;
  /** Its resolution: the state of its way down the rungs. */
  resolution: S;
}

/** How a batcher starts a song's resolution, and resolves a song alone. */
export interface RoundStart<S> {
  /** A new resolution of a song; throws when there is nothing to ask. */
  start(song: SongInfo): S;
  /** The song resolved one at a time (for a song `start` threw for: its error, lazily). */
  alone(song: SongInfo): AsyncIterable<DownloadOffer>;
}

/**
 * An `OfferBatcher` that resolves songs in rounds: a round starts each
 * song's resolution (or goes on with the one an earlier round left
 * unsettled), lets the platform ask (`ask()`), and keeps what is still
 * unsettled for the round that takes the song next. A song with nothing to
 * ask is settled at once with the song alone, which gives its error as one
 * song at a time does.
 */
export abstract class RoundBatcher<S> implements OfferBatcher {
  /** Most songs one round asks. */
  abstract readonly size: number;
  readonly #start: RoundStart<S>;
  /** The resolutions of the songs a round left unsettled, by song id. */
  readonly #waiting = new Map<string, S>();

  /** A batcher whose songs' resolutions `start` begins. */
  protected constructor(start: RoundStart<S>) {
    this.#start = start;
  }

  /** One round of `songs`, each told to `onSettled` as it settles. */
  async round(
    songs: readonly SongInfo[],
    onSettled?: OfferSettled,
  ): Promise<Array<AsyncIterable<DownloadOffer> | undefined>> {
    const { start, alone } = this.#start;
    const results = new RoundResults(songs.length, onSettled);
    const resumed: RoundSong<S>[] = [];
    songs.forEach((song, index) => {
      const waiting = this.#waiting.get(song.remoteId);
      this.#waiting.delete(song.remoteId);
      try {
        resumed.push({ index, song, resolution: waiting ?? start(song) });
      } catch {
        results.settle(index, alone(song));
      }
    });
    await this.ask(resumed, results);
    for (const { index, song, resolution } of resumed) {
      if (!results.settled(index)) this.#waiting.set(song.remoteId, resolution);
    }
    return results.offers;
  }

  /**
   * Asks for a round's songs, settling each in `results` as its offers are
   * known; a song left unsettled goes on in a later round.
   */
  protected abstract ask(
    songs: readonly RoundSong<S>[],
    results: RoundResults,
  ): Promise<void>;
}
