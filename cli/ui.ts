/**
 * The CLI's terminal UI: log lines and a live status on stderr, colours as
 * `NO_COLOR` and `FORCE_COLOR` say. On a terminal the status is redrawn in
 * place; on a pipe or in a log its first lines are printed every few
 * seconds. Control characters from the platforms' names (a tab, an escape
 * sequence) are shown escaped, never sent to the terminal. stdout is left
 * to data.
 *
 * @module
 */
import { styleText } from "node:util";
import type { Ui } from "../tasks/ui.ts";

/** Options of `terminalUi()`. */
export interface TerminalUiOptions {
  /** Writes text to the terminal (stderr). */
  write: (text: string) => void;
  /** Draw progress (only on a terminal). */
  isTerminal: boolean;
  /** Show `debug` lines. */
  verbose: boolean;
  /** Colour the level tags. @default isTerminal */
  color?: boolean;
  /** Columns, to keep status lines from wrapping. @default 100 */
  columns?: () => number;
  /** The clock, for throttling redraws. @default Date.now */
  now?: () => number;
  /** Least milliseconds between redraws. @default 80 */
  redrawMs?: number;
  /**
   * Not on a terminal: the status's lines (without the indented detail
   * lines) are printed, each on a line of its own, once this many
   * milliseconds have passed since the UI was made or since they were
   * last printed. @default 5000
   */
  pipeEveryMs?: number;
}

/** The UI of the CLI: stderr, colours and progress only on a terminal. */
export function terminalUi(options: TerminalUiOptions): Ui {
  const write = options.write;
  const color = options.color ?? options.isTerminal;
  const now = options.now ?? Date.now;
  const columns = options.columns ?? (() => 100);
  const redrawMs = options.redrawMs ?? 80;
  const pipeEveryMs = options.pipeEveryMs ?? 5000;
  // a run that ends within the first interval prints no status at all
  let lastPrinted = now();
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
        if (options.verbose) {
          line(`${tag("debug", "gray")} ${escapeControls(m, true)}`);
        }
      },
      info: (m) => line(escapeControls(m, true)),
      warn: (m) =>
        line(`${tag("warning:", "yellow")} ${escapeControls(m, true)}`),
      error: (m) => line(`${tag("error:", "red")} ${escapeControls(m, true)}`),
    },
    progress: {
      status(lines) {
        if (!options.isTerminal) {
          // a pipe or a log: the run's lines now and then, never redrawn
          if (now() - lastPrinted < pipeEveryMs) return;
          lastPrinted = now();
          for (const text of typeof lines === "string" ? [lines] : lines) {
            if (!/^\s/.test(text)) write(`${escapeControls(text, false)}\n`);
          }
          return;
        }
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
    color: useColor(isTerminal, envVar),
    columns: terminalColumns,
  });
}

/**
 * Whether to colour output: `FORCE_COLOR` set to anything but `0` or
 * `false` forces colours on, a non-empty `NO_COLOR` turns them off, and
 * otherwise a terminal gets colours.
 */
export function useColor(
  isTerminal: boolean,
  env: (name: string) => string | undefined,
): boolean {
  const force = env("FORCE_COLOR");
  if (force !== undefined) return force !== "0" && force !== "false";
  if ((env("NO_COLOR") ?? "") !== "") return false;
  return isTerminal;
}

/** An environment variable, or `undefined` where reading it is not allowed. */
export function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Columns of the terminal, 100 when there is none. */
export function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 100;
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

/**
 * Control characters (C0, DEL, C1) and bidi overrides shown as escapes
 * (`\t`, `\x1b`, `\u202e`), so that a name cannot move the cursor, clear
 * the screen or reorder a line; newlines kept when `keepNewlines`.
 *
 * @example Usage
 * ```ts
 * import { escapeControls } from "./ui.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(escapeControls("a\tb\x1b[2J", false), "a\\tb\\x1b[2J");
 * assert.equal(escapeControls("one\ntwo", true), "one\ntwo");
 * ```
 */
export function escapeControls(text: string, keepNewlines: boolean): string {
  return text.replace(CONTROLS, (char) => {
    if (char === "\n" && keepNewlines) return char;
    const named = NAMED_ESCAPES[char];
    if (named !== undefined) return named;
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

// deno-lint-ignore no-control-regex -- these are what it escapes
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Record<string, string> = {
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/** Cuts a line to a display width, with an ellipsis; control characters shown escaped. */
export function fitWidth(text: string, width: number): string {
  const clean = escapeControls(text, false);
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
