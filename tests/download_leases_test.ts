/**
 * Stale leases: a run holds a lock file beside the catalog while it lives
 * (`tasks/_lease_owner.ts`, shared with replicate), so a run on the same
 * host takes a dead owner's songs over at once; a live owner's songs are
 * left to it and the run ends partial (exit 3).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import {
  claimTask,
  type LeaseHolder,
  taskOf,
} from "../catalog/download_tasks.ts";
import { formatDownloadSummary } from "../cli/download.ts";
import { exitStatus } from "../cli/exit.ts";
import { serveEmulation } from "../emulation/serve.ts";
import { LeaseOwner } from "../tasks/_lease_owner.ts";
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

function hostName(): string {
  return Deno.hostname();
}

/**
 * The lock file a run killed with SIGKILL leaves behind: there, but no
 * longer locked by anyone.
 */
function staleLock(dbPath: string, owner: string): string {
  const dir = `${dbPath}.leases`;
  Deno.mkdirSync(dir, { recursive: true });
  const path = join(dir, `${owner}.lock`);
  Deno.writeTextFileSync(path, "");
  return path;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Song `id` leased by `owner` for ten minutes, as a run of that process would. */
function leaseTo(
  t: DownloadBed,
  id: string,
  owner: string,
  holder: LeaseHolder,
): number {
  const songId = t.ids.get(`netease:${id}`)!;
  t.catalog.run(
    "INSERT INTO download_tasks (song_id, state, created_at, updated_at) VALUES (?, 'pending', 0, 0)",
    songId,
  );
  assert.ok(
    claimTask(
      t.catalog,
      songId,
      owner,
      "best",
      t.clock.now(),
      TEN_MINUTES,
      { holder },
    ),
  );
  return songId;
}

Deno.test("LeaseOwner.isGone() tells a live owner from one that ended, whatever its pid names now", async () => {
  const host = hostName();
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-owners-" });
  try {
    const db = join(dir, "catalog.db");
    const leases = `${db}.leases`;
    using self = LeaseOwner.open(db);
    assert.equal(self.host, host);
    assert.ok(self.id.startsWith(`${host}:${Deno.pid}:`));
    const live = LeaseOwner.open(db);
    assert.equal(self.isGone(live.id), false);
    assert.equal(self.isGone(self.id), false);
    // killed: its lock file is there, unlocked, and is cleared
    const killed = `${host}:4194000:deadbeef`;
    const path = staleLock(db, killed);
    assert.equal(self.isGone(killed), true);
    assert.equal(exists(path), false);
    // this process's pid with another run's token: that run has ended
    assert.equal(self.isGone(`${host}:${Deno.pid}:0ther0ne`), true);
    // another host's owners, and owners without a lock, are never judged
    assert.equal(self.isGone(`elsewhere:${Deno.pid}:0ther0ne`), false);
    assert.equal(self.isGone(`:${Deno.pid}:0ther0ne`), false);
    using memory = LeaseOwner.open(":memory:");
    assert.equal(memory.host, null);
    assert.ok(memory.id.startsWith(":"));
    assert.equal(memory.isGone(killed), false);
    // ended cleanly: its lock file is gone
    live[Symbol.dispose]();
    assert.equal(self.isGone(live.id), true);
    // a new owner sweeps the lock files a killed run left behind
    const leftBehind = staleLock(db, `${host}:4194001:deadbeef`);
    using sweeper = LeaseOwner.open(db);
    assert.equal(exists(leftBehind), false);
    assert.equal(sweeper.isGone(self.id), false);
    self[Symbol.dispose]();
    sweeper[Symbol.dispose]();
    // the last one out removes the folder
    assert.equal(exists(leases), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download(): a run on the same host takes over at once the songs of a process that is gone", async () => {
  const host = hostName();
  const worlds: TestWorlds = { netease: [goodSong("1"), goodSong("2")] };
  await using t = await downloadBed(worlds, { fileCatalog: true });
  const dead = `${host}:4194000:deadbeef`;
  staleLock(t.dbPath, dead);
  const songId = leaseTo(t, "1", dead, { host, pid: 4194000 });
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
  assert.ok(
    t.ui.lines.some((l) =>
      /taking over 1 songs leased by process 4194000, which is gone/.test(l)
    ),
    t.ui.lines.join("\n"),
  );
  // the run's own lock went with it
  assert.equal(exists(`${t.dbPath}.leases`), false);
});

Deno.test("download(): songs a live process holds are left to it, and the run ends partial saying how many", async () => {
  const worlds: TestWorlds = {
    netease: [goodSong("1"), goodSong("2"), goodSong("3")],
  };
  await using t = await downloadBed(worlds, { fileCatalog: true });
  // another run of this host, alive: it holds its lock
  using other = LeaseOwner.open(t.dbPath);
  assert.notEqual(other.host, null, "needs --allow-sys=hostname");
  const holder = { host: other.host, pid: other.pid };
  leaseTo(t, "1", other.id, holder);
  leaseTo(t, "2", other.id, holder);
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
});

Deno.test("a download killed with SIGKILL is taken over at once by the next run on the host", async () => {
  assert.notEqual(hostName(), "", "needs --allow-sys=hostname");
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
