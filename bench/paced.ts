// deno-lint-ignore-file no-console -- a benchmark prints its figures
/**
 * Benchmark: the whole pipeline (collect, sync, download) against the
 * emulation at the real platforms' pace: the default rates of
 * `DEFAULT_RATES` (3 requests/s NetEase and Kuwo, 8 QQ) and 120 ms added
 * to every answer, 1,000 songs per platform.
 *
 * Against the real services the pace, not our CPU, is the limit, so each
 * stage is measured against its request floor: the paced requests each
 * platform's HTTP client sent (counted in front of the emulation) divided
 * by its rate; platforms run side by side, so a stage's floor is its
 * slowest platform's. Per stage it prints the wall time, the floor and
 * their ratio (target at most 1.15: nothing but the pace makes us wait),
 * each platform's share, and the requests per 1,000 songs per platform and
 * endpoint (from the emulation's counters, `/_emulation/stats`); for the
 * download, the URL requests per 1,000 downloaded songs (targets: at most
 * 30 for NetEase and QQ, which needs batched URL resolution, and 1,100 for
 * Kuwo).
 *
 * It is slow by design: the pace is the point. The floor is about
 * (requests per song × songs) / rate for the slowest platform: with 1,000
 * songs, Kuwo's download alone (a `mobi.s` call and a probe per song, at 3
 * per second) takes about 12 minutes; `--quick` runs 100 songs per
 * platform (about 2 minutes).
 *
 * Run: deno task bench (or deno run -A bench/paced.ts [--quick] [--songs N] [--latency MS])
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Catalog } from "../catalog/database.ts";
import { servedSince, type ServedStats } from "../emulation/counters.ts";
import type { EmulationStats } from "../emulation/emulation.ts";
import { DEFAULT_RATES } from "../sources/config.ts";
import type { Fetch } from "../sources/http.ts";
import { createSources } from "../sources/registry.ts";
import { type Platform, PLATFORMS, type Source } from "../sources/types.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { download } from "../tasks/download.ts";
import { sync } from "../tasks/sync.ts";
import { startBenchEmulator } from "./_child.ts";
import { tempDir } from "./_temp_dir.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    songs: { type: "string" },
    latency: { type: "string" },
  },
});

/** Songs per platform. */
const SONGS = Number(values.songs ?? (values.quick ? 100 : 1000));
/** Milliseconds added to every answer. */
const LATENCY_MS = Number(values.latency ?? 120);
/** Square playlists per platform: one holds every song, the others windows of it. */
const PLAYLISTS = Math.max(2, Math.round(SONGS / 100));
/** The stage ends within this factor of its request floor. */
const FLOOR_TARGET = 1.15;
/** URL requests per 1,000 downloaded songs, at most. */
const URL_TARGETS: Record<Platform, number> = {
  netease: 30,
  qq: 30,
  kuwo: 1100,
};

type Stage = "collect" | "sync" | "download";

/** What the paced clients sent in one stage, per platform. */
interface Paced {
  requests: number;
  /** Milliseconds from the stage's start to the last answer. */
  lastAnswerMs: number;
}

/** Counts the requests a platform's paced HTTP client sends. */
class PacedCounter {
  #counts = new Map<Platform, Paced>();
  #started = 0;

  /** Starts counting a stage. */
  start(): void {
    this.#counts = new Map();
    this.#started = performance.now();
  }

  /** The `fetch` of one platform's sources. */
  fetch(platform: Platform): Fetch {
    return async (input, init) => {
      const paced = this.#counts.get(platform) ??
        { requests: 0, lastAnswerMs: 0 };
      this.#counts.set(platform, paced);
      paced.requests++;
      const response = await fetch(input, init);
      paced.lastAnswerMs = performance.now() - this.#started;
      return response;
    };
  }

  /** What a platform's client sent since `start()`. */
  of(platform: Platform): Paced {
    return this.#counts.get(platform) ?? { requests: 0, lastAnswerMs: 0 };
  }
}

async function emulationStats(url: string): Promise<EmulationStats> {
  const response = await fetch(`${url}/_emulation/stats`);
  return await response.json() as EmulationStats;
}

/** Sources at the real platforms' default rates, each counted. */
async function pacedSources(
  url: string,
  counter: PacedCounter,
): Promise<Map<Platform, Source>> {
  const sources = new Map<Platform, Source>();
  for (const platform of PLATFORMS) {
    const one = await createSources({
      emulation: url,
      platforms: [platform],
      ratePerSecond: DEFAULT_RATES[platform],
      fetch: counter.fetch(platform),
    });
    sources.set(platform, one.get(platform)!);
  }
  return sources;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });

/** Prints a stage's wall time against its floor; returns the ratio. */
function reportFloor(
  stage: Stage,
  seconds: number,
  counter: PacedCounter,
): number {
  const floors = PLATFORMS.map((p) =>
    counter.of(p).requests / DEFAULT_RATES[p]
  );
  const floor = Math.max(...floors);
  const ratio = seconds / floor;
  console.log(
    `\n${stage}: ${fmt(seconds, 1)} s; request floor ${
      fmt(floor, 1)
    } s (the slowest platform's paced requests / its rate); wall/floor ${
      ratio.toFixed(2)
    } (target <= ${FLOOR_TARGET})`,
  );
  PLATFORMS.forEach((platform, i) => {
    const paced = counter.of(platform);
    console.log(
      `  ${platform.padEnd(7)} ${
        fmt(paced.requests).padStart(6)
      } paced requests at ${DEFAULT_RATES[platform]}/s: floor ${
        fmt(floors[i]!, 1)
      } s, its last answer at ${fmt(paced.lastAnswerMs / 1000, 1)} s (${
        floors[i]! > 0
          ? (paced.lastAnswerMs / 1000 / floors[i]!).toFixed(2)
          : "-"
      }x its floor)`,
    );
  });
  return ratio;
}

/** Prints a stage's requests per endpoint, per 1,000 songs of each platform. */
function reportEndpoints(
  stage: Stage,
  served: Record<Platform, ServedStats>,
  songs: Record<Platform, number>,
  per: string,
): void {
  console.log(`\n${stage}: requests (per 1,000 ${per}) per endpoint`);
  for (const platform of PLATFORMS) {
    const n = songs[platform];
    const rows = Object.entries(served[platform].endpoints).sort((a, b) =>
      b[1].requests - a[1].requests
    );
    for (const [name, tally] of rows) {
      const refusals = Object.entries(tally.refusals)
        .map(([kind, count]) => `${kind} ${count}`).join(", ");
      console.log(
        `  ${platform.padEnd(7)} ${tally.kind.padEnd(5)} ${
          fmt(tally.requests).padStart(6)
        } (${
          n > 0 ? fmt(1000 * tally.requests / n, 1).padStart(7) : "      -"
        })  ${name}${refusals ? `  [refused: ${refusals}]` : ""}`,
      );
    }
  }
}

async function main(): Promise<void> {
  const floorSeconds = SONGS * 2 / DEFAULT_RATES.kuwo;
  console.log(
    `paced pipeline: ${
      fmt(SONGS)
    } songs per platform, ${PLAYLISTS} square playlists, ${LATENCY_MS} ms per answer, rates ${
      PLATFORMS.map((p) => `${p} ${DEFAULT_RATES[p]}/s`).join(", ")
    }; expect about ${
      fmt(floorSeconds / 60 + 1, 0)
    } minutes (Kuwo's download floor, ~2 paced requests per song)`,
  );
  const server = await startBenchEmulator(SONGS, PLAYLISTS, LATENCY_MS);
  await using dir = await tempDir("paced");
  const counter = new PacedCounter();
  try {
    using catalog = Catalog.open(join(dir.path, "catalog.db"));
    const context = createContext({
      catalog,
      sources: await pacedSources(server.url, counter),
    });
    const songsOf = (sql: string) => {
      const out = {} as Record<Platform, number>;
      for (const platform of PLATFORMS) {
        out[platform] = catalog.get<{ n: number }>(sql, platform)?.n ?? 0;
      }
      return out;
    };
    const syncedSongs = () =>
      songsOf("SELECT COUNT(*) AS n FROM songs WHERE platform = ?");
    const downloadedSongs = () =>
      songsOf(
        "SELECT COUNT(*) AS n FROM file_assets a JOIN songs s ON s.id = a.song_id WHERE s.platform = ?",
      );
    const results: Array<
      { stage: Stage; ratio: number; served: Record<Platform, ServedStats> }
    > = [];
    const run = async (
      stage: Stage,
      work: () => Promise<{ status: string }>,
    ) => {
      const before = await emulationStats(server.url);
      counter.start();
      const started = performance.now();
      const summary = await work();
      const seconds = (performance.now() - started) / 1000;
      const after = await emulationStats(server.url);
      if (summary.status !== "ok") {
        console.log(`  (${stage} ended ${summary.status})`);
      }
      const served = {} as Record<Platform, ServedStats>;
      for (const platform of PLATFORMS) {
        served[platform] = servedSince(
          before[platform].served,
          after[platform].served,
        );
      }
      results.push({
        stage,
        ratio: reportFloor(stage, seconds, counter),
        served,
      });
    };
    await run("collect", () => collect(context, { limit: 0 }));
    await run("sync", () => sync(context, {}));
    const library = join(dir.path, "library");
    await run(
      "download",
      () => download(context, { library, minFree: 0 }),
    );
    const synced = syncedSongs();
    const downloaded = downloadedSongs();
    console.log(
      `\nsongs: ${
        PLATFORMS.map((p) =>
          `${p} ${fmt(synced[p])} synced, ${fmt(downloaded[p])} downloaded`
        ).join("; ")
      }`,
    );
    for (const { stage, served } of results) {
      const download = stage === "download";
      reportEndpoints(
        stage,
        served,
        download ? downloaded : synced,
        download ? "downloaded songs" : "synced songs",
      );
    }
    const downloadServed = results.find((r) => r.stage === "download")!.served;
    console.log("\nsummary:");
    for (const { stage, ratio } of results) {
      console.log(
        `  ${stage.padEnd(8)} wall/floor ${
          ratio.toFixed(2)
        } (target <= ${FLOOR_TARGET}: ${
          ratio <= FLOOR_TARGET ? "met" : "not met"
        })`,
      );
    }
    for (const platform of PLATFORMS) {
      const n = 1000 * downloadServed[platform].byKind.url.requests /
        downloaded[platform];
      console.log(
        `  ${platform.padEnd(8)} URL requests per 1,000 downloaded songs: ${
          fmt(n)
        } (target <= ${fmt(URL_TARGETS[platform])}: ${
          n <= URL_TARGETS[platform] ? "met" : "not met"
        })`,
      );
    }
  } finally {
    await server.stop();
  }
}

if (import.meta.main) await main();
