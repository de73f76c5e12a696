/**
 * What a stage tells people: log lines and a live status (progress). The
 * CLI draws them on stderr (`cli/ui.ts`); tests and scripts keep them in
 * memory (`memoryUi()`).
 *
 * @module
 */

/** Log lines for people. Library code logs through this, never `console`. */
export interface Logger {
  /** Only with `--verbose`. */
  debug(message: string): void;
  /** A line of information. */
  info(message: string): void;
  /** A warning. */
  warn(message: string): void;
  /** An error. */
  error(message: string): void;
}

/** A live status shown on a terminal and replaced as work goes on. */
export interface Progress {
  /** Shows these lines as the status (redraws are throttled). */
  status(lines: string | readonly string[]): void;
  /** Removes the status. */
  clear(): void;
}

/** Logger and progress of one run. */
export interface Ui {
  /** Log lines for people. */
  log: Logger;
  /** The live progress line. */
  progress: Progress;
}

/** A UI that keeps everything in memory, for tests and `--json` runs. */
export interface MemoryUi extends Ui {
  /** Log lines, each prefixed with its level. */
  readonly lines: string[];
  /** Every status shown. */
  readonly statuses: string[][];
}

/** A UI that records what it was told. */
export function memoryUi(): MemoryUi {
  const lines: string[] = [];
  const statuses: string[][] = [];
  return {
    lines,
    statuses,
    log: {
      debug: (m) => lines.push(`debug: ${m}`),
      info: (m) => lines.push(`info: ${m}`),
      warn: (m) => lines.push(`warning: ${m}`),
      error: (m) => lines.push(`error: ${m}`),
    },
    progress: {
      status: (l) => statuses.push(typeof l === "string" ? [l] : [...l]),
      clear: () => {},
    },
  };
}
