/**
 * NetEase offers of many songs at once (§9): `song/enhance/player/url/v1`
 * takes a list of `ids` for one `level`, so a round asks the player once
 * per level for every song at that rung, where `resolveOffers()` asks once
 * per song and rung.
 *
 * - Songs at the top of their ladder are asked together at the best of
 *   their top levels: the server serves each the best level at or below
 *   the one asked that it has and the account may play (§9, "so one
 *   request at the top usually suffices"), which is what asking its own
 *   top gives. Their offers are named after their own rung.
 * - A song whose rung is refused (a trial, no URL) is left for the next
 *   round, at its next rung, with the songs the run takes next.
 * - `song/enhance/download/url/v1` stays one song per request: it takes
 *   one `id` (NeteaseCloudMusicApi `module/song_download_url_v1.js`,
 *   pyncm `GetTrackDownloadURLV1` `"<id>_0"`, NCX `{id, level}`) and
 *   answers one object, not a list. The round's player request goes first
 *   (the songs it settles go to the workers at once), then the songs whose
 *   privilege calls for the extra ask it one by one, and those it gives
 *   nothing usable share one more player request at their level.
 * - A request that fails (after the HTTP layer's retries) settles its
 *   songs with their ladders walked alone, so one failure never ends a
 *   hundred songs.
 *
 * @module
 */
import {
  RoundBatcher,
  type RoundResults,
  type RoundSong,
} from "../offer_rounds.ts";
import type { DownloadOffer, OfferOptions } from "../types.ts";
import { type Level, URL_BATCH_IDS } from "./_constants.ts";
import {
  askUrl,
  judgeItem,
  type LadderAsk,
  NeteaseLadder,
  resolveOffers,
  URL_ENDPOINTS,
  type UrlAnswer,
  walkLadder,
} from "./_offers.ts";
import { levelRank } from "./_parse.ts";
import type { NeteaseTransport } from "./_transport.ts";

/** A song of a round: where its result goes and its ladder. */
interface Entry {
  index: number;
  ladder: NeteaseLadder;
}

/** Several NetEase songs' offers, one player request per level and round. */
export class NeteaseBatcher extends RoundBatcher<NeteaseLadder> {
  /** Most songs one round asks (`URL_BATCH_IDS`). */
  readonly size: number = URL_BATCH_IDS;
  readonly #transport: NeteaseTransport;
  readonly #options: OfferOptions;

  /** A batcher asking as `options` says (`top`, `signal`). */
  constructor(transport: NeteaseTransport, options: OfferOptions = {}) {
    super({
      start: (song) => new NeteaseLadder(song, options.top),
      // nothing to ask (no copyright, no level at or below top): its
      // error, lazily, as one song at a time gives it
      alone: (song) => resolveOffers(transport, song, options),
    });
    this.#transport = transport;
    this.#options = options;
  }

  /**
   * One round: one player request per level for the songs without an
   * extra, then each extra alone, then one player request per level for
   * the songs their extra gave nothing usable; each song told as it
   * settles.
   */
  protected async ask(
    songs: readonly RoundSong<NeteaseLadder>[],
    results: RoundResults,
  ): Promise<void> {
    const entries: Entry[] = songs.map(({ index, resolution }) => ({
      index,
      ladder: resolution,
    }));
    const extra = (e: Entry) =>
      e.ladder.next()?.endpoint === URL_ENDPOINTS.download;
    const extras = entries.filter(extra);
    await this.#players(entries.filter((e) => !extra(e)), results);
    for (const entry of extras) await this.#extra(entry, results);
    await this.#players(
      extras.filter((e) => !results.settled(e.index)),
      results,
    );
  }

  /** A song's `download/url/v1` extra, alone. */
  async #extra(entry: Entry, results: RoundResults): Promise<void> {
    const ask = entry.ladder.next();
    if (ask?.endpoint !== URL_ENDPOINTS.download) return;
    let answer: UrlAnswer;
    try {
      answer = await askUrl(
        this.#transport,
        ask,
        entry.ladder.songId,
        this.#options.signal,
      );
    } catch (error) {
      if (this.#options.signal?.aborted) throw error;
      results.settle(entry.index, this.#alone(entry.ladder));
      return;
    }
    const offer = entry.ladder.take(ask, answer);
    if (offer) results.settle(entry.index, this.#after(offer, entry.ladder));
  }

  /** One player request per level (of at most `URL_BATCH_IDS` songs). */
  async #players(
    entries: readonly Entry[],
    results: RoundResults,
  ): Promise<void> {
    for (const [level, group] of this.#groups(entries, results)) {
      for (let i = 0; i < group.length; i += URL_BATCH_IDS) {
        await this.#player(level, group.slice(i, i + URL_BATCH_IDS), results);
      }
    }
  }

  /**
   * The songs to ask the player, by level: those at the top of their
   * ladder at the best of their levels, the others at their own rung.
   * Songs whose ladder is over are settled here.
   */
  #groups(
    entries: readonly Entry[],
    results: RoundResults,
  ): Map<Level, Array<Entry & { ask: LadderAsk }>> {
    const asks: Array<Entry & { ask: LadderAsk }> = [];
    for (const entry of entries) {
      const ask = entry.ladder.next();
      if (ask === undefined) {
        results.settle(entry.index, this.#alone(entry.ladder));
      } else asks.push({ ...entry, ask });
    }
    let top: Level | undefined;
    for (const { ladder, ask } of asks) {
      if (ladder.atTop && (!top || levelRank(ask.level) < levelRank(top))) {
        top = ask.level;
      }
    }
    const groups = new Map<Level, Array<Entry & { ask: LadderAsk }>>();
    for (const entry of asks) {
      const level = entry.ladder.atTop && top ? top : entry.ask.level;
      const group = groups.get(level) ?? [];
      group.push(entry);
      groups.set(level, group);
    }
    return groups;
  }

  /** One `player/url/v1` request for songs at one level. */
  async #player(
    level: Level,
    group: ReadonlyArray<Entry & { ask: LadderAsk }>,
    results: RoundResults,
  ): Promise<void> {
    const endpoint = URL_ENDPOINTS.player;
    let answer: { body: unknown; url: string };
    try {
      answer = await this.#transport.eapi(
        endpoint.path,
        {
          // NeteaseCloudMusicApi sends `'[' + id + ']'` with `id` a
          // comma-separated list (module/song_url_v1.js)
          ids: `[${group.map((e) => e.ladder.songId).join(",")}]`,
          level,
          encodeType: "flac",
        },
        this.#options.signal,
      );
    } catch (error) {
      if (this.#options.signal?.aborted) throw error;
      for (const e of group) results.settle(e.index, this.#alone(e.ladder));
      return;
    }
    for (const { index, ladder, ask } of group) {
      let judged: UrlAnswer;
      try {
        // the item is matched by id: answers do not keep the order asked
        judged = judgeItem(
          this.#transport,
          endpoint,
          answer.body,
          answer.url,
          ladder.songId,
          ask.level,
        );
      } catch {
        // no item of its own in the answer (or one it cannot read): the
        // song asks alone, and gets the answer's error there if it is one
        results.settle(index, this.#alone(ladder));
        continue;
      }
      const offer = ladder.take(ask, judged);
      if (offer) results.settle(index, this.#after(offer, ladder));
      else if (ladder.next() === undefined) {
        results.settle(index, this.#alone(ladder));
      }
    }
  }

  /** An offer, then the rest of its ladder walked alone. */
  async *#after(
    offer: DownloadOffer,
    ladder: NeteaseLadder,
  ): AsyncGenerator<DownloadOffer> {
    yield offer;
    yield* this.#alone(ladder);
  }

  /** The rest of a ladder walked alone (its failure, when it is over). */
  #alone(ladder: NeteaseLadder): AsyncGenerator<DownloadOffer> {
    return walkLadder(this.#transport, ladder, this.#options.signal);
  }
}
