import assert from "node:assert/strict";
import { join } from "node:path";
import { claimTask, taskOf } from "../catalog/download_tasks.ts";
import type { SourceErrorKind } from "../sources/errors.ts";
import type { OpenFile } from "../storage/local.ts";
import type { SongInfo } from "../sources/types.ts";
import { download } from "../tasks/download.ts";
import { expectedBytes } from "../tasks/_download_plan.ts";
import {
  downloadBed,
  expectedSha,
  fileSha256,
  listFiles,
  recordedFiles,
} from "./_download_bed.ts";
import {
  goodSong,
  type OfferFault,
  songInfo,
  type TestSong,
  type TestWorlds,
} from "./_download_source.ts";

const count = (
  bed: { catalog: { get<T>(sql: string, ...p: string[]): T | undefined } },
  sql: string,
  ...params: string[]
) => bed.catalog.get<{ n: number }>(sql, ...params)!.n;

Deno.test("download() fetches each song once at the best quality and records asset, location and task in one go", async () => {
  const worlds: TestWorlds = {
    netease: [goodSong("101"), goodSong("102"), goodSong("103")],
  };
  await using t = await downloadBed(worlds);
  const summary = await t.run();
  assert.equal(summary.status, "ok");
  assert.equal(summary.planned, 3);
  assert.equal(summary.downloaded, 3);
  assert.deepEqual(summary.byQuality, { lossless: 3 });
  assert.equal(summary.fallbacks, 0);
  assert.equal(summary.bytes, 60_000);
  const files = recordedFiles(t.catalog);
  assert.equal(files.length, 3);
  for (const file of files) {
    assert.equal(file.state, "active");
    assert.equal(file.container_name, t.library);
    assert.equal(file.backend, "local-1");
    assert.equal(file.quality, "lossless");
    assert.equal(file.platform_quality, "lossless");
    assert.equal(file.extension, "flac");
    assert.equal(file.size_bytes, 20_000);
    assert.match(
      file.locator,
      /^netease\/Artist \d+ - Song \d+ \[\d+\]\.flac$/,
    );
    const path = join(file.container_name, file.locator);
    const sha = expectedSha(worlds, "netease", file.remote_song_id, "lossless");
    assert.equal(file.sha256, sha);
    assert.equal(await fileSha256(path), sha);
    assert.match(file.md5 ?? "", /^[0-9a-f]{32}$/);
    const task = taskOf(t.catalog, file.song_id)!;
    assert.equal(task.state, "done");
    assert.equal(task.requested_quality, "best");
    assert.equal(task.achieved_quality, "lossless");
    assert.equal(task.lease_owner, null);
    assert.equal(task.attempts, 1);
  }
  assert.deepEqual(
    await listFiles(t.library),
    files.map((f) => f.locator).sort(),
    "no .part or sidecar left",
  );
  assert.equal(
    count(t, "SELECT count(*) AS n FROM storage_backends WHERE is_active = 1"),
    1,
  );
});

Deno.test("download(): a second run downloads nothing; a deleted or changed file is marked missing and downloaded again", async () => {
  const worlds: TestWorlds = {
    netease: [goodSong("1"), goodSong("2"), goodSong("3")],
  };
  await using t = await downloadBed(worlds);
  await t.run();
  const requests = t.bed.state.cdn.length;
  const second = await t.run();
  assert.equal(second.planned, 0);
  assert.equal(second.downloaded, 0);
  assert.equal(second.skippedOwned, 3);
  assert.equal(t.bed.state.cdn.length, requests, "no CDN request");
  assert.equal(
    t.sources.get("netease")!.resolutions.length,
    3,
    "no offer resolved",
  );

  const [gone, changed] = recordedFiles(t.catalog);
  await Deno.remove(join(gone!.container_name, gone!.locator));
  await Deno.writeTextFile(
    join(changed!.container_name, changed!.locator),
    "x",
  );
  const third = await t.run();
  assert.equal(third.missing, 2);
  assert.equal(third.planned, 2);
  assert.equal(third.downloaded, 2);
  assert.equal(third.skippedOwned, 1);
  const files = recordedFiles(t.catalog);
  assert.equal(
    files.length,
    3,
    "one location per song (the old one is replaced)",
  );
  assert.ok(files.every((f) => f.state === "active"));
  assert.equal(
    count(t, "SELECT count(*) AS n FROM file_assets"),
    3,
    "one asset per song",
  );
  for (const f of files) {
    assert.equal(await fileSha256(join(f.container_name, f.locator)), f.sha256);
  }

  // a vanished file whose re-download fails leaves its location marked missing
  const [first] = recordedFiles(t.catalog);
  await Deno.remove(join(first!.container_name, first!.locator));
  worlds.netease![0]!.error = "unavailable";
  const fourth = await t.run();
  assert.equal(fourth.missing, 1);
  assert.equal(fourth.unavailable, 1);
  assert.equal(
    count(
      t,
      "SELECT count(*) AS n FROM file_locations WHERE state = 'missing'",
    ),
    1,
  );
});

const FAULTS: Array<[OfferFault, string]> = [
  ["trial", "a preview"],
  ["empty_url", "empty URL"],
  ["403", "HTTP 403"],
  ["404", "HTTP 404"],
  ["wrong_length", "serves 19900 bytes where the offer says 20000"],
  ["short_body", "10000 bytes where the offer says 20000"],
  ["wrong_magic", "not a flac header"],
  ["wrong_md5", "differs from the platform's"],
  ["html", "an HTML page (HTTP 200) instead of the file"],
];

Deno.test("download() falls back to the next offer on each failure kind, and records what was served", async (t) => {
  for (const [fault, reason] of FAULTS) {
    await t.step(fault, async () => {
      const song = goodSong("7");
      song.offers[0]!.fault = fault;
      if (fault === "html") song.offers[0]!.declareSize = false;
      const worlds: TestWorlds = { netease: [song] };
      await using bed = await downloadBed(worlds);
      const summary = await bed.run();
      assert.equal(summary.downloaded, 1, JSON.stringify(summary.failures));
      assert.equal(summary.fallbacks, 1);
      assert.equal(summary.rejectedOffers, 1);
      assert.deepEqual(summary.byQuality, { "320k": 1 });
      const [file] = recordedFiles(bed.catalog);
      assert.equal(file!.quality, "320k");
      assert.equal(file!.platform_quality, "exhigh");
      assert.equal(file!.extension, "mp3");
      assert.equal(file!.sha256, expectedSha(worlds, "netease", "7", "exhigh"));
      const task = taskOf(bed.catalog, file!.song_id)!;
      assert.equal(task.requested_quality, "best");
      assert.equal(task.achieved_quality, "320k");
      assert.ok(
        bed.ui.lines.some((l) => l.includes(reason)),
        `the reason is logged: ${reason}\n${bed.ui.lines.join("\n")}`,
      );
      assert.deepEqual(await listFiles(bed.library), [file!.locator]);
    });
  }
  await t.step("vip refusal of the top rung (inside the source)", async () => {
    const song = goodSong("8");
    song.offers[0]!.fault = "vip_refusal";
    await using bed = await downloadBed({ qq: [song] });
    const summary = await bed.run();
    assert.equal(summary.downloaded, 1);
    assert.deepEqual(summary.byQuality, { "320k": 1 });
    const task = taskOf(bed.catalog, bed.ids.get("qq:8")!)!;
    assert.equal(task.achieved_quality, "320k");
  });
});

Deno.test("download(): a body that is not what was offered is never recorded, and leaves no .part", async (t) => {
  for (
    const fault of [
      "wrong_length",
      "short_body",
      "wrong_magic",
      "wrong_md5",
    ] as const
  ) {
    await t.step(fault, async () => {
      const song = goodSong("9");
      for (const offer of song.offers) offer.fault = fault;
      await using bed = await downloadBed({ kuwo: [song] });
      const summary = await bed.run();
      assert.equal(summary.downloaded, 0);
      assert.equal(summary.failed, 1);
      assert.equal(summary.status, "failed");
      assert.match(summary.failures[0]!.error, /every offer was rejected/);
      assert.equal(recordedFiles(bed.catalog).length, 0);
      assert.equal(
        bed.catalog.get<{ n: number }>("SELECT count(*) AS n FROM file_assets")!
          .n,
        0,
      );
      assert.deepEqual(await listFiles(bed.library), [], "no file, no .part");
      const task = taskOf(bed.catalog, bed.ids.get("kuwo:9")!)!;
      assert.equal(task.state, "failed");
      assert.match(task.last_error ?? "", /lossless: .*exhigh: /);
    });
  }
});

Deno.test("download() maps refusals to distinct states, stops a rate-limited or region-locked platform, and retries only on request", async () => {
  const refused = (id: string, error: SourceErrorKind): TestSong => ({
    ...goodSong(id),
    error,
  });
  const worlds: TestWorlds = {
    netease: [refused("1", "vip"), refused("2", "unavailable"), goodSong("3")],
    qq: [refused("10", "rate_limited"), goodSong("11"), goodSong("12")],
    kuwo: [refused("20", "region"), goodSong("21")],
  };
  await using t = await downloadBed(worlds);
  const summary = await t.run({ concurrency: 1 });
  assert.equal(summary.vipOnly, 1);
  assert.equal(summary.unavailable, 1);
  assert.equal(summary.rateLimited, 1);
  assert.equal(summary.failed, 1);
  assert.equal(summary.downloaded, 1);
  assert.equal(summary.notStarted, 3, "the rest of qq and kuwo waits");
  assert.equal(summary.status, "partial");
  assert.match(summary.platformErrors.qq ?? "", /rate_limited/);
  assert.match(summary.platformErrors.kuwo ?? "", /region lock/);
  const state = (key: string) => taskOf(t.catalog, t.ids.get(key)!)?.state;
  assert.equal(state("netease:1"), "vip_only");
  assert.equal(state("netease:2"), "unavailable");
  assert.equal(state("qq:10"), "rate_limited");
  assert.equal(state("qq:11"), "pending");
  assert.equal(state("kuwo:20"), "failed");

  // the refusals are lifted; without --retry they stay as they are
  for (const songs of Object.values(worlds)) {
    for (const song of songs) delete song.error;
  }
  const again = await t.run({ concurrency: 1 });
  assert.equal(again.skippedTerminal, 4);
  assert.equal(again.downloaded, 3, "the songs not started before");
  const retried = await t.run({ retry: ["vip_only", "rate_limited"] });
  assert.equal(retried.downloaded, 2);
  assert.equal(state("netease:1"), "done");
  assert.equal(state("qq:10"), "done");
  assert.equal(state("netease:2"), "unavailable");
  const last = await t.run({ retry: ["unavailable", "failed"] });
  assert.equal(last.downloaded, 2);
  assert.equal(last.skippedOwned, 6);
});

Deno.test("download --quality caps the ladder and records requested and achieved quality", async () => {
  const worlds: TestWorlds = {
    qq: [goodSong("1", 20_000, [
      ["hires", "hires", "flac", "flac"],
      ["lossless", "F000", "flac", "flac"],
      ["320k", "M800", "mp3", "mp3"],
      ["128k", "M500", "mp3", "mp3"],
    ])],
  };
  await using t = await downloadBed(worlds);
  const summary = await t.run({ quality: "320k" });
  assert.deepEqual(summary.byQuality, { "320k": 1 });
  const task = taskOf(t.catalog, t.ids.get("qq:1")!)!;
  assert.equal(task.requested_quality, "320k");
  assert.equal(task.achieved_quality, "320k");
  assert.deepEqual(
    t.bed.state.api,
    ["qq:1/M800"],
    "better rungs never resolved",
  );
});

Deno.test("download() resumes a cut transfer with Range, in the same run and in the next, and the sha256 covers the whole file", async (t) => {
  await t.step(
    "a cut retried at once resumes after the bytes written",
    async () => {
      const worlds: TestWorlds = { netease: [goodSong("1", 200_000)] };
      await using bed = await downloadBed(worlds);
      bed.bed.state.inject({ kind: "cut", bytes: 70_000 });
      const summary = await bed.run();
      assert.equal(summary.downloaded, 1);
      const ranges = bed.bed.state.cdn.map((r) => r.range);
      assert.equal(ranges[0], null);
      assert.match(ranges[1] ?? "", /^bytes=\d+-$/);
      assert.ok(Number(/=(\d+)-/.exec(ranges[1]!)![1]) >= 65_536);
      assert.equal(bed.bed.state.cdn[1]!.status, 206);
      const [file] = recordedFiles(bed.catalog);
      assert.equal(
        file!.sha256,
        expectedSha(worlds, "netease", "1", "lossless"),
      );
      assert.equal(
        await fileSha256(join(bed.library, file!.locator)),
        file!.sha256,
      );
      assert.deepEqual(bed.sleeps, [500], "one backoff");
    },
  );
  await t.step(
    "a .part left by a run that gave up is completed by the next run",
    async () => {
      const worlds: TestWorlds = { netease: [goodSong("1", 200_000)] };
      await using bed = await downloadBed(worlds);
      bed.bed.state.inject({ kind: "cut", bytes: 70_000, times: 2 });
      const first = await bed.run({ retries: 1 });
      assert.equal(first.downloaded, 0);
      assert.equal(first.retryLater, 1);
      assert.equal(first.status, "failed", "nothing succeeded");
      assert.equal(
        taskOf(bed.catalog, bed.ids.get("netease:1")!)!.state,
        "pending",
      );
      const parts = await listFiles(bed.library);
      assert.equal(parts.length, 2);
      assert.ok(parts.some((p) => p.endsWith(".flac.part")));
      assert.ok(parts.some((p) => p.endsWith(".flac.part.json")));
      assert.equal(recordedFiles(bed.catalog).length, 0, "nothing recorded");
      const partSize = (await Deno.stat(
        join(bed.library, parts.find((p) => p.endsWith(".part"))!),
      )).size;
      assert.ok(partSize > 0);

      const before = bed.bed.state.cdn.length;
      const second = await bed.run();
      assert.equal(second.downloaded, 1);
      assert.equal(second.resumedBytes, partSize);
      assert.equal(second.bytes, 200_000);
      const request = bed.bed.state.cdn[before]!;
      assert.equal(request.range, `bytes=${partSize}-`);
      assert.equal(request.status, 206);
      const [file] = recordedFiles(bed.catalog);
      assert.equal(
        file!.sha256,
        expectedSha(worlds, "netease", "1", "lossless"),
      );
      assert.equal(
        await fileSha256(join(bed.library, file!.locator)),
        file!.sha256,
      );
      assert.deepEqual(await listFiles(bed.library), [file!.locator]);
    },
  );
  await t.step(
    "a 200 answer to a Range request restarts from zero",
    async () => {
      const worlds: TestWorlds = { netease: [goodSong("1", 200_000)] };
      await using bed = await downloadBed(worlds);
      bed.bed.state.inject({ kind: "cut", bytes: 70_000 });
      bed.bed.state.inject({ kind: "no_ranges" });
      const summary = await bed.run();
      assert.equal(summary.downloaded, 1);
      assert.equal(bed.bed.state.cdn[1]!.status, 200);
      const [file] = recordedFiles(bed.catalog);
      assert.equal(
        await fileSha256(join(bed.library, file!.locator)),
        file!.sha256,
      );
      assert.equal(
        file!.sha256,
        expectedSha(worlds, "netease", "1", "lossless"),
      );
    },
  );
  await t.step(
    "a .part of another file (other level or size) is not resumed",
    async () => {
      const worlds: TestWorlds = { netease: [goodSong("1", 200_000)] };
      await using bed = await downloadBed(worlds);
      bed.bed.state.inject({ kind: "cut", bytes: 70_000, times: 2 });
      await bed.run({ retries: 1 });
      worlds.netease![0]!.offers[0]!.sizeBytes = 150_000; // the platform re-encoded it
      const before = bed.bed.state.cdn.length;
      const second = await bed.run();
      assert.equal(second.downloaded, 1);
      assert.equal(second.resumedBytes, 0);
      assert.equal(bed.bed.state.cdn[before]!.range, null);
      const [file] = recordedFiles(bed.catalog);
      assert.equal(file!.size_bytes, 150_000);
      assert.equal(
        await fileSha256(join(bed.library, file!.locator)),
        file!.sha256,
      );
    },
  );
});

Deno.test("download() over a socket: bodies read into reused buffers, a cut resumed with Range, a 5xx retried", async () => {
  const worlds: TestWorlds = {
    netease: [goodSong("1", 3_000_000), goodSong("2", 900_000)],
  };
  await using t = await downloadBed(worlds, { served: true });
  t.bed.state.inject({ file: "1/lossless", kind: "cut", bytes: 1_300_000 });
  t.bed.state.inject({ file: "2/lossless", kind: "5xx" });
  const summary = await t.run({ concurrency: 1 });
  assert.equal(summary.downloaded, 2, JSON.stringify(summary.failures));
  assert.deepEqual(summary.byQuality, { lossless: 2 });
  const first = t.bed.state.cdn.filter((r) => r.file === "1/lossless");
  assert.equal(first[0]!.range, null);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(first[1]!.range ?? "")?.[1]);
  assert.ok(
    resumedAt >= 1_000_000 && resumedAt <= 1_300_000,
    `resumed at ${resumedAt}: what arrived before the cut was kept`,
  );
  for (const f of recordedFiles(t.catalog)) {
    assert.equal(
      f.sha256,
      expectedSha(worlds, "netease", f.remote_song_id, "lossless"),
    );
    assert.equal(await fileSha256(join(f.container_name, f.locator)), f.sha256);
  }
});

Deno.test("download() retries 5xx and resets with growing backoff", async () => {
  const worlds: TestWorlds = { netease: [goodSong("1")] };
  await using t = await downloadBed(worlds);
  t.bed.state.inject({ kind: "5xx", times: 2 });
  t.bed.state.inject({ kind: "reset" });
  const summary = await t.run();
  assert.equal(summary.downloaded, 1);
  assert.deepEqual(t.sleeps, [500, 1000, 2000]);
  assert.deepEqual(t.bed.state.cdn.map((r) => r.status), [503, 503, 599, 200]);
});

Deno.test("download() resolves an expired URL again instead of falling back", async (t) => {
  await t.step("a URL that expired before its first byte", async () => {
    const worlds: TestWorlds = { netease: [goodSong("1")] };
    await using bed = await downloadBed(worlds);
    bed.bed.state.expiredUrls = 1;
    const summary = await bed.run();
    assert.equal(summary.downloaded, 1);
    assert.equal(summary.fallbacks, 0);
    assert.deepEqual(summary.byQuality, { lossless: 1 });
    assert.deepEqual(bed.sources.get("netease")!.resolutions, ["1", "1"]);
    assert.deepEqual(bed.bed.state.cdn.map((r) => r.status), [403, 200]);
  });
  await t.step(
    "a URL that expires mid-transfer: resolved again, resumed with Range",
    async () => {
      const worlds: TestWorlds = { netease: [goodSong("1", 200_000)] };
      await using bed = await downloadBed(worlds);
      bed.bed.state.inject({ kind: "cut", bytes: 70_000 });
      bed.bed.state.inject({ kind: "expired" });
      const summary = await bed.run();
      assert.equal(summary.downloaded, 1);
      assert.deepEqual(bed.sources.get("netease")!.resolutions, ["1", "1"]);
      const cdn = bed.bed.state.cdn;
      assert.deepEqual(cdn.map((r) => r.status), [200, 403, 206]);
      assert.match(cdn[2]!.range ?? "", /^bytes=\d+-$/);
      const [file] = recordedFiles(bed.catalog);
      assert.equal(
        file!.sha256,
        expectedSha(worlds, "netease", "1", "lossless"),
      );
    },
  );
  await t.step("resolution is bounded", async () => {
    const worlds: TestWorlds = { netease: [goodSong("1")] };
    await using bed = await downloadBed(worlds);
    bed.bed.state.expiredUrls = 10;
    const summary = await bed.run({ maxResolves: 2 });
    assert.equal(summary.downloaded, 0);
    assert.equal(summary.failed, 1);
    assert.equal(bed.sources.get("netease")!.resolutions.length, 3);
  });
});

Deno.test("download(): two runs on one catalog through two connections fetch every song exactly once", async () => {
  const songs = Array.from(
    { length: 24 },
    (_, i) => goodSong(String(i + 1), 30_000),
  );
  const worlds: TestWorlds = { netease: songs };
  await using t = await downloadBed(worlds, { fileCatalog: true });
  const other = t.secondContext();
  const [a, b] = await Promise.all([
    t.run({ concurrency: 3, leaseOwner: "a" }),
    t.run({ concurrency: 3, leaseOwner: "b" }, other),
  ]);
  assert.equal(a.downloaded + b.downloaded, 24);
  assert.ok(a.downloaded > 0 && b.downloaded > 0, "both did work");
  for (const [file, n] of t.bed.state.fetchedFiles()) {
    assert.equal(n, 1, `${file} fetched once`);
  }
  assert.equal(t.bed.state.fetchedFiles().size, 24);
  assert.equal(recordedFiles(t.catalog).length, 24);
  assert.equal(
    t.catalog.get<{ n: number }>(
      "SELECT count(*) AS n FROM download_tasks WHERE state = 'done' AND attempts = 1",
    )!.n,
    24,
  );
});

Deno.test("download() takes over a crashed process's lease once it has expired", async () => {
  const worlds: TestWorlds = { netease: [goodSong("1"), goodSong("2")] };
  await using t = await downloadBed(worlds);
  await t.run({ limit: 1, dryRun: true });
  // a process claimed song 1 and died
  const songId = t.ids.get("netease:1")!;
  t.catalog.run(
    "INSERT INTO download_tasks (song_id, state, created_at, updated_at) VALUES (?, 'pending', 0, 0)",
    songId,
  );
  assert.ok(
    claimTask(t.catalog, songId, "dead", "best", t.clock.now(), 60_000),
  );
  const first = await t.run({ leaseTtlMs: 60_000 });
  assert.equal(first.downloaded, 1);
  assert.equal(first.busy, 1);
  assert.equal(taskOf(t.catalog, songId)!.lease_owner, "dead");
  t.clock.advance(60_001);
  const second = await t.run({ leaseTtlMs: 60_000 });
  assert.equal(second.downloaded, 1);
  const task = taskOf(t.catalog, songId)!;
  assert.equal(task.state, "done");
  assert.equal(task.attempts, 2);
  assert.equal(task.lease_owner, null);
});

Deno.test("download --dry-run prints the plan and writes nothing", async () => {
  const worlds: TestWorlds = {
    netease: [
      goodSong("1", 1_000_000),
      goodSong("2", 1_000_000),
      goodSong("3", 1_000_000),
    ],
  };
  await using t = await downloadBed(worlds, {
    freeSpace: (path) =>
      Promise.resolve(path.endsWith("library") ? 2_500_000 : 1e12),
  });
  const snapshot = () =>
    ["download_tasks", "storage_backends", "file_assets", "file_locations"].map(
      (
        table,
      ) =>
        t.catalog.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)!.n,
    );
  const summary = await t.run({
    dryRun: true,
    minFree: 500_000,
    nextDirs: [join(t.dir, "more")],
  });
  assert.equal(summary.dryRun, true);
  assert.equal(summary.planned, 3);
  assert.deepEqual(summary.plan.map((p) => p.expectedBytes), [
    1_000_000,
    1_000_000,
    1_000_000,
  ]);
  assert.deepEqual(
    summary.backends.map((b) => [b.root, b.files, b.bytes]),
    [[t.library, 2, 2_000_000], [join(t.dir, "more"), 1, 1_000_000]],
  );
  assert.deepEqual(snapshot(), [0, 0, 0, 0]);
  assert.deepEqual(await listFiles(t.dir), []);
  assert.equal(t.bed.state.api.length, 0);
});

Deno.test("download --playlist, --source and --limit select songs in a stable order", async () => {
  const worlds: TestWorlds = {
    netease: [goodSong("1"), goodSong("2"), goodSong("3")],
    qq: [goodSong("4")],
  };
  await using t = await downloadBed(worlds);
  const one = await t.run({ platforms: ["netease"], limit: 2 });
  assert.equal(one.downloaded, 2);
  assert.deepEqual(
    recordedFiles(t.catalog).map((f) => f.remote_song_id),
    ["1", "2"],
  );
  const two = await t.run({
    platforms: ["qq"],
    playlists: [{ platform: "qq", remoteId: "all" }],
  });
  assert.equal(two.downloaded, 1);
  const three = await t.run({
    platforms: ["netease", "qq"],
    playlists: [{ platform: "netease", remoteId: "nope" }],
  });
  assert.deepEqual(three.unknownPlaylists, ["netease:nope"]);
  assert.equal(three.selected, 0);
});

Deno.test("download() never writes outside the library, whatever the metadata says", async () => {
  const hostile = (id: string, artist: string, title: string): TestSong => ({
    ...goodSong(id),
    artist,
    title,
  });
  const worlds: TestWorlds = {
    netease: [
      hostile("1", "..", "../../etc/passwd"),
      hostile("2", "/", "/"),
      hostile("3", "\\\\server\\share", "C:\\Windows"),
      hostile("4", "a\u0000b", "line\nbreak\r"),
      hostile("5", "周杰伦", "晴".repeat(120)),
      hostile("6", "👨‍👩‍👧‍👦", "🎵".repeat(80)),
      hostile("7", "\u202eevil", "gpj.exe\u202c"),
      hostile("8", "CON", "NUL"),
      hostile("9", "", ""),
      hostile("../10", "x", "y"),
    ],
    qq: [hostile("aB1", "Same", "Song"), hostile("Ab1", "Same", "Song")],
  };
  await using t = await downloadBed(worlds);
  const summary = await t.run();
  assert.equal(summary.downloaded, 12, JSON.stringify(summary.failures));
  const files = recordedFiles(t.catalog);
  const encoder = new TextEncoder();
  for (const f of files) {
    const [platform, name, ...rest] = f.locator.split("/");
    assert.deepEqual(rest, [], f.locator);
    assert.ok(platform === "netease" || platform === "qq");
    assert.ok(encoder.encode(name).length <= 200, name);
    // deno-lint-ignore no-control-regex -- no control character may remain
    assert.doesNotMatch(name!, /[\u0000-\u001f\\:*?"<>|\u202e]/);
    assert.ok(!name!.startsWith("."), name);
  }
  const qq = files.filter((f) => f.platform === "qq").map((f) => f.locator)
    .map((l) => l.replace("[Ab1]", "[ID]").replace("[aB1]", "[ID]")).sort();
  assert.deepEqual(
    qq,
    ["qq/Same - Song [ID] (2).flac", "qq/Same - Song [ID].flac"],
    "names that differ only in case get a counter",
  );
  const lower = new Set(files.map((f) => f.locator.toLowerCase()));
  assert.equal(lower.size, files.length, "no two names clash ignoring case");
  assert.deepEqual(
    (await listFiles(t.library)).sort(),
    files.map((f) => f.locator).sort(),
  );
  assert.deepEqual(
    await listFiles(join(t.dir)),
    (await listFiles(t.library)).map((p) => `library/${p}`),
  );
});

Deno.test("download() needs a source for each selected platform", async () => {
  await using t = await downloadBed({ netease: [goodSong("1")] });
  await assert.rejects(
    download(t.context, { platforms: ["kuwo"], library: t.library }),
    /no source configured for it/,
  );
});

/** An `OpenFile` that calls `onWrite` after each write. */
function watchedWrites(onWrite: (count: number) => void): OpenFile {
  let count = 0;
  return async (path, options) => {
    const file = await Deno.open(path, {
      write: true,
      create: true,
      append: options.append,
      truncate: !options.append,
    });
    return {
      write: async (bytes) => {
        const n = await file.write(bytes);
        onWrite(++count);
        return n;
      },
      syncData: () => file.syncData(),
      close: () => file.close(),
    };
  };
}

Deno.test("download() renews its lease while a file downloads, and stops without recording when the lease was taken over", async (t) => {
  await t.step("renewed", async () => {
    const worlds: TestWorlds = { netease: [goodSong("1", 600_000)] };
    await using bed = await downloadBed(worlds);
    const songId = bed.ids.get("netease:1")!;
    const leases: number[] = [];
    const summary = await bed.run({
      leaseTtlMs: 3_000,
      openFile: watchedWrites(() => {
        leases.push(taskOf(bed.catalog, songId)!.lease_until!);
        bed.clock.advance(1_500);
      }),
    });
    assert.equal(summary.downloaded, 1);
    assert.ok(leases.length >= 4, `${leases.length} writes`);
    assert.ok(
      leases[leases.length - 1]! > leases[0]! + 3_000,
      `the lease moved on: ${leases.join(", ")}`,
    );
  });
  await t.step("taken over", async () => {
    const worlds: TestWorlds = { netease: [goodSong("1", 600_000)] };
    await using bed = await downloadBed(worlds);
    const songId = bed.ids.get("netease:1")!;
    const summary = await bed.run({
      leaseTtlMs: 3_000,
      openFile: watchedWrites((count) => {
        if (count === 2) {
          // our lease expired while we stalled; another process claimed the song
          bed.clock.advance(4_000);
          bed.catalog.run(
            "UPDATE download_tasks SET lease_owner = 'other', lease_until = ? WHERE song_id = ?",
            bed.clock.now() + 3_000,
            songId,
          );
        }
      }),
    });
    assert.equal(summary.downloaded, 0);
    assert.equal(recordedFiles(bed.catalog).length, 0);
    const task = taskOf(bed.catalog, songId)!;
    assert.equal(task.state, "running");
    assert.equal(task.lease_owner, "other", "the other process keeps it");
    assert.ok(
      bed.ui.lines.some((l) =>
        l.includes("another process took this song over")
      ),
    );
  });
});

Deno.test("download() stops when interrupted: the transfer's .part is kept, the task is pending again, a rerun resumes", async () => {
  const worlds: TestWorlds = {
    netease: [goodSong("1", 600_000), goodSong("2", 600_000)],
  };
  await using t = await downloadBed(worlds);
  const controller = new AbortController();
  const context = { ...t.context, signal: controller.signal };
  const summary = await t.run({
    concurrency: 1,
    openFile: watchedWrites((count) => {
      if (count === 3) controller.abort(new Error("interrupted"));
    }),
  }, context);
  assert.equal(summary.status, "interrupted");
  assert.equal(summary.downloaded, 0);
  assert.equal(recordedFiles(t.catalog).length, 0);
  for (const id of ["netease:1", "netease:2"]) {
    const task = taskOf(t.catalog, t.ids.get(id)!)!;
    assert.equal(task.state, "pending", id);
    assert.equal(task.lease_owner, null);
  }
  const parts = await listFiles(t.library);
  assert.deepEqual(
    parts.map((p) => p.replace(/^.*\.flac/, "*.flac")),
    ["*.flac.part", "*.flac.part.json"],
  );
  const rerun = await t.run();
  assert.equal(rerun.downloaded, 2);
  assert.ok(rerun.resumedBytes > 0);
  for (const f of recordedFiles(t.catalog)) {
    assert.equal(await fileSha256(join(f.container_name, f.locator)), f.sha256);
    assert.equal(
      f.sha256,
      expectedSha(worlds, "netease", f.remote_song_id, "lossless"),
    );
  }
});

Deno.test("download() shows progress: songs, bytes, rate, ETA and each file", async () => {
  const worlds: TestWorlds = {
    netease: [goodSong("1", 300_000), goodSong("2", 300_000)],
  };
  await using t = await downloadBed(worlds);
  await t.run({
    concurrency: 1,
    openFile: watchedWrites(() => t.clock.advance(150)),
  });
  const shown = t.ui.statuses.map((lines) => lines.join("\n"));
  assert.ok(shown.length >= 3, `${shown.length} statuses`);
  assert.ok(
    shown.some((s) =>
      /^download \[#{10}-{10}\] {2}50% 1\/2 songs · [\d.]+ KiB · [\d.]+ (KiB|MiB)\/s · ETA /
        .test(s) &&
      /\n {2}netease Artist 2 - Song 2 \(lossless\) \d+% /.test(s)
    ),
    shown.join("\n---\n"),
  );
});

Deno.test("expectedBytes() takes the advertised size, else scales a lower quality's, else estimates from the duration", () => {
  const song = (qualities: SongInfo["qualities"], durationMs?: number) => ({
    ...songInfo("netease", goodSong("1")),
    qualities,
    ...(durationMs === undefined ? {} : { durationMs }),
  });
  const sized = song([
    { label: "master", level: "jymaster" },
    { label: "hires", level: "hires", sizeBytes: 30_000 },
    { label: "320k", level: "exhigh", sizeBytes: 3_200 },
  ]);
  assert.equal(expectedBytes(sized, undefined), 46_000);
  assert.equal(expectedBytes(sized, "hires"), 30_000);
  assert.equal(expectedBytes(sized, "320k"), 3_200);
  assert.equal(
    expectedBytes(
      song([{ label: "128k", level: "128kmp3" }], 240_000),
      undefined,
    ),
    3_840_000,
  );
  const { durationMs: _, ...noDuration } = song([{
    label: "128k",
    level: "x",
  }]);
  assert.equal(expectedBytes(noDuration, undefined), 16 * 1024 * 1024);
});
