// deno-lint-ignore-file no-console -- a benchmark runner prints what it runs
/**
 * `deno task bench`: runs every benchmark under `bench/` in turn, each in
 * its own process, and reports which did not run to the end.
 *
 * `deno task bench -- [--quick] [NAME...]` runs only the named benchmarks
 * (`paced`, `download`...) and passes `--quick` on: smaller runs, for
 * development. `paced.ts` is slow by design (the real platforms' pace:
 * about 12 minutes for 1,000 songs per platform; 2 with `--quick`).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean" } },
  allowPositionals: true,
});
const wanted = new Set(positionals.map((name) => name.replace(/\.ts$/, "")));
const dir = dirname(fileURLToPath(import.meta.url));
const benches: string[] = [];
for await (const entry of Deno.readDir(dir)) {
  if (
    entry.isFile && entry.name.endsWith(".ts") && entry.name !== "run.ts" &&
    !entry.name.startsWith("_") &&
    (wanted.size === 0 || wanted.has(entry.name.replace(/\.ts$/, "")))
  ) benches.push(entry.name);
}
benches.sort();
if (benches.length === 0) {
  console.log(`no benchmark named ${[...wanted].join(", ")}`);
  Deno.exit(2);
}
const failed: string[] = [];
for (const name of benches) {
  console.log(`\n=== bench/${name}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(dir, name), ...(values.quick ? ["--quick"] : [])],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) failed.push(`${name} (exit status ${code})`);
}
if (failed.length > 0) {
  console.log(`\nbenchmarks that did not run to the end: ${failed.join(", ")}`);
  Deno.exit(1);
}
