/**
 * `replicate` against real servers on 127.0.0.1 (s3rver, rclone's WebDAV):
 * copies checked and recorded as locations of the same file, ownership and
 * export, --move, and what goes wrong: wrong credentials, a missing bucket,
 * a full drive, a connection cut mid-upload, two processes at once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { findBackend } from "../catalog/backends.ts";
import { downloadCandidates } from "../catalog/download_tasks.ts";
import { claimReplica, replicaCandidates } from "../catalog/replicate_tasks.ts";
import type { StorageCredentials } from "../storage/backend.ts";
import { exportM3u8 } from "../tasks/export.ts";
import { replicate } from "../tasks/replicate.ts";
import { storageAdd } from "../tasks/storage.ts";
import { verify } from "../tasks/verify.ts";
import { whereis } from "../tasks/whereis.ts";
import { downloadBed, listFiles, recordedFiles } from "./_download_bed.ts";
import { goodSong, type TestWorlds } from "./_download_source.ts";
import {
  filesBelow,
  S3RVER_KEY,
  startCuttingProxy,
  startQuotaProxy,
  startRcloneWebdav,
  startS3rver,
} from "./_storage_servers.ts";

const MiB = 1024 * 1024;
const S3: StorageCredentials = { s3: S3RVER_KEY, webdav: undefined };
const DAV: StorageCredentials = {
  s3: undefined,
  webdav: { user: "dav", password: "pw" },
};

const worlds = (big = false): TestWorlds => ({
  netease: Array.from(
    { length: 6 },
    (_, i) => goodSong(String(i + 1), big && i === 0 ? 12 * MiB : 40_000),
  ),
});

Deno.test("replicate to a bucket: checked copies of the same files; owned, exported, moved", async (t) => {
  await using bed = await downloadBed(worlds(true));
  await bed.run();
  await using server = await startS3rver(["music"]);
  const options = {
    to: "bucket",
    credentials: S3,
    multipartThreshold: 6 * MiB,
    partSize: 5 * MiB,
  };
  await t.step("storage add checks the bucket answers", async () => {
    const added = await storageAdd(bed.context, {
      name: "bucket",
      url: "s3://music/library",
      endpoint: server.origin,
      credentials: S3,
    });
    assert.equal(added.reachable, true);
    await assert.rejects(
      () =>
        storageAdd(bed.context, {
          name: "nope",
          url: "s3://missing-bucket/x",
          endpoint: server.origin,
          credentials: S3,
        }),
      /Cannot add 'nope': .*404 NoSuchBucket/,
    );
  });
  await t.step(
    "every file copied (one multipart), verified, recorded on the same asset",
    async () => {
      const summary = await replicate(bed.context, options);
      assert.equal(summary.status, "ok", JSON.stringify(summary.failures));
      assert.equal(summary.copied, 6);
      assert.equal(summary.bytes, 12 * MiB + 5 * 40_000);
      const objects = (await filesBelow(join(server.dir, "music")))
        .filter((f) => f.endsWith("._S3rver_object"));
      assert.equal(objects.length, 6);
      const where = await whereis(bed.context, { ref: "netease:1" });
      assert.deepEqual(where.locations.map((l) => [l.backend, l.state]), [
        ["local-1", "active"],
        ["bucket", "active"],
      ]);
      assert.match(
        where.locations[1]!.where,
        /^s3:\/\/music\/library\/netease\//,
      );
      const assets = new Set(recordedFiles(bed.catalog).map((f) => f.song_id));
      assert.equal(assets.size, 6);
    },
  );
  await t.step("verify --full reads the bucket back", async () => {
    const summary = await verify(bed.context, {
      backend: "bucket",
      full: true,
      credentials: S3,
    });
    assert.equal(summary.ok, 6, JSON.stringify(summary));
    assert.equal(summary.bytesHashed, 12 * MiB + 5 * 40_000);
  });
  await t.step("a second run finds them there", async () => {
    const summary = await replicate(bed.context, options);
    assert.equal(summary.copied, 0);
    assert.equal(summary.alreadyThere, 6);
  });
  await t.step(
    "--move deletes local copies; export skips the bucket-only songs with a count",
    async () => {
      const summary = await replicate(bed.context, {
        ...options,
        move: true,
        limit: 2,
      });
      assert.equal(summary.moved, 2);
      assert.equal((await listFiles(bed.library)).length, 4);
      const exported = await exportM3u8(bed.context, {
        outDir: join(bed.dir, "m3u8"),
      });
      assert.equal(exported.entries, 4);
      assert.equal(exported.skippedRemoteOnly, 2);
    },
  );
  await t.step(
    "a song in the bucket is owned; --owned local downloads it again, keeping the replica",
    async () => {
      const any = await bed.run();
      assert.equal(any.planned, 0);
      assert.equal(any.skippedOwned, 6);
      const local = await bed.run({ owned: "local" });
      assert.equal(local.downloaded, 2);
      const where = await whereis(bed.context, { ref: "netease:1" });
      assert.deepEqual(
        where.locations.filter((l) => l.state === "active").map((l) =>
          l.backend
        )
          .sort(),
        ["bucket", "local-1"],
      );
    },
  );
});

Deno.test("replicate: wrong credentials (403) and a missing bucket stop with one clear line; nothing is recorded", async () => {
  await using bed = await downloadBed(worlds());
  await bed.run();
  await using server = await startS3rver(["music"]);
  await storageAdd(bed.context, {
    name: "bucket",
    url: "s3://music",
    endpoint: server.origin,
    credentials: S3,
  });
  await storageAdd(bed.context, {
    name: "gone",
    url: "s3://gone-bucket",
    endpoint: server.origin,
    credentials: S3,
    force: true,
  });
  const wrong = await replicate(bed.context, {
    to: "bucket",
    credentials: {
      s3: { accessKeyId: "WRONG", secretAccessKey: "x" },
      webdav: undefined,
    },
  });
  assert.equal(wrong.status, "failed");
  assert.match(
    wrong.stopped!,
    /403 InvalidAccessKeyId.*check AWS_ACCESS_KEY_ID/,
  );
  const missing = await replicate(bed.context, { to: "gone", credentials: S3 });
  assert.equal(missing.status, "failed");
  assert.match(missing.stopped!, /404 NoSuchBucket/);
  assert.ok(recordedFiles(bed.catalog).every((f) => f.backend === "local-1"));
  assert.deepEqual(
    await filesBelow(join(server.dir, "music")).catch(() => []),
    [],
  );
});

Deno.test("replicate: a connection cut mid-upload is retried; cut every time, the file is left for the next run", async () => {
  await using bed = await downloadBed({
    netease: [goodSong("1", 400_000), goodSong("2", 30_000)],
  });
  await bed.run();
  await using server = await startS3rver(["music"]);
  await using proxy = startCuttingProxy(server.port, {
    afterBytes: 150_000,
    cuts: 1,
  });
  await storageAdd(bed.context, {
    name: "bucket",
    url: "s3://music",
    endpoint: proxy.origin,
    credentials: S3,
  });
  const once = await replicate(bed.context, {
    to: "bucket",
    credentials: S3,
    backoffMs: 1,
  });
  assert.equal(proxy.cut, 1);
  assert.equal(once.copied, 2);
  assert.equal(once.status, "ok");

  await using bed2 = await downloadBed({
    netease: [goodSong("1", 400_000), goodSong("2", 30_000)],
  });
  await bed2.run();
  await using always = startCuttingProxy(server.port, {
    afterBytes: 150_000,
    cuts: 100,
  });
  await storageAdd(bed2.context, {
    name: "bucket",
    url: "s3://music/second",
    endpoint: always.origin,
    credentials: S3,
  });
  const cut = await replicate(bed2.context, {
    to: "bucket",
    credentials: S3,
    retries: 1,
    backoffMs: 1,
  });
  assert.equal(cut.status, "partial");
  assert.equal(cut.copied, 1);
  assert.match(cut.failures[0]!.error, /upload cut/);
  const onBucket = recordedFiles(bed2.catalog).filter((f) =>
    f.backend === "bucket"
  );
  assert.deepEqual(onBucket.map((f) => f.remote_song_id), ["2"]);
});

Deno.test("replicate to WebDAV: a full drive (507) stops the backend; what is recorded is there; the next run finishes", async () => {
  await using bed = await downloadBed(worlds());
  await bed.run();
  await using dav = await startRcloneWebdav("dav", "pw");
  await using quota = startQuotaProxy(dav.origin, 100_000);
  await storageAdd(bed.context, {
    name: "drive",
    url: `webdav://127.0.0.1:${quota.port}`,
    credentials: DAV,
  });
  const full = await replicate(bed.context, {
    to: "drive",
    credentials: DAV,
    concurrency: 1,
  });
  assert.equal(full.status, "partial");
  assert.equal(full.copied, 2);
  assert.match(full.stopped!, /507 Insufficient Storage/);
  const recorded = recordedFiles(bed.catalog).filter((f) =>
    f.backend === "drive"
  );
  const stored = await filesBelow(dav.dir);
  assert.deepEqual(recorded.map((f) => f.locator).sort(), stored);
  quota.setQuota(10_000_000);
  const next = await replicate(bed.context, { to: "drive", credentials: DAV });
  assert.equal(next.status, "ok");
  assert.equal(next.copied, 4);
  assert.equal((await filesBelow(dav.dir)).length, 6);
  const checked = await verify(bed.context, {
    backend: "drive",
    full: true,
    credentials: DAV,
  });
  assert.equal(checked.ok, 6);
});

Deno.test("two replicate runs at once never upload the same file", async () => {
  await using bed = await downloadBed(worlds(), { fileCatalog: true });
  await bed.run();
  await using server = await startS3rver(["music"]);
  await storageAdd(bed.context, {
    name: "bucket",
    url: "s3://music",
    endpoint: server.origin,
    credentials: S3,
  });
  const [a, b] = await Promise.all([
    replicate(bed.context, {
      to: "bucket",
      credentials: S3,
      leaseOwner: "a:1:1:a",
    }),
    replicate(bed.secondContext(), {
      to: "bucket",
      credentials: S3,
      leaseOwner: "b:2:2:b",
    }),
  ]);
  assert.equal(a.copied + b.copied + a.adopted + b.adopted, 6);
  assert.equal(a.busy + b.busy + a.alreadyThere + b.alreadyThere, 6);
  const attempts = bed.catalog.all<{ attempts: number }>(
    "SELECT attempts FROM replicate_tasks",
  ).map((r) => r.attempts);
  assert.deepEqual(attempts, [1, 1, 1, 1, 1, 1]);
});

Deno.test("replicate --move: a copy found on the target is not moved when another process took the file over meanwhile", async () => {
  const songs = { netease: [goodSong("1", 30_000), goodSong("2", 20_000)] };
  await using first = await downloadBed(songs);
  await first.run();
  await using server = await startS3rver(["music"]);
  const bucket = {
    name: "bucket",
    url: "s3://music/shared",
    endpoint: server.origin,
    credentials: S3,
  };
  await storageAdd(first.context, bucket);
  assert.equal(
    (await replicate(first.context, { to: "bucket", credentials: S3 })).copied,
    2,
  );

  // a second catalog with the same files finds them on the bucket (adopts
  // them), but a thief takes each file's lease while the copy is checked
  await using second = await downloadBed(songs);
  await second.run();
  await storageAdd(second.context, bucket);
  const targetId = findBackend(second.catalog, "bucket")!.id;
  const songIds = downloadCandidates(second.catalog, {
    platforms: ["netease"],
    playlists: [],
    pools: [],
  }).map((c) => c.id);
  let stolen = 0;
  const thief: typeof fetch = (input, init) => {
    if ((init?.method ?? "GET") === "HEAD") {
      for (const c of replicaCandidates(second.catalog, songIds, targetId)) {
        const claim = claimReplica(
          second.catalog,
          c.assetId!,
          targetId,
          "thief",
          second.context.now(),
          1,
          () => true,
        );
        if (typeof claim !== "string") stolen++;
      }
    }
    return fetch(input, init);
  };
  const summary = await replicate(second.context, {
    to: "bucket",
    credentials: S3,
    move: true,
    fetch: thief,
  });
  assert.ok(stolen > 0);
  assert.equal(summary.moved, 0);
  assert.equal(summary.adopted, 0);
  assert.equal((await listFiles(second.library)).length, 2);
  assert.deepEqual(
    recordedFiles(second.catalog).map((f) => [f.remote_song_id, f.backend]),
    [["1", "local-1"], ["2", "local-1"]],
  );

  // the thief's leases expire; the next run adopts and moves them
  second.clock.advance(1000);
  const next = await replicate(second.context, {
    to: "bucket",
    credentials: S3,
    move: true,
  });
  assert.equal(next.adopted, 2, JSON.stringify(next.failures));
  assert.equal(next.moved, 2);
  assert.equal((await listFiles(second.library)).length, 0);
});
