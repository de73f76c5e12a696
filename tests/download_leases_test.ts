/**
 * Stale leases: a lease records its holder's host, process id and start,
 * so a run on the same host takes a dead holder's songs over at once; a
 * live holder's songs are left to it and the run ends partial (exit 3).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { claimTask, taskOf } from "../catalog/download_tasks.ts";
import { formatDownloadSummary } from "../cli/download.ts";
import { exitStatus } from "../cli/exit.ts";
import { serveEmulation } from "../emulation/serve.ts";
import {
  holderIsGone,
  type LeaseHolder,
  processStart,
  thisProcess,
} from "../tasks/_lease_holder.ts";
import {
  type DownloadBed,
  downloadBed,
  recordedFiles,
} from "./_download_bed.ts";
import {
  createTestBed,
  goodSong,
  seedCatalog,
  type TestWorlds,
} from "./_download_source.ts";
import { spawnDownloadRun } from "./_spawn.ts";

const TEN_MINUTES = 10 * 60_000;

/** This process as a lease holder: its host and start must be known here. */
async function holderOfThisProcess(): Promise<LeaseHolder> {
  const self = await thisProcess();
  assert.notEqual(self.host, null, "needs --allow-sys=hostname");
  assert.notEqual(self.started, null, "needs ps (procps) and --allow-run=ps");
  return self;
}

/** Song `id` leased by `holder` for ten minutes, as a run of that process would. */
function leaseTo(t: DownloadBed, id: string, holder: LeaseHolder): number {
  const songId = t.ids.get(`netease:${id}`)!;
  t.catalog.run(
    "INSERT INTO download_tasks (song_id, state, created_at, updated_at) VALUES (?, 'pending', 0, 0)",
    songId,
  );
  assert.ok(
    claimTask(
      t.catalog,
      songId,
      "other-run",
      "best",
      t.clock.now(),
      TEN_MINUTES,
      {
        holder,
      },
    ),
  );
  return songId;
}

Deno.test("holderIsGone() tells a live process from an exited one and from a reused pid", async () => {
  const self = await holderOfThisProcess();
  assert.equal(await holderIsGone(self), false);
  assert.equal(await holderIsGone({ ...self, started: "other-boot:1" }), true);
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.equal(
    await holderIsGone({ ...self, pid: child.pid, started: self.started }),
    true,
  );
  // a holder whose start is unknown is never judged gone
  assert.equal(await holderIsGone({ ...self, started: null }), false);
});

Deno.test("download(): a run on the same host takes over at once the songs of a process that is gone", async () => {
  const self = await holderOfThisProcess();
  const worlds: TestWorlds = { netease: [goodSong("1"), goodSong("2")] };
  await using t = await downloadBed(worlds);
  const child = new Deno.Command("true").spawn();
  const started = await processStart(child.pid) ?? `${self.started}0`;
  await child.status;
  const songId = leaseTo(t, "1", { ...self, pid: child.pid, started });
  const summary = await t.run({ leaseTtlMs: TEN_MINUTES });
  assert.equal(summary.takenOver, 1);
  assert.equal(summary.busy, 0);
  assert.equal(summary.downloaded, 2);
  assert.equal(summary.status, "ok");
  const task = taskOf(t.catalog, songId)!;
  assert.equal(task.state, "done");
  assert.equal(task.attempts, 2);
  assert.equal(task.lease_pid, null);
  assert.match(formatDownloadSummary(summary), /1 songs taken over/);
});

Deno.test("download(): songs a live process holds are left to it, and the run ends partial saying how many", async () => {
  const self = await holderOfThisProcess();
  const worlds: TestWorlds = {
    netease: [goodSong("1"), goodSong("2"), goodSong("3")],
  };
  await using t = await downloadBed(worlds);
  const sleeper = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    const holder = {
      ...self,
      pid: sleeper.pid,
      started: await processStart(sleeper.pid),
    };
    leaseTo(t, "1", holder);
    leaseTo(t, "2", holder);
    const summary = await t.run({ leaseTtlMs: TEN_MINUTES });
    assert.equal(summary.takenOver, 0);
    assert.equal(summary.busy, 2);
    assert.equal(summary.downloaded, 1);
    assert.equal(summary.status, "partial");
    assert.equal(exitStatus(summary), 3);
    assert.match(
      formatDownloadSummary(summary),
      /2 songs still leased by another running process: left to it/,
    );
    // nothing else to do but wait: still partial, not failed
    const again = await t.run({ leaseTtlMs: TEN_MINUTES });
    assert.equal(again.downloaded, 0);
    assert.equal(again.busy, 2);
    assert.equal(again.status, "partial");
  } finally {
    sleeper.kill();
    await sleeper.status;
  }
});

Deno.test("a download killed with SIGKILL is taken over at once by the next run on the host", async () => {
  await holderOfThisProcess();
  const worlds: TestWorlds = {
    netease: Array.from(
      { length: 8 },
      (_, i) => goodSong(String(i + 1), 400_000),
    ),
  };
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-leases-" });
  const bed = createTestBed(worlds, {
    throttle: { bytes: 16_384, delayMs: 5 },
  });
  await using server = serveEmulation(bed.emulation);
  try {
    const db = join(dir, "catalog.db");
    {
      using catalog = Catalog.open(db);
      seedCatalog(catalog, worlds);
    }
    const worldsFile = join(dir, "worlds.json");
    await Deno.writeTextFile(worldsFile, JSON.stringify(worlds));
    const spawn = () =>
      spawnDownloadRun({
        db,
        emulation: server.url,
        worlds: worldsFile,
        library: join(dir, "library"),
      }, ["--concurrency", "3", "--lease-ttl", String(TEN_MINUTES)]);
    const first = spawn();
    const deadline = Date.now() + 20_000;
    while (bed.state.cdn.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    first.kill("SIGKILL");
    await first.output();
    {
      using catalog = Catalog.open(db);
      const leased = catalog.get<{ n: number }>(
        "SELECT count(*) AS n FROM download_tasks WHERE state = 'running'",
      )!.n;
      assert.ok(leased > 0, "the killed run left songs leased");
    }
    const second = await spawn().output();
    const stdout = new TextDecoder().decode(second.stdout);
    assert.equal(
      second.code,
      0,
      stdout + new TextDecoder().decode(second.stderr),
    );
    assert.match(stdout, /songs taken over from a process that is gone/);
    assert.doesNotMatch(stdout, /still leased/);
    using catalog = Catalog.open(db);
    assert.equal(recordedFiles(catalog).length, 8);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
