/**
 * The charts (§4): `GetAll` for the list and each chart's current period,
 * kept for `TOPLIST_CACHE_MS`, and `GetDetail` for a chart's songs, paged
 * in batched envelopes within one period. A period that is stale or rolls
 * over while paging is learned from the answers and remembered in the
 * cached list.
 *
 * @module
 */
import { SourceError } from "../errors.ts";
import { PlaylistPages } from "../paging.ts";
import type { PlaylistSongs } from "../types.ts";
import {
  MODULES,
  MV_CHART_ID,
  PAGES_PER_ENVELOPE,
  TOPLIST_CACHE_MS,
  TOPLIST_PAGE_SIZE,
} from "./_constants.ts";
import { read } from "./_parse.ts";
import {
  parseToplistDetail,
  parseToplists,
  type ToplistEntry,
} from "./_parse_lists.ts";
import type { QqTransport } from "./_transport.ts";

/** Restarts of a chart's paging when its period rolls over mid-way. */
const PERIOD_RESTARTS = 2;

interface ToplistCache {
  at: number;
  entries: Promise<Map<number, ToplistEntry>>;
}

/** The charts of one source. */
export class Charts {
  #transport: QqTransport;
  #cache: ToplistCache | undefined;

  /** The charts, asked with a source's transport. */
  constructor(transport: QqTransport) {
    this.#transport = transport;
  }

  /** `GetAll`, reused for a while: the charts (not the MV chart) and their current periods, by `topId`. */
  list(
    force: boolean,
    signal?: AbortSignal,
  ): Promise<Map<number, ToplistEntry>> {
    const now = this.#transport.config.now();
    const cache = this.#cache;
    if (!force && cache && now - cache.at < TOPLIST_CACHE_MS) {
      return cache.entries;
    }
    const entries = this.#transport.one(
      { ...MODULES.toplists, param: {} },
      signal,
    )
      .then((data) => {
        const map = new Map<number, ToplistEntry>();
        for (const entry of parseToplists(data)) {
          // the MV chart lists videos, not songs (§4, LX)
          if (entry.topId !== MV_CHART_ID) map.set(entry.topId, entry);
        }
        return map;
      });
    const fresh: ToplistCache = { at: now, entries };
    this.#cache = fresh;
    entries.catch(() => {
      if (this.#cache === fresh) this.#cache = undefined;
    });
    return entries;
  }

  /**
   * Every song of a chart (`chart:<topId>`) in its current period, paged
   * with `GetDetail`; paging starts again (up to `PERIOD_RESTARTS` times)
   * when the period rolls over mid-way.
   */
  async songs(remoteId: string): Promise<PlaylistSongs> {
    const topId = Number(remoteId.slice("chart:".length));
    if (!Number.isSafeInteger(topId)) {
      throw new SourceError(`qq: '${remoteId}' is not a chart id`, {
        platform: "qq",
        kind: "not_found",
      });
    }
    const entry = (await this.list(false)).get(topId) ??
      (await this.list(true)).get(topId);
    if (!entry) {
      throw new SourceError(`qq: no chart ${topId} in the chart list`, {
        platform: "qq",
        kind: "not_found",
      });
    }
    let period = entry.period;
    for (let restart = 0; restart <= PERIOD_RESTARTS; restart++) {
      const pages = await this.#pages(topId, period);
      if ("songs" in pages) return pages;
      // the period rolled over while paging: start again with the new one
      period = pages.period;
      this.#rememberPeriod(topId, period);
    }
    throw read.malformed(
      `chart ${topId} changed its period more than ${PERIOD_RESTARTS} times while paging`,
    );
  }

  /**
   * Every page of a chart in one period, as the chart's songs. A stale
   * period is corrected once from the first answer; a change while paging
   * returns early with the period the platform names.
   */
  async #pages(
    topId: number,
    asked: string,
  ): Promise<PlaylistSongs | { period: string }> {
    const step = TOPLIST_PAGE_SIZE;
    const pageCall = (period: string, offset: number, num: number) => ({
      ...MODULES.toplistDetail,
      param: { topid: topId, offset, num, period },
    });
    let period = asked;
    let first = parseToplistDetail(
      await this.#transport.one(pageCall(period, 0, TOPLIST_PAGE_SIZE)),
    );
    if (first.period !== "" && first.period !== period) {
      // a stale or wrong period: the answer names the current one (§4)
      period = first.period;
      this.#rememberPeriod(topId, period);
      first = parseToplistDetail(
        await this.#transport.one(pageCall(period, 0, TOPLIST_PAGE_SIZE)),
      );
      if (first.period !== "" && first.period !== period) {
        return { period: first.period };
      }
    }
    // by offset in steps of the page size asked, never by the count
    // received: a page short of hidden songs must not shift the next one;
    // what the pages hold is the chart (corrections, December 2026)
    const total = first.totalNum;
    const pages = new PlaylistPages();
    pages.add(first, {
      ...first.chart,
      raw: { ...(first.chart.raw as object), period },
    });
    const offsets: number[] = [];
    // an empty first page ends the chart, as an empty page ends a playlist
    for (
      let offset = step;
      first.received > 0 && offset < total;
      offset += step
    ) {
      offsets.push(offset);
    }
    for (let i = 0; i < offsets.length; i += PAGES_PER_ENVELOPE) {
      const batch = offsets.slice(i, i + PAGES_PER_ENVELOPE);
      const results = await this.#transport.many(
        batch.map((offset) => pageCall(period, offset, step)),
      );
      for (const result of results) {
        if (!result.ok) throw result.error;
        const page = parseToplistDetail(result.data);
        if (page.period !== "" && page.period !== period) {
          return { period: page.period };
        }
        pages.add(page);
      }
    }
    return pages.songs(total);
  }

  /** Makes the cached list name `period` as the chart's current one. */
  #rememberPeriod(topId: number, period: string): void {
    const cache = this.#cache;
    if (!cache) return;
    cache.entries = cache.entries.then((map) => {
      const entry = map.get(topId);
      if (entry) map.set(topId, { ...entry, period });
      return map;
    });
  }
}
