/**
 * The outside world of one CLI run (`Io`): stdout, stderr, stdin, the
 * environment, and Ctrl-C as an abort signal. `realIo()` is the process's;
 * tests pass fakes (a fake terminal included), so nothing below calls
 * `Deno.exit` but the second Ctrl-C.
 *
 * @module
 */
import type { Fetch, Sleep } from "../sources/http.ts";
import type { FreeSpaceProbe } from "../storage/free_space.ts";
import type { Hooks } from "../tasks/hooks.ts";
import type { Ui } from "../tasks/ui.ts";
import { EXIT } from "./exit.ts";
import { envVar, terminalColumns, terminalUi, useColor } from "./ui.ts";

/** The outside world of one CLI run: real by default, fakes in tests. */
export interface Io {
  /** Writes data (results) to stdout. */
  stdout(text: string): void;
  /** Writes text for people to stderr. */
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress is redrawn in place only then). */
  stderrIsTerminal: boolean;
  /** Standard input, opened on first use. */
  stdin(): ReadableStream<Uint8Array>;
  /** Whether stdin is a terminal (typed answers echo there). @default false */
  stdinIsTerminal?: boolean;
  /** An environment variable (`NO_COLOR`, `CATALOGSYNC_DB`, credentials ...). */
  env(name: string): string | undefined;
  /** Terminal width. */
  columns?(): number;
  /** Replaces `fetch` for the sources and the download. */
  fetch?: Fetch;
  /** Replaces the clock. */
  now?: () => number;
  /** Replaces the timers. */
  sleep?: Sleep;
  /** Replaces `statfs`. */
  freeSpace?: FreeSpaceProbe;
  /** Aborts the command (Ctrl-C). The real I/O wires it to SIGINT. */
  signal?: AbortSignal;
  /** Library users' hooks into the stages. */
  hooks?: Hooks;
}

/**
 * The UI of a run on `io`'s stderr: progress on a terminal, colours on a
 * terminal unless `NO_COLOR` is set, or wherever `FORCE_COLOR` asks.
 */
export function ioUi(io: Io, verbose: boolean): Ui {
  return terminalUi({
    write: io.stderr,
    isTerminal: io.stderrIsTerminal,
    verbose,
    color: useColor(io.stderrIsTerminal, io.env),
    ...(io.columns ? { columns: io.columns } : {}),
    ...(io.now ? { now: io.now } : {}),
  });
}

/** The real I/O: stdout, stderr, stdin, environment, and Ctrl-C as the abort signal. */
export function realIo(): Io {
  const encoder = new TextEncoder();
  const controller = new AbortController();
  let interrupts = 0;
  try {
    Deno.addSignalListener("SIGINT", () => {
      interrupts++;
      if (interrupts > 1) Deno.exit(EXIT.interrupted);
      controller.abort(new Error("interrupted"));
      Deno.stderr.writeSync(
        encoder.encode(
          "\nstopping after the current step (Ctrl-C again to quit now)\n",
        ),
      );
    });
  } catch {
    // signals are not available everywhere (compiled on Windows); Ctrl-C then kills
  }
  return {
    stdout: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    stderr: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    stdin: () => Deno.stdin.readable,
    stdinIsTerminal: Deno.stdin.isTerminal(),
    env: envVar,
    columns: terminalColumns,
    signal: controller.signal,
  };
}

function writeAll(
  file: { writeSync(p: Uint8Array): number },
  bytes: Uint8Array,
): void {
  let offset = 0;
  while (offset < bytes.length) {
    offset += file.writeSync(bytes.subarray(offset));
  }
}
