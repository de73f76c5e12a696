/**
 * `check`: is the catalog file whole? `PRAGMA integrity_check` and `PRAGMA
 * foreign_key_check` on the file opened read-only; with `repair`, what can
 * still be read of a damaged file is copied into a new file (the damaged
 * one is kept as it is).
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import {
  inspectCatalog,
  salvageCatalog,
  type SalvageReport,
} from "../catalog/repair.ts";
import type { Context } from "./context.ts";
import type { RunStatus } from "./outcome.ts";

export type { SalvagedTable, SalvageReport } from "../catalog/repair.ts";

/** Options of `check()`. */
export interface CheckOptions {
  /** The catalog file to check. */
  db: string;
  /** Recover a damaged catalog into a new file. @default false */
  repair?: boolean;
  /**
   * Where the recovered catalog goes (must not exist).
   * @default `<name>.recovered.db` next to the catalog
   */
  out?: string;
}

/** The summary of `check()`. */
export interface CheckSummary {
  /** `ok` when the file is whole (or was recovered), `failed` when it is damaged. */
  status: RunStatus;
  /** The catalog file, absolute. */
  catalog: string;
  /** Its schema version, when it can be read. */
  schemaVersion: number | undefined;
  /** Whether it passes both checks. */
  healthy: boolean;
  /** What `PRAGMA integrity_check` lists (empty when it says `ok`). */
  problems: string[];
  /** Rows whose foreign key points to no row, by table. */
  orphans: Record<string, number>;
  /** What the recovery did (`repair` of a damaged file). */
  repair: SalvageReport | undefined;
  /** How long it took, in milliseconds. */
  durationMs: number;
}

/**
 * Checks a catalog file, and recovers a damaged one into a new file on
 * request. Writes nothing to the checked file.
 *
 * @example Check a new catalog
 * ```ts
 * import { Catalog, check, createContext } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   const db = `${dir}/catalog.db`;
 *   Catalog.open(db).close();
 *   using memory = Catalog.open(":memory:");
 *   const summary = await check(createContext({ catalog: memory }), { db });
 *   assert.equal(summary.status, "ok");
 *   assert.deepEqual(summary.problems, []);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export function check(
  context: Context,
  options: CheckOptions,
): Promise<CheckSummary> {
  const started = context.now();
  const catalog = resolve(options.db);
  const inspection = inspectCatalog(catalog);
  const healthy = inspection.problems.length === 0 &&
    Object.keys(inspection.orphans).length === 0;
  const summary: CheckSummary = {
    status: healthy ? "ok" : "failed",
    catalog,
    schemaVersion: inspection.schemaVersion,
    healthy,
    problems: inspection.problems,
    orphans: inspection.orphans,
    repair: undefined,
    durationMs: 0,
  };
  if (!healthy && options.repair) {
    const out = resolve(options.out ?? defaultOut(catalog));
    context.log.info(`recovering ${catalog} into ${out}`);
    summary.repair = salvageCatalog(catalog, out);
    summary.status = "ok";
  }
  summary.durationMs = context.now() - started;
  return Promise.resolve(summary);
}

/** `<dir>/<name>.recovered.db` for `<dir>/<name>.db`. */
function defaultOut(catalog: string): string {
  const name = basename(catalog).replace(/\.(db|sqlite3?)$/i, "");
  return join(dirname(catalog), `${name}.recovered.db`);
}
