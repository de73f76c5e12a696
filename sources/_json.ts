/**
 * The JSON shapes every platform's parsers and transport share: a plain
 * object, the test for one, and an answer with the URL it came from.
 *
 * @module
 */

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether a value is a plain JSON object (not `null`, not an array). */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A parsed JSON answer and the URL it came from (for errors). */
export interface Answer {
  /** The body, its business code checked. */
  body: unknown;
  /** The URL called. */
  url: string;
}
