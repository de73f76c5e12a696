/**
 * What people see on stderr: log lines, and a live status (progress) that
 * is drawn only on a terminal. stdout is left to data.
 *
 * @module
 */
import process from "node:process";
import { styleText } from "node:util";

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
  log: Logger;
  progress: Progress;
}

/** Options of `terminalUi()`. */
export interface TerminalUiOptions {
  write: (text: string) => void;
  /** Draw progress (only on a terminal). */
  isTerminal: boolean;
  verbose: boolean;
  /** Colour the level tags. @default isTerminal */
  color?: boolean;
  /** Columns, to keep status lines from wrapping. @default 100 */
  columns?: () => number;
  /** @default Date.now */
  now?: () => number;
  /** Least milliseconds between redraws. @default 80 */
  redrawMs?: number;
}

/** The UI of the CLI: stderr, colours and progress only on a terminal. */
export function terminalUi(options: TerminalUiOptions): Ui {
  const write = options.write;
  const color = options.color ?? options.isTerminal;
  const now = options.now ?? Date.now;
  const columns = options.columns ?? (() => 100);
  const redrawMs = options.redrawMs ?? 80;
  let shown = 0;
  let current: readonly string[] = [];
  let lastDraw = 0;
  const erase = () => {
    if (shown === 0) return "";
    const up = shown > 1 ? `\x1b[${shown - 1}A` : "";
    shown = 0;
    return `\r${up}\x1b[J`;
  };
  const draw = () => {
    const width = Math.max(20, columns() - 1);
    const lines = current.map((line) => fitWidth(line, width));
    const text = erase() + lines.join("\n");
    shown = lines.length;
    lastDraw = now();
    write(text);
  };
  const tag = (
    label: string,
    style: Parameters<typeof styleText>[0],
  ) => color ? styleText(style, label, { validateStream: false }) : label;
  const line = (text: string) => {
    if (!options.isTerminal || shown === 0) {
      write(`${text}\n`);
      return;
    }
    write(`${erase()}${text}\n`);
    if (current.length > 0) draw();
  };
  return {
    log: {
      debug: (m) => {
        if (options.verbose) line(`${tag("debug", "gray")} ${m}`);
      },
      info: (m) => line(m),
      warn: (m) => line(`${tag("warning:", "yellow")} ${m}`),
      error: (m) => line(`${tag("error:", "red")} ${m}`),
    },
    progress: {
      status(lines) {
        if (!options.isTerminal) return;
        current = typeof lines === "string" ? [lines] : lines;
        if (now() - lastDraw >= redrawMs || shown !== current.length) draw();
      },
      clear() {
        if (!options.isTerminal) return;
        current = [];
        if (shown > 0) write(erase());
      },
    },
  };
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

/** The real UI on this process's stderr. */
export function stderrUi(verbose: boolean): Ui {
  const encoder = new TextEncoder();
  const isTerminal = Deno.stderr.isTerminal();
  return terminalUi({
    write: (text) => {
      Deno.stderr.writeSync(encoder.encode(text));
    },
    isTerminal,
    verbose,
    color: isTerminal && !noColor(),
    columns: () => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 100;
      }
    },
  });
}

function noColor(): boolean {
  try {
    return (process.env.NO_COLOR ?? "") !== "";
  } catch {
    return false;
  }
}

/** Display width of a string: wide East Asian characters count 2, marks 0. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char.codePointAt(0)!);
  return width;
}

function charWidth(code: number): number {
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if (
    (code >= 0x300 && code <= 0x36f) || code === 0x200b || code === 0x200d ||
    (code >= 0xfe00 && code <= 0xfe0f)
  ) {
    return 0;
  }
  if (
    (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    code >= 0x20000
  ) {
    return 2;
  }
  return 1;
}

/** Cuts a line to a display width, with an ellipsis; control characters become spaces. */
export function fitWidth(text: string, width: number): string {
  // deno-lint-ignore no-control-regex -- control characters would break the redraw
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, " ");
  if (displayWidth(clean) <= width) return clean;
  let out = "";
  let used = 0;
  for (const char of clean) {
    const w = charWidth(char.codePointAt(0)!);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}
