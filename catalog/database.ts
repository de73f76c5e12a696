/**
 * A small database class over `node:sqlite`, shaped like the sqlite3 driver:
 * cached prepared statements, `transaction()` that commits on return and
 * rolls back on throw (with an immediate variant), and `Symbol.dispose`.
 *
 * A damaged catalog is never written to: a file opened for writing is
 * checked first (`PRAGMA quick_check`), and any corruption error after
 * that (`SQLITE_CORRUPT`, `SQLITE_NOTADB`) becomes a `CatalogDamagedError`
 * that every later call throws again, before touching the file. A full
 * disk (`SQLITE_FULL`) becomes a `CatalogFullError` (exit status 75).
 *
 * @module
 */
import {
  DatabaseSync,
  type SQLInputValue,
  type StatementSync,
} from "node:sqlite";
import {
  CatalogDamagedError,
  CatalogFullError,
  SQLITE_CORRUPT,
  SQLITE_FULL,
  SQLITE_NOTADB,
  sqliteCode,
} from "./errors.ts";
import { migrate, type MigrationResult } from "./migrations.ts";

/** A value a statement parameter accepts (`undefined` binds as NULL). */
export type SqlValue = SQLInputValue | undefined;

/** Options of `Catalog.open()`. */
export interface CatalogOptions {
  /**
   * Open without writing; no migrations run. A read-only connection cannot
   * fold the write-ahead log back, so its `-wal` and `-shm` files stay
   * after it closes (`queryOnly` leaves none). @default false
   */
  readOnly?: boolean;
  /**
   * Create the file when it is missing. With `false` a missing file, or an
   * empty one (which SQLite would silently turn into a database), is
   * refused with `Deno.errors.NotFound`. @default true
   */
  create?: boolean;
  /**
   * Read without writing on a read-write connection: no migrations run and
   * `PRAGMA query_only` refuses every write, and the last connection to
   * close still removes the `-wal` and `-shm` files. @default false
   */
  queryOnly?: boolean;
  /** How long a writer waits for a lock, in milliseconds. @default 10000 */
  busyTimeoutMs?: number;
  /**
   * Migrate to this schema version on open (`false` skips migrations).
   * @default the latest version
   */
  migrateTo?: number | false;
  /**
   * Check the file's structure before anything is written to it (`PRAGMA
   * quick_check`: reads every page once) and refuse a damaged file with a
   * `CatalogDamagedError`. @default true for a file opened for writing
   */
  check?: boolean;
}

/** The size the write-ahead log is folded back at, by default. */
export const DEFAULT_WAL_BYTES = 16 * 1024 * 1024;

export { CatalogDamagedError, CatalogFullError, sqliteCode } from "./errors.ts";

/** Result of a write statement. */
export interface RunResult {
  /** Rows changed. */
  changes: number;
  /** Row id of the last insert. */
  lastInsertRowid: number;
}

/** The catalog database. */
export class Catalog implements Disposable {
  /** The file path, or `:memory:`. */
  readonly path: string;
  /** What migrations ran when the catalog was opened. */
  readonly migration: MigrationResult | undefined;
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();
  /** Set once the file was found damaged: every later call throws it. */
  #damage: CatalogDamagedError | undefined;
  #savepoints = 0;
  #rollbacks = 0;

  private constructor(path: string, options: CatalogOptions) {
    this.path = path;
    if (options.create === false) refuseMissing(path);
    this.#db = new DatabaseSync(path, {
      readOnly: options.readOnly ?? false,
      enableForeignKeyConstraints: true,
    });
    const busy = Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000));
    this.#db.exec(`PRAGMA busy_timeout = ${busy}`);
    this.#db.exec("PRAGMA foreign_keys = ON");
    const check = options.check ??
      (!options.readOnly && !options.queryOnly && path !== ":memory:" &&
        path !== "");
    try {
      if (check) this.#checkStructure();
      this.#configure(options);
    } catch (error) {
      this.#db.close();
      throw this.#translate(error);
    }
    if (
      !options.readOnly && !options.queryOnly && options.migrateTo !== false
    ) {
      try {
        this.migration = migrate(this, options.migrateTo);
      } catch (error) {
        this.#db.close();
        throw error;
      }
    }
  }

  /** WAL, page size, checkpoints: the settings of a catalog opened for writing. */
  #configure(options: CatalogOptions): void {
    if (!options.readOnly && !options.queryOnly) {
      if (this.#isEmpty()) {
        // Song rows carry the platform's raw JSON (2-3 KB): 16 KiB pages hold
        // several where 4 KiB pages held one, so the file is smaller and
        // writes are fewer. Only an empty database can take a page size.
        this.#db.exec("PRAGMA page_size = 16384");
      }
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec("PRAGMA synchronous = NORMAL");
      // fold the log back into the file as it grows past 16 MiB (not the
      // default 4 MiB: fewer checkpoint fsyncs), and give its space back
      this.limitWal(DEFAULT_WAL_BYTES);
    }
    if (options.queryOnly) this.#db.exec("PRAGMA query_only = ON");
  }

  /** `PRAGMA quick_check`: throws `CatalogDamagedError` on the first problem. */
  #checkStructure(): void {
    let rows: Array<{ quick_check: string }>;
    try {
      rows = this.#db.prepare("PRAGMA quick_check").all() as typeof rows;
    } catch (error) {
      const code = sqliteCode(error);
      if (code !== SQLITE_CORRUPT && code !== SQLITE_NOTADB) throw error;
      throw this.#damaged(
        `PRAGMA quick_check: ${
          error instanceof Error ? error.message : String(error)
        }`,
        error,
      );
    }
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
    if (problems.length > 0) {
      const first =
        problems[0]!.replace(/^\*\*\* in database main \*\*\*\n/, "")
          .split("\n")[0];
      throw this.#damaged(
        `PRAGMA quick_check: ${first}${
          problems.length > 1 ? ` and ${problems.length - 1} more` : ""
        }`,
      );
    }
  }

  /**
   * Opens (creating if needed) a catalog and migrates it to the latest schema.
   *
   * @example Usage
   * ```ts
   * import { Catalog } from "./database.ts";
   * import assert from "node:assert/strict";
   * using catalog = Catalog.open(":memory:");
   * assert.equal(catalog.get<{ n: number }>("SELECT count(*) AS n FROM songs")?.n, 0);
   * ```
   */
  static open(path: string, options: CatalogOptions = {}): Catalog {
    return new Catalog(path, options);
  }

  /** The schema version (`PRAGMA user_version`). */
  get schemaVersion(): number {
    return Number(
      (this.#db.prepare("PRAGMA user_version").get() as {
        user_version: number;
      })
        .user_version,
    );
  }

  /**
   * How many transactions (or savepoints) rolled back so far: caches of row
   * ids drop what they hold when it moves.
   */
  get rollbacks(): number {
    return this.#rollbacks;
  }

  /** Whether a transaction is open. */
  get inTransaction(): boolean {
    return this.#db.isTransaction;
  }

  /**
   * A prepared statement, cached by its SQL text. Call it inside
   * `transaction()` (which turns what goes wrong into the catalog's errors),
   * or prefer `run()`, `get()`, `all()`.
   */
  prepare(sql: string): StatementSync {
    if (this.#damage) throw this.#damage;
    let statement = this.#statements.get(sql);
    if (!statement) {
      try {
        statement = this.#db.prepare(sql);
      } catch (error) {
        throw this.#translate(error);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs SQL that takes no parameters (several statements allowed). */
  exec(sql: string): void {
    this.#guard(() => this.#db.exec(sql));
  }

  /** Runs a write statement. */
  run(sql: string, ...params: SqlValue[]): RunResult {
    const statement = this.prepare(sql);
    return this.#guard(() => {
      const result = statement.run(...bind(params));
      return {
        changes: Number(result.changes),
        lastInsertRowid: Number(result.lastInsertRowid),
      };
    });
  }

  /** The first row of a query, or `undefined`. */
  get<T>(sql: string, ...params: SqlValue[]): T | undefined {
    const statement = this.prepare(sql);
    return this.#guard(() => statement.get(...bind(params)) as T | undefined);
  }

  /** Every row of a query. */
  all<T>(sql: string, ...params: SqlValue[]): T[] {
    const statement = this.prepare(sql);
    return this.#guard(() => statement.all(...bind(params)) as T[]);
  }

  /** Rows of a query, one at a time. */
  *iterate<T>(sql: string, ...params: SqlValue[]): IterableIterator<T> {
    const statement = this.prepare(sql);
    const rows = this.#guard(() =>
      statement.iterate(...bind(params)) as IterableIterator<T>
    );
    for (;;) {
      const next = this.#guard(() => rows.next());
      if (next.done) return;
      yield next.value;
    }
  }

  /**
   * Keeps the write-ahead log near `bytes`: it is checkpointed (folded
   * back into the file) once it holds that much, and cut back to that size
   * afterwards (`wal_autocheckpoint`, `journal_size_limit`).
   */
  limitWal(bytes: number): void {
    const pageSize = Number(
      (this.#db.prepare("PRAGMA page_size").get() as { page_size: number })
        .page_size,
    );
    const pages = Math.max(16, Math.floor(bytes / pageSize));
    this.#guard(() => {
      this.#db.exec(`PRAGMA wal_autocheckpoint = ${pages}`);
      this.#db.exec(`PRAGMA journal_size_limit = ${pages * pageSize}`);
    });
  }

  /**
   * Folds the write-ahead log back into the file now and empties it
   * (`PRAGMA wal_checkpoint(TRUNCATE)`), when no other connection is in
   * the way; returns whether it did.
   */
  checkpoint(): boolean {
    if (this.path === ":memory:" || this.#db.isTransaction) return false;
    const row = this.#guard(() =>
      this.#db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as {
        busy: number;
      } | undefined
    );
    return row?.busy === 0;
  }

  /** The error the catalog was found damaged with, if it was. */
  get damage(): CatalogDamagedError | undefined {
    return this.#damage;
  }

  /**
   * Runs `fn` in a transaction: commits when it returns, rolls back when it
   * throws. Nested calls use savepoints. `fn` must be synchronous: awaiting
   * inside a transaction would hold the write lock across I/O.
   */
  transaction<T>(fn: () => T): T {
    return this.#transaction(fn, "BEGIN");
  }

  /**
   * Like `transaction()`, but takes the write lock at once (`BEGIN
   * IMMEDIATE`), so a read-then-write cannot race another process.
   */
  immediate<T>(fn: () => T): T {
    return this.#transaction(fn, "BEGIN IMMEDIATE");
  }

  /** Closes the database. */
  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  /** Closes the database. */
  [Symbol.dispose](): void {
    this.close();
  }

  #isEmpty(): boolean {
    const row = this.#db.prepare(
      "SELECT count(*) AS n FROM sqlite_master",
    ).get() as { n: number };
    return row.n === 0;
  }

  /** Runs `fn` on the database, turning what SQLite reports into the catalog's errors. */
  #guard<T>(fn: () => T): T {
    if (this.#damage) throw this.#damage;
    try {
      return fn();
    } catch (error) {
      throw this.#translate(error);
    }
  }

  /**
   * A corruption error poisons the catalog (`CatalogDamagedError`, thrown
   * by every later call); a full disk is a `CatalogFullError`.
   */
  #translate(error: unknown): unknown {
    if (
      error instanceof CatalogDamagedError || error instanceof CatalogFullError
    ) return error;
    const code = sqliteCode(error);
    if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) {
      const detail = error instanceof Error ? error.message : String(error);
      return this.#damaged(detail, error);
    }
    if (code === SQLITE_FULL) {
      return new CatalogFullError(this.path, { cause: error });
    }
    return error;
  }

  #damaged(detail: string, cause?: unknown): CatalogDamagedError {
    this.#damage ??= new CatalogDamagedError(this.path, detail, { cause });
    return this.#damage;
  }

  #transaction<T>(fn: () => T, begin: string): T {
    if (this.#damage) throw this.#damage;
    if (this.#db.isTransaction) {
      const name = `sp_${++this.#savepoints}`;
      this.#db.exec(`SAVEPOINT ${name}`);
      try {
        const result = checkSync(fn());
        this.#db.exec(`RELEASE ${name}`);
        return result;
      } catch (error) {
        this.#rollbacks++;
        const translated = this.#translate(error);
        if (!this.#damage) {
          this.#db.exec(`ROLLBACK TO ${name}`);
          this.#db.exec(`RELEASE ${name}`);
        }
        throw translated;
      }
    }
    this.#guard(() => this.#db.exec(begin));
    try {
      const result = checkSync(fn());
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      this.#rollbacks++;
      const translated = this.#translate(error);
      try {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      } catch {
        // a rollback that fails leaves nothing written: the error is what matters
      }
      throw translated;
    }
  }
}

/** Throws `NotFound` unless `path` is a file with something in it. */
function refuseMissing(path: string): void {
  if (path === ":memory:" || path === "") return;
  let size: number;
  try {
    const info = Deno.statSync(path);
    size = info.isFile ? info.size : -1;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Deno.errors.NotFound(`No catalog at '${path}'`, { cause: error });
  }
  if (size <= 0) {
    throw new Deno.errors.NotFound(
      `No catalog at '${path}': ${
        size === 0 ? "it is an empty file" : "it is not a file"
      }`,
    );
  }
}

function checkSync<T>(value: T): T {
  if (value instanceof Promise) {
    value.catch(() => {});
    throw new TypeError(
      "Cannot run an async function in a transaction: do the I/O first, then write",
    );
  }
  return value;
}

function bind(params: SqlValue[]): SQLInputValue[] {
  for (let i = 0; i < params.length; i++) {
    if (params[i] === undefined) params[i] = null;
  }
  return params as SQLInputValue[];
}
