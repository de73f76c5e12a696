/**
 * What the sources' batchers share: a round's results, handed to the run
 * as each song settles (`OfferBatcher.round()`), so that the songs one
 * request settles need not wait for the round's other requests; and the
 * rounds themselves, where the songs a round left unsettled go on.
 *
 * @module
 */
import type { DownloadOffer, OfferSettled, SongInfo } from "./types.ts";

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
 * A batcher's rounds: each opened on the songs the run gives it, where a
 * song an earlier round left unsettled goes on from where it stopped.
 */
export class Rounds<S> {
  readonly #start: RoundStart<S>;
  /** The resolutions of the songs a round left unsettled, by song id. */
  readonly #waiting = new Map<string, S>();

  /** Rounds whose songs' resolutions `start` begins. */
  constructor(start: RoundStart<S>) {
    this.#start = start;
  }

  /**
   * A round of `songs`: its results, told to `onSettled` as they come, and
   * its songs with their resolutions, the one an earlier round left or a
   * new one. A song with nothing to ask is settled at once with the song
   * alone, which gives its error as one song at a time does.
   */
  open(
    songs: readonly SongInfo[],
    onSettled: OfferSettled | undefined,
  ): { results: RoundResults; songs: RoundSong<S>[] } {
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
    return { results, songs: resumed };
  }

  /** Keeps a song's resolution for the round that takes the song next. */
  keep(songId: string, resolution: S): void {
    this.#waiting.set(songId, resolution);
  }
}
