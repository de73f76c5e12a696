/**
 * A damaged catalog is never written to: one page of a real catalog
 * overwritten, every command stops with one clear line and the way to
 * recover, and the file's bytes stay as they are; `check` finds the damage
 * and `check --repair` recovers what can be read into a new file.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Catalog, CatalogDamagedError } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { runCli } from "./_cli.ts";

async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

/** Bytes of `path`, or 0 when it is not there. */
async function sizeOf(path: string): Promise<number> {
  return await Deno.stat(path).then((s) => s.size, () => 0);
}

/**
 * The number of a leaf page of `table` in the middle of its b-tree: its
 * root page is read as SQLite lays out an interior table page (type 0x05,
 * cell count at offset 3, cell pointers after the 12-byte header, each
 * cell starting with its child's page number).
 */
function middleLeafOf(path: string, table: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  const root = (db.prepare(
    "SELECT rootpage FROM sqlite_master WHERE name = ?",
  ).get(table) as { rootpage: number }).rootpage;
  const pageSize = (db.prepare("PRAGMA page_size").get() as {
    page_size: number;
  }).page_size;
  db.close();
  const file = Deno.readFileSync(path);
  let page = root;
  for (;;) {
    const at = (page - 1) * pageSize;
    const view = new DataView(file.buffer, file.byteOffset + at, pageSize);
    const type = view.getUint8(0);
    if (type === 0x0d) return page;
    assert.equal(type, 0x05, `page ${page} is a table b-tree page`);
    const cells = view.getUint16(3);
    const pointer = view.getUint16(12 + 2 * Math.floor(cells / 2));
    page = view.getUint32(pointer);
  }
}

/** Overwrites page `page` of the file with garbage. */
function overwritePage(path: string, page: number): void {
  const db = new DatabaseSync(path, { readOnly: true });
  const pageSize = (db.prepare("PRAGMA page_size").get() as {
    page_size: number;
  }).page_size;
  db.close();
  using file = Deno.openSync(path, { read: true, write: true });
  file.seekSync((page - 1) * pageSize, Deno.SeekMode.Start);
  file.writeSync(new Uint8Array(pageSize).fill(0x41));
}

Deno.test("a catalog with one page overwritten: every command stops with one clear line and writes nothing; check finds it, check --repair recovers the rest", async (t) => {
  const emulation = createEmulation({ size: "demo", seed: 11 });
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-damage-" });
  try {
    const db = join(dir, "catalog.db");
    const library = join(dir, "library");
    const io = {
      fetch: emulation.fetch,
      freeSpace: () => Promise.resolve(1e15),
    };
    const common = ["--db", db, "--emulation", "http://emulation"];
    for (
      const args of [
        ["collect", "--limit", "0"],
        ["sync"],
        ["download", "--library", library, "--min-free", "0", "--limit", "30"],
      ]
    ) {
      const run = await runCli([...args, ...common], io);
      assert.equal(run.code, 0, run.stderr);
    }
    assert.equal(await sizeOf(`${db}-wal`), 0, "the log was folded back");
    let songs: number;
    {
      using catalog = Catalog.open(db, { readOnly: true });
      songs = catalog.get<{ n: number }>("SELECT count(*) AS n FROM songs")!.n;
    }
    overwritePage(db, middleLeafOf(db, "songs"));
    const damaged = await sha256(db);

    for (
      const args of [
        ["status"],
        ["collect", "--limit", "0"],
        ["sync"],
        ["download", "--library", library, "--min-free", "0"],
        ["export", "m3u8", "--out", join(dir, "lists")],
      ]
    ) {
      await t.step(args[0]!, async () => {
        const run = await runCli([...args, ...common], io);
        assert.equal(run.code, 1, run.stderr);
        const errors = run.stderr.split("\n").filter((l) =>
          l.startsWith("error:")
        );
        assert.equal(errors.length, 1, run.stderr);
        assert.match(
          errors[0]!,
          new RegExp(
            `Catalog ${db} is damaged \\(PRAGMA quick_check: .*\\); nothing more is written to it\\. Recover it into a new file, keeping this one: 'catalogsync check --repair --db ${db}', or 'sqlite3 ${db} "\\.recover" \\| sqlite3 fixed\\.db'`,
          ),
        );
        assert.equal(run.stdout, "");
        assert.equal(await sha256(db), damaged, "the file is unchanged");
        assert.equal(await sizeOf(`${db}-wal`), 0, "nothing in its log");
      });
    }

    await t.step("check", async () => {
      const run = await runCli(["check", "--db", db]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stdout,
        /^check: .*catalog\.db is damaged: \d+ problems/,
      );
      assert.match(run.stdout, /catalogsync check --repair --db /);
      assert.equal(await sha256(db), damaged);
    });

    await t.step("check --repair", async () => {
      const run = await runCli(["check", "--db", db, "--repair", "--json"]);
      assert.equal(run.code, 0, run.stderr);
      const summary = JSON.parse(run.stdout);
      const out = join(dir, "catalog.recovered.db");
      assert.equal(summary.repair.out, out);
      const songTable = summary.repair.tables.find((
        t: { table: string },
      ) => t.table === "songs");
      assert.equal(songTable.gaps, 1);
      assert.ok(songTable.rows > 0 && songTable.rows < songs, songTable.rows);
      assert.ok(summary.repair.resync > 0, "playlists that lost songs");
      assert.equal(await sha256(db), damaged, "the damaged file is kept");
      const again = await runCli(["check", "--db", out]);
      assert.equal(again.code, 0, again.stdout);
      assert.match(again.stdout, /^check ok: /);
      // a second repair does not overwrite the first
      const twice = await runCli(["check", "--db", db, "--repair"]);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /the file exists/);
      // sync fetches again the songs of the playlists that lost some
      const sync = await runCli([
        "sync",
        "--db",
        out,
        "--emulation",
        "http://emulation",
      ], io);
      assert.equal(sync.code, 0, sync.stderr);
      using recovered = Catalog.open(out, { readOnly: true });
      assert.equal(
        recovered.get<{ n: number }>("SELECT count(*) AS n FROM songs")!.n,
        songs,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Catalog: a corruption error met later poisons it: that call and every one after throw CatalogDamagedError, and nothing is written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "catalog.db");
    {
      using catalog = Catalog.open(path);
      catalog.transaction(() => {
        for (let i = 0; i < 400; i++) {
          catalog.run(
            `INSERT INTO songs (platform, remote_song_id, name, artist_names, availability,
               qualities, raw_json, first_seen_at, updated_at)
             VALUES ('kuwo', ?, 'name', 'artist', 'available', '[]', ?, 1, 1)`,
            String(i),
            "x".repeat(2000),
          );
        }
      });
      catalog.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    overwritePage(path, middleLeafOf(path, "songs"));
    const before = await sha256(path);
    // opened without the check: the damage is met by a query
    using catalog = Catalog.open(path, { check: false });
    assert.throws(
      () => catalog.all("SELECT raw_json FROM songs"),
      (e: unknown) =>
        e instanceof CatalogDamagedError && /malformed/.test(e.message),
    );
    assert.ok(catalog.damage);
    assert.throws(
      () => catalog.run("DELETE FROM songs WHERE remote_song_id = '1'"),
      CatalogDamagedError,
    );
    assert.throws(
      () => catalog.transaction(() => catalog.run("DELETE FROM songs")),
      CatalogDamagedError,
    );
    assert.throws(() => catalog.get("SELECT 1"), CatalogDamagedError);
    catalog.close();
    assert.equal(await sha256(path), before);
    // and opening it again refuses it at once
    assert.throws(() => Catalog.open(path), CatalogDamagedError);
    assert.equal(await sha256(path), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
