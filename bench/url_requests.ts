// deno-lint-ignore-file no-console -- a benchmark prints its figures
/**
 * Benchmark: the URL requests a whole download asks, per 1,000 downloaded
 * songs, per platform and endpoint, with the next songs' URLs resolved in
 * batches (the download stage) against each song resolved alone (the
 * baseline: the same sources without their batchers). Collect, sync and
 * download of an emulated catalog run in process, under the emulation's
 * default behaviours (QQ's empty unsigned purls, NetEase's refused
 * `download/url/v1` and risk control, Kuwo's refused source string, VIP
 * and missing songs); both runs must give every song the same outcome.
 *
 * Targets (issue 16): at most 30 URL requests per 1,000 downloaded songs
 * for NetEase and QQ, at most 1,100 for Kuwo.
 *
 * Run: deno run -A bench/url_requests.ts [--size demo|test]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { createQqEmulator } from "../emulation/qq/mod.ts";
import type { Fetch } from "../sources/http.ts";
import { createSources } from "../sources/registry.ts";
import { type Platform, PLATFORMS, type Source } from "../sources/types.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { download } from "../tasks/download.ts";
import { sync } from "../tasks/sync.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { size: { type: "string", default: "test" } },
});
const size = values.size === "demo" ? "demo" : "test";

const TARGETS: Record<Platform, number> = { netease: 30, qq: 30, kuwo: 1100 };

/** The URL endpoint a request asks, if it asks one. */
async function endpointOf(request: Request): Promise<string | undefined> {
  const path = new URL(request.url).pathname;
  const netease = /\/song\/enhance\/(player|download)\/url\/v1$/.exec(path);
  if (netease) return `netease ${netease[1]}/url/v1`;
  if (path.endsWith("/mobi.s")) return "kuwo mobi.s";
  if (!/\/music[su]\.fcg$/.test(path) || request.method !== "POST") {
    return undefined;
  }
  const text = await request.text();
  if (text.includes('"music.vkey.GetVkey"')) return "qq UrlGetVkey (app)";
  if (!text.includes('"vkey.GetVkeyServer"')) return undefined;
  return `qq CgiGetVkey ${path.endsWith("musics.fcg") ? "signed" : "unsigned"}`;
}

/** The source without its batcher: every song resolved alone. */
function alone(source: Source): Source {
  return Object.defineProperty(source, "offerBatcher", { value: undefined });
}

interface Result {
  counts: Map<string, number>;
  downloaded: Record<Platform, number>;
  planned: Record<Platform, number>;
  outcomes: string[];
  seconds: number;
}

async function run(batched: boolean): Promise<Result> {
  const emulation = createEmulation({
    size,
    seed: 1,
    // unpaced, songs alone outrun QQ's rate window (2001 past 600 a second)
    // and stop QQ: a baseline must finish to compare with
    emulators: {
      qq: (world) => createQqEmulator(world, { maxRequestsPerSecond: 1e9 }),
    },
  });
  const counts = new Map<string, number>();
  let counting = false;
  const fetch: Fetch = async (input, init) => {
    const request = new Request(input, init);
    const endpoint = counting ? await endpointOf(request.clone()) : undefined;
    if (endpoint) counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
    return await emulation.fetch(request);
  };
  using catalog = Catalog.open(":memory:");
  const built = await createSources({
    fetch,
    emulation: "http://emulation",
    ratePerSecond: 0,
    sleep: async () => {},
  });
  const sources = new Map(
    [...built].map(([p, s]) => [p, batched ? s : alone(s)]),
  );
  const context = createContext({ catalog, sources, sleep: async () => {} });
  await collect(context, { limit: 0 });
  await sync(context, {});
  const library = await Deno.makeTempDir();
  counting = true;
  const started = performance.now();
  try {
    await download(context, { library, minFree: 0, fetch: emulation.fetch });
  } finally {
    await Deno.remove(library, { recursive: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = catalog.all<{ p: Platform; r: string; s: string; q: string }>(
    `SELECT s.platform AS p, s.remote_song_id AS r, t.state AS s,
            t.achieved_quality AS q
     FROM download_tasks t JOIN songs s ON s.id = t.song_id ORDER BY 1, 2`,
  );
  const downloaded = { netease: 0, qq: 0, kuwo: 0 };
  const planned = { netease: 0, qq: 0, kuwo: 0 };
  for (const row of rows) {
    planned[row.p]++;
    if (row.s === "done") downloaded[row.p]++;
  }
  return {
    counts,
    downloaded,
    planned,
    outcomes: rows.map((x) => `${x.p} ${x.r} ${x.s} ${x.q}`),
    seconds,
  };
}

console.log(`URL requests of a whole download, emulated catalog '${size}'`);
const baseline = await run(false);
const ours = await run(true);
const same = ours.outcomes.length === baseline.outcomes.length &&
  ours.outcomes.every((o, i) => o === baseline.outcomes[i]);
const per1000 = (n: number, songs: number) =>
  songs === 0 ? "-" : (n * 1000 / songs).toFixed(1);
const rows: string[][] = [[
  "platform",
  "endpoint",
  "batched",
  "per 1,000",
  "alone",
  "per 1,000",
]];
for (const platform of PLATFORMS) {
  const endpoints = [
    ...new Set([...ours.counts.keys(), ...baseline.counts.keys()]),
  ]
    .filter((e) => e.startsWith(`${platform} `)).sort();
  const songs = ours.downloaded[platform];
  let ourTotal = 0;
  let baseTotal = 0;
  for (const endpoint of endpoints) {
    const a = ours.counts.get(endpoint) ?? 0;
    const b = baseline.counts.get(endpoint) ?? 0;
    ourTotal += a;
    baseTotal += b;
    rows.push([
      platform,
      endpoint.slice(platform.length + 1),
      String(a),
      per1000(a, songs),
      String(b),
      per1000(b, baseline.downloaded[platform]),
    ]);
  }
  rows.push([
    platform,
    `all (${songs} of ${ours.planned[platform]} songs downloaded; target <= ${
      TARGETS[platform]
    })`,
    String(ourTotal),
    per1000(ourTotal, songs),
    String(baseTotal),
    per1000(baseTotal, baseline.downloaded[platform]),
  ]);
}
const widths = rows[0]!.map((_, c) =>
  Math.max(...rows.map((r) => r[c]!.length))
);
for (const row of rows) {
  console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join("  "));
}
console.log(
  `every song's outcome the same batched and alone: ${same ? "yes" : "NO"}; ` +
    `download stage ${ours.seconds.toFixed(1)} s batched, ${
      baseline.seconds.toFixed(1)
    } s alone (unpaced, in process)`,
);
if (!same) {
  const differ = ours.outcomes.filter((o, i) => o !== baseline.outcomes[i]);
  for (const line of differ.slice(0, 10)) {
    const i = ours.outcomes.indexOf(line);
    console.log(`  batched: ${line}; alone: ${baseline.outcomes[i]}`);
  }
  Deno.exit(1);
}
