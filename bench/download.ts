// deno-lint-ignore-file no-console -- a benchmark prints its figures
/**
 * Benchmark: the download stage against `curl` on loopback.
 *
 * The emulation frame serves audio bodies (`serveAudio`: Content-Length,
 * Range) from its own process on 127.0.0.1. The same URLs are fetched
 * with the same parallelism by `curl --parallel --parallel-max N` and by
 * our stage (`download()`: catalog plan, leases, offers, streaming to
 * `.part` with SHA-256, size and magic checks, fsync, rename, records),
 * in a child process of its own so that its peak memory (RSS, sampled
 * every 20 ms) is its own.
 *
 * Two baselines: bare `curl` (writes each file, nothing else), and the
 * integrity baseline (`_integrity.ts`): curl writing each file, hashed by
 * `openssl dgst -sha256` and synced with `sync -d` (fdatasync), the same
 * integrity work the stage does.
 *
 * 1. 2 GiB in 200 files of 10 MiB: throughput of all three, ours against
 *    the integrity baseline (targets: at least 90 % of its throughput, at
 *    most 1.2x its CPU-seconds per GiB) and against bare curl (for
 *    reference), our peak RSS (target under 150 MB);
 * 2. 2 GiB in 20 files of 100 MiB: the same, to show memory does not grow
 *    with file size;
 * 3. 5,000 files of 16 KiB: per-file overhead (ms/file) of both.
 *
 * Our stage tags every file (title, artists, album, ids, an album cover of
 * ~140 KB from the catalog's cache, lyrics recorded in the catalog). In
 * the 10 MiB run it also runs without tags, alternating, and reports the
 * cost of tagging: the milliseconds spent in tagging steps per file
 * (preparing the tags, writing the head over the room, the `.lrc` files)
 * and the difference in wall time with and without tags, as a share of
 * the download time (target at most 10 %). The stored file's SHA-256 is
 * computed while the body streams, so its cost is in the wall time, not
 * in the per-file steps.
 *
 * For reference it also prints what Deno's `fetch` alone reaches writing
 * the same files (no SHA-256, checks, fsync or catalog): the
 * runtime's floor on this machine. Where `/proc` exists, every run also
 * shows the CPU seconds per GiB of its process and of the emulation's:
 * with both cores busy, the ratio of those sums bounds ours/curl.
 *
 * Each comparison alternates the sides twice and keeps each side's best
 * run (peak memory: the highest seen). It prints figures; it asserts
 * nothing.
 *
 * Run: deno task bench (or deno run -A bench/download.ts [--quick])
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Catalog } from "../catalog/database.ts";
import { upsertSong } from "../catalog/songs.ts";
import { recordCover, recordLyrics } from "../catalog/tags.ts";
import { coverImage } from "../emulation/images.ts";
import { serveAudio } from "../emulation/audio.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { serveEmulation } from "../emulation/serve.ts";
import type {
  DownloadOffer,
  OfferOptions,
  Platform,
  SongInfo,
  Source,
} from "../sources/types.ts";
import { createContext } from "../tasks/context.ts";
import { download } from "../tasks/download.ts";
import {
  procCpuSeconds,
  runJsonChild,
  samplePeakRss,
  type ServerChild,
  startServerChild,
} from "./_child.ts";
import { runIntegrityBaseline } from "./_integrity.ts";
import { tempDir } from "./_temp_dir.ts";

const MiB = 1024 * 1024;
/** Runs of each side per comparison (the best is kept). */
const ROUNDS = 2;
const CDN_HOST = "cdn.bench.test";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    serve: { type: "boolean" },
    child: { type: "boolean" },
    raw: { type: "boolean" },
    url: { type: "string" },
    files: { type: "string" },
    size: { type: "string" },
    dir: { type: "string" },
    concurrency: { type: "string" },
    quick: { type: "boolean" },
    "no-tags": { type: "boolean" },
  },
});

/** The URL of bench file `i` of `size` bytes. */
function fileUrl(base: string, size: number, i: number): string {
  return `${base}/${CDN_HOST}/${size}/${i}.mp3`;
}

/** What one run fetches: `files` bench files of `size` bytes from `base`, `concurrency` at a time. */
interface Workload {
  base: string;
  files: number;
  size: number;
  concurrency: number;
}

/** The URLs of a workload's files. */
function fileUrls({ base, size, files }: Workload): string[] {
  return Array.from({ length: files }, (_, i) => fileUrl(base, size, i));
}

/** Serves the bench files through the emulation frame; prints the URL. */
function serve(): void {
  const emulation = createEmulation({
    size: "tiny",
    emulators: {
      netease: () => ({
        platform: "netease",
        hosts: [CDN_HOST],
        handle(request, route) {
          const match = /^\/(\d+)\/(\d+)\.mp3$/.exec(route.path);
          if (!match) return new Response("not found", { status: 404 });
          return serveAudio(request, {
            key: `bench:${match[2]}`,
            container: "mp3",
            sizeBytes: Number(match[1]),
          });
        },
      }),
    },
  });
  const server = serveEmulation(emulation);
  console.log(server.url);
}

/** A source whose offers point at the bench files. */
function benchSource(base: string, size: number): Source {
  const album = (song: SongInfo) => Math.floor(Number(song.remoteId) / 10);
  const refuse = () => Promise.reject(new Error("not in the bench source"));
  return {
    platform: "netease",
    listPools: refuse,
    listPlaylists: () => ({
      [Symbol.asyncIterator]: () => ({ next: refuse }),
    }),
    playlistSongs: refuse,
    artistDetail: refuse,
    tagInfo: (song) => ({
      pageUrl: `https://music.163.com/song?id=${song.remoteId}`,
      trackNumber: 1 + (Number(song.remoteId) % 10),
      date: "2024-05-06",
      cover: {
        key: `album:${album(song)}`,
        url: `https://p1.music.126.net/bench/${album(song)}.jpg?param=800y800`,
        sizePx: 800,
      },
    }),
    // covers and lyrics come from the catalog (seeded by the child)
    fetchCover: refuse,
    lyrics: refuse,
    async *downloadOffers(
      song: SongInfo,
      _options?: OfferOptions,
    ): AsyncGenerator<DownloadOffer> {
      yield {
        platform: "netease",
        songRemoteId: song.remoteId,
        quality: "320k",
        level: "exhigh",
        url: fileUrl(base, size, Number(song.remoteId)),
        extension: "mp3",
        container: "mp3",
        sizeBytes: size,
        bitrateKbps: 320,
      };
    },
  };
}

/** What a child side is asked to fetch (`--url`, `--files`, `--size`) and where (`--dir`). */
function childFlags(): {
  base: string;
  files: number;
  size: number;
  dir: string;
} {
  return {
    base: values.url!,
    files: Number(values.files),
    size: Number(values.size),
    dir: values.dir!,
  };
}

/**
 * The runtime's floor, in a child process: the same URLs fetched with
 * `fetch` into files, reading into reused buffers and writing while
 * reading, but without hashing, checks, fsync or catalog: what Deno itself
 * reaches here.
 */
async function rawChild(): Promise<void> {
  const { base, files, size, dir } = childFlags();
  const memory = samplePeakRss();
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Number(values.concurrency ?? 4) }, async () => {
      const buffers = [
        new ArrayBuffer(512 * 1024),
        new ArrayBuffer(512 * 1024),
      ];
      for (;;) {
        const i = next++;
        if (i >= files) return;
        const response = await fetch(fileUrl(base, size, i));
        using file = await Deno.open(join(dir, `${i}.mp3`), {
          write: true,
          create: true,
          truncate: true,
        });
        const reader = response.body!.getReader({ mode: "byob" });
        let writing: Promise<unknown> = Promise.resolve();
        let which = 0;
        for (let done = false; !done;) {
          let buffer = buffers[which]!;
          let filled = 0;
          while (filled < buffer.byteLength) {
            const result = await reader.read(
              new Uint8Array(buffer, filled, buffer.byteLength - filled),
            );
            if (result.value) buffer = result.value.buffer as ArrayBuffer;
            if (result.done) {
              done = true;
              break;
            }
            filled += result.value.byteLength;
          }
          buffers[which] = buffer;
          await writing;
          const view = new Uint8Array(buffer, 0, filled);
          writing = (async () => {
            for (let w = 0; w < view.length;) {
              w += await file.write(view.subarray(w));
            }
          })();
          bytes += filled;
          which ^= 1;
        }
        await writing;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({
    seconds,
    downloaded: files,
    bytes,
    peakRssMb: memory.stop(),
    status: "ok",
  }));
}

/** Our side, in a child process: seeds a catalog and runs the stage. */
async function child(): Promise<void> {
  const { base, files, size, dir } = childFlags();
  const memory = samplePeakRss();
  using catalog = Catalog.open(join(dir, "catalog.db"));
  // a real JPEG of ~140 KB, the size of a platform's 800 px cover
  const cover = coverImage("bench", "jpeg", 3000);
  catalog.transaction(() => {
    for (let album = 0; album * 10 < files; album++) {
      recordCover(catalog, {
        platform: "netease",
        key: `album:${album}`,
        sizePx: 800,
        state: "ok",
        url: "https://p1.music.126.net/bench.jpg",
        mime: "image/jpeg",
        data: cover,
        sha256: null,
      }, Date.now());
    }
    for (let i = 0; i < files; i++) {
      const id = upsertSong(catalog, {
        platform: "netease",
        remoteId: String(i),
        title: `Bench ${i}`,
        artists: [{ name: "Bench" }],
        artistNames: "Bench",
        durationMs: 240_000,
        qualities: [{ label: "320k", level: "exhigh", sizeBytes: size }],
        availability: "available",
        raw: {},
      }, Date.now());
      recordLyrics(catalog, id, {
        state: "lyrics",
        lrc: "[00:01.00]夜空中最亮的星\n[00:05.00]さくら 🎵\n",
        translation: null,
      }, Date.now());
    }
  });
  const context = createContext({
    catalog,
    sources: new Map<Platform, Source>([["netease", benchSource(base, size)]]),
  });
  const started = performance.now();
  const summary = await download(context, {
    library: join(dir, "library"),
    concurrency: Number(values.concurrency ?? 4),
    minFree: 0,
    ...(values["no-tags"] ? { tags: false, cover: false, lyrics: false } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({
    seconds,
    downloaded: summary.downloaded,
    bytes: summary.bytes,
    peakRssMb: memory.stop(),
    status: summary.status,
    tagged: summary.tagging.tagged,
    tagMs: summary.tagging.ms,
  }));
}

/** One timed run of a side. */
interface Measured {
  seconds: number;
  bytes: number;
  /** CPU seconds (user + system) of the side's process, if known. */
  cpuSeconds?: number;
  /** CPU seconds of the emulation's process meanwhile, if known. */
  emulatorCpuSeconds?: number;
}

interface OurResult extends Measured {
  downloaded: number;
  peakRssMb: number;
  status: string;
  /** Files tagged. */
  tagged: number;
  /** Milliseconds in tagging steps, summed over files. */
  tagMs: number;
}

/** Runs `fn` (which spawns and reaps one child) and adds the CPU both processes spent. */
async function measured<T extends Measured>(
  emulatorPid: number,
  fn: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const children = procCpuSeconds("self", true);
  const emulator = procCpuSeconds(emulatorPid);
  const result = await fn();
  if (!result) return undefined;
  const childrenAfter = procCpuSeconds("self", true);
  const emulatorAfter = procCpuSeconds(emulatorPid);
  if (children !== undefined && childrenAfter !== undefined) {
    result.cpuSeconds = childrenAfter - children;
  }
  if (emulator !== undefined && emulatorAfter !== undefined) {
    result.emulatorCpuSeconds = emulatorAfter - emulator;
  }
  return result;
}

async function runOurs(
  { base, files, size, concurrency }: Workload,
  mode: "child" | "raw" | "untagged" = "child",
): Promise<OurResult> {
  await using dir = await tempDir("ours");
  return await runJsonChild<OurResult>([
    "run",
    "-A",
    new URL(import.meta.url).pathname,
    mode === "untagged" ? "--child" : `--${mode}`,
    ...(mode === "untagged" ? ["--no-tags"] : []),
    "--url",
    base,
    "--files",
    String(files),
    "--size",
    String(size),
    "--dir",
    dir.path,
    "--concurrency",
    String(concurrency),
  ], "our side");
}

async function runCurl(work: Workload): Promise<Measured | undefined> {
  await using dir = await tempDir("curl");
  const config = fileUrls(work)
    .map((url, i) => `url = "${url}"\noutput = "${join(dir.path, `${i}.mp3`)}"`)
    .join("\n");
  await Deno.writeTextFile(join(dir.path, "urls.txt"), config);
  const started = performance.now();
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("curl", {
      args: [
        "--silent",
        "--show-error",
        "--fail",
        "--parallel",
        "--parallel-max",
        String(work.concurrency),
        "--config",
        join(dir.path, "urls.txt"),
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch {
    return undefined;
  }
  const seconds = (performance.now() - started) / 1000;
  if (!output.success) {
    console.log(
      `curl failed: ${new TextDecoder().decode(output.stderr).trim()}`,
    );
    return undefined;
  }
  let bytes = 0;
  for await (const entry of Deno.readDir(dir.path)) {
    if (entry.name.endsWith(".mp3")) {
      bytes += (await Deno.stat(join(dir.path, entry.name))).size;
    }
  }
  return { seconds, bytes };
}

/** The integrity baseline on the bench files (`_integrity.ts`). */
async function runIntegrity(work: Workload): Promise<Measured | undefined> {
  await using dir = await tempDir("integrity");
  const run = await runIntegrityBaseline(
    fileUrls(work),
    dir.path,
    work.concurrency,
    (line) => console.log(`  ${line}`),
  );
  if (!run || run.hashed !== work.files) return undefined;
  return { seconds: run.seconds, bytes: run.bytes };
}

/**
 * Ours against the integrity baseline: throughput (target at least 90 %)
 * and CPU-seconds per GiB of each side's own processes (target at most
 * 1.2x).
 */
function integrityLines(integrity: Measured, ours: Measured): void {
  const integrityRate = mibps(integrity.bytes, integrity.seconds);
  const oursRate = mibps(ours.bytes, ours.seconds);
  console.log(
    `  integrity baseline (curl + openssl dgst -sha256 + sync -d per file): ${
      integrityRate.toFixed(0)
    } MiB/s (${integrity.seconds.toFixed(2)} s${cpuPerGib(integrity)})`,
  );
  const share = oursRate / integrityRate;
  console.log(
    `  ours/integrity: throughput ${
      (100 * share).toFixed(0)
    } % (target >= 90 %: ${share >= 0.9 ? "met" : "not met"})`,
  );
  if (ours.cpuSeconds !== undefined && integrity.cpuSeconds !== undefined) {
    const cpu = (ours.cpuSeconds / ours.bytes) /
      (integrity.cpuSeconds / integrity.bytes);
    console.log(
      `  ours/integrity: CPU-seconds per GiB ${
        cpu.toFixed(2)
      }x (target <= 1.2x: ${cpu <= 1.2 ? "met" : "not met"})`,
    );
  }
}

function startServer(): Promise<ServerChild> {
  return startServerChild(
    ["run", "-A", new URL(import.meta.url).pathname, "--serve"],
    "the bench server",
  );
}

const mibps = (bytes: number, seconds: number) => bytes / MiB / seconds;

/**
 * Lets the disk write back what the previous run left in the page cache
 * (curl does not sync; we do), so that it does not slow the next run.
 */
async function settleDisk(): Promise<void> {
  try {
    await new Deno.Command("sync").output();
  } catch {
    // no sync command: the runs alternate anyway
  }
}

/** CPU seconds per GiB of a run: its process, and the emulation's. */
function cpuPerGib(run: Measured): string {
  if (run.cpuSeconds === undefined) return "";
  const gib = run.bytes / 1024 ** 3;
  const own = run.cpuSeconds / gib;
  const emulator = run.emulatorCpuSeconds === undefined
    ? ""
    : ` + emulator ${(run.emulatorCpuSeconds / gib).toFixed(2)}`;
  return `; CPU-s per GiB: ${own.toFixed(2)}${emulator}`;
}

/** CPU seconds per GiB of both processes of a run, or undefined. */
function totalCpuPerByte(run: Measured): number | undefined {
  if (run.cpuSeconds === undefined || run.emulatorCpuSeconds === undefined) {
    return undefined;
  }
  return (run.cpuSeconds + run.emulatorCpuSeconds) / run.bytes;
}

async function compare(
  label: string,
  server: ServerChild,
  files: number,
  size: number,
  concurrency: number,
  tagging = false,
): Promise<void> {
  const work = { base: server.url, files, size, concurrency };
  console.log(
    `\n${label}: ${files} files of ${
      size / MiB
    } MiB, parallelism ${concurrency}`,
  );
  // alternate the two, twice, and keep each one's best run: the machine's
  // noise (other processes, page-cache write-back) hits both alike
  let curl: Measured | undefined;
  let integrity: Measured | undefined;
  let ours: OurResult | undefined;
  let untagged: OurResult | undefined;
  let peakRssMb = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await settleDisk();
    const c = await measured(
      server.pid,
      () => runCurl(work),
    );
    if (c && (!curl || c.seconds < curl.seconds)) curl = c;
    await settleDisk();
    const i = await measured(
      server.pid,
      () => runIntegrity(work),
    );
    if (i && (!integrity || i.seconds < integrity.seconds)) integrity = i;
    await settleDisk();
    const o = (await measured(
      server.pid,
      () => runOurs(work),
    ))!;
    peakRssMb = Math.max(peakRssMb, o.peakRssMb);
    if (!ours || o.seconds < ours.seconds) ours = o;
    if (tagging) {
      await settleDisk();
      const u = (await measured(
        server.pid,
        () => runOurs(work, "untagged"),
      ))!;
      if (!untagged || u.seconds < untagged.seconds) untagged = u;
    }
  }
  if (!ours) return;
  if (untagged) tagCost(ours, untagged);
  const oursRate = mibps(ours.bytes, ours.seconds);
  if (curl) {
    const curlRate = mibps(curl.bytes, curl.seconds);
    console.log(
      `  curl:  ${curlRate.toFixed(0)} MiB/s (${curl.seconds.toFixed(2)} s${
        cpuPerGib(curl)
      })`,
    );
    console.log(
      `  ours:  ${oursRate.toFixed(0)} MiB/s (${
        ours.seconds.toFixed(2)
      } s, ${ours.downloaded} files, ${ours.status}${
        cpuPerGib(ours)
      })  ours/curl ${
        (100 * oursRate / curlRate).toFixed(0)
      } % (for reference: bare curl hashes and syncs nothing)`,
    );
    const curlCpu = totalCpuPerByte(curl);
    const oursCpu = totalCpuPerByte(ours);
    if (curlCpu !== undefined && oursCpu !== undefined) {
      // when both cores are busy, throughput is inversely proportional to
      // the CPU both processes spend per byte
      console.log(
        `  CPU: ours and the emulator spend ${
          (oursCpu / curlCpu).toFixed(2)
        }x what curl and the emulator spend per byte; with every core busy, that bounds ours/curl near ${
          (100 * curlCpu / oursCpu).toFixed(0)
        } %`,
      );
    }
  } else {
    console.log(`  curl:  not available`);
    console.log(`  ours:  ${oursRate.toFixed(0)} MiB/s`);
  }
  if (integrity) integrityLines(integrity, ours);
  else console.log(`  integrity baseline: not available`);
  console.log(
    `  our peak memory: ${peakRssMb.toFixed(0)} MB RSS (target < 150 MB)`,
  );
  await settleDisk();
  const raw = (await measured(
    server.pid,
    () => runOurs(work, "raw"),
  ))!;
  console.log(
    `  (Deno's fetch into files without SHA-256, checks, fsync or catalog: ${
      mibps(raw.bytes, raw.seconds).toFixed(0)
    } MiB/s${cpuPerGib(raw)})`,
  );
}

/** The cost of tagging: steps per file, and the wall time with and without. */
function tagCost(tagged: OurResult, untagged: OurResult): void {
  const perFile = tagged.tagged > 0 ? tagged.tagMs / tagged.tagged : 0;
  const perFileDownload = 1000 * untagged.seconds / untagged.downloaded;
  const share = 100 * (tagged.seconds - untagged.seconds) / untagged.seconds;
  console.log(
    `  tagging: ${tagged.tagged} files tagged, ${
      perFile.toFixed(2)
    } ms/file in tagging steps (${
      (100 * perFile / perFileDownload).toFixed(1)
    } % of ${
      perFileDownload.toFixed(1)
    } ms of download time per file, parallelism shares it further)`,
  );
  console.log(
    `  tagging: with tags ${tagged.seconds.toFixed(2)} s, without ${
      untagged.seconds.toFixed(2)
    } s: ${share >= 0 ? "+" : ""}${
      share.toFixed(1)
    } % of the download time (target <= 10 %${
      cpuPerGib(untagged)
    } without tags)`,
  );
  if (tagged.cpuSeconds !== undefined && untagged.cpuSeconds !== undefined) {
    // the run is CPU-bound on loopback: its CPU is the steadier measure
    const withTags = tagged.cpuSeconds / tagged.bytes;
    const without = untagged.cpuSeconds / untagged.bytes;
    const extraMs = 1000 * (withTags - without) * tagged.bytes /
      Math.max(1, tagged.downloaded);
    console.log(
      `  tagging: CPU of our process per byte ${withTags > without ? "+" : ""}${
        (100 * (withTags - without) / without).toFixed(1)
      } % with tags (${(withTags * 1024 ** 3).toFixed(2)} vs ${
        (without * 1024 ** 3).toFixed(2)
      } CPU-s per GiB: ${
        extraMs.toFixed(1)
      } ms of CPU per file, most of it the stored file's SHA-256)`,
    );
  }
}

async function overhead(
  server: ServerChild,
  files: number,
  size: number,
  concurrency: number,
): Promise<void> {
  console.log(
    `\n${files} small files of ${size / 1024} KiB, parallelism ${concurrency}`,
  );
  await settleDisk();
  const work = { base: server.url, files, size, concurrency };
  const curl = await runCurl(work);
  await settleDisk();
  const integrity = await runIntegrity(work);
  await settleDisk();
  const ours = await runOurs(work);
  if (curl) {
    console.log(
      `  curl:  ${(1000 * curl.seconds / files).toFixed(2)} ms/file`,
    );
  }
  if (integrity) {
    console.log(
      `  integrity baseline: ${
        (1000 * integrity.seconds / files).toFixed(2)
      } ms/file (three processes per file)`,
    );
  }
  console.log(
    `  ours:  ${
      (1000 * ours.seconds / files).toFixed(2)
    } ms/file (${ours.downloaded} files; plan, lease, offer, .part, hash, checks, fsync, rename, record)`,
  );
  console.log(`  our peak memory: ${ours.peakRssMb.toFixed(0)} MB RSS`);
}

if (import.meta.main) {
  if (values.serve) {
    serve();
  } else if (values.raw) {
    await rawChild();
  } else if (values.child) {
    await child();
  } else {
    const quick = values.quick === true;
    const concurrency = 4;
    const server = await startServer();
    try {
      console.log(
        `download benchmark: the emulation serves on ${server.url} (its own process)`,
      );
      await compare(
        "2 GiB in 10 MiB files",
        server,
        quick ? 20 : 200,
        10 * MiB,
        concurrency,
        true,
      );
      await compare(
        "2 GiB in 100 MiB files (memory must not grow with file size)",
        server,
        quick ? 2 : 20,
        100 * MiB,
        concurrency,
      );
      await overhead(server, quick ? 500 : 5000, 16 * 1024, concurrency);
    } finally {
      await server.stop();
    }
  }
}
