/**
 * Small pieces of SQL text the repositories build queries from.
 *
 * @module
 */

/** `?, ?, ?`: one parameter placeholder per value, for `IN (...)`. */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => "?").join(", ");
}

/**
 * The file as stored (tags written into it), for `file_assets a`: its size
 * and SHA-256, recorded apart from the body as served; files recorded
 * before tagging existed were stored as served.
 */
export const STORED_SIZE = "coalesce(a.stored_size_bytes, a.size_bytes)";

/** The stored file's hex SHA-256 (see `STORED_SIZE`). */
export const STORED_SHA256 = "coalesce(a.stored_sha256, a.sha256)";

/**
 * The stored file's hex MD5 when it is known: the served body's, when the
 * file was stored as served (untagged); `NULL` once tags changed it.
 */
export const STORED_MD5 =
  "CASE WHEN a.stored_sha256 IS NULL OR a.stored_sha256 = a.sha256 THEN a.md5 END";
