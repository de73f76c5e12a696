/**
 * Small pieces of SQL text the repositories build queries from.
 *
 * @module
 */

/** `?, ?, ?`: one parameter placeholder per value, for `IN (...)`. */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => "?").join(", ");
}
