/**
 * `catalogsync check`: is the catalog file whole, and the recovery of a
 * damaged one into a new file.
 *
 * @module
 */
import { check, type CheckSummary } from "../tasks/check.ts";
import { formatDuration } from "../tasks/format.ts";
import { listedLines } from "./_summary.ts";
import { type Command, defineCommand } from "./command.ts";
import { UsageError } from "./exit.ts";

/** `catalogsync check`. */
export const command: Command = defineCommand({
  usage: "catalogsync check [--repair [--out FILE]]",
  help:
    `Runs PRAGMA integrity_check and PRAGMA foreign_key_check on the catalog,
opened read-only: nothing is written to it. Exit status 0 when it is whole,
1 when it is damaged.

Every other command checks the catalog's structure when it opens it (PRAGMA
quick_check) and stops on a damaged one, or on any corruption error later,
before writing anything to it.

With --repair, what can still be read of a damaged catalog is copied into a
new file (table by table; the rows on a damaged page are skipped, and rows
pointing to a lost row are removed), checked, and left next to the damaged
one, which is kept as it is. Use the new file with --db, or move it into
place. sqlite3 can also recover a catalog:
  sqlite3 catalog.db ".recover" | sqlite3 fixed.db

Options:
  --repair               recover a damaged catalog into a new file
  --out FILE             where the recovered catalog goes (must not exist;
                         default <name>.recovered.db next to the catalog)`,
  options: {
    repair: { type: "boolean" },
    out: { type: "string" },
  },
  catalog: "none",
  toOptions: (values) => {
    if (values.out !== undefined && values.repair !== true) {
      throw new UsageError("--out goes with --repair");
    }
    if (values.out !== undefined && values.out.trim() === "") {
      throw new UsageError("Invalid --out '': expected a file path");
    }
    return {
      repair: values.repair === true,
      ...(values.out === undefined ? {} : { out: values.out }),
    };
  },
  run: (context, options, { globals }) =>
    check(context, { ...options, db: globals.db }),
  format: formatCheckSummary,
});

/** The text form of a `check` summary. */
export function formatCheckSummary(summary: CheckSummary): string {
  const took = formatDuration(summary.durationMs);
  if (summary.healthy) {
    return `check ok: ${summary.catalog} passes integrity_check and foreign_key_check (schema version ${summary.schemaVersion}, ${took})`;
  }
  const lines = [
    `check: ${summary.catalog} is damaged: ${summary.problems.length} problems, ${
      Object.values(summary.orphans).reduce((a, b) => a + b, 0)
    } rows pointing to no row (${took})`,
    ...listedLines(summary.problems, (p) => `  ${p}`, " problems"),
    ...Object.entries(summary.orphans).map(([table, n]) =>
      `  ${table}: ${n} rows pointing to no row`
    ),
  ];
  const repair = summary.repair;
  if (!repair) {
    lines.push(
      `  recover it into a new file, keeping this one: catalogsync check --repair --db ${summary.catalog}`,
      `  (or: sqlite3 ${summary.catalog} ".recover" | sqlite3 fixed.db)`,
    );
    return lines.join("\n");
  }
  const rows = repair.tables.reduce((a, t) => a + t.rows, 0);
  const gaps = repair.tables.filter((t) => t.gaps > 0);
  lines.push(
    `recovered into ${repair.out}: ${rows} rows copied, ${
      gaps.length === 0
        ? "no unreadable stretch"
        : `unreadable stretches skipped in ${
          gaps.map((t) => `${t.table} (${t.gaps})`).join(", ")
        }`
    }, ${repair.orphans} rows removed that pointed to a lost row, ${repair.resync} playlists that lost songs marked for the next sync`,
    `  the damaged file is kept as it was; use the new one with --db ${repair.out}, or move it into place`,
    `  then collect, sync and download fetch again what was lost`,
  );
  return lines.join("\n");
}
