/** The deno tasks of `deno.json`, and running one with its own flags. */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's folder. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The tasks of `deno.json`. */
export const TASKS: Record<string, { command?: string }> = JSON.parse(
  await Deno.readTextFile(join(ROOT, "deno.json")),
).tasks;

/** A `deno run` (or `compile`) task's flags, and the words after them. */
export function taskFlags(name: string): { flags: string[]; args: string[] } {
  const words = TASKS[name]!.command!.split(" ");
  if (!["run", "compile"].includes(words[1]!)) {
    throw new Error(`Task ${name} is not a deno run or compile`);
  }
  const at = words.findIndex((w, i) => i > 1 && !w.startsWith("--"));
  return { flags: words.slice(2, at), args: words.slice(at) };
}

/** What a finished process printed and returned. */
export interface TaskRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a task's script (its first word after the flags, taken from the
 * project) with the task's flags in `cwd`, adding `more` arguments.
 */
export async function runTask(
  name: string,
  cwd: string,
  ...more: string[]
): Promise<TaskRun> {
  const { flags, args } = taskFlags(name);
  const [script, ...rest] = args;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, join(ROOT, script!), ...rest, ...more],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
