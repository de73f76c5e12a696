/**
 * The outside world of one CLI run (`Io`): stdout, stderr, stdin, the
 * environment, and Ctrl-C (SIGINT) or SIGTERM as an abort signal.
 * `realIo()` is the process's; tests pass fakes (a fake terminal
 * included), so nothing below calls `Deno.exit` but a second signal.
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

/**
 * The reason of an abort by a signal: which one, and the exit status a
 * run it stopped ends with (128 + its number, as a shell reports it).
 */
export class Interruption extends Error {
  /** Always `Interruption`. */
  override readonly name = "Interruption";
  /** The signal. */
  readonly signal: StopSignal;
  /** The exit status of a run it stopped. */
  readonly exitCode: number;

  /** The interruption by `signal`. */
  constructor(signal: StopSignal) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
    this.exitCode = signal === "SIGTERM" ? EXIT.terminated : EXIT.interrupted;
  }
}

/** The signals that stop a run cleanly. */
export type StopSignal = "SIGINT" | "SIGTERM";

/**
 * The exit status of a run that ended `interrupted`: 143 when SIGTERM
 * stopped it, 130 otherwise (Ctrl-C, or an abort without a signal).
 */
export function interruptedExit(signal: AbortSignal | undefined): number {
  const reason: unknown = signal?.reason;
  return reason instanceof Interruption ? reason.exitCode : EXIT.interrupted;
}

/**
 * The real I/O: stdout, stderr, stdin, environment, and SIGINT (Ctrl-C) or
 * SIGTERM (`timeout`, `systemctl stop`, `docker stop`) as the abort
 * signal: the run stops after the current step, gives its leases back and
 * prints its summary; a second signal quits at once.
 */
export function realIo(): Io {
  const encoder = new TextEncoder();
  const controller = new AbortController();
  let interrupts = 0;
  const stop = (signal: StopSignal) => {
    interrupts++;
    const interruption = new Interruption(signal);
    if (interrupts > 1) Deno.exit(interruption.exitCode);
    controller.abort(interruption);
    Deno.stderr.writeSync(
      encoder.encode(
        signal === "SIGINT"
          ? "\nstopping after the current step (Ctrl-C again to quit now)\n"
          : "\nSIGTERM: stopping after the current step (a second signal quits now)\n",
      ),
    );
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, () => stop(signal));
    } catch {
      // not every signal exists everywhere (Windows has no SIGTERM): the default applies
    }
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
