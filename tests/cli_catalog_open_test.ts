/**
 * The command line is checked before anything is created, and only
 * `collect` (and `pipeline`) create a catalog: the other commands refuse a
 * missing one, `download --dry-run` writes nothing, and an empty file is
 * never silently turned into a catalog.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { LATEST_VERSION } from "../catalog/migrations.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { runCli } from "./_cli.ts";
import { againstEmulation, inTempDir, syncedCatalog } from "./_cli_catalog.ts";

async function listing(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("a bad flag exits 2 before the --db file or its folders are created", async (t) => {
  const cases = [
    ["download", "--quality", "nonsense"],
    ["download", "--limit=-3"],
    ["sync", "--limit=-3"],
    ["download", "--concurrency", "0"],
    ["download", "--retry", "done"],
    ["collect", "--limit=-3"],
    ["collect", "--source", "spotify"],
  ];
  for (const args of cases) {
    await t.step(args.join(" "), async () => {
      await inTempDir(async (dir) => {
        const db = join(dir, "new", "folder", "catalog.db");
        const run = await runCli([...args, "--db", db]);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /^error: Invalid --/);
        assert.deepEqual(await listing(dir), [], "nothing created");
      });
    });
  }
});

Deno.test("sync, download, enrich and export refuse a missing catalog in one line and create nothing", async (t) => {
  const cases = [
    ["sync"],
    ["download"],
    ["download", "--dry-run"],
    ["enrich"],
    ["export", "m3u8", "--out", "playlists"],
    ["status"],
  ];
  for (const args of cases) {
    await t.step(args.join(" "), async () => {
      await inTempDir(async (dir) => {
        const db = join(dir, "mistyped", "catalgo.db");
        const run = await runCli([...args, "--db", db]);
        assert.equal(run.code, 1, run.stderr);
        assert.equal(
          run.stderr,
          `error: ${
            args[0]
          }: No catalog at '${db}': run 'catalogsync collect' first, or point --db at one\n`,
        );
        assert.equal(run.stdout, "");
        assert.deepEqual(await listing(dir), [], "nothing created");
      });
    });
  }
});

Deno.test("an empty file at --db is refused by every command, collect included, and stays empty", async (t) => {
  for (const command of ["collect", "sync", "download", "status"]) {
    await t.step(command, async () => {
      await inTempDir(async (dir) => {
        const db = join(dir, "catalog.db");
        await Deno.writeFile(db, new Uint8Array());
        const run = await runCli([command, "--db", db, "--json"]);
        assert.equal(run.code, 1, run.stderr);
        assert.equal(
          run.stderr,
          `error: ${command}: '${db}' is an empty file, not a catalog: remove it, or point --db at a catalog\n`,
        );
        assert.equal(JSON.parse(run.stdout).error.kind, "catalog");
        assert.equal((await Deno.stat(db)).size, 0);
        assert.deepEqual(await listing(dir), ["catalog.db"]);
      });
    });
  }
  // the library keeps its own choice: an empty file can still be opened there
  await inTempDir(async (dir) => {
    const db = join(dir, "catalog.db");
    await Deno.writeFile(db, new Uint8Array());
    assert.throws(
      () => Catalog.open(db, { create: false }),
      (error) =>
        error instanceof Deno.errors.NotFound &&
        /it is an empty file/.test(error.message),
    );
    assert.equal((await Deno.stat(db)).size, 0);
    Catalog.open(db).close();
    assert.ok((await Deno.stat(db)).size > 0);
  });
});

Deno.test("collect creates the catalog and its folder, and says so once on stderr", async () => {
  await inTempDir(async (dir) => {
    const emulation = createEmulation({ size: "tiny" });
    const db = join(dir, "new", "catalog.db");
    const args = [
      ...againstEmulation(db),
      "--source",
      "netease",
    ];
    const first = await runCli(["collect", ...args], {
      fetch: emulation.fetch,
    });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, `created a new catalog at ${db}\n`);
    assert.ok(existsSync(db));
    const second = await runCli(["collect", ...args], {
      fetch: emulation.fetch,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stderr, "", "said only when created");
  });
});

Deno.test("download --dry-run leaves the catalog byte for byte, with no -wal or -shm left", async () => {
  await inTempDir(async (dir) => {
    const db = join(dir, "catalog.db");
    await syncedCatalog(db);
    const before = await Deno.readFile(db);
    assert.deepEqual(await listing(dir), ["catalog.db"]);
    const run = await runCli([
      "download",
      "--dry-run",
      "--db",
      db,
      "--library",
      join(dir, "library"),
      "--json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.dryRun, true);
    assert.ok(summary.planned > 0);
    assert.deepEqual(await listing(dir), ["catalog.db"], "nothing else");
    assert.deepEqual(await Deno.readFile(db), before);
  });
});

Deno.test("a query-only catalog refuses writes and leaves no -wal or -shm", async () => {
  await inTempDir(async (dir) => {
    const db = join(dir, "catalog.db");
    Catalog.open(db).close();
    {
      using catalog = Catalog.open(db, { create: false, queryOnly: true });
      assert.throws(
        () => catalog.run("INSERT INTO playlist_pools DEFAULT VALUES"),
        /readonly|read-only|query_only/i,
      );
    }
    assert.deepEqual(await listing(dir), ["catalog.db"]);
    assert.throws(
      () => Catalog.open(join(dir, "other.db"), { create: false }),
      Deno.errors.NotFound,
    );
    assert.deepEqual(await listing(dir), ["catalog.db"]);
  });
});

Deno.test("download --dry-run refuses a catalog that needs migrating, and leaves it as it was", async () => {
  await inTempDir(async (dir) => {
    const db = join(dir, "catalog.db");
    Catalog.open(db, { migrateTo: LATEST_VERSION - 1 }).close();
    const before = await Deno.readFile(db);
    const run = await runCli(["download", "--dry-run", "--db", db]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr,
      `error: download: The catalog '${db}' has schema version ${
        LATEST_VERSION - 1
      } and this catalogsync reads ${LATEST_VERSION}: run it once without --dry-run to migrate it\n`,
    );
    assert.deepEqual(await Deno.readFile(db), before);
    assert.deepEqual(await listing(dir), ["catalog.db"]);
  });
});
