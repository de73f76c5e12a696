/**
 * The QQ Music source (`shared/protocols/qq.md`): square categories from
 * the `musicu.fcg` gateway (family B), or from the legacy family A as a
 * whole when B fails (pools keyed `legacy:<categoryId>`); the charts as
 * one `toplist` pool of `chart:<topId>` playlists; playlist songs from
 * `getcdinfo`, chart songs from `GetDetail`; download offers from one vkey
 * call per song (unsigned, signed or the app's, whichever answers);
 * artist details from `GetSingerDetail`.
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
 * // a declared total may count hidden songs no page holds
 * assert.ok(songs.length > 0 && songs.length <= declaredCount);
 * ```
 *
 * @module
 */
import type { SourceConfig } from "../config.ts";
import { SourceError } from "../errors.ts";
import { PlatformSource } from "../platform_source.ts";
import { ListingLimit, PlaylistPages } from "../paging.ts";
import type {
  ArtistDetail,
  DownloadOffer,
  ListPlaylistsOptions,
  OfferBatcher,
  OfferOptions,
  PlaylistCandidate,
  PlaylistSongs,
  PoolCandidate,
  PoolKind,
  QualityInfo,
  QualityLabel,
  SongInfo,
  Source,
} from "../types.ts";
import { Charts } from "./_charts.ts";
import {
  CATEGORY_PAGE_SIZE,
  CDINFO_URL,
  kindOfCode,
  MODULES,
  PAGES_PER_ENVELOPE,
  PLAYLIST_PAGE_SIZE,
  PLAYLIST_REFERER,
} from "./_constants.ts";
import {
  bothFamiliesFailed,
  legacyCategoryIdOf,
  LegacySquare,
  warrantsLegacyFallback,
} from "./_legacy_square.ts";
import { expectedQuality } from "./_expected.ts";
import { QqBatcher } from "./_batch.ts";
import { resolveOffers, VkeyRoute } from "./_offers.ts";
import { QQ_TAGGING } from "./_lyrics.ts";
import { probeQq } from "./_probe.ts";
import { parseSingerDetail } from "./_parse.ts";
import {
  parseCategories,
  parseCategoryPage,
  parseCdInfo,
  toplistPool,
} from "./_parse_lists.ts";
import {
  type GatewayCall,
  QqTransport,
  rateLimitCheck,
  requireId,
} from "./_transport.ts";

/** The QQ Music implementation of `Source`. */
export class QqSource extends PlatformSource<QqTransport> implements Source {
  /** The platform. */
  readonly platform = "qq" as const;
  #transport: QqTransport;
  #legacySquare: LegacySquare;
  #charts: Charts;
  /** The vkey variant that answered last: the run's next song starts there. */
  #vkeyRoute = new VkeyRoute();

  /** A source speaking to QQ Music (or its emulation) as `config` says. */
  constructor(config: SourceConfig) {
    const transport = new QqTransport(config);
    super(transport, { tagging: QQ_TAGGING, probe: probeQq });
    this.#transport = transport;
    this.#legacySquare = new LegacySquare(this.#transport);
    this.#charts = new Charts(this.#transport);
  }

  /** The square's categories (musicu, or the legacy family as a whole), or the one toplist pool. */
  async listPools(kind: PoolKind): Promise<PoolCandidate[]> {
    if (kind === "square") return await this.#squarePools();
    const charts = await this.#charts.list(true);
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
      const charts = await this.#charts.list(false, signal);
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
      ? this.#charts.songs(remotePlaylistId)
      : this.#playlistSongs(remotePlaylistId);
  }

  /**
   * Usable offers best first, one vkey request for every rung, in the
   * variant that answered last in this run (see `_offers.ts`).
   */
  downloadOffers(
    song: SongInfo,
    options: OfferOptions = {},
  ): AsyncGenerator<DownloadOffer> {
    return resolveOffers(this.#transport, this.#vkeyRoute, song, options);
  }
  /** Goes anonymous after the platform refused the login (code 1000, §9). */
  dropLogin(): boolean {
    return this.#transport.dropLogin();
  }

  /** The rung the vkey grants this session (see `_expected.ts`). */
  expectedQuality(song: SongInfo, top?: QualityLabel): QualityInfo | null {
    return expectedQuality(
      song,
      top,
      this.#transport.session.cookie !== undefined,
    );
  }

  /**
   * Many songs' offers, every rung of each in one request per vkey variant
   * (see `_batch.ts`), on the same route as `downloadOffers()`.
   */
  offerBatcher(options: OfferOptions = {}): OfferBatcher {
    return new QqBatcher(this.#transport, this.#vkeyRoute, options);
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

  // ------------------------------------------------------------ playlists

  /**
   * Every song of a playlist from `getcdinfo`, page after page by offset
   * (`song_begin` steps by the page size asked, never by the count
   * received), until a page comes back empty or the pages asked cover the
   * declared total. A declared total that counts hidden songs is not a
   * promise (corrections, December 2026): what the pages hold is the
   * playlist, and the declared count is reported beside it.
   */
  async #playlistSongs(disstid: string): Promise<PlaylistSongs> {
    requireId(disstid, "a playlist");
    const pages = new PlaylistPages();
    let total: number | undefined;
    for (let begin = 0;; begin += PLAYLIST_PAGE_SIZE) {
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
      pages.add(page, page.playlist);
      // pages step by the size asked: a page whose hidden songs were
      // filtered out holds fewer, and must not shift the next offset
      if (page.received === 0 || begin + PLAYLIST_PAGE_SIZE >= total) break;
    }
    return pages.songs(total);
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
