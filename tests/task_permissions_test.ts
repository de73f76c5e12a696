/**
 * The deno tasks' permissions: the catalog tasks reach only the catalog
 * file and its -wal and -shm (not the folder, .git included), each task is
 * granted exactly the environment variables its code reads, and the
 * pipeline runs with the download's permissions, the doctor reaches the
 * hosts of download and tag. The catalog tasks are
 * also run with their own flags, in a folder of their own.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { STORAGE_ENV } from "../storage/backend.ts";
import { serveEmulation } from "../emulation/serve.ts";
import { runCli } from "./_cli.ts";
import { inTempDir } from "./_cli_catalog.ts";
import { ROOT, runTask, taskFlags, TASKS } from "./_tasks.ts";

/** The values of `--<name>=a,b` in a task's flags: `true` for a bare flag. */
function allowed(name: string, flag: string): string[] | true | undefined {
  for (const f of taskFlags(name).flags) {
    if (f === `--${flag}`) return true;
    if (f.startsWith(`--${flag}=`)) return f.slice(flag.length + 3).split(",");
  }
  return undefined;
}

const CATALOG = ["./catalog.db", "./catalog.db-wal", "./catalog.db-shm"];
/** The folder `--record` may write to from the catalog tasks. */
const RECORDING = "./recording";
const CREDENTIALS = [
  "CATALOGSYNC_NETEASE_MUSIC_U",
  "CATALOGSYNC_QQ_UIN",
  "CATALOGSYNC_QQ_MUSIC_KEY",
];
const COLOR = ["NO_COLOR", "FORCE_COLOR"];
/** The storage backends' credentials, in deno.json's order. */
const STORAGE_CREDENTIALS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "CATALOGSYNC_S3_ACCESS_KEY_ID",
  "CATALOGSYNC_S3_SECRET_ACCESS_KEY",
  "CATALOGSYNC_S3_SESSION_TOKEN",
  "CATALOGSYNC_WEBDAV_USER",
  "CATALOGSYNC_WEBDAV_PASSWORD",
];
const STORAGE = ["CATALOGSYNC_DB", ...COLOR, ...STORAGE_CREDENTIALS];
const STAGE = [
  "CATALOGSYNC_DB",
  "CATALOGSYNC_EMULATION",
  ...CREDENTIALS,
  ...COLOR,
];

/** What each task's code reads from the environment. */
const ENV: Record<string, string[]> = {
  collect: STAGE,
  sync: STAGE,
  enrich: STAGE,
  // HOME: a `~` in the low-space prompt's answer
  download: [...STAGE, "HOME"],
  pipeline: [...STAGE, "HOME"],
  status: ["CATALOGSYNC_DB", ...COLOR],
  export: ["CATALOGSYNC_DB", ...COLOR],
  storage: STORAGE,
  replicate: STORAGE,
  verify: STORAGE,
  whereis: ["CATALOGSYNC_DB", ...COLOR],
  emulator: COLOR,
  // every stage gets --db and --emulation from the demo
  demo: [...CREDENTIALS, ...COLOR],
  compile: [...STAGE, "HOME", ...STORAGE_CREDENTIALS],
};

Deno.test("the catalog tasks read and write the catalog and its -wal and -shm, never the whole folder", () => {
  // and the stages that ask the platforms, ./recording for --record
  for (const name of ["collect", "sync", "enrich"]) {
    assert.deepEqual(
      allowed(name, "allow-read"),
      [...CATALOG, RECORDING],
      name,
    );
    assert.deepEqual(
      allowed(name, "allow-write"),
      [...CATALOG, RECORDING],
      name,
    );
  }
  for (const name of ["status", "whereis"]) {
    assert.deepEqual(allowed(name, "allow-read"), CATALOG, name);
    assert.deepEqual(allowed(name, "allow-write"), CATALOG, name);
  }
  // storage and verify read the local backends' roots, write the catalog
  for (const name of ["storage", "verify"]) {
    assert.equal(allowed(name, "allow-read"), true, name);
    assert.deepEqual(allowed(name, "allow-write"), CATALOG, name);
  }
  for (const [name, task] of Object.entries(TASKS)) {
    if (!/^deno (run|compile) /.test(task.command ?? "")) continue;
    // (reading the sources, as tools/check_layers.ts does, is fine)
    const list = allowed(name, "allow-write");
    if (list === true || list === undefined) continue;
    for (const path of list) {
      assert.ok(
        ![".", "./", ".."].includes(path) && !path.startsWith("./.git"),
        `${name} --allow-write covers ${path}`,
      );
    }
  }
});

Deno.test("the tasks that take leases may write the lock folder beside the catalog and read the host name; none runs ps", () => {
  // a run holds its lock file in ./catalog.db.leases/ (tasks/_lease_owner.ts)
  for (const name of ["download", "pipeline", "replicate", "compile"]) {
    const write = allowed(name, "allow-write");
    assert.ok(
      write === true || write?.includes("./catalog.db.leases"),
      `${name} cannot write ./catalog.db.leases`,
    );
    const sys = allowed(name, "allow-sys");
    assert.ok(sys !== undefined && (sys === true || sys.includes("hostname")));
  }
  for (const name of Object.keys(TASKS)) {
    if (!/^deno (run|compile) /.test(TASKS[name]!.command ?? "")) continue;
    if (["test", "bench"].includes(name)) continue;
    assert.equal(allowed(name, "allow-run"), undefined, name);
  }
});

Deno.test("the pipeline task runs with the download task's permissions", () => {
  assert.deepEqual(taskFlags("pipeline").flags, taskFlags("download").flags);
  assert.deepEqual(taskFlags("pipeline").args, ["main.ts", "pipeline"]);
  assert.equal(
    Object.keys(TASKS).filter((n) => n.startsWith("pipeline:")).length,
    0,
  );
});

Deno.test("the doctor task reaches every host the download and tag tasks ask (its tag probes: lyric and cover hosts)", () => {
  const doctor = allowed("doctor", "allow-net");
  assert.ok(Array.isArray(doctor));
  for (const name of ["download", "tag"]) {
    const hosts = allowed(name, "allow-net");
    assert.ok(Array.isArray(hosts), name);
    assert.deepEqual(hosts.filter((h) => !doctor.includes(h)), [], name);
  }
  for (const host of ["newlyric.kuwo.cn", "m.kuwo.cn", "y.gtimg.cn"]) {
    assert.ok(doctor.includes(host), host);
  }
});

Deno.test("each task is granted exactly the environment variables its code reads", async () => {
  for (const [name, expected] of Object.entries(ENV)) {
    assert.deepEqual(allowed(name, "allow-env"), expected, name);
  }
  // the audit: every variable the code reads, by name
  const read = new Set<string>();
  for (const dir of ["cli", "sources", "tasks", "storage", "catalog"]) {
    for await (const entry of Deno.readDir(join(ROOT, dir))) {
      if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
      const text = await Deno.readTextFile(join(ROOT, dir, entry.name));
      for (const m of text.matchAll(/\benv(?:\.get)?\("([A-Z_]+)"\)/g)) {
        read.add(m[1]!);
      }
      for (const m of text.matchAll(/: "(CATALOGSYNC_[A-Z_]+)"/g)) {
        read.add(m[1]!);
      }
    }
  }
  // the storage credentials, read by name from one table
  for (const name of Object.values(STORAGE_ENV).flat()) read.add(name);
  assert.deepEqual(
    [...read].sort(),
    [...new Set(Object.values(ENV).flat())].sort(),
    "a variable read in the code and granted to no task, or granted and never read",
  );
});

Deno.test("collect, sync, status and the storage tasks run with their task's flags in a folder of their own; another catalog is refused", async () => {
  const emulation = createEmulation({ size: "tiny" });
  await using server = serveEmulation(emulation);
  await inTempDir(async (dir) => {
    await Deno.mkdir(join(dir, ".git"));
    const task = (name: string, ...more: string[]) =>
      runTask(name, dir, ...more);
    const target = ["--emulation", server.url, "--source", "netease"];
    const collected = await task("collect", ...target);
    assert.equal(collected.code, 0, collected.stderr);
    const synced = await task("sync", ...target);
    assert.equal(synced.code, 0, synced.stderr);
    const status = await task("status");
    assert.equal(status.code, 0, status.stderr);
    assert.ok(
      status.stdout.startsWith(`catalog ${join(dir, "catalog.db")} (`),
      `status names the catalog's absolute path: ${status.stdout}`,
    );
    // the storage tasks that only read the files and write the catalog
    const listed = await task("storage", "list");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /no storage backends yet/);
    const verified = await task("verify");
    assert.equal(verified.code, 0, verified.stderr);
    const where = await task("whereis", "netease:1");
    assert.equal(where.code, 1, where.stderr);
    assert.equal(where.stdout, "no such song or file in the catalog\n");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [".git", "catalog.db"], "no -wal or -shm left");
    // a catalog elsewhere needs its own grant: one line, nothing created
    const elsewhere = await task("collect", ...target, "--db", "other.db");
    assert.equal(elsewhere.code, 1);
    assert.match(
      elsewhere.stderr,
      /^error: collect: Requires read access to .*other\.db.* \(Deno refused the access: /,
    );
    const writes = await task("collect", ...target, "--db", ".git/catalog.db");
    assert.equal(writes.code, 1);
    assert.deepEqual([...Deno.readDirSync(join(dir, ".git"))], []);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      [".git", "catalog.db"],
    );
  }, "catalogsync-perms-");
});

Deno.test("status prints the catalog's absolute path for a relative --db", async () => {
  await inTempDir(async (dir) => {
    const db = join(dir, "catalog.db");
    Catalog.open(db).close();
    const run = await runCli(["status", "--db", relative(Deno.cwd(), db)]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith(`catalog ${db} (schema version `));
  });
});
