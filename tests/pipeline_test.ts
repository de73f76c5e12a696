/**
 * `catalogsync pipeline`: collect, sync and download in one process with
 * the shared flags, going on after a partial stage, ending with the worst
 * exit status; and flags after `deno task NAME --` reach the command.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import type { Fetch } from "../sources/http.ts";
import { runCli } from "./_cli.ts";
import { againstEmulation, inTempDir } from "./_cli_catalog.ts";
import { recordingSleep } from "./_fakes.ts";

/** The tiny emulation, with QQ Music's API down (every call a network error). */
function qqDown(): Fetch {
  const emulation = createEmulation({ size: "tiny", seed: 2 });
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes("/u.y.qq.com/") || url.includes("/c.y.qq.com/")) {
      return Promise.reject(new TypeError("connection refused"));
    }
    return emulation.fetch(input, init);
  };
}

function flags(dir: string): string[] {
  return [
    ...againstEmulation(join(dir, "catalog.db")),
    "--library",
    join(dir, "library"),
    "--min-free",
    "0",
    "--source",
    "netease,qq",
  ];
}

Deno.test("pipeline goes on after a partial collect, downloads what it got, and exits with the worst status", async () => {
  await inTempDir(async (dir) => {
    const run = await runCli(["pipeline", ...flags(dir), "--limit", "2"], {
      fetch: qqDown(),
      sleep: recordingSleep().sleep,
    });
    assert.equal(run.code, 3, run.stderr);
    const lines = run.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^collect partial: /);
    const sync = lines.findIndex((line) => line.startsWith("sync ok: "));
    const download = lines.findIndex((line) =>
      line.startsWith("download ok: ")
    );
    assert.ok(sync > 0 && download > sync, run.stdout);
    assert.equal(
      lines.at(-1),
      "pipeline partial: collect partial, sync ok, download ok (exit status 3)",
    );
    assert.match(run.stderr, /^created a new catalog at /);
    using catalog = Catalog.open(join(dir, "catalog.db"), { readOnly: true });
    const files = catalog.get<{ n: number }>(
      "SELECT count(*) AS n FROM file_locations",
    )!.n;
    assert.ok(files > 0, "the netease songs were downloaded");
  });
});

Deno.test("pipeline --json prints each stage's summary and exit status in one object", async () => {
  await inTempDir(async (dir) => {
    const run = await runCli(
      ["pipeline", ...flags(dir), "--limit", "1", "--json"],
      { fetch: qqDown(), sleep: recordingSleep().sleep },
    );
    assert.equal(run.code, 3, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.status, "partial");
    assert.equal(summary.exit, 3);
    assert.deepEqual(summary.exits, { collect: 3, sync: 0, download: 0 });
    assert.deepEqual(summary.notRun, []);
    assert.equal(summary.stages.collect.platforms.qq.error !== undefined, true);
    assert.ok(summary.stages.sync.synced > 0);
    assert.ok(summary.stages.download.downloaded > 0);

    // --playlist skips collect: sync and download that playlist only
    using catalog = Catalog.open(join(dir, "catalog.db"), { readOnly: true });
    const playlist = catalog.get<{ id: string }>(
      "SELECT remote_playlist_id AS id FROM playlists WHERE platform = 'netease' ORDER BY id LIMIT 1",
    )!.id;
    const again = await runCli(
      [
        "pipeline",
        ...flags(dir),
        "--playlist",
        `netease:${playlist}`,
        "--json",
      ],
      { fetch: qqDown(), sleep: recordingSleep().sleep },
    );
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout);
    assert.deepEqual(second.notRun, ["collect"]);
    assert.deepEqual(second.exits, { sync: 0, download: 0 });
    assert.equal(second.stages.sync.synced, 1);
  });
});

Deno.test("pipeline stops after an interrupted stage and exits 130", async () => {
  await inTempDir(async (dir) => {
    const controller = new AbortController();
    const run = await runCli(["pipeline", ...flags(dir), "--json"], {
      fetch: qqDown(),
      sleep: recordingSleep().sleep,
      signal: controller.signal,
      hooks: { onPlaylistSynced: () => controller.abort() },
    });
    assert.equal(run.code, 130, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.status, "interrupted");
    assert.equal(summary.exits.sync, 130);
    assert.deepEqual(summary.notRun, ["download"]);
  });
});

Deno.test("pipeline checks its flags before anything is created", async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [["--limit=-3"], /^error: Invalid --limit '-3'/],
    [["--quality", "nonsense"], /^error: Invalid --quality 'nonsense'/],
    [["--retry", "done"], /^error: Invalid --retry 'done'/],
    [
      ["--playlist", "netease:1", "--limit", "5"],
      /^error: --category and --limit choose what collect lists, and --playlist skips collect/,
    ],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), async () => {
      await inTempDir(async (dir) => {
        const run = await runCli(["pipeline", ...args, ...flags(dir)]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, pattern);
        assert.deepEqual([...Deno.readDirSync(dir)], []);
      });
    });
  }
});

Deno.test("flags after deno task's -- reach the command", async () => {
  await inTempDir(async (dir) => {
    const db = join(dir, "catalog.db");
    Catalog.open(db).close();
    // `deno task status -- --db X` runs `main.ts status -- --db X`
    const run = await runCli(["status", "--", "--db", db, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).catalog, db);
    const exported = await runCli([
      "export",
      "m3u8",
      "--",
      "--out",
      join(dir, "out"),
      "--db",
      db,
    ]);
    assert.equal(exported.code, 0, exported.stderr);
  });
});
