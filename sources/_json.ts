/**
 * The JSON shapes every platform's parsers and transport share: a plain
 * object, and the test for one.
 *
 * @module
 */

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether a value is a plain JSON object (not `null`, not an array). */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
