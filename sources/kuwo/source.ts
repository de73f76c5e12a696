/**
 * The Kuwo source (`shared/protocols/kuwo.md`):
 *
 * - pools: the square's tags (`wapi` `getTagList`) plus the recommended
 *   list (`getRcmPlayList`), and one `toplist` pool whose playlists are the
 *   charts of `bang/list`, with `remoteId` `chart:<sourceid>`;
 * - playlists of a tag paged from `pn=1` to the declared total or an empty
 *   page, deduplicated;
 * - songs of a playlist from the signed `playListInfo` (`rn=100`, pages
 *   until one is empty or the pages asked cover the total: a total may
 *   count hidden songs no page holds); when that fails
 *   for a reason other than "no such playlist" (a refusal the cookie
 *   refresh did not cure, an HTML or malformed answer, another code), the
 *   whole playlist again from nplserver `pl.svc` (`_nplserver.ts`, §7.2);
 *   songs of a chart from the signed `bang/musicList` (`rn=30`);
 * - download offers from `mobi.s`, one request per rung of `4000kflac >
 *   2000kflac > 320kmp3 > 192kmp3 > 128kmp3`, plain (`convert_url_with_sign`)
 *   or KuwoDES (`convert_url2`, by format), with the first of its `source`
 *   strings that `mobi.s` does not refuse.
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
 *   platforms: ["kuwo"],
 *   ratePerSecond: 0,
 * });
 * const kuwo = sources.get("kuwo")!;
 * const [pool] = await kuwo.listPools("toplist");
 * const [chart] = await Array.fromAsync(kuwo.listPlaylists(pool!, { limit: 1 }));
 * const { songs, declaredCount } = await kuwo.playlistSongs(chart!.remoteId);
 * // a declared total may count hidden songs no page holds
 * assert.ok(songs.length > 0 && songs.length <= declaredCount);
 * ```
 *
 * @module
 */
import type { SourceConfig } from "../config.ts";
import { restated, SourceError } from "../errors.ts";
import { PlatformSource } from "../platform_source.ts";
import { ListingLimit, PlaylistPages } from "../paging.ts";
import type {
  ArtistDetail,
  DownloadOffer,
  ListPlaylistsOptions,
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
import {
  CHART_PAGE_SIZE,
  CHART_PREFIX,
  PLAYLIST_PAGE_SIZE,
  SQUARE_PAGE_SIZE,
  WWW_REFERER,
} from "./_constants.ts";
import { nplserverMayCure, nplserverPlaylistSongs } from "./_nplserver.ts";
import { expectedQuality } from "./_expected.ts";
import { MobiRoute, resolveOffers } from "./_offers.ts";
import { KUWO_TAGGING } from "./_lyrics.ts";
import { probeKuwo } from "./_probe.ts";
import { parseArtist, parseSongs, read } from "./_parse.ts";
import { chartList, chartPage, squarePage, tagPools } from "./_pages.ts";
import {
  parsePlaylistPage,
  type PlaylistPage,
  recommendedPool,
  toplistPool,
} from "./_parse_lists.ts";
import { KuwoTransport, type OfferPath, requireId } from "./_transport.ts";

/** Options of `createKuwoSource()` beyond the shared configuration. */
export interface KuwoSourceOptions {
  /**
   * Which form of `mobi.s` resolves download URLs: `plain` is the page's
   * primary `convert_url_with_sign` call, `des` its KuwoDES `convert_url2`
   * form.
   * @default "plain"
   */
  offerPath?: OfferPath;
  /**
   * Read the first bytes of every offer before yielding it: the container's
   * magic must match and the exact size is learned (§9.6 step 6).
   * @default true
   */
  probeOffers?: boolean;
}

/** The Kuwo implementation of `Source`. */
export class KuwoSource extends PlatformSource<KuwoTransport>
  implements Source {
  /** The platform. */
  readonly platform = "kuwo" as const;
  #transport: KuwoTransport;
  #offerPath: OfferPath;
  #probe: boolean;
  /** The `mobi.s` source string that answered last: the next request starts there. */
  #mobiRoute = new MobiRoute();

  /** A source speaking to Kuwo (or its emulation) as `config` says. */
  constructor(config: SourceConfig, options: KuwoSourceOptions = {}) {
    const transport = new KuwoTransport(config);
    super(transport, { tagging: KUWO_TAGGING, probe: probeKuwo });
    this.#transport = transport;
    this.#offerPath = options.offerPath ?? "plain";
    this.#probe = options.probeOffers ?? true;
  }

  /** The square's tags plus the recommended list, or the one toplist pool. */
  async listPools(kind: PoolKind): Promise<PoolCandidate[]> {
    if (kind === "toplist") return [toplistPool()];
    return [...await tagPools(this.#transport), recommendedPool()];
  }

  /** The playlists of a pool: a tag or the recommended list page by page, or the charts at once. */
  async *listPlaylists(
    pool: PoolCandidate,
    options: ListPlaylistsOptions = {},
  ): AsyncGenerator<PlaylistCandidate> {
    const listing = new ListingLimit(options.limit);
    const signal = options.signal;
    if (pool.kind === "toplist") {
      yield* listing.fresh(await chartList(this.#transport, signal));
      return;
    }
    let received = 0;
    // §5/§14: pn counts from 1; stop on the total or an empty page; dedupe
    for (let pn = 1;; pn++) {
      signal?.throwIfAborted();
      const page = await squarePage(
        this.#transport,
        pool.remoteKey,
        pn,
        SQUARE_PAGE_SIZE,
        signal,
      );
      yield* listing.fresh(page.playlists);
      if (listing.full) return;
      received += page.received;
      if (page.received === 0 || received >= page.total) return;
    }
  }

  /**
   * Every song of a chart (`chart:<id>`, signed `bang/musicList`) or of a
   * playlist: the signed web `playListInfo`, or nplserver when the web
   * path fails for a reason nplserver may get round.
   */
  async playlistSongs(remoteId: string): Promise<PlaylistSongs> {
    if (remoteId.startsWith(CHART_PREFIX)) {
      return this.#chartSongs(remoteId.slice(CHART_PREFIX.length));
    }
    requireId(remoteId, "a playlist");
    try {
      return await this.#webPlaylistSongs(remoteId);
    } catch (webError) {
      if (!nplserverMayCure(webError)) throw webError;
      // the whole playlist again from nplserver: web pages are never mixed in
      return await this.#nplserverFallback(remoteId, webError);
    }
  }

  /** Usable offers best first, one `mobi.s` request per rung (see `_offers.ts`). */
  downloadOffers(
    song: SongInfo,
    options: OfferOptions = {},
  ): AsyncGenerator<DownloadOffer> {
    return resolveOffers(this.#transport, song, {
      ...options,
      path: this.#offerPath,
      probe: this.#probe,
      route: this.#mobiRoute,
    });
  }

  /** The rung `mobi.s` most likely serves anonymously (see `_expected.ts`). */
  expectedQuality(song: SongInfo, top?: QualityLabel): QualityInfo | null {
    return expectedQuality(song, top);
  }

  /** The signed `artist/artist` of an artist id. */
  async artistDetail(remoteArtistId: string): Promise<ArtistDetail> {
    requireId(remoteArtistId, "an artist");
    const body = await this.#transport.www(
      "/api/www/artist/artist",
      `artistid=${remoteArtistId}`,
      `${WWW_REFERER}singer_detail/${remoteArtistId}`,
    );
    return parseArtist(body, remoteArtistId);
  }

  /**
   * The songs of a chart: pages from 1 until one comes back empty or the
   * pages asked cover `num` (§6). A page may hold fewer songs than `num`
   * implies (hidden songs are counted, corrections of December 2026): what
   * the pages hold is the chart.
   */
  async #chartSongs(bangId: string): Promise<PlaylistSongs> {
    requireId(bangId, "a chart");
    const pages = new PlaylistPages();
    let declared = 0;
    for (let pn = 1;; pn++) {
      const page = await chartPage(
        this.#transport,
        bangId,
        pn,
        CHART_PAGE_SIZE,
      );
      declared = page.num;
      pages.add(parseSongs(page.items, "data.musicList"));
      // stop at an empty page or once the pages asked cover `num` (§6)
      if (page.items.length === 0 || pn * CHART_PAGE_SIZE >= declared) break;
    }
    return pages.songs(declared);
  }

  /** The playlist from nplserver after the web path failed with `webError`. */
  async #nplserverFallback(
    remoteId: string,
    webError: SourceError,
  ): Promise<PlaylistSongs> {
    try {
      return await nplserverPlaylistSongs(this.#transport, remoteId);
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      throw restated(
        error,
        `${error.message} (after the web playListInfo failed: ${webError.message})`,
      );
    }
  }

  /**
   * The playlist from the signed web `playListInfo` (§7.1): pages from 1
   * until one comes back empty or the pages asked cover `total`. A page
   * may hold fewer songs than the total implies (hidden songs are counted,
   * corrections of December 2026): a short page, even in the middle, is
   * taken as it is, never a reason to fail or to ask nplserver.
   */
  async #webPlaylistSongs(remoteId: string): Promise<PlaylistSongs> {
    const pages = new PlaylistPages();
    let total: number | undefined;
    for (let pn = 1;; pn++) {
      let page: PlaylistPage | undefined;
      await this.#transport.www(
        "/api/www/playlist/playListInfo",
        `pid=${remoteId}&pn=${pn}&rn=${PLAYLIST_PAGE_SIZE}`,
        `${WWW_REFERER}playlist_detail/${remoteId}`,
        {
          // the page is of the playlist asked (§7.1, MBG); otherwise retried
          validate: (raw) => {
            const parsed = parsePlaylistPage(raw);
            if (parsed.id !== remoteId) {
              throw read.malformed(
                `playListInfo answered playlist ${parsed.id} for ${remoteId}`,
              );
            }
            page = parsed;
          },
        },
      );
      if (!page) throw read.malformed(`playListInfo page ${pn} was not read`);
      if (total !== undefined && page.total !== total) {
        throw read.malformed(
          `playlist ${remoteId} changed its total from ${total} to ${page.total} while paging`,
        );
      }
      total = page.total;
      pages.add(parseSongs(page.items, "data.musicList"), page.playlist);
      if (page.items.length === 0 || pn * PLAYLIST_PAGE_SIZE >= total) break;
    }
    return pages.songs(total);
  }
}

/** Builds the Kuwo source (the registry's factory for `kuwo`). */
export function createKuwoSource(
  config: SourceConfig,
  options: KuwoSourceOptions = {},
): Source {
  return new KuwoSource(config, options);
}
