/**
 * QQ offers of many songs at once (§7): a `CgiGetVkey` (or the app's
 * `UrlGetVkey`) label takes parallel `songmid`/`filename` lists, one entry
 * per rung, up to `MAX_VKEY_ENTRIES`, and one gateway envelope carries up
 * to `MAX_LABELS` labels (§1.2). So a round asks every rung of every song
 * in one request per vkey variant, where `resolveOffers()` asks once per
 * song:
 *
 * - each song keeps its own way through the variants (`VkeyResolution`):
 *   a song none of whose rungs is granted (an empty `purl` everywhere, or
 *   an answer refusing the caller, `invalidq`) is asked of its next
 *   variant in the next round, with the songs the run takes next; a
 *   transient empty rung above its best grant is asked again there too;
 * - songs are packed whole into labels, and entries matched by filename
 *   within the song's `songmid`, so one song's answer never lends another
 *   its URL;
 * - the variants are asked in the order the run's `VkeyRoute` gives, so
 *   the route ends on the last one that granted, as one song at a time
 *   would leave it;
 * - a request (or a label) that fails settles its songs with their
 *   variants walked alone.
 *
 * @module
 */
import {
  RoundBatcher,
  type RoundResults,
  type RoundSong,
} from "../offer_rounds.ts";
import type { DownloadOffer, OfferOptions } from "../types.ts";
import { MAX_VKEY_ENTRIES, VKEY_BATCH_SONGS } from "./_constants.ts";
import {
  resolveOffers,
  vkeyCall,
  VkeyResolution,
  type VkeyRoute,
  type VkeyVariant,
  walkVariants,
} from "./_offers.ts";
import { parseVkey, type VkeyAnswer } from "./_parse_offers.ts";
import type { QqTransport } from "./_transport.ts";

/** A song of a round: where its result goes and its resolution. */
type Entry = RoundSong<VkeyResolution>;

/** Several QQ songs' offers, one request per vkey variant and round. */
export class QqBatcher extends RoundBatcher<VkeyResolution> {
  /** Most songs one round asks (`VKEY_BATCH_SONGS`). */
  readonly size: number = VKEY_BATCH_SONGS;
  readonly #transport: QqTransport;
  readonly #route: VkeyRoute;
  readonly #options: OfferOptions;

  /** A batcher sharing the run's `route`, asking as `options` says. */
  constructor(
    transport: QqTransport,
    route: VkeyRoute,
    options: OfferOptions = {},
  ) {
    super({
      start: (song) => new VkeyResolution(transport, route, song, options.top),
      // nothing to ask (no rung at or below top): its error, lazily
      alone: (song) => resolveOffers(transport, route, song, options),
    });
    this.#transport = transport;
    this.#route = route;
    this.#options = options;
  }

  /** One round: one request per variant the songs are at. */
  protected async ask(
    songs: readonly Entry[],
    results: RoundResults,
  ): Promise<void> {
    const groups = new Map<VkeyVariant, Entry[]>();
    const asked: Entry[] = [];
    for (const entry of songs) {
      const variant = entry.resolution.next();
      if (variant === undefined) {
        results.settle(entry.index, this.#alone(entry.resolution));
        continue;
      }
      const group = groups.get(variant) ?? [];
      group.push(entry);
      groups.set(variant, group);
      asked.push(entry);
    }
    for (const variant of this.#route.order()) {
      const group = groups.get(variant);
      if (group) await this.#askVariant(variant, group, results);
    }
    // a song whose variants are all asked is over; the others go on
    for (const { index, resolution } of asked) {
      if (!results.settled(index) && resolution.next() === undefined) {
        results.settle(index, this.#alone(resolution));
      }
    }
  }

  /** One request of a variant for a group of songs, in labels of whole songs. */
  async #askVariant(
    variant: VkeyVariant,
    group: readonly Entry[],
    results: RoundResults,
  ): Promise<void> {
    const labels: Entry[][] = [];
    let label: Entry[] = [];
    let entries = 0;
    for (const entry of group) {
      const n = entry.resolution.filenames.length;
      if (entries + n > MAX_VKEY_ENTRIES && label.length > 0) {
        labels.push(label);
        label = [];
        entries = 0;
      }
      label.push(entry);
      entries += n;
    }
    if (label.length > 0) labels.push(label);
    const calls = labels.map((songs) =>
      vkeyCall(
        this.#transport,
        variant,
        songs.flatMap(({ resolution: r }) =>
          r.filenames.map(() => r.media.mid)
        ),
        songs.flatMap(({ resolution: r }) => r.filenames),
      )
    );
    let answers;
    try {
      answers = await this.#transport.ask(
        calls,
        variant.form,
        this.#options.signal,
      );
    } catch (error) {
      if (this.#options.signal?.aborted) throw error;
      for (const e of group) results.settle(e.index, this.#alone(e.resolution));
      return;
    }
    const fetchedAt = this.#transport.config.now();
    labels.forEach((songs, k) => {
      const result = answers[k];
      let answer: VkeyAnswer | undefined;
      try {
        answer = result?.ok ? parseVkey(result.data) : undefined;
      } catch {
        answer = undefined;
      }
      for (const { index, resolution } of songs) {
        // a refused or unreadable label: its songs ask alone
        if (answer === undefined) {
          results.settle(index, this.#alone(resolution));
          continue;
        }
        resolution.take(variant, answer, fetchedAt);
        if (resolution.next() === undefined) {
          results.settle(index, this.#alone(resolution));
        }
      }
    });
  }

  /** The rest of a song's variants walked alone: its offers or why none. */
  #alone(resolution: VkeyResolution): AsyncGenerator<DownloadOffer> {
    return walkVariants(this.#transport, resolution, this.#options.signal);
  }
}
