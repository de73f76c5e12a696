/**
 * What the sources' batchers share: a round's results, handed to the run
 * as each song settles (`OfferBatcher.round()`), so that the songs one
 * request settles need not wait for the round's other requests.
 *
 * @module
 */
import type { DownloadOffer, OfferSettled } from "./types.ts";

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
