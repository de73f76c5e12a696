/**
 * End to end: the emulation of the three platforms served on 127.0.0.1,
 * the CLI spawned as a user runs it: collect, sync, download, export, and
 * the low-space question answered (or not) from a real stdin pipe.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { serveEmulation } from "../emulation/serve.ts";
import { runMain } from "./_spawn.ts";
import { fileSha256, listFiles } from "./_download_bed.ts";

Deno.test("collect, sync, download and export through the CLI: every playable song once, whole, and nothing twice", async () => {
  const emulation = createEmulation({ size: "tiny", seed: 5 });
  await using server = serveEmulation(emulation);
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-e2e-download-" });
  try {
    const db = join(dir, "catalog.db");
    const library = join(dir, "library");
    const common = ["--db", db, "--emulation", server.url];
    for (const stage of [["collect", "--limit", "0"], ["sync"]]) {
      const run = await runMain([...stage, ...common]);
      assert.equal(run.code, 0, run.stderr);
    }
    const first = await runMain([
      "download",
      ...common,
      "--library",
      library,
      "--min-free",
      "0",
      "--json",
    ]);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout);
    assert.equal(summary.status, "ok");
    assert.ok(summary.downloaded > 0);
    assert.equal(summary.failed, 0);
    assert.equal(
      summary.downloaded + summary.vipOnly + summary.unavailable,
      summary.planned,
    );
    {
      using catalog = Catalog.open(db, { readOnly: true });
      const files = catalog.all<
        {
          path: string;
          size_bytes: number;
          sha256: string;
          state: string;
        }
      >(
        "SELECT path, stored_size_bytes AS size_bytes, stored_sha256 AS sha256, state FROM files",
      );
      assert.equal(files.length, summary.downloaded);
      for (const file of files) {
        assert.equal(file.state, "active");
        assert.ok(file.path.startsWith(`${library}/`), file.path);
        assert.equal((await Deno.stat(file.path)).size, file.size_bytes);
        assert.equal(await fileSha256(file.path), file.sha256);
      }
      const vip = catalog.get<{ n: number }>(
        "SELECT count(*) AS n FROM download_tasks WHERE state = 'vip_only'",
      )!.n;
      assert.equal(vip, summary.vipOnly);
    }
    assert.ok(
      (await listFiles(library)).every((f) => !f.includes(".part")),
      "no .part left",
    );

    const second = await runMain(["download", ...common, "--json"]);
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout);
    assert.equal(again.downloaded, 0);
    assert.equal(again.skippedOwned, summary.downloaded);
    assert.equal(again.planned, 0, "vip_only and unavailable wait for --retry");

    const out = join(dir, "playlists");
    const exported = await runMain(["export", "m3u8", "--out", out, ...common]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /^export ok: \d+ playlists written/);
    const lists = await listFiles(out);
    assert.ok(lists.length > 0);
    for (const list of lists) {
      const lines = (await Deno.readTextFile(join(out, list))).split("\n");
      assert.equal(lines[0], "#EXTM3U");
      for (const line of lines.filter((l) => l && !l.startsWith("#"))) {
        assert.ok(line.startsWith("../library/"), line);
        assert.ok((await Deno.stat(join(out, line))).isFile, line);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("catalogsync download asks on stderr, reads stdin, and exits 75 at end of input with no directory left", async () => {
  const emulation = createEmulation({ size: "tiny", seed: 5 });
  await using server = serveEmulation(emulation);
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-e2e-nospace-" });
  try {
    const db = join(dir, "catalog.db");
    const common = ["--db", db, "--emulation", server.url];
    for (const stage of [["collect", "--limit", "0"], ["sync"]]) {
      const run = await runMain([...stage, ...common]);
      assert.equal(run.code, 0, run.stderr);
    }
    // no disk has a million terabytes free: the first file is already too big
    const run = await runMain([
      "download",
      ...common,
      "--library",
      join(dir, "library"),
      "--min-free",
      "1000000TiB",
    ], `\n${join(dir, "elsewhere")}\n`);
    assert.equal(run.code, 75, run.stderr);
    const questions = run.stderr.split("Directory to continue in").length - 1;
    assert.equal(questions, 3, run.stderr);
    assert.match(run.stderr, /Cannot use that directory: no directory given\./);
    assert.match(
      run.stderr,
      /Cannot use that directory: only .* free there, .* needed\./,
    );
    assert.match(
      run.stdout,
      /stopped: out of space in .*library .* Nothing is lost: rerun with --next-dir DIR \(or --library DIR\) to continue there/,
    );
    using catalog = Catalog.open(db, { readOnly: true });
    assert.equal(
      catalog.get<{ n: number }>("SELECT count(*) AS n FROM file_assets")!.n,
      0,
    );
    assert.equal(
      catalog.get<{ n: number }>(
        "SELECT count(*) AS n FROM download_tasks WHERE state <> 'pending'",
      )!.n,
      0,
      "every task waits for the next run",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
