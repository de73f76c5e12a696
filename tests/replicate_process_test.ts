/**
 * `catalogsync replicate` as a user runs it, with the permissions of its
 * `deno task`: killed with SIGKILL at ten random moments (multipart uploads
 * included), and run with fake secrets that must never be printed.
 */
import assert from "node:assert/strict";
import { parseBackendUrl } from "../storage/backend.ts";
import { S3Backend } from "../storage/s3.ts";
import { downloadBed, recordedFiles } from "./_download_bed.ts";
import { goodSong } from "./_download_source.ts";
import {
  S3RVER_KEY,
  startRcloneWebdav,
  startS3rver,
} from "./_storage_servers.ts";
import { runTask, spawnTask } from "./_task_cli.ts";

const MiB = 1024 * 1024;
const S3_ENV = {
  AWS_ACCESS_KEY_ID: S3RVER_KEY.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_KEY.secretAccessKey,
};

function bucket(endpoint: string, prefix: string) {
  const spec = parseBackendUrl(`s3://music/${prefix}`, { endpoint });
  if (spec.kind !== "object_store") throw new Error("not a bucket");
  return new S3Backend({ spec, credentials: S3RVER_KEY });
}

/** A seeded random number generator, so a failing round can be replayed. */
function random(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

Deno.test("replicate killed with SIGKILL at ten random moments: nothing recorded that is not there; the next run finishes and leaves no multipart upload", async () => {
  const songs = [
    goodSong("1", 12 * MiB),
    goodSong("2", 11 * MiB),
    ...Array.from({ length: 6 }, (_, i) => goodSong(String(i + 3), 400_000)),
  ];
  await using bed = await downloadBed({ netease: songs }, {
    fileCatalog: true,
  });
  await bed.run();
  await using server = await startS3rver(["music"]);
  const seed = Number(Deno.env.get("KILL_SEED") ?? Date.now() % 100_000);
  const next = random(seed);
  const cwd = bed.dir;
  const flags = [
    "--db",
    "catalog.db",
    "--multipart-above",
    "6MiB",
    "--part-size",
    "5MiB",
    "--concurrency",
    "1",
  ];
  const addBackend = async (name: string) => {
    const add = await runTask("storage", [
      "add",
      name,
      `s3://music/${name}`,
      "--endpoint",
      server.origin,
      "--db",
      "catalog.db",
    ], { cwd, env: S3_ENV });
    assert.equal(add.code, 0, add.stderr);
  };
  // how long a whole run takes here, start-up included: the kills land
  // between a tenth of it and nearly its end
  await addBackend("calibrate");
  const started = performance.now();
  const whole = await runTask("replicate", ["--to", "calibrate", ...flags], {
    cwd,
    env: S3_ENV,
  });
  assert.equal(whole.code, 0, whole.stderr);
  const runMs = performance.now() - started;
  let midRun = 0;
  for (let round = 1; round <= 10; round++) {
    const name = `round-${round}`;
    await addBackend(name);
    const delay = Math.round(runMs * (0.1 + 0.85 * next()));
    const child = await spawnTask("replicate", ["--to", name, ...flags], {
      cwd,
      env: S3_ENV,
    });
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      child.kill("SIGKILL");
    } catch { /* it ended already */ }
    const killed = await child.output();
    const context =
      `seed ${seed}, round ${round}, killed after ${delay} ms of ${
        Math.round(runMs)
      } (exit ${killed.code})`;

    // nothing recorded that is not there
    const s3 = bucket(server.origin, name);
    const recorded = recordedFiles(bed.catalog).filter((f) =>
      f.backend === name
    );
    if (recorded.length > 0 && recorded.length < songs.length) midRun++;
    for (const file of recorded) {
      const there = await s3.head(file.locator);
      assert.equal(
        there?.sizeBytes,
        file.size_bytes,
        `${context}: ${file.locator}`,
      );
    }

    // the next run finishes the work, taking the dead run's leases over
    const rerun = await runTask("replicate", ["--to", name, ...flags], {
      cwd,
      env: S3_ENV,
    });
    assert.equal(rerun.code, 0, `${context}\n${rerun.stdout}\n${rerun.stderr}`);
    assert.match(rerun.stdout, new RegExp(`^replicate ok to ${name} `, "m"));
    const done = recordedFiles(bed.catalog).filter((f) => f.backend === name);
    assert.equal(done.length, songs.length, `${context}\n${rerun.stdout}`);
    for (const file of done) {
      const there = await s3.head(file.locator);
      assert.equal(
        there?.sizeBytes,
        file.size_bytes,
        `${context}: ${file.locator}`,
      );
    }
    assert.deepEqual(
      await s3.pendingUploads(),
      [],
      `${context}: no multipart upload left`,
    );
    const open = bed.catalog.all(
      `SELECT t.id FROM replicate_tasks t JOIN storage_backends b ON b.id = t.backend_id
       WHERE b.name = ? AND (t.state <> 'done' OR t.upload_id IS NOT NULL)`,
      name,
    );
    assert.deepEqual(open, [], context);
  }
  assert.ok(midRun > 0, `seed ${seed}: no kill landed in the middle of a run`);
});

Deno.test("fake secrets in the environment never reach the output, even with --verbose and on errors", async () => {
  await using bed = await downloadBed({
    netease: [goodSong("1", 50_000), goodSong("2", 50_000)],
  }, { fileCatalog: true });
  await bed.run();
  await using server = await startS3rver(["music"]);
  await using dav = await startRcloneWebdav("dav", "pw-FAKE-DAV-SECRET-7f3a");
  const secrets = {
    AWS_ACCESS_KEY_ID: S3RVER_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: "FAKE-AWS-SECRET-9d8c7b6a",
    AWS_SESSION_TOKEN: "FAKE-SESSION-TOKEN-1a2b3c",
    CATALOGSYNC_WEBDAV_USER: "dav",
    CATALOGSYNC_WEBDAV_PASSWORD: "pw-FAKE-DAV-SECRET-7f3a",
  };
  const wrong = {
    ...secrets,
    CATALOGSYNC_S3_ACCESS_KEY_ID: "FAKEKEYID",
    CATALOGSYNC_S3_SECRET_ACCESS_KEY: "FAKE-CS-SECRET-5e4d3c",
    CATALOGSYNC_WEBDAV_PASSWORD: "FAKE-WRONG-DAV-PASSWORD-2b1a",
  };
  const db = ["--db", "catalog.db", "--verbose"];
  const runs = [
    await runTask("storage", [
      "add",
      "bucket",
      "s3://music/x",
      "--endpoint",
      server.origin,
      ...db,
    ], { cwd: bed.dir, env: secrets }),
    await runTask("storage", [
      "add",
      "drive",
      `webdav://127.0.0.1:${dav.port}`,
      ...db,
    ], { cwd: bed.dir, env: secrets }),
    await runTask("replicate", ["--to", "bucket", ...db], {
      cwd: bed.dir,
      env: secrets,
    }),
    await runTask("replicate", ["--to", "drive", "--json", ...db], {
      cwd: bed.dir,
      env: secrets,
    }),
    await runTask("verify", ["--full", ...db], { cwd: bed.dir, env: secrets }),
    await runTask("storage", ["list", ...db], { cwd: bed.dir, env: secrets }),
    // refused: wrong keys, with stack traces
    await runTask("replicate", ["--to", "bucket", ...db], {
      cwd: bed.dir,
      env: wrong,
    }),
    await runTask("verify", ["--backend", "drive", ...db], {
      cwd: bed.dir,
      env: wrong,
    }),
    await runTask("storage", [
      "add",
      "again",
      "s3://music/y",
      "--endpoint",
      server.origin,
      ...db,
    ], { cwd: bed.dir, env: wrong }),
  ];
  assert.deepEqual(
    runs.slice(0, 6).map((r) => r.code),
    [0, 0, 0, 0, 0, 0],
    runs.map((r) => r.stderr).join("\n"),
  );
  assert.notEqual(runs[6]!.code, 0);
  assert.match(runs[6]!.stderr + runs[6]!.stdout, /403 InvalidAccessKeyId/);
  assert.match(runs[7]!.stdout, /HTTP 401/);
  const printed = runs.map((r) => r.stdout + r.stderr).join("\n");
  for (const secret of [...Object.values(secrets), ...Object.values(wrong)]) {
    if (
      secret === "dav" || secret === S3RVER_KEY.accessKeyId ||
      secret === "FAKEKEYID"
    ) continue;
    assert.ok(!printed.includes(secret), `a secret was printed: ${secret}`);
  }
  // the session token is sent (signed), never shown
  assert.ok(printed.length > 0);
});
