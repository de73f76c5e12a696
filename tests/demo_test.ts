/**
 * `deno task demo`, run with its task's permissions in a folder of its
 * own: every stage succeeds and the catalog is left closed, without a
 * -wal or -shm file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { inTempDir } from "./_cli_catalog.ts";
import { runTask, taskFlags } from "./_tasks.ts";

Deno.test("the demo runs every stage and leaves its catalog without -wal or -shm", async () => {
  assert.deepEqual(taskFlags("demo").args, ["cli/demo.ts"]);
  await inTempDir(async (dir) => {
    const run = await runTask("demo", dir);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /demo finished: every stage succeeded/);
    const left = [...Deno.readDirSync(join(dir, "demo"))].map((e) => e.name)
      .sort();
    assert.deepEqual(left, [
      "catalog.db",
      "library",
      "library-2",
      "playlists",
    ]);
  }, "catalogsync-demo-");
});
