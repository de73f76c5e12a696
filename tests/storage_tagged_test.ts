/**
 * Storage of tagged files: the file on disk is the stored one (tags
 * written after the served body was checked), so `verify`, the sample of
 * `storage relocate`, `replicate` and `whereis` go by `stored_size_bytes`
 * and `stored_sha256`; the `.lrc` files beside a file follow it to a new
 * root and to its replicas; a retag marks its copies in buckets and on
 * drives corrupt.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { recordTagging } from "../catalog/tags.ts";
import { replicate } from "../tasks/replicate.ts";
import { storageAdd, storageRelocate } from "../tasks/storage.ts";
import { tag } from "../tasks/tag.ts";
import { verify } from "../tasks/verify.ts";
import { whereis } from "../tasks/whereis.ts";
import {
  downloadBed,
  fileSha256,
  listFiles,
  recordedFiles,
} from "./_download_bed.ts";
import { goodSong, type TestWorlds } from "./_download_source.ts";

const TAGS = { tags: true, cover: true, lyrics: true } as const;

Deno.test("tagged files: verify, relocate, replicate and whereis go by the stored size and SHA-256; .lrc files follow", async (t) => {
  const worlds: TestWorlds = {
    netease: [goodSong("1", 60_000), goodSong("2", 60_000)],
  };
  await using bed = await downloadBed(worlds);
  const first = await bed.run(TAGS);
  assert.equal(first.downloaded, 2);
  assert.equal(first.tagging.tagged, 2);
  const files = recordedFiles(bed.catalog);
  for (const f of files) {
    assert.notEqual(f.stored_size_bytes, f.size_bytes);
    assert.notEqual(f.stored_sha256, f.sha256);
  }
  const lrcs = (await listFiles(bed.library)).filter((p) => p.endsWith(".lrc"));
  // the lyrics and their translation, for each song
  assert.equal(lrcs.length, 4);
  const library = join(bed.dir, "moved");

  await t.step("verify --full finds every tagged file right", async () => {
    const summary = await verify(bed.context, { full: true });
    assert.equal(summary.ok, 2, JSON.stringify(summary.problems));
    assert.equal(summary.corrupt + summary.missing, 0);
    assert.equal(
      summary.bytesHashed,
      files.reduce((n, f) => n + f.stored_size_bytes!, 0),
    );
  });

  await t.step("whereis tells the stored file's size and SHA-256", async () => {
    const found = await whereis(bed.context, { ref: "netease:1" });
    const one = files.find((f) => f.remote_song_id === "1")!;
    assert.equal(found.song?.sizeBytes, one.stored_size_bytes);
    assert.equal(found.song?.sha256, one.stored_sha256);
  });

  await t.step(
    "relocate checks the stored sizes; the .lrc files are there with the audio",
    async () => {
      await Deno.rename(bed.library, library);
      const moved = await storageRelocate(bed.context, {
        backend: "local-1",
        root: library,
        checkAll: true,
      });
      assert.equal(moved.checked, 2);
      assert.deepEqual(
        (await listFiles(library)).filter((p) => p.endsWith(".lrc")),
        lrcs,
      );
      const again = await bed.run({ ...TAGS, library });
      assert.equal(again.downloaded, 0);
      assert.equal(again.skippedOwned, 2);
    },
  );

  const disk = join(bed.dir, "disk");
  await Deno.mkdir(disk);
  await storageAdd(bed.context, { name: "disk", url: disk });

  await t.step(
    "replicate sends the stored file and its .lrc files",
    async () => {
      const summary = await replicate(bed.context, { to: "disk" });
      assert.equal(summary.copied, 2, JSON.stringify(summary.failures));
      for (const f of files) {
        assert.equal(await fileSha256(join(disk, f.locator)), f.stored_sha256);
      }
      for (const lrc of lrcs) {
        assert.equal(
          await Deno.readTextFile(join(disk, lrc)),
          await Deno.readTextFile(join(library, lrc)),
        );
      }
      const check = await verify(bed.context, { backend: "disk", full: true });
      assert.equal(check.ok, 2, JSON.stringify(check.problems));
    },
  );

  await t.step(
    "a retag rewrites the copy on the second disk too (tag visits every local copy)",
    async () => {
      const songId = bed.ids.get("netease:1")!;
      bed.catalog.run(
        "UPDATE song_lyrics SET lrc = '[00:01.00]new words' WHERE song_id = ?",
        songId,
      );
      const retag = await tag(bed.context, { cover: false });
      assert.equal(retag.rewritten, 2);
      const where = await whereis(bed.context, { ref: "netease:1" });
      assert.deepEqual(where.locations.map((l) => [l.backend, l.state]), [
        ["local-1", "active"],
        ["disk", "active"],
      ]);
      const check = await verify(bed.context, { full: true });
      assert.equal(check.ok, 4, JSON.stringify(check.problems));
    },
  );

  await t.step(
    "--move removes the local audio files and their .lrc files",
    async () => {
      const summary = await replicate(bed.context, { to: "disk", move: true });
      assert.equal(summary.moved, 2, JSON.stringify(summary.failures));
      assert.deepEqual(await listFiles(library), []);
      assert.equal(
        (await listFiles(disk)).filter((p) => p.endsWith(".lrc")).length,
        4,
      );
    },
  );
});

Deno.test("recordTagging(): a rewritten file's copies in buckets and on drives are marked corrupt; an unchanged one's stay", async () => {
  const worlds: TestWorlds = { netease: [goodSong("1", 30_000)] };
  await using bed = await downloadBed(worlds);
  await bed.run();
  const catalog = bed.catalog;
  const [file] = recordedFiles(catalog);
  const assetId = catalog.get<{ id: number }>("SELECT id FROM file_assets")!.id;
  for (
    const [kind, name] of [["object_store", "bucket"], ["cloud_drive", "dav"]]
  ) {
    catalog.run(
      `INSERT INTO storage_backends (kind, name, container_name, url, created_at, updated_at)
       VALUES (?, ?, 'c', ?, 1, 1)`,
      kind,
      name,
      `${kind}:${name}`,
    );
    catalog.run(
      `INSERT INTO file_locations (file_asset_id, backend_id, container_name, locator, state, created_at)
       SELECT ?, id, 'c', ?, 'active', 1 FROM storage_backends WHERE name = ?`,
      assetId,
      file!.locator,
      name,
    );
  }
  const states = () =>
    catalog.all<{ name: string; state: string }>(
      `SELECT b.name, l.state FROM file_locations l
       JOIN storage_backends b ON b.id = l.backend_id ORDER BY l.id`,
    ).map((r) => `${r.name}:${r.state}`);
  const tagging = { state: "tagged" as const, signature: "s", error: null };
  // the same bytes (a tag already there): nothing to copy again
  assert.ok(recordTagging(catalog, assetId, tagging, {
    sizeBytes: file!.stored_size_bytes!,
    sha256: file!.stored_sha256!,
  }, 2));
  assert.deepEqual(states(), ["local-1:active", "bucket:active", "dav:active"]);
  assert.ok(recordTagging(catalog, assetId, tagging, {
    sizeBytes: 30_100,
    sha256: "c".repeat(64),
  }, 3));
  assert.deepEqual(states(), [
    "local-1:active",
    "bucket:corrupt",
    "dav:corrupt",
  ]);
});
