/**
 * `deno task demo`, run with its task's permissions in a folder of its
 * own: every stage succeeds and the catalog is left closed, without a
 * -wal or -shm file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

Deno.test("the demo runs every stage and leaves its catalog without -wal or -shm", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const words: string[] = config.tasks.demo.command.split(" ");
  assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
  const flags = words.slice(2, -1);
  assert.equal(words.at(-1), "cli/demo.ts");
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-demo-" });
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, join(ROOT, "cli", "demo.ts")],
      cwd: dir,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stdout + stderr);
    assert.match(stdout, /demo finished: every stage succeeded/);
    const left = [...Deno.readDirSync(join(dir, "demo"))].map((e) => e.name)
      .sort();
    assert.deepEqual(left, [
      "catalog.db",
      "library",
      "library-2",
      "playlists",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
