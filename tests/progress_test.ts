/**
 * Progress: a bar and counts per platform in the status line; on a pipe
 * or in a log, a status line every few seconds; control characters from
 * names shown escaped, on stderr and in text summaries.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { escapeControls, terminalUi } from "../cli/ui.ts";
import { createSources } from "../sources/registry.ts";
import { createContext } from "../tasks/context.ts";
import { download } from "../tasks/download.ts";
import { sync } from "../tasks/sync.ts";
import { memoryUi } from "../tasks/ui.ts";
import { progressBar, progressLine } from "../tasks/_progress.ts";
import { runCli } from "./_cli.ts";
import { againstEmulation, syncedCatalog } from "./_cli_catalog.ts";
import { recordingSleep } from "./_fakes.ts";

const BAR = /\[[#-]{20}\] +\d+%/;

Deno.test("progressLine() shows a bar, the count and the count per platform", () => {
  assert.equal(progressBar(0, 12), "[--------------------]   0%");
  assert.equal(progressBar(3, 12), "[#####---------------]  25%");
  assert.equal(progressBar(12, 12), "[####################] 100%");
  assert.equal(progressBar(0, 0), "[####################] 100%");
  assert.equal(
    progressLine(
      "sync",
      "playlists",
      new Map([["netease", { done: 2, total: 6 }], ["qq", {
        done: 1,
        total: 6,
      }]]),
      ["240 songs"],
    ),
    "sync [#####---------------]  25% 3/12 playlists · netease 2/6 · qq 1/6 · 240 songs",
  );
  // one platform: its count is the total, said once
  assert.equal(
    progressLine(
      "enrich",
      "artists",
      new Map([["kuwo", { done: 1, total: 4 }]]),
    ),
    "enrich [#####---------------]  25% 1/4 artists",
  );
});

Deno.test("on a pipe the status is printed every few seconds, on lines of its own", () => {
  let time = 0;
  let out = "";
  const ui = terminalUi({
    write: (text) => (out += text),
    isTerminal: false,
    verbose: false,
    now: () => time,
  });
  const status = (n: number) => [
    `download ${n}/10 songs`,
    `  netease: song ${n} 40%`,
  ];
  ui.progress.status(status(1));
  time = 4_999;
  ui.progress.status(status(2));
  assert.equal(out, "", "nothing in the first five seconds");
  time = 5_000;
  ui.progress.status(status(3));
  ui.log.info("a log line");
  time = 9_000;
  ui.progress.status(status(4));
  time = 10_000;
  ui.progress.status(status(5));
  ui.progress.clear();
  assert.equal(
    out,
    "download 3/10 songs\na log line\ndownload 5/10 songs\n",
    "the run's line every five seconds, without the indented file lines",
  );
});

Deno.test("control characters in names are escaped on the terminal, in logs and in the status", () => {
  let out = "";
  const ui = terminalUi({
    write: (text) => (out += text),
    isTerminal: true,
    verbose: false,
    color: false,
    columns: () => 200,
  });
  ui.log.warn("netease:1 (Tab\there\x1b[2J\u202eevil): refused");
  assert.equal(
    out,
    "warning: netease:1 (Tab\\there\\x1b[2J\\u202eevil): refused\n",
  );
  out = "";
  ui.progress.status(["download 1/2", "  Bell\x07 and CR\r 50%"]);
  assert.equal(out, "download 1/2\n  Bell\\x07 and CR\\r 50%");
  assert.equal(escapeControls("a\x9bb", false), "a\\x9bb", "C1 too");
  assert.equal(escapeControls("x\ny", false), "x\\ny");
});

Deno.test("sync and download show each platform's count and a bar in their status", async () => {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-progress-" });
  try {
    const db = join(dir, "catalog.db");
    const emulation = await syncedCatalog(db, ["netease", "qq"]);
    using catalog = Catalog.open(db);
    const ui = memoryUi();
    const sources = await createSources({
      fetch: emulation.fetch,
      emulation: "http://emulation",
      ratePerSecond: 0,
      platforms: ["netease", "qq"],
    });
    const context = createContext({ catalog, sources, ...ui });
    const synced = await sync(context, { staleMs: 0 });
    assert.equal(synced.status, "ok");
    const lastSync = ui.statuses.at(-1)![0]!;
    assert.match(
      lastSync,
      new RegExp(
        `^sync \\[#{20}\\] 100% ${synced.selected}/${synced.selected} playlists · netease \\d+/\\d+ · qq \\d+/\\d+ · [\\d,]+ songs$`,
      ),
    );
    ui.statuses.length = 0;
    const summary = await download(context, {
      library: join(dir, "library"),
      minFree: 0,
      fetch: emulation.fetch,
    });
    assert.equal(summary.status, "ok");
    const first = ui.statuses[0]![0]!;
    assert.match(first, BAR);
    const counts =
      /^download \[-{20}\] {3}0% 0\/(\d+) songs · netease 0\/(\d+) · qq 0\/(\d+) · /
        .exec(first);
    assert.ok(counts, first);
    assert.equal(Number(counts[1]), summary.planned);
    assert.equal(Number(counts[2]) + Number(counts[3]), summary.planned);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a piped download prints its progress line on stderr as it goes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-progress-" });
  try {
    const db = join(dir, "catalog.db");
    const emulation = await syncedCatalog(db);
    let time = 1_700_000_000_000;
    const run = await runCli([
      "download",
      ...againstEmulation(db),
      "--library",
      join(dir, "library"),
      "--min-free",
      "0",
      "--concurrency",
      "1",
    ], {
      fetch: emulation.fetch,
      // every look at the clock is a second later: a slow run
      now: () => (time += 1000),
      freeSpace: () => Promise.resolve(1e12),
    });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stderr.split("\n").filter((l) =>
      l.startsWith("download [")
    );
    assert.ok(lines.length >= 1, run.stderr);
    for (const line of lines) {
      assert.match(line, /^download \[[#-]{20}\] +\d+% \d+\/\d+ songs · /);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("names with control characters are escaped in a text summary and its warnings", async () => {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-progress-" });
  try {
    const db = join(dir, "catalog.db");
    const emulation = await syncedCatalog(db);
    let remoteId: string;
    {
      using catalog = Catalog.open(db);
      remoteId = catalog.get<{ id: string }>(
        "SELECT remote_playlist_id AS id FROM playlists ORDER BY id LIMIT 1",
      )!.id;
      catalog.run(
        "UPDATE playlists SET name = ? WHERE remote_playlist_id = ?",
        "Tab\there\x1b[2J",
        remoteId,
      );
    }
    const run = await runCli([
      "sync",
      ...againstEmulation(db),
      "--playlist",
      `netease:${remoteId}`,
    ], {
      // the emulation answers its configuration, then the platform is down
      fetch: (input, init) =>
        String(input).includes("/_emulation/")
          ? emulation.fetch(input, init)
          : Promise.reject(new TypeError("connection refused")),
      sleep: recordingSleep().sleep,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.ok(
      run.stdout.includes(`(Tab\\there\\x1b[2J)`),
      `escaped in the summary: ${run.stdout}`,
    );
    assert.ok(
      run.stderr.includes(`(Tab\\there\\x1b[2J)`),
      `escaped in the warning: ${run.stderr}`,
    );
    const printed = run.stdout + run.stderr;
    assert.ok(
      !printed.includes("\t") && !printed.includes("\x1b"),
      "no raw tab or ESC",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
