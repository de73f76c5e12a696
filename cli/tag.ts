/**
 * `catalogsync tag`: (re)writes tags, covers and lyrics of files already
 * in the library.
 *
 * @module
 */
import { formatDuration } from "../tasks/format.ts";
import {
  tag,
  TAG_STAGE_DEFAULTS,
  type TagOptions,
  type TagSummary,
} from "../tasks/tag.ts";
import { listedLines } from "./_summary.ts";
import {
  parseTagParts,
  TAG_PART_HELP,
  TAG_PART_OPTIONS,
} from "./_tag_flags.ts";
import { type Command, defineCommand } from "./command.ts";
import {
  parseCount,
  parsePlatforms,
  parsePositive,
  SOURCE_OPTION,
} from "./flags.ts";

/** `catalogsync tag`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync tag [--source P,...] [--limit N] [--no-tags] [--no-cover] [--no-lyrics] [--cover-size PX] [--concurrency N]",
  help:
    `Writes title, artists (one value each), album, album artist, track, disc,
date, the platform's id (CATALOGSYNC_ID) and song page (CATALOGSYNC_URL), the
album's front cover and the plain lyrics into the files already in the
library (ID3v2.4 in mp3, Vorbis comments and PICTURE in flac, ilst in m4a),
and the synced lyrics beside each file as <name>.lrc (its translation as
<name>.zh.lrc). For files downloaded before tags were written, or after
--cover-size or the parts asked for changed. Covers are fetched once per
album and kept in the catalog; lyrics once per song, "none" and
"instrumental" included.

A file whose bytes would not change is not touched: a second run changes
nothing. A changed file is written beside itself, synced, and renamed into
place in the transaction that records its new size and SHA-256. Files that
are gone or not their recorded size are left for download to mark missing.
A part turned off keeps what the file has of it.

Options:
  --source P,...         files of songs of netease, qq, kuwo (default all)
  --limit N              at most N files, 0 = all (default 0)
${TAG_PART_HELP}
  --concurrency N        files worked on at once (default 4)`,
  options: {
    ...SOURCE_OPTION,
    ...TAG_PART_OPTIONS,
    limit: { type: "string" },
    concurrency: { type: "string" },
  },
  sources: (values) => parsePlatforms(values.source),
  toOptions: (values): TagOptions => ({
    platforms: parsePlatforms(values.source),
    limit: parseCount(values.limit, "--limit", TAG_STAGE_DEFAULTS.limit),
    ...parseTagParts(values),
    concurrency: parsePositive(
      values.concurrency,
      "--concurrency",
      TAG_STAGE_DEFAULTS.concurrency,
    ),
  }),
  run: tag,
  format: formatTagSummary,
});

/** The text form of a tag summary. */
export function formatTagSummary(summary: TagSummary): string {
  return [
    `tag ${summary.status}: ${summary.rewritten} files rewritten, ${summary.unchanged} unchanged of ${summary.files} (${
      formatDuration(summary.durationMs)
    })`,
    `  covers fetched ${summary.coversFetched}, lyrics fetched ${summary.lyricsFetched}, .lrc files written ${summary.lrcFiles}`,
    ...(summary.skipped + summary.unsupported + summary.partial > 0
      ? [
        `  ${summary.skipped} files gone or changed (left alone), ${summary.unsupported} in containers not tagged, ${summary.partial} without a cover or lyrics that failed to load (a rerun fills them in)`,
      ]
      : []),
    ...listedLines(
      summary.failures,
      (f) => `  failed ${f.platform}:${f.remoteId} (${f.locator}): ${f.error}`,
    ),
  ].join("\n");
}
