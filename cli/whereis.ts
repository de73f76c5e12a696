/**
 * `catalogsync whereis`: every location of a song's file.
 *
 * @module
 */
import { whereis, type WhereisSummary } from "../tasks/whereis.ts";
import { type Command, defineCommand } from "./command.ts";
import { EXIT } from "./exit.ts";
import { leftAlign, renderTable } from "./table.ts";

/** `catalogsync whereis`. */
export const command: Command = defineCommand({
  usage: "catalogsync whereis <PLATFORM:ID | PATH>",
  help: `Lists every location of a song's file: on which backend, in which state
(active, missing, corrupt, deleted) and where (a local path, s3://bucket/key,
a WebDAV URL). The song is named by PLATFORM:ID (e.g. netease:186016) or by
the path of one of its local copies. Exit status 1 when nothing matches.`,
  options: {},
  positionals: [1, 1],
  catalog: "existing",
  toOptions: (_values, [ref]) => ({ ref: ref! }),
  run: (context, options) => whereis(context, options),
  format: formatWhereis,
  exitCode: (summary) => summary.song ? EXIT.ok : EXIT.failure,
});

/** The text form of a whereis summary. */
export function formatWhereis(summary: WhereisSummary): string {
  if (!summary.song) return "no such song or file in the catalog";
  const s = summary.song;
  const head = `${s.platform}:${s.remoteId} ${s.title}`;
  if (summary.locations.length === 0) return `${head}: no file`;
  return [
    `${head} (${s.sizeBytes} bytes, sha256 ${s.sha256.slice(0, 16)}...)`,
    renderTable(leftAlign([
      ["  backend", "kind", "state", "where"],
      ...summary.locations.map((l) => [
        `  ${l.backend}`,
        l.kind,
        l.state,
        l.where,
      ]),
    ], [1, 2, 3])),
  ].join("\n");
}
