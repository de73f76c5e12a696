/** Spawns `deno run main.ts ...` as a user would, for end-to-end tests. */

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Permissions the CLI gets in end-to-end tests. */
export const CLI_PERMISSIONS = [
  "--allow-net=127.0.0.1",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys=statfs,hostname",
  "--allow-run=ps",
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
