/**
 * Questions on stderr, answers from stdin: one line at a time, from a
 * terminal or a pipe (Deno's `prompt()` does not read pipes).
 *
 * @module
 */
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

/** A prompt that writes the question with `write` and reads the answer from `lines`. */
export function linePrompt(
  lines: LineReader,
  write: (text: string) => void,
): Prompt {
  return async (question) => {
    write(question);
    return await lines.readLine();
  };
}
