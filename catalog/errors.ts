/**
 * The catalog's own errors: a damaged file, a full disk, and SQLite's
 * result codes behind them.
 *
 * @module
 */

/** SQLite's primary result codes this module acts on. */
export const SQLITE_CORRUPT = 11;
export const SQLITE_FULL = 13;
export const SQLITE_NOTADB = 26;

/**
 * The catalog file is damaged (`database disk image is malformed`, `file is
 * not a database`): nothing more is written to it. The message says how to
 * recover it into a new file.
 */
export class CatalogDamagedError extends Error {
  /** Always `CatalogDamagedError`. */
  override readonly name = "CatalogDamagedError";
  /** The catalog file. */
  readonly path: string;

  /** The error of the damaged catalog at `path`, found as `detail` says. */
  constructor(path: string, detail: string, options: { cause?: unknown } = {}) {
    super(
      `Catalog ${path} is damaged (${detail}); nothing more is written to it. ` +
        `Recover it into a new file, keeping this one: 'catalogsync check --repair --db ${path}', ` +
        `or 'sqlite3 ${path} ".recover" | sqlite3 fixed.db'; then use the new file`,
      options,
    );
    this.path = path;
  }
}

/**
 * The disk holding the catalog is full (`database or disk is full`): the
 * write was rolled back. Exit status 75, as for a full library.
 */
export class CatalogFullError extends Error {
  /** Always `CatalogFullError`. */
  override readonly name = "CatalogFullError";
  /** The exit status the CLI returns for it (EX_TEMPFAIL). */
  readonly exitCode = 75;
  /** The catalog file. */
  readonly path: string;

  /** The error of a write that did not fit on the disk holding `path`. */
  constructor(path: string, options: { cause?: unknown } = {}) {
    super(
      `The disk holding the catalog ${path} is full: the last write was rolled back and nothing is lost. ` +
        `Free some space there (or move the catalog to a roomier disk and point --db at it), then rerun`,
      options,
    );
    this.path = path;
  }
}

/** SQLite's own texts of the result codes acted on. */
const CODE_TEXTS: ReadonlyArray<[string, number]> = [
  ["database disk image is malformed", SQLITE_CORRUPT],
  ["file is not a database", SQLITE_NOTADB],
  ["database or disk is full", SQLITE_FULL],
];

/**
 * SQLite's primary result code of an error from `node:sqlite`, if it is
 * one. A statement's error carries it as `errcode`; an `exec()`'s error
 * only has SQLite's text, which names the code as well.
 */
export function sqliteCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { errcode?: unknown }).errcode;
  if (typeof code === "number") return code & 0xff;
  if ((error as { code?: unknown }).code !== "ERR_SQLITE_ERROR") {
    return undefined;
  }
  const message = error instanceof Error ? error.message : "";
  return CODE_TEXTS.find(([text]) => message.startsWith(text))?.[1];
}
