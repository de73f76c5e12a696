/**
 * Runs a CLI command with exactly the permissions of its `deno task` in
 * deno.json, from a given folder: end-to-end tests of the commands and of
 * their least-privilege flags at once.
 */
const ROOT = new URL("../", import.meta.url);
const MAIN = new URL("main.ts", ROOT).pathname;

/** The `--allow-*` flags of `deno task <name>`, and the words after `main.ts`. */
export async function taskFlags(
  name: string,
): Promise<{ flags: string[]; command: string[] }> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  ) as { tasks: Record<string, { command: string }> };
  const command = config.tasks[name]?.command;
  if (!command) throw new Error(`no deno task ${name}`);
  const words = command.split(/\s+/);
  const main = words.indexOf("main.ts");
  return { flags: words.slice(2, main), command: words.slice(main + 1) };
}

/** What a finished command printed. */
export interface TaskRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts `catalogsync <args>` with the permissions of `deno task <task>`. */
export async function spawnTask(
  task: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<Deno.ChildProcess> {
  const { flags, command } = await taskFlags(task);
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, MAIN, ...command, ...args],
    cwd: options.cwd,
    // only what the test gives, and what Deno itself needs to find its cache
    env: {
      ...pick("HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME"),
      NO_COLOR: "1",
      ...options.env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs `catalogsync <args>` to its end with the permissions of `deno task <task>`. */
export async function runTask(
  task: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<TaskRun> {
  const output = await (await spawnTask(task, args, options)).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

function pick(...names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = Deno.env.get(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
