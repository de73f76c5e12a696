/**
 * A small database class over `node:sqlite`, shaped like the sqlite3 driver:
 * cached prepared statements, `transaction()` that commits on return and
 * rolls back on throw (with an immediate variant), and `Symbol.dispose`.
 *
 * @module
 */
import {
  DatabaseSync,
  type SQLInputValue,
  type StatementSync,
} from "node:sqlite";
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
}

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
    if (!options.readOnly && !options.queryOnly) {
      if (this.#isEmpty()) {
        // Song rows carry the platform's raw JSON (2-3 KB): 16 KiB pages hold
        // several where 4 KiB pages held one, so the file is smaller and
        // writes are fewer. Only an empty database can take a page size.
        this.#db.exec("PRAGMA page_size = 16384");
      }
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec("PRAGMA synchronous = NORMAL");
      // checkpoint (and fsync) every 64 MiB of WAL rather than every 4 MiB,
      // and give the space back after each checkpoint
      this.#db.exec("PRAGMA wal_autocheckpoint = 4096");
      this.#db.exec("PRAGMA journal_size_limit = 67108864");
    }
    if (options.queryOnly) this.#db.exec("PRAGMA query_only = ON");
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

  /** A prepared statement, cached by its SQL text. */
  prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs SQL that takes no parameters (several statements allowed). */
  exec(sql: string): void {
    this.#db.exec(sql);
  }

  /** Runs a write statement. */
  run(sql: string, ...params: SqlValue[]): RunResult {
    const result = this.prepare(sql).run(...bind(params));
    return {
      changes: Number(result.changes),
      lastInsertRowid: Number(result.lastInsertRowid),
    };
  }

  /** The first row of a query, or `undefined`. */
  get<T>(sql: string, ...params: SqlValue[]): T | undefined {
    return this.prepare(sql).get(...bind(params)) as T | undefined;
  }

  /** Every row of a query. */
  all<T>(sql: string, ...params: SqlValue[]): T[] {
    return this.prepare(sql).all(...bind(params)) as T[];
  }

  /** Rows of a query, one at a time. */
  iterate<T>(sql: string, ...params: SqlValue[]): IterableIterator<T> {
    return this.prepare(sql).iterate(...bind(params)) as IterableIterator<T>;
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

  #transaction<T>(fn: () => T, begin: string): T {
    if (this.#db.isTransaction) {
      const name = `sp_${++this.#savepoints}`;
      this.#db.exec(`SAVEPOINT ${name}`);
      try {
        const result = checkSync(fn());
        this.#db.exec(`RELEASE ${name}`);
        return result;
      } catch (error) {
        this.#rollbacks++;
        this.#db.exec(`ROLLBACK TO ${name}`);
        this.#db.exec(`RELEASE ${name}`);
        throw error;
      }
    }
    this.#db.exec(begin);
    try {
      const result = checkSync(fn());
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      this.#rollbacks++;
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
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
