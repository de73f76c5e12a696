/**
 * `export m3u8`: one playlist file per synced playlist, listing in
 * playlist order the downloaded songs' files (their active local
 * location) by paths relative to the output folder, so the folder can be
 * opened by any player. Songs without a file are skipped; playlists
 * without any downloaded song are not written.
 *
 * @module
 */
import { join, relative, resolve, sep } from "node:path";
import {
  findSyncedPlaylist,
  type PlaylistRow,
  syncedPlaylists,
} from "../catalog/playlists.ts";
import { playlistFiles } from "../catalog/storage.ts";
import type { Platform } from "../sources/types.ts";
import { fileName, foldKey } from "../storage/names.ts";
import { fileSize } from "../storage/local.ts";
import type { Context } from "./context.ts";
import type { RunStatus } from "./outcome.ts";
import { finishStage, startStage } from "./_stage.ts";
import { PLATFORMS } from "../sources/types.ts";

/** Options of `exportM3u8()`. */
export interface ExportOptions {
  /** The folder the playlist files are written to (created if needed). */
  outDir: string;
  /** Playlists of these platforms. @default every platform */
  platforms?: readonly Platform[];
  /** Only these playlists. @default every synced playlist */
  playlists?: ReadonlyArray<{ platform: Platform; remoteId: string }>;
}

/** One playlist file written. */
export interface ExportedPlaylist {
  /** The platform. */
  platform: Platform;
  /** The playlist's id on its platform. */
  remoteId: string;
  /** The playlist's name. */
  name: string;
  /** The file written. */
  path: string;
  /** Songs listed. */
  entries: number;
  /** Songs skipped: no downloaded file. */
  skipped: number;
}

/** The summary of `exportM3u8()`. */
export interface ExportSummary {
  /** How the run ended. */
  status: RunStatus;
  /** The output folder (absolute). */
  outDir: string;
  /** Playlist files written. */
  playlists: number;
  /** Songs listed across them. */
  entries: number;
  /** Songs skipped because they have no downloaded file. */
  skippedSongs: number;
  /** Of those, songs whose only copies are in a bucket or on a cloud drive. */
  skippedRemoteOnly: number;
  /** Synced playlists not written: none of their songs has a file. */
  emptyPlaylists: number;
  /** The files written. */
  files: ExportedPlaylist[];
  /** `--playlist` references that are not synced in the catalog. */
  unknownPlaylists: string[];
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

/**
 * Writes one `.m3u8` per synced playlist into `options.outDir`.
 *
 * @example Export a playlist of downloaded songs
 * ```ts
 * import {
 *   Catalog,
 *   collect,
 *   createContext,
 *   createEmulation,
 *   createSources,
 *   download,
 *   exportM3u8,
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
 * await sync(context, { limit: 1 });
 * const library = await Deno.makeTempDir();
 * try {
 *   await download(context, { library, minFree: 0, fetch: emulation.fetch });
 *   const summary = await exportM3u8(context, { outDir: `${library}/m3u8` });
 *   assert.equal(summary.playlists, 1);
 *   assert.ok(summary.entries > 0);
 * } finally {
 *   await Deno.remove(library, { recursive: true });
 * }
 * ```
 */
export async function exportM3u8(
  context: Context,
  options: ExportOptions,
): Promise<ExportSummary> {
  const start = startStage(context, options);
  const catalog = context.catalog;
  const outDir = resolve(options.outDir);
  // export needs no sources: without any, every platform
  const platforms = options.platforms ??
    (start.platforms.length > 0 ? start.platforms : PLATFORMS);
  const refs = options.playlists ?? [];
  const summary: ExportSummary = {
    status: "ok",
    outDir,
    playlists: 0,
    entries: 0,
    skippedSongs: 0,
    skippedRemoteOnly: 0,
    emptyPlaylists: 0,
    files: [],
    unknownPlaylists: [],
    durationMs: 0,
  };
  let playlists: PlaylistRow[];
  if (refs.length > 0) {
    playlists = [];
    for (const ref of refs) {
      const row = findSyncedPlaylist(catalog, ref.platform, ref.remoteId);
      if (row) {
        if (!playlists.some((p) => p.id === row.id)) playlists.push(row);
      } else {
        summary.unknownPlaylists.push(`${ref.platform}:${ref.remoteId}`);
        context.log.warn(
          `playlist ${ref.platform}:${ref.remoteId} is not synced in the catalog`,
        );
      }
    }
  } else {
    playlists = syncedPlaylists(catalog, platforms);
  }
  await Deno.mkdir(outDir, { recursive: true });
  const taken = new Set<string>();
  for (const playlist of playlists) {
    if (context.signal?.aborted) break;
    const entries = playlistFiles(catalog, playlist.id);
    const lines = ["#EXTM3U"];
    let listed = 0;
    let skipped = 0;
    for (const entry of entries) {
      const path = entry.container_name !== null && entry.locator !== null
        ? join(entry.container_name, ...entry.locator.split("/"))
        : undefined;
      if (path === undefined || (await fileSize(path)) === undefined) {
        skipped++;
        // a song only in a bucket has no local path to write
        if (entry.remote === 1) summary.skippedRemoteOnly++;
        continue;
      }
      const rel = relative(outDir, path).split(sep).join("/");
      if (/[\r\n]/.test(rel)) {
        skipped++;
        continue;
      }
      const seconds = entry.duration_ms === null
        ? -1
        : Math.round(entry.duration_ms / 1000);
      const title = oneLine(
        entry.artist_names
          ? `${entry.artist_names} - ${entry.name}`
          : entry.name,
      );
      lines.push(`#EXTINF:${seconds},${title}`, rel);
      listed++;
    }
    summary.skippedSongs += skipped;
    if (listed === 0) {
      summary.emptyPlaylists++;
      continue;
    }
    // the id keeps the name unique, so it survives when a long name is cut
    const base = `${playlist.platform} - ${playlist.name}`;
    const id = ` [${playlist.remote_playlist_id}]`;
    let name = fileName(base, "m3u8", id);
    for (let n = 2; taken.has(foldKey(name)); n++) {
      name = fileName(base, "m3u8", `${id} (${n})`);
    }
    taken.add(foldKey(name));
    const path = join(outDir, name);
    const temporary = `${path}.tmp`;
    await Deno.writeTextFile(temporary, `${lines.join("\n")}\n`);
    await Deno.rename(temporary, path);
    summary.playlists++;
    summary.entries += listed;
    summary.files.push({
      platform: playlist.platform,
      remoteId: playlist.remote_playlist_id,
      name: playlist.name,
      path,
      entries: listed,
      skipped,
    });
  }
  return finishStage(context, start, summary, {
    failed: summary.unknownPlaylists.length,
    succeeded: summary.playlists,
    total: playlists.length + summary.unknownPlaylists.length,
  });
}

/** Text on one line: controls and line breaks become spaces. */
function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex -- a line break would start a new entry
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
}
