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
