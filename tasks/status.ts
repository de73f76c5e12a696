/**
 * `status`: counts of the catalog per table, per platform and per storage
 * backend.
 *
 * @module
 */
import { type CatalogCounts, catalogCounts } from "../catalog/status.ts";
import { PLATFORMS } from "../sources/types.ts";
import type { Context } from "./context.ts";
import { formatBytes } from "./format.ts";
import { renderTable } from "./table.ts";

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
 * import { Catalog, createContext, LATEST_VERSION, status } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * using catalog = Catalog.open(":memory:");
 * const summary = await status(createContext({ catalog }));
 * assert.equal(summary.schemaVersion, LATEST_VERSION);
 * assert.equal(summary.platforms.netease.songs.total, 0);
 * ```
 */
export function status(context: Context): Promise<StatusSummary> {
  return Promise.resolve({
    catalog: context.catalog.path,
    ...catalogCounts(context.catalog),
  });
}

/** The text form of a `status` summary. */
export function formatStatus(summary: StatusSummary): string {
  const p = summary.platforms;
  const row = (
    label: string,
    value: (platform: typeof PLATFORMS[number]) => string,
  ) => [
    label,
    ...PLATFORMS.map(value),
  ];
  const n = (value: number) => value.toLocaleString("en-US");
  const rows: string[][] = [
    ["", ...PLATFORMS],
    row("square pools", (x) => n(p[x].pools.square)),
    row("toplist pools", (x) => n(p[x].pools.toplist)),
    row("playlists", (x) => n(p[x].playlists.total)),
    row("  synced", (x) => n(p[x].playlists.synced)),
    row("  not synced", (x) => n(p[x].playlists.unsynced)),
    row("  sync failed", (x) => n(p[x].playlists.failed)),
    row("  count differs", (x) => n(p[x].playlists.countMismatch)),
    row("songs", (x) => n(p[x].songs.total)),
    row("  vip only", (x) => n(p[x].songs.vip)),
    row("  unavailable", (x) => n(p[x].songs.unavailable)),
    row("artists", (x) => n(p[x].artists.total)),
    row("  with remote id", (x) => n(p[x].artists.withRemoteId)),
    row("  enriched", (x) => n(p[x].artists.enriched)),
    row("derived artist pools", (x) => n(p[x].artistPools.total)),
    row("  stale", (x) => n(p[x].artistPools.stale)),
  ];
  for (const state of Object.keys(p.netease.downloads)) {
    rows.push(
      row(`downloads ${state}`, (x) => n(p[x].downloads[state as "done"])),
    );
  }
  rows.push(row("songs with a file", (x) => n(p[x].files.songsWithFile)));
  rows.push(row("bytes stored", (x) => formatBytes(p[x].files.bytes)));
  const lines = [
    `catalog ${summary.catalog} (schema version ${summary.schemaVersion})`,
    "",
    renderTable(rows),
  ];
  if (summary.backends.length > 0) {
    lines.push("", "storage backends:");
    lines.push(renderTable([
      ["  id", "kind", "name", "files", "missing", "bytes", "root"],
      ...summary.backends.map((b) => [
        `  ${b.id}${b.active ? "*" : ""}`,
        b.kind,
        b.name,
        n(b.files),
        n(b.missing),
        formatBytes(b.bytes),
        b.containerName,
      ]),
    ]));
    lines.push("  (* = active)");
  }
  lines.push("", "rows per table:");
  lines.push(renderTable(
    Object.entries(summary.tables).map((
      [table, count],
    ) => [`  ${table}`, n(count)]),
  ));
  return lines.join("\n");
}
