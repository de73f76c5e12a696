/**
 * `deno task demo`: starts the offline emulation of the three platforms on
 * 127.0.0.1, runs the stages against it through the CLI's command modules
 * into `./demo/` (replaced on each run), and compares what reached the
 * catalog with what the emulation holds.
 *
 * The download fills `./demo/library` until its (simulated) free space runs
 * low, then continues in `./demo/library-2`, given with `--next-dir`: one
 * low-space switch, supplied non-interactively.
 *
 * @module
 */
import { join, resolve, sep } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { FILES_BY_BACKEND_SQL, platformReach } from "../catalog/reach.ts";
import { catalogCounts } from "../catalog/status.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { serveEmulation } from "../emulation/serve.ts";
import { LIST_POOLS } from "../sources/registry.ts";
import { PLATFORMS } from "../sources/types.ts";
import { statfsFreeBytes } from "../storage/free_space.ts";
import { formatBytes } from "../tasks/format.ts";
import { command as collect } from "./collect.ts";
import { type Command, runCommand } from "./command.ts";
import { command as download } from "./download.ts";
import { command as enrich } from "./enrich.ts";
import { command as exportM3u8 } from "./export.ts";
import { type Io, realIo } from "./io.ts";
import { command as status } from "./status.ts";
import { command as sync } from "./sync.ts";
import { renderTable } from "./table.ts";

const DEMO_DIR = resolve("demo");
const CATALOG = join(DEMO_DIR, "catalog.db");
const LIBRARY = join(DEMO_DIR, "library");
const LIBRARY_2 = join(DEMO_DIR, "library-2");
const PLAYLISTS = join(DEMO_DIR, "playlists");
/** What the first library directory pretends to have free. */
const LIBRARY_BUDGET = 4 * 1024 * 1024;
const MIN_FREE = "1MiB";

const io = realIo();
const say = (text: string) => io.stdout(`${text}\n`);

await Deno.remove(DEMO_DIR, { recursive: true }).catch((error) => {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
});
await Deno.mkdir(DEMO_DIR, { recursive: true });

const emulation = createEmulation({ size: "demo", seed: 1 });
await using server = serveEmulation(emulation);
say(
  `emulation of netease, qq and kuwo listening on ${server.url} (size: demo)`,
);

/** Bytes of the files under a directory. */
async function bytesUnder(root: string): Promise<number> {
  let total = 0;
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else total += (await Deno.stat(path)).size;
    }
  };
  await walk(root).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  return total;
}

/**
 * The demo's free-space probe: the first library directory reports a
 * small budget less what the download wrote there, so that it runs low
 * part-way; everywhere else the real `statfs`.
 */
const demoIo: Io = {
  ...io,
  freeSpace: async (path: string) =>
    path === LIBRARY || path.startsWith(`${LIBRARY}${sep}`)
      ? Math.max(0, LIBRARY_BUDGET - await bytesUnder(LIBRARY))
      : await statfsFreeBytes(path),
};

const stages: Array<{
  name: string;
  command: Command;
  args: string[];
  io?: Io;
  note?: string;
}> = [
  { name: "collect", command: collect, args: ["--limit", "0"] },
  { name: "sync", command: sync, args: [] },
  {
    name: "download",
    command: download,
    args: [
      "--library",
      LIBRARY,
      "--next-dir",
      LIBRARY_2,
      "--min-free",
      MIN_FREE,
    ],
    io: demoIo,
    note: `simulated: the first library directory reports ${
      formatBytes(LIBRARY_BUDGET)
    } free (less what the download writes there), so it runs low part-way and the download continues in --next-dir`,
  },
  { name: "export", command: exportM3u8, args: ["m3u8", "--out", PLAYLISTS] },
  { name: "enrich", command: enrich, args: ["--limit", "10"] },
  { name: "status", command: status, args: [] },
];
const failed: string[] = [];
for (const stage of stages) {
  const args = [...stage.args, "--db", CATALOG, "--emulation", server.url];
  say(`\n$ catalogsync ${stage.name} ${args.join(" ")}`);
  if (stage.note) say(`(${stage.note})`);
  const code = await runCommand(
    { name: stage.name, summary: stage.name, command: stage.command },
    args,
    stage.io ?? io,
  );
  if (code !== 0) failed.push(`${stage.name} (exit status ${code})`);
}

{
  // query-only, not readOnly: a read-only connection, the last to close,
  // cannot fold the write-ahead log back and leaves -wal and -shm behind
  using catalog = Catalog.open(CATALOG, { create: false, queryOnly: true });
  const stats = emulation.stats();
  const counts = catalogCounts(catalog);
  const rows = [["", "emulated", "in the catalog"]];
  for (const platform of PLATFORMS) {
    const s = stats[platform];
    const reached = platformReach(catalog, platform, LIST_POOLS[platform]);
    const shortLists = counts.platforms[platform].playlists.countMismatch;
    rows.push(
      ...([
        ["categories", s.categories, reached.categories],
        ["charts", s.charts, reached.charts],
        ["playlists + charts", s.playlists + s.charts, reached.playlists],
        ["songs", s.songs, reached.songs],
        ["vip-only songs", s.vipOnly, reached.vipOnly],
        ["unavailable songs", s.unavailable, reached.unavailable],
        ["lists with hidden songs", s.shortLists, shortLists],
      ] as const).map(([label, emulated, inCatalog]) => [
        `${platform} ${label}`,
        String(emulated),
        String(inCatalog),
      ]),
    );
  }
  say(
    `\nwhat the emulation holds, next to what reached the catalog:\n${
      renderTable(rows)
    }`,
  );
  say(
    "(the emulation models real answers for a share of its catalog, and every stage met them: declared totals that count hidden songs, QQ's empty unsigned vkeys, a refused Kuwo source string and 'music not found', NetEase's download endpoint refusals and -460 until the anonymous identity; see README, 'The offline emulation')",
  );
}

say(`\ncatalog: ${CATALOG}`);
say(`library: ${LIBRARY} (until it ran low), then ${LIBRARY_2}`);
say(`playlists: ${PLAYLISTS}`);
say(`inspect it: sqlite3 ${CATALOG} '${FILES_BY_BACKEND_SQL}'`);
say(
  "every stage ran: collect, sync, download (with one low-space switch), export, enrich, status",
);
if (failed.length > 0) {
  say(`\ndemo finished with failures: ${failed.join(", ")}`);
  Deno.exit(1);
}
say("\ndemo finished: every stage succeeded");
