/**
 * Questions on stderr, answers from stdin: one line at a time, from a
 * terminal or a pipe (Deno's `prompt()` does not read pipes). A question
 * always ends its line, and Ctrl-C (the abort signal) answers it with end
 * of input.
 *
 * @module
 */
import { resolve } from "node:path";
import type { Prompt } from "../tasks/prompt.ts";

/** Reads lines from a byte stream, keeping what follows the current line. */
export class LineReader {
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #source: () => ReadableStream<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  #done = false;

  /** `source` is opened on the first read (stdin is not touched before). */
  constructor(source: () => ReadableStream<Uint8Array>) {
    this.#source = source;
  }

  /** The next line without its end-of-line, or `null` at end of input. */
  async readLine(): Promise<string | null> {
    for (;;) {
      const newline = this.#buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(newline + 1);
        return line;
      }
      if (this.#done) {
        if (this.#buffer === "") return null;
        const rest = this.#buffer;
        this.#buffer = "";
        return rest;
      }
      this.#reader ??= this.#source().getReader();
      const { value, done } = await this.#reader.read();
      if (done) {
        this.#done = true;
        this.#buffer += this.#decoder.decode();
        this.#reader.releaseLock();
      } else {
        this.#buffer += this.#decoder.decode(value, { stream: true });
      }
    }
  }
}

/** Options of `linePrompt()`. */
export interface LinePromptOptions {
  /**
   * Aborts a question (Ctrl-C): it is answered with `null`, as at end of
   * input, at once.
   */
  signal?: AbortSignal;
  /**
   * Whether the answer echoes as it is typed (stdin is a terminal). When it
   * does not (a pipe), the answer is written after the question, so that
   * the next message starts a line of its own. @default false
   */
  echoed?: boolean;
  /** Turns the line read into the answer (`directoryAnswer()`). @default as read */
  answer?: (line: string) => string;
}

/**
 * A prompt that writes the question with `write` and reads the answer from
 * `lines`. Whatever happens (an answer, end of input, Ctrl-C), the
 * question's line is ended before the prompt returns.
 *
 * @example A question answered from a pipe
 * ```ts
 * import { linePrompt, LineReader } from "./prompt.ts";
 * import assert from "node:assert/strict";
 *
 * let written = "";
 * const ask = linePrompt(
 *   new LineReader(() => new Blob(["/mnt/usb\n"]).stream()),
 *   (text) => (written += text),
 * );
 * assert.equal(await ask("Directory? "), "/mnt/usb");
 * assert.equal(await ask("Directory? "), null);
 * assert.equal(written, "Directory? /mnt/usb\nDirectory? \n");
 * ```
 */
export function linePrompt(
  lines: LineReader,
  write: (text: string) => void,
  options: LinePromptOptions = {},
): Prompt {
  const { signal, echoed = false, answer = (line: string) => line } = options;
  return async (question) => {
    if (signal?.aborted) return null;
    write(question);
    let line: string | null;
    if (signal === undefined) {
      line = await lines.readLine();
    } else {
      let onAbort = () => {};
      const aborted = new Promise<null>((resolve) => {
        onAbort = () => resolve(null);
        // (writing the question may have been what was interrupted)
        if (signal.aborted) resolve(null);
        else signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        line = await Promise.race([lines.readLine(), aborted]);
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    }
    // a terminal echoed the answer and its Enter; nothing else ends the line
    if (line === null || signal?.aborted) write("\n");
    else if (!echoed) write(`${line}\n`);
    return signal?.aborted || line === null ? null : answer(line);
  };
}

/**
 * A directory typed at the prompt as a shell would read it: trimmed, a
 * leading `~` or `~/` taken as `home`, and made absolute (from the current
 * directory). A blank answer stays blank.
 *
 * @example Usage
 * ```ts
 * import { directoryAnswer } from "./prompt.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(directoryAnswer(" ~/music ", "/home/ada"), "/home/ada/music");
 * assert.equal(directoryAnswer("~", "/home/ada"), "/home/ada");
 * assert.equal(directoryAnswer("/mnt/usb/", "/home/ada"), "/mnt/usb");
 * assert.equal(directoryAnswer("", "/home/ada"), "");
 * ```
 */
export function directoryAnswer(
  line: string,
  home: string | undefined,
): string {
  const path = line.trim();
  if (path === "") return path;
  const expanded = home !== undefined && home !== "" &&
      (path === "~" || path.startsWith("~/"))
    ? `${home}${path.slice(1)}`
    : path;
  return resolve(expanded);
}
