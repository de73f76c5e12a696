/**
 * `catalogsync export m3u8`: writes m3u8 playlists of downloaded files.
 *
 * @module
 */
import {
  exportM3u8,
  type ExportOptions,
  type ExportSummary,
} from "../tasks/export.ts";
import { formatDuration } from "../tasks/format.ts";
import { listedLines } from "./_summary.ts";
import { type Command, defineCommand } from "./command.ts";
import { UsageError } from "./exit.ts";
import { parsePlatforms, parsePlaylists, SOURCE_OPTION } from "./flags.ts";

/** `catalogsync export`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync export m3u8 --out DIR [--source P,...] [--playlist PLATFORM:ID]...",
  help:
    `Writes one .m3u8 file per synced playlist into DIR: #EXTM3U, then for each
song in playlist order #EXTINF:<seconds>,<artists> - <title> and the path of
its downloaded file relative to DIR. Songs without a downloaded file are
skipped; playlists without any are not written. File names are sanitized
like song names and unique.

Options:
  --out DIR              the folder to write to (created if needed; required)
  --source P,...         only playlists of these platforms (default all)
  --playlist PLATFORM:ID only this playlist (repeatable)`,
  options: {
    ...SOURCE_OPTION,
    out: { type: "string" },
    playlist: { type: "string", multiple: true },
  },
  positionals: [1, 1],
  catalog: "existing",
  toOptions: (values, [format]): ExportOptions => {
    if (format !== "m3u8") {
      throw new UsageError(
        `Unknown export format '${format}': expected m3u8`,
      );
    }
    if (values.out === undefined || values.out.trim() === "") {
      throw new UsageError("Missing --out DIR: the folder to write to");
    }
    return {
      outDir: values.out,
      platforms: parsePlatforms(values.source),
      playlists: parsePlaylists(values.playlist),
    };
  },
  run: exportM3u8,
  format: formatExportSummary,
});

/** The text form of an export summary. */
export function formatExportSummary(summary: ExportSummary): string {
  const lines = [
    `export ${summary.status}: ${summary.playlists} playlists written to ${summary.outDir}, ${summary.entries} entries, ${summary.skippedSongs} songs skipped without a downloaded file (${
      formatDuration(summary.durationMs)
    })`,
  ];
  if (summary.skippedRemoteOnly > 0) {
    lines.push(
      `  ${summary.skippedRemoteOnly} of the skipped songs are only in a bucket or on a cloud drive (m3u8 lists local paths)`,
    );
  }
  if (summary.emptyPlaylists > 0) {
    lines.push(
      `  ${summary.emptyPlaylists} synced playlists not written: none of their songs is downloaded`,
    );
  }
  lines.push(...listedLines(
    summary.files,
    (file) =>
      `  ${file.path}: ${file.entries} entries${
        file.skipped > 0 ? `, ${file.skipped} skipped` : ""
      }`,
    " files",
  ));
  for (const ref of summary.unknownPlaylists) {
    lines.push(`  not synced: ${ref}`);
  }
  return lines.join("\n");
}
