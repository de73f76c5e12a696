// deno-lint-ignore-file no-console -- a benchmark runner prints what it runs
/**
 * `deno task bench`: runs every benchmark under `bench/` in turn, each in
 * its own process, and reports which did not run to the end.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const benches: string[] = [];
for await (const entry of Deno.readDir(dir)) {
  if (
    entry.isFile && entry.name.endsWith(".ts") && entry.name !== "run.ts" &&
    !entry.name.startsWith("_")
  ) benches.push(entry.name);
}
benches.sort();
const failed: string[] = [];
for (const name of benches) {
  console.log(`\n=== bench/${name}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(dir, name)],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) failed.push(`${name} (exit status ${code})`);
}
if (failed.length > 0) {
  console.log(`\nbenchmarks that did not run to the end: ${failed.join(", ")}`);
  Deno.exit(1);
}
