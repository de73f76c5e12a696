/**
 * Local volumes that move or go away: an offline library is neither marked
 * missing nor downloaded again, `storageRelocate()` moves a root after
 * checking it, `verify()` finds missing and corrupt files, `whereis()` finds
 * every copy; and migration 8 keeps what version 7 held.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { migrate } from "../catalog/migrations.ts";
import { storageList, storageRelocate } from "../tasks/storage.ts";
import { verify } from "../tasks/verify.ts";
import { whereis } from "../tasks/whereis.ts";
import { download } from "../tasks/download.ts";
import { downloadBed, listFiles, recordedFiles } from "./_download_bed.ts";
import { goodSong, type TestWorlds } from "./_download_source.ts";
import { runCli } from "./_cli.ts";

const worlds = (): TestWorlds => ({
  netease: Array.from({ length: 6 }, (_, i) => goodSong(String(i + 1), 30_000)),
});

Deno.test("a library moved away is offline: nothing marked missing or downloaded again; relocate brings it back", async (t) => {
  await using bed = await downloadBed(worlds());
  const first = await bed.run();
  assert.equal(first.downloaded, 6);
  const moved = join(bed.dir, "library2");
  await Deno.rename(bed.library, moved);

  await t.step(
    "download skips the offline songs and says so once",
    async () => {
      bed.ui.lines.length = 0;
      const again = await bed.run({ library: join(bed.dir, "other") });
      assert.equal(again.downloaded, 0);
      assert.equal(again.planned, 0);
      assert.equal(again.missing, 0);
      assert.deepEqual(again.offline, [{
        name: "local-1",
        root: bed.library,
        songs: 6,
      }]);
      const notices = bed.ui.lines.filter((l) => l.includes("is offline"));
      assert.equal(notices.length, 1, bed.ui.lines.join("\n"));
      assert.match(notices[0]!, /storage relocate local-1 NEW_ROOT/);
      assert.ok(recordedFiles(bed.catalog).every((f) => f.state === "active"));
    },
  );

  await t.step(
    "download into the offline active library is refused",
    async () => {
      // local-2 ("other") is active now; make local-1 active again
      bed.catalog.run("UPDATE storage_backends SET is_active = 0");
      bed.catalog.run(
        "UPDATE storage_backends SET is_active = 1 WHERE name = 'local-1'",
      );
      await assert.rejects(
        () =>
          download(bed.context, { fetch: bed.bed.emulation.fetch, minFree: 0 }),
        /The library .*library \(local-1\) is offline .*storage relocate local-1/,
      );
      assert.equal(
        await Deno.stat(bed.library).catch(() => undefined),
        undefined,
      );
    },
  );

  await t.step("storage list shows it offline", async () => {
    const listing = await storageList(bed.context);
    const local1 = listing.backends.find((b) => b.name === "local-1")!;
    assert.equal(local1.state, "offline");
    assert.equal(local1.files, 6);
    assert.match(local1.reason!, /is not there/);
  });

  await t.step(
    "relocating to a wrong root is refused with what was not found",
    async () => {
      const wrong = join(bed.dir, "wrong");
      await Deno.mkdir(join(wrong, "netease"), { recursive: true });
      await Deno.writeTextFile(join(wrong, "netease", "x.flac"), "x");
      await assert.rejects(
        () => storageRelocate(bed.context, { backend: "local-1", root: wrong }),
        /Refusing to relocate 'local-1' .*: 6 of 6 sampled files are not there .*'netease\//,
      );
      assert.equal(
        bed.catalog.get<{ c: string }>(
          "SELECT container_name AS c FROM storage_backends WHERE name = 'local-1'",
        )?.c,
        bed.library,
      );
    },
  );

  await t.step(
    "relocating to the right root moves it in one go; whereis shows the new path",
    async () => {
      const done = await storageRelocate(bed.context, {
        backend: "local-1",
        root: moved,
        checkAll: true,
      });
      assert.equal(done.checked, 6);
      const files = recordedFiles(bed.catalog).filter((f) =>
        f.backend === "local-1"
      );
      assert.ok(files.every((f) => f.container_name === moved));
      const again = await bed.run({ library: moved });
      assert.equal(again.planned, 0);
      assert.equal(again.skippedOwned, 6);
      const where = await whereis(bed.context, { ref: "netease:3" });
      assert.equal(where.locations.length, 1);
      assert.ok(where.locations[0]!.where.startsWith(moved));
      const byPath = await whereis(bed.context, {
        ref: where.locations[0]!.where,
      });
      assert.equal(byPath.song?.remoteId, "3");
    },
  );
});

Deno.test("a root that is there but lacks files marks just those files; --redownload-offline fetches offline songs", async (t) => {
  await using bed = await downloadBed(worlds());
  await bed.run();
  const [a, b] = await listFiles(bed.library);
  await Deno.remove(join(bed.library, a!));
  await t.step(
    "only the vanished file is missing and downloaded again",
    async () => {
      const again = await bed.run();
      assert.equal(again.missing, 1);
      assert.equal(again.downloaded, 1);
      assert.deepEqual(again.offline, []);
    },
  );
  await t.step(
    "an empty mount point is offline, not 6 missing files",
    async () => {
      const files = await listFiles(bed.library);
      assert.ok(files.includes(b!));
      await Deno.remove(bed.library, { recursive: true });
      await Deno.mkdir(bed.library);
      const again = await bed.run({ dryRun: true });
      assert.equal(again.missing, 0);
      assert.equal(again.offline[0]?.songs, 6);
    },
  );
  await t.step("--redownload-offline downloads them again", async () => {
    await Deno.remove(bed.library, { recursive: true });
    const again = await bed.run({
      library: join(bed.dir, "fresh"),
      redownloadOffline: true,
    });
    assert.equal(again.downloaded, 6);
    assert.equal(again.offline[0]?.songs, 6);
  });
});

Deno.test("verify: missing and corrupt files, --full hashes, --repair plans, an offline disk is left alone", async (t) => {
  await using bed = await downloadBed(worlds());
  await bed.run();
  const files = await listFiles(bed.library);
  await Deno.remove(join(bed.library, files[0]!));
  const changed = join(bed.library, files[1]!);
  const bytes = await Deno.readFile(changed);
  bytes[100] = bytes[100]! ^ 1;
  await Deno.writeFile(changed, bytes);

  await t.step("by size: one missing, the changed byte unseen", async () => {
    const summary = await verify(bed.context);
    assert.equal(summary.checked, 6);
    assert.equal(summary.missing, 1);
    assert.equal(summary.corrupt, 0);
    assert.equal(summary.status, "partial");
  });
  await t.step("--full: the changed file is corrupt", async () => {
    bed.ui.statuses.length = 0;
    const summary = await verify(bed.context, { full: true });
    assert.equal(summary.corrupt, 1);
    assert.equal(
      summary.problems.find((p) => p.state === "corrupt")?.locator,
      files[1],
    );
    assert.equal(summary.bytesHashed, 5 * 30_000);
    assert.ok(
      bed.ui.statuses.some((s) => /verify --full \[#+\.*\] \d+%/.test(s[0]!)),
      "a progress bar",
    );
    const states = recordedFiles(bed.catalog).map((f) => f.state).sort();
    assert.deepEqual(states, [
      "active",
      "active",
      "active",
      "active",
      "corrupt",
      "missing",
    ]);
  });
  await t.step(
    "--repair plans both songs; the next download fetches them",
    async () => {
      const summary = await verify(bed.context, { full: true, repair: true });
      assert.equal(summary.repaired, 2);
      const again = await bed.run();
      assert.equal(again.downloaded, 2);
      const after = await verify(bed.context, { full: true });
      assert.equal(after.status, "ok");
      assert.equal(after.ok, 6);
    },
  );
  await t.step("an offline disk is skipped, its files untouched", async () => {
    await Deno.rename(bed.library, `${bed.library}-away`);
    const summary = await verify(bed.context);
    assert.equal(summary.checked, 0);
    assert.equal(summary.skipped.length, 1);
    assert.match(summary.skipped[0]!.reason, /offline: .* is not there/);
    assert.ok(recordedFiles(bed.catalog).every((f) => f.state === "active"));
  });
});

Deno.test("catalogsync verify --json and storage list through the CLI", async () => {
  await using bed = await downloadBed(worlds(), { fileCatalog: true });
  await bed.run();
  const json = await runCli(["verify", "--db", bed.dbPath, "--json", "--full"]);
  assert.equal(json.code, 0, json.stderr);
  const summary = JSON.parse(json.stdout);
  assert.equal(summary.checked, 6);
  assert.equal(summary.ok, 6);
  const list = await runCli(["storage", "list", "--db", bed.dbPath]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /local-1\s+local\s+active\s+6\s/);
  const bad = await runCli([
    "storage",
    "relocate",
    "local-1",
    "--db",
    bed.dbPath,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /storage relocate needs BACKEND and NEW_ROOT/);
});

Deno.test("migration 8 keeps the backends, locations, tagged files and leases of version 7 and relaxes their constraints", () => {
  using catalog = Catalog.open(":memory:", { migrateTo: 7 });
  catalog.run(
    `INSERT INTO songs (platform, remote_song_id, name, artist_names, availability, qualities,
       raw_json, first_seen_at, updated_at) VALUES ('qq', '9', 't', 'a', 'available', '[]', '{}', 1, 1)`,
  );
  catalog.run(
    `INSERT INTO storage_backends (kind, name, container_name, is_active, created_at, updated_at)
     VALUES ('local', 'local-1', '/music', 1, 1, 1)`,
  );
  // a tagged file: the served body's identity and the stored file's differ
  catalog.run(
    `INSERT INTO file_assets (song_id, quality, extension, size_bytes, sha256, created_at,
       stored_size_bytes, stored_sha256, tag_state, tag_signature, tagged_at, tag_error)
     VALUES (1, 'lossless', 'flac', 10, '${"a".repeat(64)}', 1, 12, '${
      "b".repeat(64)
    }', 'tagged', 'sig', 5, 'no cover')`,
  );
  catalog.run(
    `INSERT INTO file_locations (file_asset_id, backend_id, container_name, locator, state, created_at)
     VALUES (1, 1, '/music', 'qq/t [9].flac', 'missing', 1)`,
  );
  catalog.run(
    `INSERT INTO download_tasks (song_id, state, lease_owner, lease_until, lease_host, lease_pid,
       lease_started, created_at, updated_at)
     VALUES (1, 'running', 'old-run', 99, 'box', 42, 'Mon Jan  1 00:00:00 2024', 1, 1)`,
  );
  const result = migrate(catalog);
  assert.equal(result.to, 8);
  assert.deepEqual(
    {
      ...catalog.get(
        "SELECT name, url, container_name, is_active FROM storage_backends",
      )!,
    },
    { name: "local-1", url: "/music", container_name: "/music", is_active: 1 },
  );
  assert.deepEqual(
    {
      ...catalog.get(
        "SELECT backend_id, locator, state, etag FROM file_locations",
      )!,
    },
    { backend_id: 1, locator: "qq/t [9].flac", state: "missing", etag: null },
  );
  // the tag columns are kept, and the files view shows them as migration 6 does
  assert.deepEqual(
    {
      ...catalog.get(
        `SELECT size_bytes, stored_size_bytes, stored_sha256, tag_state, tag_signature,
           tagged_at, tag_error FROM file_assets`,
      )!,
    },
    {
      size_bytes: 10,
      stored_size_bytes: 12,
      stored_sha256: "b".repeat(64),
      tag_state: "tagged",
      tag_signature: "sig",
      tagged_at: 5,
      tag_error: "no cover",
    },
  );
  assert.deepEqual(
    {
      ...catalog.get(
        "SELECT size_bytes, sha256, stored_size_bytes, stored_sha256, tag_state, path FROM files",
      )!,
    },
    {
      size_bytes: 10,
      sha256: "a".repeat(64),
      stored_size_bytes: 12,
      stored_sha256: "b".repeat(64),
      tag_state: "tagged",
      path: "/music/qq/t [9].flac",
    },
  );
  // a lease keeps its owner, host and pid; the process start (from ps) goes
  assert.deepEqual(
    {
      ...catalog.get(
        "SELECT state, lease_owner, lease_until, lease_host, lease_pid FROM download_tasks",
      )!,
    },
    {
      state: "running",
      lease_owner: "old-run",
      lease_until: 99,
      lease_host: "box",
      lease_pid: 42,
    },
  );
  assert.ok(
    !catalog.all<{ name: string }>("PRAGMA table_info(download_tasks)")
      .some((c) => c.name === "lease_started"),
  );
  // corrupt is a state now; foreign keys still hold
  catalog.run("UPDATE file_locations SET state = 'corrupt'");
  assert.throws(
    () =>
      catalog.run(
        `INSERT INTO file_locations (file_asset_id, backend_id, container_name, locator, state, created_at)
         VALUES (1, 99, '/x', 'y', 'active', 1)`,
      ),
    /FOREIGN KEY/,
  );
  // two buckets of one name on different endpoints, told apart by URL
  for (const url of ["s3://b/x", "s3://b/y"]) {
    catalog.run(
      `INSERT INTO storage_backends (kind, name, container_name, url, created_at, updated_at)
       VALUES ('object_store', ?, 'b', ?, 1, 1)`,
      url,
      url,
    );
  }
  assert.throws(
    () =>
      catalog.run(
        `INSERT INTO storage_backends (kind, name, container_name, url, created_at, updated_at)
         VALUES ('local', 'again', '/music', '/music2', 1, 1)`,
      ),
    /UNIQUE/,
  );
  assert.equal(
    catalog.get<{ n: number }>("SELECT count(*) AS n FROM files")?.n,
    1,
  );
});
