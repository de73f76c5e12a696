/**
 * The QQ Music source (`shared/protocols/qq.md`): square categories from
 * the `musicu.fcg` gateway (family B), or from the legacy family A as a
 * whole when B fails (pools keyed `legacy:<categoryId>`); the charts as
 * one `toplist` pool of `chart:<topId>` playlists; playlist songs from
 * `getcdinfo`, chart songs from `GetDetail`; download offers from one
 * `CgiGetVkey` call per song; artist details from `GetSingerDetail`.
 *
 * @example Usage
 * ```ts
 * import { createEmulation } from "../../emulation/emulation.ts";
 * import { createSources } from "../registry.ts";
 * import assert from "node:assert/strict";
 *
 * const emulation = createEmulation({ size: "tiny" });
 * const sources = await createSources({
 *   fetch: emulation.fetch,
 *   emulation: "http://emu",
 *   platforms: ["qq"],
 *   ratePerSecond: 0,
 * });
 * const qq = sources.get("qq")!;
 * const [pool] = await qq.listPools("toplist");
 * const [chart] = await Array.fromAsync(qq.listPlaylists(pool!, { limit: 1 }));
 * const { songs, declaredCount } = await qq.playlistSongs(chart!.remoteId);
 * assert.equal(songs.length, declaredCount);
 * ```
 *
 * @module
 */
import type { SourceConfig } from "../config.ts";
import { SourceError } from "../errors.ts";
import { ListingLimit, onceEach } from "../paging.ts";
import type {
  ArtistDetail,
  DownloadOffer,
  ListPlaylistsOptions,
  OfferOptions,
  PlaylistCandidate,
  PlaylistSongs,
  PoolCandidate,
  PoolKind,
  SongInfo,
  Source,
} from "../types.ts";
import {
  CATEGORY_PAGE_SIZE,
  CDINFO_URL,
  kindOfCode,
  MODULES,
  MV_CHART_ID,
  PAGES_PER_ENVELOPE,
  PLAYLIST_PAGE_SIZE,
  PLAYLIST_REFERER,
  TOPLIST_CACHE_MS,
  TOPLIST_PAGE_SIZE,
} from "./_constants.ts";
import {
  bothFamiliesFailed,
  legacyCategoryIdOf,
  LegacySquare,
  warrantsLegacyFallback,
} from "./_legacy_square.ts";
import { resolveOffers } from "./_offers.ts";
import { malformed, parseSingerDetail } from "./_parse.ts";
import {
  parseCategories,
  parseCategoryPage,
  parseCdInfo,
  parseToplistDetail,
  parseToplists,
  type ToplistEntry,
  type ToplistPage,
  toplistPool,
} from "./_parse_lists.ts";
import {
  type GatewayCall,
  QqTransport,
  rateLimitCheck,
  requireId,
} from "./_transport.ts";

interface ToplistCache {
  at: number;
  entries: Promise<Map<number, ToplistEntry>>;
}

/** Restarts of a chart's paging when its period rolls over mid-way. */
const PERIOD_RESTARTS = 2;

/** The QQ Music implementation of `Source`. */
export class QqSource implements Source {
  /** The platform. */
  readonly platform = "qq" as const;
  #transport: QqTransport;
  #legacySquare: LegacySquare;
  #toplists: ToplistCache | undefined;

  /** A source speaking to QQ Music (or its emulation) as `config` says. */
  constructor(config: SourceConfig) {
    this.#transport = new QqTransport(config);
    this.#legacySquare = new LegacySquare(this.#transport);
  }

  /** The square's categories (musicu, or the legacy family as a whole), or the one toplist pool. */
  async listPools(kind: PoolKind): Promise<PoolCandidate[]> {
    if (kind === "square") return await this.#squarePools();
    const charts = await this.#toplistEntries(true);
    return [toplistPool({ charts: charts.size })];
  }

  /** The playlists of a pool: a musicu or legacy category page by page, or the charts at once. */
  async *listPlaylists(
    pool: PoolCandidate,
    options: ListPlaylistsOptions = {},
  ): AsyncGenerator<PlaylistCandidate> {
    const listing = new ListingLimit(options.limit);
    const signal = options.signal;
    if (pool.kind === "toplist") {
      const charts = await this.#toplistEntries(false, signal);
      yield* listing.fresh([...charts.values()].map((e) => e.candidate));
      return;
    }
    // the pool's key names its family: a legacy pool is paged by family A
    const legacyId = legacyCategoryIdOf(pool.remoteKey);
    if (legacyId !== undefined) {
      yield* this.#legacySquare.playlists(legacyId, listing, signal);
      return;
    }
    const categoryId = Number(pool.remoteKey);
    if (!Number.isSafeInteger(categoryId)) {
      throw new TypeError(
        `Cannot list the playlists of QQ category '${pool.remoteKey}': expected a numeric id`,
      );
    }
    yield* this.#musicuPlaylists(categoryId, listing, signal);
  }

  /** Every song of a playlist (`getcdinfo`) or of a chart (`chart:<topId>`, `GetDetail`). */
  playlistSongs(remotePlaylistId: string): Promise<PlaylistSongs> {
    return remotePlaylistId.startsWith("chart:")
      ? this.#chartSongs(remotePlaylistId)
      : this.#playlistSongs(remotePlaylistId);
  }

  /** Usable offers best first, one vkey request for every rung (see `_offers.ts`). */
  downloadOffers(
    song: SongInfo,
    options: OfferOptions = {},
  ): AsyncGenerator<DownloadOffer> {
    return resolveOffers(this.#transport, song, options);
  }

  /** `GetSingerDetail` of a singer mid. */
  async artistDetail(remoteArtistId: string): Promise<ArtistDetail> {
    const data = await this.#transport.one({
      ...MODULES.singerDetail,
      param: {
        singer_mids: [remoteArtistId],
        ex_singer: 1,
        wiki_singer: 1,
        group_singer: 0,
        pic: 1,
        photos: 0,
      },
    });
    const detail = parseSingerDetail(data);
    if (!detail) {
      throw new SourceError(`qq: no artist ${remoteArtistId}`, {
        platform: "qq",
        kind: "not_found",
      });
    }
    return detail;
  }

  // ------------------------------------------------------------ square

  /** A musicu (family B) category's playlists, batching the later pages. */
  async *#musicuPlaylists(
    categoryId: number,
    listing: ListingLimit,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<PlaylistCandidate> {
    const pageCall = (page: number): GatewayCall => ({
      ...MODULES.categoryContent,
      param: {
        titleid: categoryId,
        caller: "0",
        category_id: categoryId,
        size: CATEGORY_PAGE_SIZE,
        page,
        use_page: 1,
      },
    });
    const first = parseCategoryPage(
      await this.#transport.one(pageCall(0), signal),
    );
    yield* listing.fresh(first.playlists);
    if (listing.full || first.playlists.length === 0) return;
    const wanted = Math.min(first.total, listing.max);
    const lastPage = Math.ceil(wanted / CATEGORY_PAGE_SIZE) - 1;
    for (let start = 1; start <= lastPage; start += PAGES_PER_ENVELOPE) {
      const pages: number[] = [];
      for (
        let p = start;
        p <= lastPage && p < start + PAGES_PER_ENVELOPE;
        p++
      ) {
        pages.push(p);
      }
      const results = await this.#transport.many(pages.map(pageCall), signal);
      for (const result of results) {
        if (!result.ok) throw result.error;
        const page = parseCategoryPage(result.data);
        if (page.playlists.length === 0) return;
        yield* listing.fresh(page.playlists);
        if (listing.full) return;
      }
    }
  }

  /**
   * The square's categories from musicu family B; when family B fails in a
   * way a second family can help with (see `warrantsLegacyFallback`), every
   * category from legacy family A instead. Never a mix: the pools of one
   * listing all come from one family, and their keys say which one.
   */
  async #squarePools(): Promise<PoolCandidate[]> {
    let musicuError: SourceError;
    try {
      const data = await this.#transport.one({
        ...MODULES.categories,
        param: { qq: "" },
      });
      return parseCategories(data);
    } catch (error) {
      if (!warrantsLegacyFallback(error)) throw error;
      musicuError = error;
    }
    try {
      return await this.#legacySquare.categories();
    } catch (error) {
      throw bothFamiliesFailed(musicuError, error);
    }
  }

  // ------------------------------------------------------------ charts

  /** `GetAll`, reused for a while: the charts and their current periods. */
  #toplistEntries(
    force: boolean,
    signal?: AbortSignal,
  ): Promise<Map<number, ToplistEntry>> {
    const now = this.#transport.config.now();
    const cache = this.#toplists;
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
    this.#toplists = fresh;
    entries.catch(() => {
      if (this.#toplists === fresh) this.#toplists = undefined;
    });
    return entries;
  }

  async #chartSongs(remoteId: string): Promise<PlaylistSongs> {
    const topId = Number(remoteId.slice("chart:".length));
    if (!Number.isSafeInteger(topId)) {
      throw new SourceError(`qq: '${remoteId}' is not a chart id`, {
        platform: "qq",
        kind: "not_found",
      });
    }
    const entry = (await this.#toplistEntries(false)).get(topId) ??
      (await this.#toplistEntries(true)).get(topId);
    if (!entry) {
      throw new SourceError(`qq: no chart ${topId} in the chart list`, {
        platform: "qq",
        kind: "not_found",
      });
    }
    let period = entry.period;
    for (let restart = 0; restart <= PERIOD_RESTARTS; restart++) {
      const pages = await this.#chartPages(topId, period);
      period = pages.period;
      if (pages.complete) {
        return {
          playlist: {
            ...pages.first.chart,
            raw: { ...(pages.first.chart.raw as object), period },
          },
          declaredCount: pages.first.totalNum,
          songs: pages.songs,
        };
      }
      // the period rolled over while paging: start again with the new one
      this.#rememberPeriod(topId, period);
    }
    throw malformed(
      `chart ${topId} changed its period more than ${PERIOD_RESTARTS} times while paging`,
    );
  }

  /**
   * Every page of a chart in one period. A stale period is corrected once
   * from the first answer; a change while paging returns early, incomplete,
   * with the period the platform names.
   */
  async #chartPages(
    topId: number,
    asked: string,
  ): Promise<
    { complete: boolean; period: string; first: ToplistPage; songs: SongInfo[] }
  > {
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
        return { complete: false, period: first.period, first, songs: [] };
      }
    }
    const total = first.totalNum;
    const songs = [...first.songs];
    const step = first.songs.length;
    if (step === 0 && total > 0) {
      throw malformed(
        `chart ${topId} declares ${total} songs but its first page is empty`,
      );
    }
    const offsets: number[] = [];
    for (let offset = step; offset < total; offset += step) {
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
          return { complete: false, period: page.period, first, songs: [] };
        }
        songs.push(...page.songs);
      }
    }
    if (songs.length < total) {
      throw malformed(
        `chart ${topId} declares ${total} songs but its pages hold ${songs.length}`,
      );
    }
    return { complete: true, period, first, songs: onceEach(songs) };
  }

  #rememberPeriod(topId: number, period: string): void {
    const cache = this.#toplists;
    if (!cache) return;
    cache.entries = cache.entries.then((map) => {
      const entry = map.get(topId);
      if (entry) map.set(topId, { ...entry, period });
      return map;
    });
  }

  // ------------------------------------------------------------ playlists

  async #playlistSongs(disstid: string): Promise<PlaylistSongs> {
    requireId(disstid, "a playlist");
    const songs: SongInfo[] = [];
    let total: number | undefined;
    let playlist: PlaylistCandidate | undefined;
    for (let begin = 0;;) {
      const { body, url } = await this.#transport.cgi(
        CDINFO_URL,
        cdinfoQuery(disstid, begin),
        PLAYLIST_REFERER,
        rateLimitCheck,
      );
      const page = parseCdInfo(body);
      if (page.refused) {
        const { code, subcode, message } = page.refused;
        const kind = kindOfCode(code);
        throw new SourceError(
          `qq: playlist ${disstid} is missing or private (code ${code}, subcode ${subcode}${
            message === "" ? "" : `: ${message}`
          })`,
          {
            platform: "qq",
            kind: kind === "http" ? "not_found" : kind,
            url,
            code,
            retryable: false,
          },
        );
      }
      total ??= page.total;
      playlist ??= page.playlist;
      songs.push(...page.songs);
      begin += page.songs.length;
      if (page.songs.length === 0 || songs.length >= total) break;
    }
    if (songs.length < total) {
      throw malformed(
        `playlist ${disstid} declares ${total} songs but its pages hold ${songs.length}`,
      );
    }
    return {
      ...(playlist === undefined ? {} : { playlist }),
      declaredCount: total,
      songs: onceEach(songs),
    };
  }
}

/** Builds the QQ Music source (the registry's factory for `qq`). */
export function createQqSource(config: SourceConfig): Source {
  return new QqSource(config);
}

/** The query of a `getcdinfo` page from song `begin` (§5). */
function cdinfoQuery(disstid: string, begin: number): Record<string, string> {
  return {
    type: "1",
    json: "1",
    utf8: "1",
    onlysong: "0",
    new_format: "1",
    disstid,
    song_begin: String(begin),
    song_num: String(PLAYLIST_PAGE_SIZE),
    nosign: "1",
  };
}
