/**
 * Checking a catalog file and recovering a damaged one.
 *
 * `inspectCatalog()` runs `PRAGMA integrity_check` and `PRAGMA
 * foreign_key_check` on a file opened read-only. `salvageCatalog()` copies
 * what can still be read into a new file: table by table, in key order, a
 * batch at a time; where a read fails on a damaged page it finds the exact
 * row it fails at, then probes further keys (doubling the step, then
 * bisecting) until reads work again, so one damaged page costs the rows on
 * it and no more. Rows whose parent row was lost are removed (foreign
 * keys), the copy is checked, and only then renamed into place: the
 * damaged file is never written to.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { Catalog, sqliteCode } from "./database.ts";
import { LATEST_VERSION } from "./migrations.ts";

/** What `inspectCatalog()` found. */
export interface CatalogInspection {
  /** The schema version, when it can be read. */
  schemaVersion: number | undefined;
  /** The problems `PRAGMA integrity_check` lists (at most 100); empty when it says `ok`. */
  problems: string[];
  /** Rows whose foreign key points to no row, by table. */
  orphans: Record<string, number>;
}

/** Checks a catalog file without writing to it. */
export function inspectCatalog(path: string): CatalogInspection {
  using db = openReadOnly(path);
  const inspection: CatalogInspection = {
    schemaVersion: undefined,
    problems: [],
    orphans: {},
  };
  try {
    inspection.schemaVersion = Number(
      (db.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version,
    );
    const rows = db.prepare("PRAGMA integrity_check(100)").all() as Array<
      { integrity_check: string }
    >;
    inspection.problems = rows.map((r) => r.integrity_check).filter((r) =>
      r !== "ok"
    ).flatMap((r) => r.split("\n")).filter((r) =>
      r !== "*** in database main ***"
    );
  } catch (error) {
    inspection.problems.push(messageOf(error));
    return inspection;
  }
  try {
    for (
      const row of db.prepare("PRAGMA foreign_key_check").all() as Array<
        { table: string }
      >
    ) {
      inspection.orphans[row.table] = (inspection.orphans[row.table] ?? 0) + 1;
    }
  } catch (error) {
    inspection.problems.push(`foreign_key_check: ${messageOf(error)}`);
  }
  return inspection;
}

/** What one table gave in a salvage. */
export interface SalvagedTable {
  /** The table. */
  table: string;
  /** Rows copied. */
  rows: number;
  /** Stretches of rows that could not be read and were skipped. */
  gaps: number;
}

/** What `salvageCatalog()` did. */
export interface SalvageReport {
  /** The new file. */
  out: string;
  /** The schema version read from the damaged file (the copy is at the latest). */
  fromVersion: number;
  /** Per table. */
  tables: SalvagedTable[];
  /** Rows removed from the copy because the row they point to was lost. */
  orphans: number;
  /** Synced playlists that lost songs: marked for the next sync. */
  resync: number;
}

/** Rows read and written at once. */
const BATCH = 500;

/**
 * Copies what can be read of the catalog at `path` into a new catalog at
 * `out` (which must not exist), at the latest schema version. The damaged
 * file is only read. Throws when nothing can be read (its header is
 * damaged) or when the copy does not pass `PRAGMA integrity_check`.
 */
export function salvageCatalog(path: string, out: string): SalvageReport {
  if (existsSync(out)) {
    throw new Error(`Cannot recover into '${out}': the file exists`);
  }
  using src = openReadOnly(path);
  let fromVersion: number;
  try {
    fromVersion = Number(
      (src.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version,
    );
  } catch (error) {
    throw new Error(
      `Cannot recover '${path}': its first page is damaged (${
        messageOf(error)
      }); try 'sqlite3 ${path} ".recover" | sqlite3 fixed.db'`,
      { cause: error },
    );
  }
  if (fromVersion > LATEST_VERSION) {
    throw new Error(
      `Cannot recover '${path}': schema version ${fromVersion} is newer than this catalogsync knows (${LATEST_VERSION})`,
    );
  }
  const partial = `${out}.partial`;
  for (const suffix of ["", "-wal", "-shm"]) removeIfThere(partial + suffix);
  const report: SalvageReport = {
    out,
    fromVersion,
    tables: [],
    orphans: 0,
    resync: 0,
  };
  {
    using dst = Catalog.open(partial, { migrateTo: fromVersion, check: false });
    dst.exec("PRAGMA foreign_keys = OFF");
    for (const table of tablesOf(dst)) {
      report.tables.push(copyTable(src, dst, table));
    }
    report.orphans = removeOrphans(dst);
    dst.exec("PRAGMA foreign_keys = ON");
  }
  {
    // migrate to the latest version and check the copy
    using copy = Catalog.open(partial);
    // a synced playlist that lost songs is synced again by the next sync
    report.resync = copy.run(
      `UPDATE playlists SET synced_at = NULL
       WHERE synced_at IS NOT NULL AND resolved_count IS NOT NULL
         AND resolved_count <> (SELECT count(*) FROM playlist_songs WHERE playlist_id = playlists.id)`,
    ).changes;
    const check = copy.all<{ integrity_check: string }>(
      "PRAGMA integrity_check",
    );
    if (check.length !== 1 || check[0]!.integrity_check !== "ok") {
      throw new Error(
        `The recovered copy '${partial}' does not pass integrity_check: ${
          check[0]?.integrity_check
        }`,
      );
    }
    copy.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  Deno.renameSync(partial, out);
  for (const suffix of ["-wal", "-shm"]) removeIfThere(partial + suffix);
  return report;
}

interface TableShape {
  name: string;
  /** Columns both files have, in the copy's order. */
  columns: string[];
  /** The key read in order: `rowid`, or the primary key of a WITHOUT ROWID table. */
  key: string[];
  /** Whether the key's first column is an integer (so damaged stretches can be skipped). */
  integerLead: boolean;
}

function tablesOf(dst: Catalog): string[] {
  return dst.all<{ name: string }>(
    `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'
       AND name NOT LIKE 'sqlite_%' ORDER BY name`,
  ).map((r) => r.name);
}

interface ColumnInfo {
  name: string;
  type: string;
  pk: number;
}

function shapeOf(
  src: DatabaseSync,
  dst: Catalog,
  name: string,
): TableShape | undefined {
  const ours = dst.all<ColumnInfo>(
    "SELECT name, type, pk FROM pragma_table_info(?)",
    name,
  );
  let theirs: string[];
  try {
    theirs = (src.prepare("SELECT name FROM pragma_table_info(?)").all(
      name,
    ) as Array<{ name: string }>).map((c) => c.name);
  } catch {
    return undefined;
  }
  const columns = ours.map((c) => c.name).filter((c) => theirs.includes(c));
  if (columns.length === 0) return undefined;
  const withoutRowid = dst.get<{ wr: number }>(
    "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?",
    name,
  )?.wr === 1;
  const pk = ours.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  if (withoutRowid) {
    return {
      name,
      columns,
      key: pk.map((c) => c.name),
      integerLead: pk[0]?.type.toUpperCase() === "INTEGER",
    };
  }
  // an INTEGER PRIMARY KEY is the rowid: copied as the column it is
  const alias = pk.length === 1 && pk[0]!.type.toUpperCase() === "INTEGER"
    ? pk[0]!.name
    : undefined;
  return {
    name,
    columns: alias ? columns : ["rowid", ...columns],
    key: [alias ?? "rowid"],
    integerLead: true,
  };
}

/** Where the next read starts. */
type Cursor =
  | { kind: "start" }
  | { kind: "after"; key: SQLInputValue[] }
  | { kind: "from"; lead: number };

function copyTable(
  src: DatabaseSync,
  dst: Catalog,
  table: string,
): SalvagedTable {
  const result: SalvagedTable = { table, rows: 0, gaps: 0 };
  const shape = shapeOf(src, dst, table);
  if (!shape) {
    result.gaps++;
    return result;
  }
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const columns = shape.columns.map(q).join(", ");
  const keys = shape.key.map(q);
  const insert = `INSERT OR IGNORE INTO ${q(table)} (${columns}) VALUES (${
    shape.columns.map(() => "?").join(", ")
  })`;
  const read = (cursor: Cursor, limit: number): SQLInputValue[][] => {
    const where = cursor.kind === "start"
      ? ""
      : cursor.kind === "after"
      ? `WHERE (${keys.join(", ")}) > (${keys.map(() => "?").join(", ")})`
      : `WHERE ${keys[0]} >= ?`;
    const params = cursor.kind === "start"
      ? []
      : cursor.kind === "after"
      ? cursor.key
      : [cursor.lead];
    // aliased, so that a key that is also a column comes twice
    const selected = [
      ...shape.columns.map((c, i) => `${q(c)} AS c${i}`),
      ...keys.map((k, i) => `${k} AS k${i}`),
    ];
    const rows = src.prepare(
      `SELECT ${selected.join(", ")} FROM ${q(table)} ${where}
       ORDER BY ${keys.join(", ")} LIMIT ${limit}`,
    ).all(...params) as Array<Record<string, SQLInputValue>>;
    return rows.map((row) => Object.values(row));
  };
  const width = shape.columns.length;
  let cursor: Cursor = { kind: "start" };
  for (;;) {
    let rows: SQLInputValue[][];
    try {
      rows = read(cursor, BATCH);
    } catch (error) {
      if (!isDamage(error)) throw error;
      // read row by row up to the damage, then find where reads work again
      const good: SQLInputValue[][] = [];
      for (;;) {
        try {
          const [row] = read(
            good.length > 0
              ? { kind: "after", key: good.at(-1)!.slice(width) }
              : cursor,
            1,
          );
          if (!row) break;
          good.push(row);
        } catch (inner) {
          if (!isDamage(inner)) throw inner;
          break;
        }
      }
      result.rows += write(dst, insert, good, width);
      const lastKey = good.at(-1)?.slice(width);
      const lead = lastKey ? lastKey[0] : cursorLead(cursor);
      result.gaps++;
      if (!shape.integerLead || typeof lead !== "number") break;
      const resume = skipDamage(read, lead);
      if (resume === undefined) break;
      cursor = { kind: "from", lead: resume };
      continue;
    }
    if (rows.length === 0) break;
    result.rows += write(dst, insert, rows, width);
    cursor = { kind: "after", key: rows.at(-1)!.slice(width) };
  }
  return result;
}

function cursorLead(cursor: Cursor): SQLInputValue {
  if (cursor.kind === "after") return cursor.key[0] ?? null;
  if (cursor.kind === "from") return cursor.lead - 1;
  return 0;
}

/**
 * The smallest lead key after `failed` from which a read works again:
 * doubling steps until one works, then bisecting back towards `failed`.
 * `undefined` when nothing after it can be read.
 */
function skipDamage(
  read: (cursor: Cursor, limit: number) => unknown[],
  failed: number,
): number | undefined {
  const works = (lead: number): boolean | "end" => {
    try {
      return read({ kind: "from", lead }, 1).length === 0 ? "end" : true;
    } catch (error) {
      if (!isDamage(error)) throw error;
      return false;
    }
  };
  let bad = failed;
  let step = 1;
  let good: number | undefined;
  while (step <= Number.MAX_SAFE_INTEGER / 4) {
    const probe = failed + step;
    const answer = works(probe);
    if (answer === "end") {
      good = probe;
      break;
    }
    if (answer) {
      good = probe;
      break;
    }
    bad = probe;
    step *= 2;
  }
  if (good === undefined) return undefined;
  let hi: number = good;
  while (hi - bad > 1) {
    const mid: number = bad + Math.floor((hi - bad) / 2);
    if (works(mid) === false) bad = mid;
    else hi = mid;
  }
  return works(hi) === "end" ? undefined : hi;
}

function write(
  dst: Catalog,
  insert: string,
  rows: SQLInputValue[][],
  width: number,
): number {
  if (rows.length === 0) return 0;
  return dst.transaction(() => {
    let n = 0;
    for (const row of rows) {
      n += dst.run(insert, ...row.slice(0, width)).changes;
    }
    return n;
  });
}

/** Deletes rows whose foreign key points to no row, until none is left. */
function removeOrphans(dst: Catalog): number {
  let removed = 0;
  for (;;) {
    let round = 0;
    for (const table of tablesOf(dst)) {
      const keys = dst.all<{ table: string; from: string; to: string | null }>(
        `SELECT "table", "from", "to" FROM pragma_foreign_key_list(?)`,
        table,
      );
      for (const fk of keys) {
        const to = fk.to ?? "rowid";
        round += dst.run(
          `DELETE FROM "${table}" WHERE "${fk.from}" IS NOT NULL AND "${fk.from}" NOT IN
             (SELECT "${to}" FROM "${fk.table}")`,
        ).changes;
      }
    }
    removed += round;
    if (round === 0) return removed;
  }
}

function openReadOnly(path: string): DatabaseSync & Disposable {
  if (!existsSync(path)) throw new Error(`No catalog at '${path}'`);
  const db = new DatabaseSync(path, { readOnly: true });
  return Object.assign(db, {
    [Symbol.dispose]: () => {
      if (db.isOpen) db.close();
    },
  });
}

function isDamage(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 11 || code === 26;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function removeIfThere(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
