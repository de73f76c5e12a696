/**
 * `deno publish --dry-run` passes offline: a license, and only library
 * code in the package (no tests, benchmarks, tools, demo or git file).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

Deno.test("deno publish --dry-run passes, with a license and without tests, bench, tools or the demo", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(output.stdout) +
    new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, text);
  assert.match(text, /Dry run complete/);
  const files = [...text.matchAll(/file:\/\/(\S+)/g)].map((m) =>
    m[1]!.slice(ROOT.length)
  );
  for (const file of ["LICENSE", "README.md", "mod.ts", "cli/prompt.ts"]) {
    assert.ok(files.includes(file), `${file} is published`);
  }
  for (const file of files) {
    assert.ok(
      !/^(tests|bench|tools|demo|\.ci)\/|^cli\/demo\.ts$|^\.git$/.test(file),
      `${file} is not library code`,
    );
  }
});
