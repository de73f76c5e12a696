/**
 * Transient faults of a CDN (an HTML page answered 200, a short body, a
 * connection reset, a 5xx) are retried on the same rung; only a body that
 * is complete and still wrong steps down the quality ladder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { taskOf } from "../catalog/download_tasks.ts";
import {
  downloadBed,
  expectedSha,
  fileSha256,
  listFiles,
  recordedFiles,
} from "./_download_bed.ts";
import {
  type CdnFault,
  goodSong,
  type TestWorlds,
} from "./_download_source.ts";

const TRANSIENT: Array<[string, CdnFault, boolean]> = [
  ["an HTML page with status 200", { kind: "html" }, false],
  ["a clean body half as long as offered", { kind: "short" }, false],
  ["a connection reset", { kind: "reset" }, false],
  ["a connection reset over a socket", { kind: "reset" }, true],
  ["an HTML page over a socket", { kind: "html" }, true],
  ["a 503", { kind: "5xx" }, false],
];

Deno.test("download(): a transient fault is retried on the same rung, and the song keeps its best quality", async (t) => {
  for (const [name, fault, served] of TRANSIENT) {
    await t.step(name, async () => {
      const worlds: TestWorlds = { netease: [goodSong("1", 60_000)] };
      await using bed = await downloadBed(worlds, { served });
      bed.bed.state.inject({ ...fault, file: "1/lossless" });
      const summary = await bed.run();
      assert.equal(summary.downloaded, 1, JSON.stringify(summary.failures));
      assert.equal(summary.fallbacks, 0, bed.ui.lines.join("\n"));
      assert.equal(summary.rejectedOffers, 0);
      assert.deepEqual(summary.byQuality, { lossless: 1 });
      const [file] = recordedFiles(bed.catalog);
      assert.equal(
        file!.sha256,
        expectedSha(worlds, "netease", "1", "lossless"),
      );
      assert.equal(
        await fileSha256(join(file!.container_name, file!.locator)),
        file!.sha256,
      );
      assert.deepEqual(await listFiles(bed.library), [file!.locator]);
      assert.equal(
        taskOf(bed.catalog, file!.song_id)!.achieved_quality,
        "lossless",
      );
      assert.ok(bed.sleeps.length >= 1, "a pause before the retry");
      // every request went to the lossless file
      assert.ok(
        bed.bed.state.cdn.every((r) => r.file === "1/lossless"),
        JSON.stringify(bed.bed.state.cdn),
      );
    });
  }
});

Deno.test("download(): a rung that keeps answering an HTML page or a short body gets a fresh URL, then steps down", async (t) => {
  for (const kind of ["html", "short"] as const) {
    await t.step(kind, async () => {
      const worlds: TestWorlds = { netease: [goodSong("1")] };
      await using bed = await downloadBed(worlds);
      bed.bed.state.inject({ kind, file: "1/lossless", times: 1000 });
      const summary = await bed.run();
      assert.equal(summary.downloaded, 1, JSON.stringify(summary.failures));
      assert.equal(summary.fallbacks, 1);
      assert.deepEqual(summary.byQuality, { "320k": 1 });
      // the offers were resolved a second time for a fresh URL
      assert.deepEqual(bed.sources.get("netease")!.resolutions, ["1", "1"]);
      const lossless = bed.bed.state.cdn.filter((r) => r.file === "1/lossless");
      assert.equal(lossless.length, 6, "three tries on each of two URLs");
      assert.deepEqual(await listFiles(bed.library), [
        recordedFiles(bed.catalog)[0]!.locator,
      ]);
    });
  }
});

Deno.test("download(): a complete body that is still wrong steps down at once", async (t) => {
  for (const fault of ["wrong_md5", "wrong_magic"] as const) {
    await t.step(fault, async () => {
      const song = goodSong("1");
      song.offers[0]!.fault = fault;
      await using bed = await downloadBed({ netease: [song] });
      const summary = await bed.run();
      assert.equal(summary.downloaded, 1);
      assert.equal(summary.fallbacks, 1);
      assert.deepEqual(bed.sources.get("netease")!.resolutions, ["1"]);
      assert.equal(
        bed.bed.state.cdn.filter((r) => r.file === "1/lossless").length,
        1,
        "not retried",
      );
    });
  }
});

Deno.test("download --upgrade fetches again songs below the best quality their platform now grants, and replaces the file in one go", async () => {
  const worlds: TestWorlds = {
    netease: [goodSong("1"), goodSong("2"), goodSong("3")],
  };
  // without a VIP login, the lossless files of songs 1 and 2 are refused
  worlds.netease![0]!.offers[0]!.fault = "vip_refusal";
  worlds.netease![1]!.offers[0]!.fault = "vip_refusal";
  await using bed = await downloadBed(worlds);
  const first = await bed.run();
  assert.deepEqual(first.byQuality, { "320k": 2, lossless: 1 });
  const before = new Map(
    recordedFiles(bed.catalog).map((f) => [f.remote_song_id, f]),
  );

  // a VIP login now grants song 1's lossless file
  delete worlds.netease![0]!.offers[0]!.fault;
  const plain = await bed.run();
  assert.equal(plain.planned, 0, "without --upgrade an owned song stays");

  const upgrade = await bed.run({ upgrade: true });
  assert.equal(upgrade.upgrading, 2, "songs 1 and 2 are below lossless");
  assert.equal(upgrade.planned, 2);
  assert.equal(upgrade.upgraded, 1);
  assert.equal(upgrade.notUpgraded, 1);
  assert.equal(upgrade.downloaded, 1);
  assert.equal(upgrade.vipOnly, 0, "a refused upgrade is not a failure");
  assert.equal(upgrade.status, "ok");
  assert.deepEqual(upgrade.byQuality, { lossless: 1 });
  const files = recordedFiles(bed.catalog);
  assert.equal(files.length, 3, "one location per song");
  const after = new Map(files.map((f) => [f.remote_song_id, f]));
  const one = after.get("1")!;
  assert.equal(one.quality, "lossless");
  assert.equal(one.extension, "flac");
  assert.equal(one.sha256, expectedSha(worlds, "netease", "1", "lossless"));
  assert.equal(
    await fileSha256(join(one.container_name, one.locator)),
    one.sha256,
  );
  assert.deepEqual(after.get("2"), before.get("2"), "song 2 keeps its file");
  assert.deepEqual(after.get("3"), before.get("3"));
  // the replaced mp3 is gone; no .part left
  assert.deepEqual(
    (await listFiles(bed.library)).sort(),
    files.map((f) => f.locator).sort(),
  );
  assert.equal(
    bed.catalog.get<{ n: number }>("SELECT count(*) AS n FROM file_assets")!.n,
    3,
  );
  const tasks = [1, 2].map((n) =>
    taskOf(bed.catalog, bed.ids.get(`netease:${n}`)!)!
  );
  assert.deepEqual(
    tasks.map((t) => [t.state, t.achieved_quality]),
    [["done", "lossless"], ["done", "320k"]],
  );
  assert.match(tasks[1]!.last_error ?? "", /^not upgraded: /);

  const again = await bed.run({ upgrade: true });
  assert.equal(again.upgrading, 1, "only song 2 is still below its best");
  assert.equal(again.notUpgraded, 1);
  assert.equal(again.downloaded, 0);
  // a quality cap at 320k leaves nothing to upgrade
  const capped = await bed.run({ upgrade: true, quality: "320k" });
  assert.equal(capped.upgrading, 0);
});
