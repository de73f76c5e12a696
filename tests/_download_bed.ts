/**
 * A download stage under test: a temporary folder, a catalog seeded with
 * test songs, the test bed's emulation (in process, no sockets), test
 * sources, a fake clock and sleep, and an in-memory UI.
 */
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { serveEmulation } from "../emulation/serve.ts";
import type { Fetch, Sleep } from "../sources/http.ts";
import type { Platform, Source } from "../sources/types.ts";
import type { FreeSpaceProbe } from "../storage/free_space.ts";
import { type Context, createContext } from "../tasks/context.ts";
import {
  download,
  type DownloadOptions,
  type DownloadSummary,
} from "../tasks/download.ts";
import type { Prompt } from "../tasks/prompt.ts";
import { type MemoryUi, memoryUi } from "../tasks/ui.ts";
import {
  audioFile,
  audioSha256,
  createTestBed,
  seedCatalog,
  type TestBed,
  type TestSource,
  testSources,
  type TestWorlds,
} from "./_download_source.ts";

/** A fake clock. */
export interface Clock {
  now(): number;
  advance(ms: number): void;
}

/** A clock that moves only when told. */
export function fakeClock(start = Date.UTC(2026, 10, 25)): Clock {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Options of `downloadBed()`. */
export interface BedOptions {
  /** A file-backed catalog (for several connections). @default false */
  fileCatalog?: boolean;
  /** The free-space probe. @default plenty everywhere */
  freeSpace?: FreeSpaceProbe;
  /** The prompt. @default end of input */
  prompt?: Prompt;
  /** Seconds a URL stays valid. */
  urlTtlSeconds?: number;
  /**
   * Serve the emulation on 127.0.0.1 and talk to it with the real `fetch`
   * (network bodies, read with BYOB), instead of calling it in process.
   */
  served?: boolean;
}

/** A download stage under test. */
export interface DownloadBed extends AsyncDisposable {
  dir: string;
  library: string;
  catalog: Catalog;
  dbPath: string;
  bed: TestBed;
  sources: Map<Platform, TestSource>;
  clock: Clock;
  ui: MemoryUi;
  sleeps: number[];
  context: Context;
  ids: Map<string, number>;
  /** Runs the stage with the bed's defaults under `options`. */
  run(options?: DownloadOptions, context?: Context): Promise<DownloadSummary>;
  /** A second context on its own catalog connection (file catalogs only). */
  secondContext(): Context;
}

/** Builds a download bed. */
export async function downloadBed(
  worlds: TestWorlds,
  options: BedOptions = {},
): Promise<DownloadBed> {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-download-" });
  const dbPath = options.fileCatalog ? join(dir, "catalog.db") : ":memory:";
  const catalog = Catalog.open(dbPath);
  const clock = fakeClock();
  const bed = createTestBed(worlds, {
    now: clock.now,
    ...(options.urlTtlSeconds !== undefined
      ? { urlTtlSeconds: options.urlTtlSeconds }
      : {}),
  });
  const server = options.served ? serveEmulation(bed.emulation) : undefined;
  const fetcher: Fetch = server
    ? (input, init) => fetch(input, init)
    : bed.emulation.fetch;
  const sources = testSources(
    worlds,
    server?.url ?? "http://emulation",
    fetcher,
  );
  const ui = memoryUi();
  const sleeps: number[] = [];
  const sleep: Sleep = (ms) => {
    sleeps.push(ms);
    return Promise.resolve();
  };
  const freeSpace: FreeSpaceProbe = options.freeSpace ??
    (() => Promise.resolve(1e15));
  const makeContext = (cat: Catalog) =>
    createContext({
      catalog: cat,
      sources: sources as Map<Platform, Source>,
      now: clock.now,
      sleep,
      log: ui.log,
      progress: ui.progress,
      freeSpace,
      ...(options.prompt ? { prompt: options.prompt } : {}),
    });
  const context = makeContext(catalog);
  const ids = seedCatalog(catalog, worlds);
  const library = join(dir, "library");
  const extra: Catalog[] = [];
  return {
    dir,
    library,
    catalog,
    dbPath,
    bed,
    sources,
    clock,
    ui,
    sleeps,
    context,
    ids,
    run: (runOptions = {}, ctx = context) =>
      download(ctx, {
        library,
        fetch: fetcher,
        minFree: 0,
        // the transfer's tests compare files with the bodies as served;
        // tests of tagging turn the parts on
        tags: false,
        cover: false,
        lyrics: false,
        ...runOptions,
      }),
    secondContext() {
      const second = Catalog.open(dbPath);
      extra.push(second);
      return makeContext(second);
    },
    async [Symbol.asyncDispose]() {
      await server?.shutdown();
      for (const c of extra) c.close();
      catalog.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Every file under a directory, relative, with `/`. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(join(dir, entry.name), rel);
      else out.push(rel);
    }
  };
  await walk(root, "");
  return out.sort();
}

/** The recorded files: asset and active location of each song. */
export interface RecordedFile {
  song_id: number;
  platform: string;
  remote_song_id: string;
  quality: string;
  platform_quality: string;
  extension: string;
  size_bytes: number;
  sha256: string;
  md5: string | null;
  /** Size of the file as stored (tags written into it). */
  stored_size_bytes: number;
  /** SHA-256 of the file as stored. */
  stored_sha256: string;
  /** How tagging went. */
  tag_state: string;
  container_name: string;
  locator: string;
  state: string;
  backend: string;
}

/** Every location with its asset. */
export function recordedFiles(catalog: Catalog): RecordedFile[] {
  return catalog.all<RecordedFile>(
    `SELECT a.song_id, s.platform, s.remote_song_id, a.quality, a.platform_quality,
       a.extension, a.size_bytes, a.sha256, a.md5, a.stored_size_bytes, a.stored_sha256,
       a.tag_state, l.container_name, l.locator, l.state,
       b.name AS backend
     FROM file_locations l JOIN file_assets a ON a.id = l.file_asset_id
     JOIN songs s ON s.id = a.song_id JOIN storage_backends b ON b.id = l.backend_id
     ORDER BY a.song_id, l.id`,
  ).map((r) => ({ ...r }));
}

/** The SHA-256 of a song's rung as the test bed serves it. */
export function expectedSha(
  worlds: TestWorlds,
  platform: Platform,
  songId: string,
  level: string,
): string {
  const song = worlds[platform]!.find((s) => s.id === songId)!;
  const offer = song.offers.find((o) => o.level === level)!;
  return audioSha256(audioFile(platform, songId, offer));
}

/** The SHA-256 of a file on disk. */
export async function fileSha256(path: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}
