/**
 * `sync`: resolves selected playlists into songs and derives their artists.
 *
 * Each playlist is written in one transaction: its songs (upserted by
 * `(platform, remote_song_id)`), their artists and credits, the playlist's
 * ordered `playlist_songs`, its `synced_at` and resolved count, and the
 * stale mark of the derived artist pools of every pool it belongs to. A
 * kill at any moment leaves either the old or the new state of a playlist;
 * the next run redoes only playlists not yet synced and refreshes stale
 * derived pools first.
 *
 * @module
 */
import { replaceSongArtists, upsertArtist } from "../catalog/artists.ts";
import type { Catalog } from "../catalog/database.ts";
import {
  ensurePlaylist,
  markPlaylistFailed,
  markPlaylistSynced,
  type PlaylistRow,
  playlistsToSync,
  recordTrackCount,
  replacePlaylistSongs,
  upsertPlaylist,
} from "../catalog/playlists.ts";
import {
  markPoolsOfPlaylistDirty,
  refreshDirtyArtistPools,
} from "../catalog/pools.ts";
import { prepareSong, writeSong } from "../catalog/songs.ts";
import { countOnPlatforms } from "../catalog/status.ts";
import { splitArtistNames } from "../sources/artist_names.ts";
import type {
  ArtistRef,
  Platform,
  PlaylistSongs,
  PoolKind,
  SongInfo,
  Source,
} from "../sources/types.ts";
import type { Context } from "./context.ts";
import type { DiscoveredArtist } from "./hooks.ts";
import {
  describeError,
  isFatalForPlatform,
  type RunStatus,
} from "./outcome.ts";
import { eachPlatform, finishStage, startStage } from "./_stage.ts";
import { type PlatformProgress, progressLine } from "./_progress.ts";

/** Options of `sync()`. */
export interface SyncOptions {
  /** Platforms to sync. @default the platforms the context has sources for */
  platforms?: readonly Platform[];
  /** Only playlists listed by pools of these kinds. @default any */
  pools?: readonly PoolKind[];
  /**
   * These playlists (synced whatever their state; added to the catalog if
   * collect never saw them).
   */
  playlists?: ReadonlyArray<{ platform: Platform; remoteId: string }>;
  /** At most this many playlists; `0` = all selected. @default 0 */
  limit?: number;
  /**
   * Also resync playlists last synced longer ago than this (milliseconds).
   * Without it only never-synced playlists are selected.
   */
  staleMs?: number;
  /** Playlists resolved at once per platform. @default 2 */
  concurrency?: number;
}

/** Defaults of `SyncOptions`. */
export const SYNC_DEFAULTS = {
  limit: 0,
  concurrency: 2,
} as const satisfies Partial<SyncOptions>;

/** A playlist whose resolved songs differ in number from what the platform declares. */
export interface CountMismatch {
  /** The platform. */
  platform: Platform;
  /** The playlist's id on its platform. */
  remoteId: string;
  /** The playlist's name. */
  name: string;
  /** Tracks the platform declares. */
  declared: number;
  /** Songs actually resolved. */
  resolved: number;
}

/** The summary of `sync()`. */
export interface SyncSummary {
  /** How the run ended. */
  status: RunStatus;
  /** Playlists selected for this run. */
  selected: number;
  /** Playlists synced. */
  synced: number;
  /** Playlists whose sync failed (recorded in `playlists.sync_error`). */
  failed: number;
  /** Song rows written (a song in two playlists counts twice). */
  songs: number;
  /** Songs new to the catalog. */
  newSongs: number;
  /** Artists new to the catalog. */
  newArtists: number;
  /** Derived artist pools recomputed. */
  artistPoolsRefreshed: number;
  /** Playlists whose resolved count differs from the declared one. */
  mismatches: CountMismatch[];
  /**
   * What the platforms' answers held that could not be taken (a song
   * without an id, skipped), one line each naming the playlist and where.
   */
  warnings: string[];
  /** The playlists that failed, and why. */
  failures: Array<
    { platform: Platform; remoteId: string; name: string; error: string }
  >;
  /** Platforms that stopped early, and why. */
  platformErrors: Partial<Record<Platform, string>>;
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

/** Stop a platform after this many failed playlists in a row. */
const FAILURES_IN_A_ROW = 5;

/**
 * Syncs the selected playlists.
 *
 * @example Sync a collected playlist into songs and artists
 * ```ts
 * import {
 *   Catalog,
 *   collect,
 *   createContext,
 *   createEmulation,
 *   createSources,
 *   sync,
 * } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const emulation = createEmulation({ size: "tiny" });
 * using catalog = Catalog.open(":memory:");
 * const sources = await createSources({
 *   fetch: emulation.fetch,
 *   emulation: "http://emulation",
 *   ratePerSecond: 0,
 *   platforms: ["netease"],
 * });
 * const context = createContext({ catalog, sources });
 * await collect(context, { pools: ["toplist"], limit: 1 });
 * const summary = await sync(context, { limit: 1 });
 * assert.equal(summary.status, "ok");
 * assert.equal(summary.synced, 1);
 * assert.ok(summary.newSongs > 0);
 * ```
 */
export async function sync(
  context: Context,
  options: SyncOptions = {},
): Promise<SyncSummary> {
  const start = startStage(context, options);
  const { platforms } = start;
  const catalog = context.catalog;
  const concurrency = Math.max(
    1,
    options.concurrency ?? SYNC_DEFAULTS.concurrency,
  );
  let artistPoolsRefreshed = refreshDirtyArtistPools(catalog, context.now());
  const selected = selectPlaylists(catalog, context.now(), {
    ...options,
    platforms,
  });
  const songsBefore = countOnPlatforms(catalog, "songs", platforms);
  const artistsBefore = countOnPlatforms(catalog, "artists", platforms);
  const summary: SyncSummary = {
    status: "ok",
    selected: selected.length,
    synced: 0,
    failed: 0,
    songs: 0,
    newSongs: 0,
    newArtists: 0,
    artistPoolsRefreshed: 0,
    mismatches: [],
    warnings: [],
    failures: [],
    platformErrors: {},
    durationMs: 0,
  };
  const progress = new Map<Platform, PlatformProgress>(
    platforms.map((platform) => [platform, {
      done: 0,
      total: selected.filter((p) => p.platform === platform).length,
    }]),
  );
  const show = () =>
    context.progress.status(
      progressLine("sync", "playlists", progress, [
        `${summary.songs.toLocaleString("en-US")} songs`,
      ]),
    );
  show();

  await eachPlatform(
    context,
    platforms,
    async (platform, source) => {
      const queue = selected.filter((p) => p.platform === platform);
      let failuresInARow = 0;
      let stopped = false;
      const worker = async () => {
        while (!stopped && !context.signal?.aborted) {
          const playlist = queue.shift();
          if (!playlist) return;
          try {
            const resolved = await source.playlistSongs(
              playlist.remote_playlist_id,
            );
            if (context.signal?.aborted) return;
            await writePlaylist(context, source, playlist, resolved, summary);
            failuresInARow = 0;
          } catch (error) {
            summary.failed++;
            const message = describeError(error);
            summary.failures.push({
              platform,
              remoteId: playlist.remote_playlist_id,
              name: playlist.name,
              error: message,
            });
            catalog.transaction(() =>
              markPlaylistFailed(catalog, playlist.id, message)
            );
            context.log.warn(
              `${platform}: playlist ${playlist.remote_playlist_id} (${playlist.name}): ${message}`,
            );
            failuresInARow++;
            if (
              isFatalForPlatform(error) || failuresInARow >= FAILURES_IN_A_ROW
            ) {
              if (!stopped) {
                stopped = true;
                summary.platformErrors[platform] =
                  failuresInARow >= FAILURES_IN_A_ROW &&
                    !isFatalForPlatform(error)
                    ? `stopped after ${failuresInARow} failed playlists in a row (last: ${message})`
                    : message;
                context.log.warn(
                  `${platform}: sync stopped: ${
                    summary.platformErrors[platform]
                  }`,
                );
              }
            }
          }
          progress.get(platform)!.done++;
          show();
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    },
  );

  artistPoolsRefreshed += refreshDirtyArtistPools(catalog, context.now());
  summary.artistPoolsRefreshed = artistPoolsRefreshed;
  summary.newSongs = countOnPlatforms(catalog, "songs", platforms) -
    songsBefore;
  summary.newArtists = countOnPlatforms(catalog, "artists", platforms) -
    artistsBefore;
  for (const m of summary.mismatches) {
    context.log.warn(
      `${m.platform}: playlist ${m.remoteId} (${m.name}) declares ${m.declared} tracks, resolved ${m.resolved}`,
    );
  }
  return finishStage(context, start, summary, {
    failed: summary.failed + Object.keys(summary.platformErrors).length,
    succeeded: summary.synced,
    total: selected.length,
  });
}

async function writePlaylist(
  context: Context,
  source: Source,
  playlist: PlaylistRow,
  resolved: PlaylistSongs,
  summary: SyncSummary,
): Promise<void> {
  const catalog = context.catalog;
  const now = context.now();
  const discovered: DiscoveredArtist[] = [];
  const written: Array<{ id: number; song: SongInfo }> = [];
  // serialize songs and split credits first: the write lock is held for
  // the writes alone
  const prepared = resolved.songs.map((song) => ({
    song,
    row: prepareSong(song),
    artists: artistRefs(source.platform, song),
  }));
  catalog.immediate(() => {
    if (resolved.playlist) {
      upsertPlaylist(catalog, {
        ...resolved.playlist,
        remoteId: playlist.remote_playlist_id,
      }, now);
    }
    const songIds: number[] = [];
    for (const { song, row, artists } of prepared) {
      const { id: songId, created } = writeSong(catalog, row, now);
      songIds.push(songId);
      written.push({ id: songId, song });
      const artistIds: number[] = [];
      for (const ref of artists) {
        const result = upsertArtist(catalog, source.platform, ref, now);
        artistIds.push(result.id);
        if (result.created) {
          discovered.push({
            id: result.id,
            platform: source.platform,
            remoteId: ref.remoteId,
            name: ref.name,
          });
        }
      }
      replaceSongArtists(catalog, songId, artistIds, { newSong: created });
    }
    if (replacePlaylistSongs(catalog, playlist.id, songIds)) {
      markPoolsOfPlaylistDirty(catalog, playlist.id);
    }
    recordTrackCount(catalog, playlist.id, resolved.declaredCount);
    markPlaylistSynced(catalog, playlist.id, songIds.length, now);
  });
  summary.synced++;
  summary.songs += resolved.songs.length;
  for (const warning of resolved.warnings ?? []) {
    const line = `${warning} (playlist ${playlist.remote_playlist_id})`;
    summary.warnings.push(line);
    context.log.warn(line);
  }
  if (resolved.songs.length !== resolved.declaredCount) {
    summary.mismatches.push({
      platform: source.platform,
      remoteId: playlist.remote_playlist_id,
      name: resolved.playlist?.name ?? playlist.name,
      declared: resolved.declaredCount,
      resolved: resolved.songs.length,
    });
  }
  await runHooks(context, async (hooks) => {
    for (const artist of discovered) await hooks.onArtistDiscovered?.(artist);
    for (const { id, song } of written) {
      await hooks.onSongSynced?.({ id, song, playlistId: playlist.id });
    }
    await hooks.onPlaylistSynced?.({
      id: playlist.id,
      platform: source.platform,
      remoteId: playlist.remote_playlist_id,
      songCount: resolved.songs.length,
    });
  });
}

/**
 * The artists of a song: its credits from the raw metadata when the
 * platform gives them, else its singer string split on the platform's
 * separators.
 */
export function artistRefs(platform: Platform, song: SongInfo): ArtistRef[] {
  if (song.artists.length > 0) return song.artists;
  return splitArtistNames(song.artistNames, platform).map((name) => ({ name }));
}

async function runHooks(
  context: Context,
  run: (hooks: Context["hooks"]) => Promise<void>,
): Promise<void> {
  const hooks = context.hooks;
  if (
    !hooks.onArtistDiscovered && !hooks.onSongSynced && !hooks.onPlaylistSynced
  ) return;
  try {
    await run(hooks);
  } catch (error) {
    context.log.warn(`a sync hook failed: ${describeError(error)}`);
  }
}

function selectPlaylists(
  catalog: Catalog,
  now: number,
  options: SyncOptions & { platforms: readonly Platform[] },
): PlaylistRow[] {
  const limit = options.limit ?? SYNC_DEFAULTS.limit;
  if (options.playlists && options.playlists.length > 0) {
    const out: PlaylistRow[] = [];
    for (const ref of options.playlists) {
      if (!options.platforms.includes(ref.platform)) continue;
      const row = ensurePlaylist(catalog, ref, now);
      if (!out.some((p) => p.id === row.id)) out.push(row);
    }
    return limit > 0 ? out.slice(0, limit) : out;
  }
  return playlistsToSync(catalog, {
    platforms: options.platforms,
    pools: options.pools ?? [],
    syncedBefore: options.staleMs === undefined
      ? undefined
      : now - options.staleMs,
    limit,
  });
}
