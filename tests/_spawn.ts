/** Spawns `deno run main.ts ...` as a user would, for end-to-end tests. */

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const DOWNLOAD_RUN = new URL("./_download_run.ts", import.meta.url).pathname;

/** Permissions the CLI gets in end-to-end tests. */
export const CLI_PERMISSIONS = [
  "--allow-net=127.0.0.1",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys=statfs,hostname",
];

/** The result of a finished CLI process. */
export interface SpawnResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion. */
export async function runMain(
  args: string[],
  stdin?: string,
): Promise<SpawnResult> {
  const child = spawnMain(args, stdin === undefined ? "null" : "piped");
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const output = await child.output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** Starts the CLI; the caller owns the process. */
export function spawnMain(
  args: string[],
  stdin: "null" | "piped" = "null",
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...CLI_PERMISSIONS, MAIN, ...args],
    stdin,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** Collects and syncs everything through the CLI (`common`: `--db`, `--emulation`...). */
export async function collectAndSync(common: string[]): Promise<void> {
  for (const stage of [["collect", "--limit", "0"], ["sync"]]) {
    const run = await runMain([...stage, ...common]);
    if (run.code !== 0) {
      throw new Error(`${stage[0]} exited ${run.code}: ${run.stderr}`);
    }
  }
}

/** What `tests/_download_run.ts` runs on. */
export interface DownloadRunSetup {
  /** The catalog file. */
  db: string;
  /** The served test bed's URL. */
  emulation: string;
  /** The test worlds, as a JSON file. */
  worlds: string;
  /** The library folder. */
  library: string;
}

/** Starts `tests/_download_run.ts` (a download with test sources) on `setup`, with `args`. */
export function spawnDownloadRun(
  setup: DownloadRunSetup,
  args: string[],
  stdin: "null" | "piped" = "null",
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net=127.0.0.1",
      "--allow-sys=statfs,hostname",
      DOWNLOAD_RUN,
      ...Object.entries(setup).flatMap(([name, value]) => [`--${name}`, value]),
      ...args,
    ],
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}
