/**
 * The Kuwo source (`shared/protocols/kuwo.md`):
 *
 * - pools: the square's tags (`wapi` `getTagList`) plus the recommended
 *   list (`getRcmPlayList`), and one `toplist` pool whose playlists are the
 *   charts of `bang/list`, with `remoteId` `chart:<sourceid>`;
 * - playlists of a tag paged from `pn=1` to the declared total or an empty
 *   page, deduplicated;
 * - songs of a playlist from the signed `playListInfo` (`rn=100`, every
 *   page checked to hold exactly what the total promises); when that fails
 *   for a reason other than "no such playlist" (a refusal the cookie
 *   refresh did not cure, an HTML or malformed answer, another code), the
 *   whole playlist again from nplserver `pl.svc` (`_nplserver.ts`, §7.2);
 *   songs of a chart from the signed `bang/musicList` (`rn=30`);
 * - download offers from `mobi.s`, one request per rung of `4000kflac >
 *   2000kflac > 320kmp3 > 192kmp3 > 128kmp3`, plain (`convert_url_with_sign`)
 *   or KuwoDES (`convert_url2`).
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
 * const [chart] = await Array.fromAsync(
 *   kuwo.listPlaylists((await kuwo.listPools("toplist"))[0]!),
 * );
 * const { songs, declaredCount } = await kuwo.playlistSongs(chart!.remoteId);
 * assert.equal(songs.length, declaredCount);
 * ```
 *
 * @module
 */
import { SourceError } from "../errors.ts";
import type { SourceConfig } from "../config.ts";
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
  CHART_PAGE_SIZE,
  CHART_PREFIX,
  HOSTS,
  PLAYLIST_PAGE_SIZE,
  RECOMMENDED_POOL_KEY,
  RECOMMENDED_POOL_NAME,
  SQUARE_PAGE_SIZE,
  TAG_LIST_QUERY,
  WAPI_LOGIN_QUERY,
  WWW_REFERER,
} from "./_constants.ts";
import { type OfferPath, resolveOffers } from "./_offers.ts";
import {
  isObject,
  type Json,
  malformed,
  parseArtist,
  parseBangList,
  parseChartPage,
  parsePlaylistPage,
  parseSong,
  parseSquarePage,
  parseTagList,
  type PlaylistPage,
  toNumber,
  toplistPool,
} from "./_parse.ts";
import { nplserverMayCure, nplserverPlaylistSongs } from "./_nplserver.ts";
import { KuwoSession } from "./_session.ts";

export type { OfferPath } from "./_offers.ts";

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

/** Throws for a `wapi` body with a code other than 200 (§12: retried). */
function checkWapi(url: string) {
  return (body: unknown): void => {
    if (!isObject(body)) throw malformed("expected a JSON object", url);
    if (!("code" in body)) return;
    const code = toNumber(body.code);
    if (code === 200) return;
    throw new SourceError(
      `kuwo: ${new URL(url).pathname} answered code ${
        JSON.stringify(body.code)
      }`,
      {
        platform: "kuwo",
        kind: "http",
        url,
        ...(code === undefined ? {} : { code }),
      },
    );
  };
}

/** Builds the Kuwo source. */
export function createKuwoSource(
  config: SourceConfig,
  options: KuwoSourceOptions = {},
): Source {
  const session = new KuwoSession(config);
  const offerPath = options.offerPath ?? "plain";
  const probe = options.probeOffers ?? true;

  const wapi = (path: string, query: string, signal?: AbortSignal) => {
    const url = config.urls.to(
      `${HOSTS.wapi}${path}${query === "" ? "" : `?${query}`}`,
    );
    return config.http.json<Json>(
      url,
      signal ? { signal } : {},
      checkWapi(url),
    );
  };

  async function listPools(kind: PoolKind): Promise<PoolCandidate[]> {
    if (kind === "toplist") return [toplistPool()];
    const body = await wapi(
      "/api/pc/classify/playlist/getTagList",
      TAG_LIST_QUERY,
    );
    return [
      ...parseTagList(body),
      {
        platform: "kuwo",
        kind: "square",
        remoteKey: RECOMMENDED_POOL_KEY,
        name: RECOMMENDED_POOL_NAME,
      },
    ];
  }

  async function* listPlaylists(
    pool: PoolCandidate,
    listOptions: ListPlaylistsOptions = {},
  ): AsyncGenerator<PlaylistCandidate> {
    const limit = listOptions.limit ?? 0;
    const signal = listOptions.signal;
    let count = 0;
    if (pool.kind === "toplist") {
      const body = await wapi("/api/pc/bang/list", "", signal);
      for (const chart of parseBangList(body)) {
        if (limit > 0 && count >= limit) return;
        count++;
        yield chart;
      }
      return;
    }
    const seen = new Set<string>();
    let received = 0;
    // §5/§14: pn counts from 1; stop on the total or an empty page; dedupe
    for (let pn = 1;; pn++) {
      signal?.throwIfAborted();
      const query = pool.remoteKey === RECOMMENDED_POOL_KEY
        ? `${WAPI_LOGIN_QUERY}&pn=${pn}&rn=${SQUARE_PAGE_SIZE}&order=hot`
        : `${WAPI_LOGIN_QUERY}&pn=${pn}&id=${
          encodeURIComponent(pool.remoteKey)
        }&rn=${SQUARE_PAGE_SIZE}`;
      const path = pool.remoteKey === RECOMMENDED_POOL_KEY
        ? "/api/pc/classify/playlist/getRcmPlayList"
        : "/api/pc/classify/playlist/getTagPlayList";
      const page = parseSquarePage(await wapi(path, query, signal));
      for (const playlist of page.playlists) {
        if (seen.has(playlist.remoteId)) continue;
        seen.add(playlist.remoteId);
        if (limit > 0 && count >= limit) return;
        count++;
        yield playlist;
      }
      if (limit > 0 && count >= limit) return;
      received += page.received;
      if (page.received === 0 || received >= page.total) return;
    }
  }

  async function chartSongs(bangId: string): Promise<PlaylistSongs> {
    if (!/^\d+$/.test(bangId)) {
      throw new SourceError(`kuwo: '${bangId}' is not a chart id`, {
        platform: "kuwo",
        kind: "not_found",
      });
    }
    const songs: SongInfo[] = [];
    let declared = 0;
    for (let pn = 1;; pn++) {
      const body = await session.signedJson(
        "/api/www/bang/bang/musicList",
        `bangId=${bangId}&pn=${pn}&rn=${CHART_PAGE_SIZE}`,
        `${WWW_REFERER}rankList`,
      );
      const page = parseChartPage(body);
      declared = page.num;
      for (const item of page.items) songs.push(parseSong(item));
      // stop at `num` or an empty page (§6)
      if (page.items.length === 0 || songs.length >= declared) break;
    }
    return { declaredCount: declared, songs };
  }

  async function playlistSongs(remoteId: string): Promise<PlaylistSongs> {
    if (remoteId.startsWith(CHART_PREFIX)) {
      return chartSongs(remoteId.slice(CHART_PREFIX.length));
    }
    if (!/^\d+$/.test(remoteId)) {
      throw new SourceError(`kuwo: '${remoteId}' is not a playlist id`, {
        platform: "kuwo",
        kind: "not_found",
      });
    }
    try {
      return await webPlaylistSongs(remoteId);
    } catch (webError) {
      if (!nplserverMayCure(webError)) throw webError;
      // the whole playlist again from nplserver: web pages are never mixed in
      return await nplserverFallback(remoteId, webError);
    }
  }

  /** The playlist from nplserver after the web path failed with `webError`. */
  async function nplserverFallback(
    remoteId: string,
    webError: SourceError,
  ): Promise<PlaylistSongs> {
    try {
      return await nplserverPlaylistSongs(config, remoteId);
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      throw new SourceError(
        `${error.message} (after the web playListInfo failed: ${webError.message})`,
        {
          platform: "kuwo",
          kind: error.kind,
          retryable: error.retryable,
          cause: error,
          ...(error.url === undefined ? {} : { url: error.url }),
          ...(error.status === undefined ? {} : { status: error.status }),
          ...(error.code === undefined ? {} : { code: error.code }),
        },
      );
    }
  }

  /** The playlist from the signed web `playListInfo` (§7.1), pages from 1. */
  async function webPlaylistSongs(remoteId: string): Promise<PlaylistSongs> {
    const songs: SongInfo[] = [];
    let total: number | undefined;
    let playlist: PlaylistCandidate | undefined;
    for (let pn = 1; total === undefined || songs.length < total; pn++) {
      let page: PlaylistPage | undefined;
      await session.signedJson(
        "/api/www/playlist/playListInfo",
        `pid=${remoteId}&pn=${pn}&rn=${PLAYLIST_PAGE_SIZE}`,
        `${WWW_REFERER}playlist_detail/${remoteId}`,
        {
          // §7.1 (MBG): the id matches and a page holds exactly
          // min(rn, total − (pn−1)·rn) items; otherwise the page is retried
          validate: (raw) => {
            const parsed = parsePlaylistPage(raw);
            if (parsed.id !== remoteId) {
              throw malformed(
                `playListInfo answered playlist ${parsed.id} for ${remoteId}`,
              );
            }
            const expected = Math.max(
              0,
              Math.min(
                PLAYLIST_PAGE_SIZE,
                parsed.total - (pn - 1) * PLAYLIST_PAGE_SIZE,
              ),
            );
            if (parsed.items.length !== expected) {
              throw malformed(
                `playListInfo page ${pn} of ${remoteId} holds ${parsed.items.length} songs, expected ${expected} of ${parsed.total}`,
              );
            }
            page = parsed;
          },
        },
      );
      if (!page) throw malformed(`playListInfo page ${pn} was not read`);
      if (total !== undefined && page.total !== total) {
        throw malformed(
          `playlist ${remoteId} changed its total from ${total} to ${page.total} while paging`,
        );
      }
      total = page.total;
      playlist ??= page.playlist;
      if (page.items.length === 0 && songs.length < total) {
        // unreachable while the page check holds; never loop on empty pages
        throw malformed(
          `playListInfo page ${pn} of ${remoteId} is empty before ${total} songs`,
        );
      }
      for (const item of page.items) songs.push(parseSong(item));
    }
    return {
      ...(playlist ? { playlist } : {}),
      declaredCount: total,
      songs,
    };
  }

  function downloadOffers(
    song: SongInfo,
    offerOptions: OfferOptions = {},
  ): AsyncIterable<DownloadOffer> {
    return resolveOffers(config, song, {
      ...offerOptions,
      path: offerPath,
      probe,
    });
  }

  async function artistDetail(remoteArtistId: string): Promise<ArtistDetail> {
    if (!/^\d+$/.test(remoteArtistId)) {
      throw new SourceError(`kuwo: '${remoteArtistId}' is not an artist id`, {
        platform: "kuwo",
        kind: "not_found",
      });
    }
    const body = await session.signedJson(
      "/api/www/artist/artist",
      `artistid=${remoteArtistId}`,
      `${WWW_REFERER}singer_detail/${remoteArtistId}`,
    );
    return parseArtist(body, remoteArtistId);
  }

  return {
    platform: "kuwo",
    listPools,
    listPlaylists,
    playlistSongs,
    downloadOffers,
    artistDetail,
  };
}
