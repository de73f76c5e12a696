/** Runs the CLI in process with a fake `Io`, capturing what it prints. */
import type { Io } from "../cli/io.ts";
import { main } from "../main.ts";

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `catalogsync args...` in process. */
export async function runCli(
  args: string[],
  io: Partial<Io> & { stdinText?: string; envVars?: Record<string, string> } =
    {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const { stdinText, envVars, ...rest } = io;
  const code = await main(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stderrIsTerminal: false,
    stdin: () => new Blob([stdinText ?? ""]).stream(),
    env: (name) => envVars?.[name],
    ...rest,
  });
  return { code, stdout, stderr };
}
