/**
 * `status`: counts of the catalog per table, per platform and per storage
 * backend.
 *
 * @module
 */
import { type CatalogCounts, catalogCounts } from "../catalog/status.ts";
import type { Context } from "./context.ts";

/** The summary of `status`. */
export interface StatusSummary extends CatalogCounts {
  /** Path of the catalog file. */
  catalog: string;
}

/**
 * Counts what the catalog holds.
 *
 * @example Count a new catalog
 * ```ts
 * import { Catalog, createContext, status } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * using catalog = Catalog.open(":memory:");
 * const summary = await status(createContext({ catalog }));
 * assert.ok(summary.schemaVersion > 0);
 * assert.equal(summary.platforms.netease.songs.total, 0);
 * ```
 */
export function status(context: Context): Promise<StatusSummary> {
  return Promise.resolve({
    catalog: context.catalog.path,
    ...catalogCounts(context.catalog),
  });
}
