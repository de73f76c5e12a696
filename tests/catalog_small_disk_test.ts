/**
 * The catalog on a small disk: catalog and library on a real 64 MiB tmpfs,
 * more songs than fit. The write-ahead log stays small, planning does not
 * fill the disk, and the run ends with exit status 75 and a clear message
 * while the catalog is whole; a rerun elsewhere continues.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { inspectCatalog } from "../catalog/repair.ts";
import { formatDownloadSummary } from "../cli/download.ts";
import { EXIT } from "../cli/exit.ts";
import type { Platform, Source } from "../sources/types.ts";
import { statfsFreeBytes } from "../storage/free_space.ts";
import { createContext } from "../tasks/context.ts";
import { download } from "../tasks/download.ts";
import { memoryUi } from "../tasks/ui.ts";
import { runCli } from "./_cli.ts";
import { recordedFiles } from "./_download_bed.ts";
import {
  createTestBed,
  goodSong,
  seedCatalog,
  testSources,
  type TestWorlds,
} from "./_download_source.ts";

/** Mounts a tmpfs of `size` at a new folder under `dir`; `undefined` (and why) when it cannot. */
async function mountTmpfs(
  dir: string,
  size: string,
): Promise<string | undefined> {
  const mountPoint = join(dir, "small");
  await Deno.mkdir(mountPoint);
  try {
    const result = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", mountPoint],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (result.success) return mountPoint;
    // deno-lint-ignore no-console -- say why the real-disk test did not run
    console.warn(
      `skipped: cannot mount a tmpfs here (${
        new TextDecoder().decode(result.stderr).trim()
      })`,
    );
  } catch (error) {
    // deno-lint-ignore no-console -- say why the real-disk test did not run
    console.warn(`skipped: cannot mount a tmpfs here (${error})`);
  }
  return undefined;
}

const SONGS = 2500;

async function unmount(mountPoint: string): Promise<void> {
  const umount = await new Deno.Command("umount", { args: [mountPoint] })
    .output();
  if (!umount.success) {
    await new Deno.Command("umount", { args: ["-l", mountPoint] }).output();
  }
}

Deno.test("download with catalog and library on a 64 MiB tmpfs: a small log, batched planning, exit 75 with a clear message, a whole catalog", async () => {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-small-disk-" });
  const mountPoint = await mountTmpfs(dir, "64m");
  if (!mountPoint) {
    await Deno.remove(dir, { recursive: true });
    return;
  }
  try {
    // 2,500 songs of 50 KB: 125 MB, twice what the disk holds
    const worlds: TestWorlds = {
      netease: Array.from({ length: SONGS }, (_, i) => {
        const song = goodSong(String(i + 1), 50_000);
        song.offers = song.offers.slice(0, 1);
        return song;
      }),
    };
    const db = join(mountPoint, "catalog.db");
    {
      using seeded = Catalog.open(db);
      seedCatalog(seeded, worlds);
    }
    const bed = createTestBed(worlds);
    const sources = testSources(
      worlds,
      "http://emulation",
      bed.emulation.fetch,
    );
    const ui = memoryUi();
    const run = async (catalog: Catalog, nextDirs: string[] = []) =>
      await download(
        createContext({
          catalog,
          sources: sources as Map<Platform, Source>,
          sleep: () => Promise.resolve(),
          log: ui.log,
          freeSpace: statfsFreeBytes,
        }),
        {
          library: join(mountPoint, "library"),
          minFree: 0,
          nextDirs,
          fetch: bed.emulation.fetch,
        },
      );
    // the size of the log, watched while the run goes
    let largestWal = 0;
    const watch = setInterval(() => {
      try {
        largestWal = Math.max(largestWal, Deno.statSync(`${db}-wal`).size);
      } catch {
        // no log at that moment
      }
    }, 5);
    let summary;
    try {
      using catalog = Catalog.open(db);
      summary = await run(catalog);
    } finally {
      clearInterval(watch);
    }
    assert.ok(summary.noSpace, ui.lines.slice(-5).join("\n"));
    assert.equal(summary.noSpace.directory, join(mountPoint, "library"));
    assert.ok(
      summary.downloaded > 900 && summary.downloaded < 1300,
      `${summary.downloaded} downloaded`,
    );
    assert.equal(summary.planned, SONGS, "every song planned");
    assert.match(
      formatDownloadSummary(summary),
      /stopped: out of space in .*library .* Nothing is lost: rerun with --next-dir DIR/,
    );
    assert.ok(
      largestWal <= 8 * 1024 * 1024,
      `the log reached ${largestWal} bytes`,
    );
    // the catalog is whole, every recorded file is there, no .part is left
    assert.deepEqual(inspectCatalog(db).problems, []);
    {
      using catalog = Catalog.open(db, { readOnly: true });
      const files = recordedFiles(catalog);
      assert.equal(files.length, summary.downloaded);
      for (const file of files.slice(0, 50)) {
        const stat = await Deno.stat(join(file.container_name, file.locator));
        assert.equal(stat.size, file.stored_size_bytes);
      }
    }
    // a rerun with another directory (on a roomy disk) continues
    {
      using catalog = Catalog.open(db);
      const rerun = await run(catalog, [join(dir, "more")]);
      assert.equal(rerun.noSpace, undefined);
      assert.equal(rerun.downloaded + summary.downloaded, SONGS);
    }
    assert.equal(EXIT.noSpace, 75);
  } finally {
    await unmount(mountPoint);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a catalog whose disk fills up mid-stage: exit 75 and one clear line, the catalog whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-full-catalog-" });
  const mountPoint = await mountTmpfs(dir, "512k");
  if (!mountPoint) {
    await Deno.remove(dir, { recursive: true });
    return;
  }
  try {
    const emulation = createEmulation({ size: "demo", seed: 3 });
    const db = join(mountPoint, "catalog.db");
    const common = ["--db", db, "--emulation", "http://emulation"];
    const io = { fetch: emulation.fetch };
    const run = await runCli(["collect", "--limit", "0", ...common], io);
    assert.equal(run.code, EXIT.noSpace, run.stderr);
    const errors = run.stderr.split("\n").filter((l) => l.startsWith("error:"));
    assert.deepEqual(errors, [
      `error: collect: The disk holding the catalog ${db} is full: the last write was rolled back and nothing is lost. Free some space there (or move the catalog to a roomier disk and point --db at it), then rerun`,
    ]);
    assert.deepEqual(inspectCatalog(db).problems, []);
  } finally {
    await unmount(mountPoint);
    await Deno.remove(dir, { recursive: true });
  }
});
