/**
 * `catalogsync status`: counts per table, platform and storage backend.
 *
 * @module
 */
import { DOWNLOAD_STATES } from "../catalog/status.ts";
import { PLATFORMS } from "../sources/types.ts";
import { formatBytes } from "../tasks/format.ts";
import { status, type StatusSummary } from "../tasks/status.ts";
import { type Command, defineCommand } from "./command.ts";
import { renderTable } from "./table.ts";

/** `catalogsync status`. */
export const command: Command = defineCommand({
  usage: "catalogsync status [--json]",
  help: `Counts of the catalog: pools, playlists (synced or not, failed, count
differs), songs (VIP only, unavailable), artists (with remote id, enriched),
derived artist pools (stale), downloads by state, files and bytes per
platform and per storage backend, and rows per table.`,
  options: {},
  catalog: "existing",
  toOptions: () => undefined,
  run: (context) => status(context),
  format: formatStatus,
});

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
  for (const state of DOWNLOAD_STATES) {
    rows.push(row(`downloads ${state}`, (x) => n(p[x].downloads[state])));
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
