/**
 * An in-memory `Source` for stage tests: a small catalog, call records, and
 * failures injected per call.
 */
import { SourceError } from "../sources/errors.ts";
import type {
  ArtistDetail,
  DownloadOffer,
  ListPlaylistsOptions,
  Platform,
  PlaylistCandidate,
  PlaylistSongs,
  PoolCandidate,
  PoolKind,
  SongInfo,
  Source,
} from "../sources/types.ts";

/** The data a fake source serves. */
export interface FakeData {
  pools: PoolCandidate[];
  /** Playlists per pool remote key. */
  playlists: Record<string, PlaylistCandidate[]>;
  /** Songs per playlist remote id. */
  songs: Record<string, PlaylistSongs>;
  artists?: Record<string, ArtistDetail>;
}

/** A fake source. */
export class FakeSource implements Source {
  readonly platform: Platform;
  data: FakeData;
  readonly calls: string[] = [];
  /** Errors thrown by calls, keyed `method:arg` (e.g. `playlistSongs:p1`). */
  readonly failures = new Map<string, Error>();
  /** Errors thrown after this many playlists of a pool were listed, keyed by pool. */
  readonly failAfter = new Map<string, { count: number; error: Error }>();

  constructor(platform: Platform, data: FakeData) {
    this.platform = platform;
    this.data = data;
  }

  #call(key: string): void {
    this.calls.push(key);
    const error = this.failures.get(key);
    if (error) throw error;
  }

  listPools(kind: PoolKind): Promise<PoolCandidate[]> {
    try {
      this.#call(`listPools:${kind}`);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve(this.data.pools.filter((p) => p.kind === kind));
  }

  async *listPlaylists(
    pool: PoolCandidate,
    options: ListPlaylistsOptions = {},
  ): AsyncIterable<PlaylistCandidate> {
    this.#call(`listPlaylists:${pool.remoteKey}`);
    const list = this.data.playlists[pool.remoteKey] ?? [];
    const limit = options.limit ?? 0;
    const failure = this.failAfter.get(pool.remoteKey);
    let n = 0;
    for (const playlist of list) {
      if (limit > 0 && n >= limit) return;
      if (failure && n === failure.count) throw failure.error;
      await Promise.resolve();
      yield playlist;
      n++;
    }
  }

  playlistSongs(remoteId: string): Promise<PlaylistSongs> {
    try {
      this.#call(`playlistSongs:${remoteId}`);
    } catch (error) {
      return Promise.reject(error);
    }
    const songs = this.data.songs[remoteId];
    if (!songs) {
      return Promise.reject(
        new SourceError(`${this.platform}: no playlist ${remoteId}`, {
          platform: this.platform,
          kind: "not_found",
        }),
      );
    }
    return Promise.resolve(structuredClone(songs));
  }

  // deno-lint-ignore require-yield
  async *downloadOffers(song: SongInfo): AsyncIterable<DownloadOffer> {
    this.#call(`downloadOffers:${song.remoteId}`);
    throw new SourceError("no offers in the fake", {
      platform: this.platform,
      kind: "unavailable",
    });
  }

  artistDetail(remoteId: string): Promise<ArtistDetail> {
    try {
      this.#call(`artistDetail:${remoteId}`);
    } catch (error) {
      return Promise.reject(error);
    }
    const detail = this.data.artists?.[remoteId];
    return detail ? Promise.resolve(detail) : Promise.reject(
      new SourceError(`${this.platform}: no artist ${remoteId}`, {
        platform: this.platform,
        kind: "not_found",
      }),
    );
  }
}

/** A song of a fake catalog. */
export function fakeSong(
  platform: Platform,
  id: string,
  artists: Array<[name: string, id?: string]>,
  overrides: Partial<SongInfo> = {},
): SongInfo {
  return {
    platform,
    remoteId: id,
    title: `Song ${id}`,
    artists: artists.map((
      [name, aid],
    ) => (aid === undefined ? { name } : { name, remoteId: aid })),
    artistNames: artists.map(([name]) => name).join(
      platform === "kuwo" ? "&" : "/",
    ),
    qualities: [{ label: "128k", level: "standard", sizeBytes: 1000 }],
    availability: "available",
    durationMs: 180_000,
    raw: { id },
    ...overrides,
  };
}

/**
 * A small platform: two square categories and a chart list; playlists
 * share songs; one song has a name-only credit.
 */
export function smallCatalog(platform: Platform): FakeData {
  const pool = (kind: PoolKind, key: string, name: string): PoolCandidate => ({
    platform,
    kind,
    remoteKey: key,
    name,
  });
  const playlist = (id: string, trackCount: number): PlaylistCandidate => ({
    platform,
    remoteId: id,
    name: `Playlist ${id}`,
    trackCount,
    raw: { id },
  });
  const s1 = fakeSong(platform, "s1", [["周杰伦", "a1"]]);
  const s2 = fakeSong(platform, "s2", [["周杰伦", "a1"], ["费玉清", "a2"]]);
  const s3 = fakeSong(platform, "s3", [["林俊杰", "a3"], ["DJ Mika"]]);
  const s4 = fakeSong(platform, "s4", [["ＤＪ Ｍｉｋａ"]], {
    availability: "vip",
  });
  return {
    pools: [
      pool("square", "c1", "华语"),
      pool("square", "c2", "摇滚"),
      pool("toplist", "toplist", "Charts"),
    ],
    playlists: {
      c1: [playlist("p1", 2), playlist("p2", 3)],
      c2: [playlist("p2", 3), playlist("p3", 1)],
      toplist: [playlist("chart:1", 2)],
    },
    songs: {
      p1: { declaredCount: 2, songs: [s1, s2] },
      p2: { declaredCount: 3, songs: [s2, s3, s4] },
      p3: { declaredCount: 1, songs: [s4] },
      "chart:1": { declaredCount: 2, songs: [s3, s1] },
    },
    artists: {
      a1: {
        platform,
        remoteId: "a1",
        name: "周杰伦",
        description: "Jay",
        raw: {},
      },
      a2: { platform, remoteId: "a2", name: "费玉清", raw: {} },
    },
  };
}
