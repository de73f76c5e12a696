/**
 * The download stage across processes: answers read from a real stdin
 * pipe, two processes on one catalog, and runs killed with SIGKILL at
 * random moments.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { serveEmulation } from "../emulation/serve.ts";
import {
  expectedSha,
  fileSha256,
  listFiles,
  recordedFiles,
} from "./_download_bed.ts";
import {
  createTestBed,
  goodSong,
  seedCatalog,
  type TestBedOptions,
  type TestWorlds,
} from "./_download_source.ts";
import { spawnDownloadRun } from "./_spawn.ts";

interface Setup extends AsyncDisposable {
  dir: string;
  db: string;
  library: string;
  worlds: TestWorlds;
  bed: ReturnType<typeof createTestBed>;
  url: string;
  spawn(
    args: string[],
    stdin?: "piped" | "null",
  ): Deno.ChildProcess;
}

async function setup(
  worlds: TestWorlds,
  options: TestBedOptions = {},
): Promise<Setup> {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-process-" });
  const db = join(dir, "catalog.db");
  {
    using catalog = Catalog.open(db);
    seedCatalog(catalog, worlds);
  }
  const worldsFile = join(dir, "worlds.json");
  await Deno.writeTextFile(worldsFile, JSON.stringify(worlds));
  const bed = createTestBed(worlds, options);
  const server = serveEmulation(bed.emulation);
  const library = join(dir, "library");
  return {
    dir,
    db,
    library,
    worlds,
    bed,
    url: server.url,
    spawn: (args, stdin = "null") =>
      spawnDownloadRun(
        { db, emulation: server.url, worlds: worldsFile, library },
        args,
        stdin,
      ),
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function finish(child: Deno.ChildProcess) {
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

const songs = (n: number, size: number) =>
  Array.from({ length: n }, (_, i) => goodSong(String(i + 1), size));

Deno.test("the low-space question is answered from a real stdin pipe; bad answers are asked again", async () => {
  const worlds: TestWorlds = { netease: songs(4, 20_000) };
  await using t = await setup(worlds);
  const child = t.spawn([
    "--budget",
    `${t.library}=45000`,
    "--concurrency",
    "1",
  ], "piped");
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(
      `\n${join(t.dir, "worlds.json", "sub")}\n${join(t.dir, "second")}\n`,
    ),
  );
  await writer.close();
  const run = await finish(child);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const questions = run.stderr.split("Directory to continue in").length - 1;
  assert.equal(questions, 3, run.stderr);
  assert.match(run.stderr, /Low disk space in .*library: /);
  assert.match(run.stderr, /Cannot use that directory: no directory given\./);
  assert.match(run.stderr, /Cannot use that directory: cannot create it: /);
  assert.match(
    run.stdout,
    /switched from .*library to .*second \(local-2, answered on stdin\)/,
  );
  using catalog = Catalog.open(t.db);
  const files = recordedFiles(catalog);
  assert.deepEqual(files.map((f) => f.backend), [
    "local-1",
    "local-1",
    "local-2",
    "local-2",
  ]);
});

Deno.test("at end of stdin with no directory left, the run exits 75 and says how to continue", async () => {
  const worlds: TestWorlds = { netease: songs(3, 20_000) };
  await using t = await setup(worlds);
  const run = await finish(
    t.spawn(["--budget", `${t.library}=25000`, "--concurrency", "1"]),
  );
  assert.equal(run.code, 75, run.stderr);
  assert.match(run.stdout, /stopped: out of space in .*library/);
  assert.match(run.stdout, /rerun with --next-dir DIR \(or --library DIR\)/);
  const rerun = await finish(t.spawn(["--next-dir", join(t.dir, "more")]));
  assert.equal(rerun.code, 0, rerun.stderr);
  using catalog = Catalog.open(t.db);
  assert.equal(recordedFiles(catalog).length, 3);
});

Deno.test("two processes on one catalog fetch every song exactly once", async () => {
  const worlds: TestWorlds = { netease: songs(16, 60_000) };
  await using t = await setup(worlds, {
    throttle: { bytes: 16_384, delayMs: 3 },
  });
  const [a, b] = await Promise.all([
    finish(t.spawn(["--owner", "a", "--concurrency", "3"])),
    finish(t.spawn(["--owner", "b", "--concurrency", "3"])),
  ]);
  // a run that ends while the other still holds songs says so and exits 3
  for (const run of [a, b]) {
    assert.ok(run.code === 0 || run.code === 3, run.stderr);
    assert.equal(
      run.code === 3,
      /still leased by another running process/.test(run.stdout),
      run.stdout,
    );
  }
  const fetched = t.bed.state.fetchedFiles();
  assert.equal(fetched.size, 16);
  for (const [file, n] of fetched) assert.equal(n, 1, `${file} fetched once`);
  const downloaded = (text: string) =>
    Number(/ (\d+) downloaded/.exec(text)?.[1]);
  assert.equal(downloaded(a.stdout) + downloaded(b.stdout), 16);
  assert.ok(downloaded(a.stdout) > 0 && downloaded(b.stdout) > 0);
  using catalog = Catalog.open(t.db);
  assert.equal(
    catalog.get<{ n: number }>(
      "SELECT count(*) AS n FROM download_tasks WHERE state = 'done' AND attempts = 1",
    )!.n,
    16,
  );
});

/** Every recorded file is there, whole, and byte-identical to what the emulation serves. */
async function assertRecordedFilesAreWhole(
  db: string,
  worlds: TestWorlds,
): Promise<number> {
  using catalog = Catalog.open(db);
  const files = recordedFiles(catalog);
  for (const f of files) {
    assert.ok(!f.locator.includes(".part"), f.locator);
    const path = join(f.container_name, f.locator);
    const sha = expectedSha(
      worlds,
      f.platform as "netease",
      f.remote_song_id,
      f.platform_quality,
    );
    assert.equal(
      f.sha256,
      sha,
      `${f.locator}: the recorded hash of the served body is the body's`,
    );
    assert.equal(f.tag_state, "tagged", `${f.locator}: tagged`);
    const bytes = await Deno.readFile(path);
    assert.equal(bytes.length, f.stored_size_bytes, `${f.locator}: its size`);
    assert.equal(
      await fileSha256(path),
      f.stored_sha256,
      `${f.locator}: the file is whole: its bytes have the recorded SHA-256`,
    );
  }
  return files.length;
}

Deno.test("a download killed with SIGKILL at random moments 20 times, then finished: no partial or corrupt file recorded, nothing fetched twice", async () => {
  const total = 16;
  const worlds: TestWorlds = { netease: songs(total, 2_000_000) };
  await using t = await setup(worlds, {
    throttle: { bytes: 32_768, delayMs: 10 },
  });
  let seed = 20261125;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const ttl = "300";
  let interrupted = 0;
  for (let i = 0; i < 20; i++) {
    const served = t.bed.state.cdn.length;
    const child = t.spawn(["--lease-ttl", ttl, "--concurrency", "3"]);
    // the random moment is counted from the first CDN request, not from
    // the spawn: on a loaded machine the start alone can take longer than
    // any fixed delay, and the kills would land before a transfer began
    let exited = false;
    child.status.then(() => exited = true);
    const deadline = Date.now() + 10_000;
    while (!exited && t.bed.state.cdn.length === served) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const delay = 50 + Math.floor(random() * 400);
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      child.kill("SIGKILL");
    } catch {
      // it finished before the kill
    }
    await child.output();
    const recorded = await assertRecordedFilesAreWhole(t.db, worlds);
    if (recorded < total) interrupted++;
  }
  assert.ok(interrupted >= 10, `${interrupted} kills interrupted the work`);
  // let the last killed process's leases expire, then finish
  await new Promise((resolve) => setTimeout(resolve, 350));
  const final = await finish(
    t.spawn(["--lease-ttl", ttl, "--concurrency", "3"]),
  );
  assert.equal(final.code, 0, final.stderr + final.stdout);
  assert.equal(await assertRecordedFilesAreWhole(t.db, worlds), total);
  {
    using catalog = Catalog.open(t.db);
    assert.equal(
      catalog.get<{ n: number }>("SELECT count(*) AS n FROM file_assets")!.n,
      total,
      "one asset per song",
    );
    assert.equal(
      catalog.get<{ n: number }>(
        "SELECT count(*) AS n FROM file_locations WHERE state = 'active'",
      )!.n,
      total,
      "one active location per song",
    );
    assert.equal(
      catalog.get<{ n: number }>(
        "SELECT count(*) AS n FROM download_tasks WHERE state <> 'done'",
      )!.n,
      0,
    );
  }
  assert.deepEqual(
    (await listFiles(t.library)).filter((f) => f.includes(".part")),
    [],
    "no stray .part left",
  );
  // after completion nothing is fetched again
  const before = t.bed.state.cdn.length;
  const again = await finish(t.spawn(["--lease-ttl", ttl]));
  assert.equal(again.code, 0);
  assert.match(again.stdout, new RegExp(` 0 downloaded .* ${total} owned`));
  assert.equal(t.bed.state.cdn.length, before);
  const resumed = t.bed.state.cdn.filter((r) => r.status === 206).length;
  assert.ok(resumed > 0, "some killed transfers were resumed with Range");
});
