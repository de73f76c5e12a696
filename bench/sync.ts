// deno-lint-ignore-file no-console -- a benchmark prints its figures
/**
 * Benchmark: collect + sync of an emulated catalog (1,000 playlists and
 * 100,000 songs per platform), printing playlists/s, songs/s, peak memory,
 * and the catalog's share of the time (every catalog transaction is
 * timed). The same run at a tenth of the size shows whether memory stays
 * flat as the catalog grows tenfold (the target). A third run, for context
 * only, delays every answer of the emulator by 20 ms, as a fast network
 * would.
 *
 * The catalog's share has no target any more: against an unpaced emulator
 * on loopback, sync is CPU-bound by design, and against the real platforms
 * the pace is the limit; `paced.ts` measures that (each stage within 1.15x
 * of its request floor).
 *
 * The emulator runs in its own process (its CPU time is not ours); each
 * size runs in a fresh child process so that peak memory is its own.
 *
 * Run: deno run -A bench/sync.ts [--quick] [--source netease,qq,kuwo]
 * (`--quick`: 1,000 and 10,000 songs)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createSources } from "../sources/registry.ts";
import type { Platform } from "../sources/types.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { parsePlatforms } from "../cli/flags.ts";
import { sync } from "../tasks/sync.ts";
import { runJsonChild, samplePeakRss, startBenchEmulator } from "./_child.ts";
import { tempDir } from "./_temp_dir.ts";

/** Delay of every answer in the context run (a fast network). */
const LATENCY_MS = 20;
/** Peak memory at 10x the catalog, at most this times the smaller run's. */
const FLAT_MEMORY_RATIO = 1.5;

interface ChildResult {
  songs: number;
  playlists: number;
  collectSeconds: number;
  syncSeconds: number;
  catalogSeconds: number;
  songRows: number;
  syncedPlaylists: number;
  peakRssMb: number;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    child: { type: "string" },
    emulation: { type: "string" },
    source: { type: "string" },
    quick: { type: "boolean" },
  },
});
const platforms: Platform[] = parsePlatforms(values.source);

async function runChild(
  songs: number,
  playlists: number,
  emulation: string,
): Promise<ChildResult> {
  const memory = samplePeakRss();
  let catalogMs = 0;
  const timed = <K extends "transaction" | "immediate">(name: K) => {
    const original = Catalog.prototype[name];
    Catalog.prototype[name] = function <T>(this: Catalog, fn: () => T): T {
      if (this.inTransaction) return original.call(this, fn) as T;
      const start = performance.now();
      try {
        return original.call(this, fn) as T;
      } finally {
        catalogMs += performance.now() - start;
      }
    } as Catalog[K];
  };
  timed("transaction");
  timed("immediate");
  await using dir = await tempDir("sync");
  try {
    using catalog = Catalog.open(join(dir.path, "catalog.db"));
    const sources = await createSources({
      emulation,
      ratePerSecond: 0,
      platforms,
    });
    const context = createContext({ catalog, sources });
    let start = performance.now();
    await collect(context, { limit: 0 });
    const collectSeconds = (performance.now() - start) / 1000;
    start = performance.now();
    const summary = await sync(context, { concurrency: 4 });
    const syncSeconds = (performance.now() - start) / 1000;
    if (summary.status !== "ok") {
      throw new Error(
        `sync ended ${summary.status}: ${
          JSON.stringify(summary.platformErrors)
        }`,
      );
    }
    return {
      songs,
      playlists,
      collectSeconds,
      syncSeconds,
      catalogSeconds: catalogMs / 1000,
      songRows: summary.songs,
      syncedPlaylists: summary.synced,
      peakRssMb: memory.stop(),
    };
  } finally {
    memory.stop();
  }
}

if (values.child) {
  const [songs, playlists] = values.child.split(",").map(Number) as [
    number,
    number,
  ];
  const result = await runChild(songs, playlists, values.emulation!);
  console.log(JSON.stringify(result));
} else {
  console.log(
    `collect + sync (${
      platforms.join(", ")
    }), emulator in its own process, catalog time = catalog transactions`,
  );
  const scale = values.quick ? 10 : 1;
  const runs = [
    { songs: 10_000 / scale, playlists: 100 / scale, latencyMs: 0 },
    { songs: 100_000 / scale, playlists: 1_000 / scale, latencyMs: 0 },
    // context, not the target: answers delayed as a network would
    ...(values.quick
      ? []
      : [{ songs: 10_000, playlists: 100, latencyMs: LATENCY_MS }]),
  ];
  const peaks: number[] = [];
  for (const { songs, playlists, latencyMs } of runs) {
    const emulator = await startBenchEmulator(songs, playlists, latencyMs);
    try {
      const r = await runJsonChild<ChildResult>([
        "run",
        "-A",
        new URL(import.meta.url).pathname,
        "--child",
        `${songs},${playlists}`,
        "--emulation",
        emulator.url,
        "--source",
        platforms.join(","),
      ], "the benchmark child");
      const total = r.collectSeconds + r.syncSeconds;
      if (latencyMs === 0) peaks.push(r.peakRssMb);
      const share = `catalog ${(100 * r.catalogSeconds / total).toFixed(0)} %`;
      console.log(
        `  ${songs.toLocaleString("en-US").padStart(7)} songs, ${
          playlists.toLocaleString("en-US").padStart(5)
        } playlists per platform${
          latencyMs > 0 ? `, ${latencyMs} ms per answer` : ""
        }: ` +
          `collect ${r.collectSeconds.toFixed(1)} s, sync ${
            r.syncSeconds.toFixed(1)
          } s · ` +
          `${(r.syncedPlaylists / r.syncSeconds).toFixed(0)} playlists/s, ${
            (r.songRows / r.syncSeconds).toFixed(0)
          } songs/s · ` +
          (latencyMs > 0
            ? `${share} of the time (for context: real platforms answer in 50-300 ms and are paced at 3-8 requests per second)`
            : `${share} of the time (no target: see paced.ts) · peak RSS ${
              r.peakRssMb.toFixed(0)
            } MB`),
      );
    } finally {
      await emulator.stop();
    }
  }
  const [small, big] = peaks as [number, number];
  const ratio = big / small;
  console.log(
    `  peak RSS at 10x the catalog: ${
      ratio.toFixed(2)
    }x the smaller run's (target: flat, <= ${FLAT_MEMORY_RATIO}x: ${
      ratio <= FLAT_MEMORY_RATIO ? "met" : "not met"
    })`,
  );
}
