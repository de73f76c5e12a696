/**
 * The NetEase Cloud Music source: the square and the charts as pools,
 * playlists page by page, every track of a playlist, download offers along
 * the level ladder, and artist details (protocols/netease.md).
 *
 * Against an emulation the weapi RSA public key comes from the emulation's
 * configuration (`config.emulation.rsa`); against the real platform it is
 * NetEase's own.
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
 *   platforms: ["netease"],
 *   ratePerSecond: 0,
 * });
 * const netease = sources.get("netease")!;
 * const [pool] = await netease.listPools("toplist");
 * const [chart] = await Array.fromAsync(netease.listPlaylists(pool!, { limit: 1 }));
 * const { songs, declaredCount } = await netease.playlistSongs(chart!.remoteId);
 * // a declared total may count hidden songs no page holds
 * assert.ok(songs.length > 0 && songs.length <= declaredCount);
 * ```
 *
 * @module
 */
import type { SourceConfig } from "../config.ts";
import type { Json } from "../_json.ts";
import { PlatformSource } from "../platform_source.ts";
import { ListingLimit } from "../paging.ts";
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
import {
  ALL_CATEGORY,
  DETAIL_SUBSCRIBERS,
  DETAIL_TRACKS,
  HIGH_QUALITY_KEY,
  PAGE_SIZE,
  SONG_DETAIL_BATCH,
  TOPLIST_KEY,
} from "./_constants.ts";
import { expectedQuality } from "./_expected.ts";
import { NeteaseBatcher } from "./_batch.ts";
import { resolveOffers } from "./_offers.ts";
import { NETEASE_TAGGING } from "./_lyrics.ts";
import {
  missingSong,
  parseArtistHead,
  parseArtistV1,
  parseSong,
} from "./_parse.ts";
import {
  highQualityPool,
  parseCatalogue,
  parsePlaylistDetail,
  parsePlaylistPage,
  parseSongDetail,
  parseToplist,
  toplistPool,
} from "./_parse_lists.ts";
import { probeNetease } from "./_probe.ts";
import { parsed } from "./_answers.ts";
import { NeteaseTransport, requireId } from "./_transport.ts";

/** The NetEase implementation of `Source`. */
export class NeteaseSource extends PlatformSource<NeteaseTransport>
  implements Source {
  /** The platform. */
  readonly platform = "netease" as const;
  #transport: NeteaseTransport;

  /** A source speaking to NetEase (or its emulation) as `config` says. */
  constructor(config: SourceConfig) {
    const transport = new NeteaseTransport(config);
    super(transport, { tagging: NETEASE_TAGGING, probe: probeNetease });
    this.#transport = transport;
  }

  /** Stops sending `MUSIC_U` after the platform refused the login (code 301, §11). */
  dropLogin(): boolean {
    return this.#transport.dropLogin();
  }

  /** The square's categories plus the high-quality list, or the one toplist pool. */
  async listPools(kind: PoolKind): Promise<PoolCandidate[]> {
    if (kind === "toplist") return [toplistPool()];
    const { body, url } = await this.#transport.weapi("playlist/catalogue", {});
    const pools = parsed(url, () => parseCatalogue(body));
    return [...pools, highQualityPool()];
  }

  /** The playlists of a pool: square pages by `offset`, the high-quality list by `lasttime`, the charts at once. */
  async *listPlaylists(
    pool: PoolCandidate,
    options: ListPlaylistsOptions = {},
  ): AsyncGenerator<PlaylistCandidate> {
    ownPool(pool);
    const listing = new ListingLimit(options.limit);
    const signal = options.signal;
    const transport = this.#transport;
    if (pool.kind === "toplist") {
      const { body, url } = await transport.weapi("toplist", {}, signal);
      yield* listing.fresh(parsed(url, () => parseToplist(body)));
      return;
    }
    if (pool.remoteKey === HIGH_QUALITY_KEY) {
      let lasttime = 0;
      for (;;) {
        const { body, url } = await transport.weapi(
          "playlist/highquality/list",
          {
            cat: ALL_CATEGORY,
            limit: PAGE_SIZE,
            lasttime,
            total: true,
          },
          signal,
        );
        const page = parsed(url, () => parsePlaylistPage(body));
        yield* listing.fresh(page.playlists);
        if (listing.full) return;
        const next = page.lasttime;
        // an empty page or a cursor that does not move would loop forever
        if (
          !page.more || page.playlists.length === 0 || next === undefined ||
          (lasttime !== 0 && next >= lasttime)
        ) {
          return;
        }
        lasttime = next;
      }
    }
    for (let offset = 0;;) {
      const { body, url } = await transport.weapi("playlist/list", {
        cat: pool.remoteKey,
        order: "hot",
        limit: PAGE_SIZE,
        offset,
        total: true,
      }, signal);
      const page = parsed(url, () => parsePlaylistPage(body));
      yield* listing.fresh(page.playlists);
      if (listing.full) return;
      if (!page.more || page.playlists.length === 0) return;
      offset += PAGE_SIZE;
    }
  }

  /**
   * Every track: `v6/playlist/detail` for the metadata and the complete
   * `trackIds`, then `v3/song/detail` (≤ 1000 ids a call) for the songs the
   * detail left out, joined with their privileges by id in `trackIds` order.
   */
  async playlistSongs(remotePlaylistId: string): Promise<PlaylistSongs> {
    const playlistId = requireId(remotePlaylistId, "a playlist");
    const { body, url } = await this.#transport.weapi("v6/playlist/detail", {
      id: playlistId,
      n: DETAIL_TRACKS,
      s: DETAIL_SUBSCRIBERS,
    });
    const detail = parsed(url, () => parsePlaylistDetail(body));
    const warnings = [...detail.warnings];
    const songs = new Map(detail.tracks);
    const privileges = new Map(detail.privileges);
    const missing = [
      ...new Set(
        detail.trackIds.filter((id) => !songs.has(id) || !privileges.has(id)),
      ),
    ];
    for (let i = 0; i < missing.length; i += SONG_DETAIL_BATCH) {
      const batch = missing.slice(i, i + SONG_DETAIL_BATCH);
      const answer = await this.#transport.weapi("v3/song/detail", {
        c: JSON.stringify(batch.map((id) => ({ id: Number(id) }))),
      });
      const found = parsed(answer.url, () => parseSongDetail(answer.body));
      warnings.push(...found.warnings);
      for (const [id, song] of found.songs) songs.set(id, song);
      for (const [id, privilege] of found.privileges) {
        privileges.set(id, privilege);
      }
    }
    return {
      playlist: detail.playlist,
      declaredCount: detail.declaredCount,
      songs: detail.trackIds.map((id) => {
        const song = songs.get(id);
        // §13: a track id song detail does not return is an unavailable song
        return song
          ? parsed(url, () => parseSong(song, privileges.get(id)))
          : missingSong(id);
      }),
      ...(warnings.length === 0 ? {} : { warnings }),
    };
  }

  /** Usable offers best first, down the level ladder (see `_offers.ts`). */
  downloadOffers(
    song: SongInfo,
    options: OfferOptions = {},
  ): AsyncGenerator<DownloadOffer> {
    return resolveOffers(this.#transport, song, options);
  }

  /** The level the privilege lets this account download (see `_expected.ts`). */
  expectedQuality(
    song: SongInfo,
    top?: QualityLabel,
  ): QualityInfo | null | undefined {
    return expectedQuality(song, top);
  }

  /** Many songs' offers, one `player/url/v1` request per level (see `_batch.ts`). */
  offerBatcher(options: OfferOptions = {}): OfferBatcher {
    return new NeteaseBatcher(this.#transport, options);
  }

  /** `artist/head/info/get`, falling back to `v1/artist/<id>` when it has no artist. */
  async artistDetail(remoteArtistId: string): Promise<ArtistDetail> {
    const artistId = requireId(remoteArtistId, "an artist");
    const head = await this.#transport.weapi("artist/head/info/get", {
      id: artistId,
    });
    const data = (head.body as Json).data;
    if (
      typeof data === "object" && data !== null &&
      typeof (data as Json).artist === "object" &&
      (data as Json).artist !== null
    ) {
      return parsed(head.url, () => parseArtistHead(head.body));
    }
    const v1 = await this.#transport.weapi(`v1/artist/${artistId}`, {});
    return parsed(v1.url, () => parseArtistV1(v1.body));
  }
}

/** Builds the NetEase source (the registry's factory for `netease`). */
export function createNeteaseSource(config: SourceConfig): Source {
  return new NeteaseSource(config);
}

/** Refuses a pool of another platform, or a toplist pool this source does not list. */
function ownPool(pool: PoolCandidate): void {
  if (pool.platform !== "netease") {
    throw new RangeError(
      `Cannot list a ${pool.platform} pool with the netease source`,
    );
  }
  if (pool.kind === "toplist" && pool.remoteKey !== TOPLIST_KEY) {
    throw new RangeError(
      `Cannot list the netease toplist pool '${pool.remoteKey}': expected '${TOPLIST_KEY}'`,
    );
  }
}
