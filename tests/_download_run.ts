/**
 * A download run in its own process, for end-to-end tests: the stage with
 * test sources against a served test bed, the real stdin prompt
 * (`LineReader` on `Deno.stdin`, a terminal or a pipe), real `statfs`
 * (or a budget for one directory), and the CLI's exit statuses. The CLI
 * cannot take a test source, so tests spawn this instead of `main.ts`.
 *
 * Usage: deno run -A tests/_download_run.ts --db PATH --emulation URL
 *   --worlds FILE --library DIR [--next-dir DIR]... [--budget DIR=BYTES]
 *   [--concurrency N] [--lease-ttl MS] [--min-free BYTES] [--owner ID]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Catalog } from "../catalog/database.ts";
import type { Platform, Source } from "../sources/types.ts";
import { statfsFreeBytes } from "../storage/free_space.ts";
import { createContext } from "../tasks/context.ts";
import { download } from "../tasks/download.ts";
import { formatDownloadSummary } from "../cli/download.ts";
import { EXIT } from "../cli/exit.ts";
import { linePrompt, LineReader } from "../cli/prompt.ts";
import { stderrUi } from "../cli/ui.ts";
import { testSources, type TestWorlds } from "./_download_source.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    emulation: { type: "string" },
    worlds: { type: "string" },
    library: { type: "string" },
    "next-dir": { type: "string", multiple: true },
    budget: { type: "string" },
    concurrency: { type: "string" },
    "lease-ttl": { type: "string" },
    "min-free": { type: "string" },
    owner: { type: "string" },
  },
});

async function bytesUnder(root: string): Promise<number> {
  let total = 0;
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else total += (await Deno.stat(path)).size;
    }
  };
  await walk(root).catch(() => {});
  return total;
}

const worlds = JSON.parse(
  await Deno.readTextFile(values.worlds!),
) as TestWorlds;
const [budgetDir, budgetBytes] = (values.budget ?? "=").split("=");
const encoder = new TextEncoder();
const write = (text: string) => Deno.stderr.writeSync(encoder.encode(text));
const ui = stderrUi(false);
using catalog = Catalog.open(values.db!);
const context = createContext({
  catalog,
  sources: testSources(worlds, values.emulation!, fetch) as Map<
    Platform,
    Source
  >,
  log: ui.log,
  progress: ui.progress,
  prompt: linePrompt(new LineReader(() => Deno.stdin.readable), write),
  freeSpace: async (path) =>
    budgetDir && (path === budgetDir || path.startsWith(`${budgetDir}/`))
      ? Math.max(0, Number(budgetBytes) - await bytesUnder(budgetDir))
      : await statfsFreeBytes(path),
});
const summary = await download(context, {
  library: values.library!,
  nextDirs: values["next-dir"] ?? [],
  minFree: Number(values["min-free"] ?? 0),
  concurrency: Number(values.concurrency ?? 2),
  ...(values["lease-ttl"] ? { leaseTtlMs: Number(values["lease-ttl"]) } : {}),
  ...(values.owner ? { leaseOwner: values.owner } : {}),
  backoffMs: 20,
});
Deno.stdout.writeSync(encoder.encode(`${formatDownloadSummary(summary)}\n`));
Deno.exit(
  summary.noSpace ? EXIT.noSpace : {
    ok: EXIT.ok,
    partial: EXIT.partial,
    failed: EXIT.failure,
    interrupted: EXIT.interrupted,
  }[summary.status],
);
