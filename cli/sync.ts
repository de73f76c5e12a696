/**
 * `catalogsync sync`: resolves playlists into songs and derives their
 * artists.
 *
 * @module
 */
import { formatDuration } from "../tasks/format.ts";
import {
  sync,
  SYNC_DEFAULTS,
  type SyncOptions,
  type SyncSummary,
} from "../tasks/sync.ts";
import { listedLines, stoppedLines } from "./_summary.ts";
import { type Command, defineCommand } from "./command.ts";
import {
  parseCount,
  parseDuration,
  parsePositive,
  parseSelection,
  SELECTION_OPTIONS,
} from "./flags.ts";

/** `catalogsync sync`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync sync [--source P,...] [--pool K,...] [--playlist PLATFORM:ID]... [--limit N] [--stale DURATION]",
  help:
    `Resolves each selected playlist through its platform and, in one transaction
per playlist, upserts its songs (unique by platform and remote id), replaces
its ordered playlist_songs, sets synced_at and the resolved count, and derives
artists (from the platform's ids and names, else the singer string split on
the platform's separators) into artists, artist_songs and the artist pool
derived from each playlist pool. Playlists whose resolved count differs from
the declared one are reported. Without --stale or --playlist, only playlists
never synced are selected, so a rerun after a kill continues where it stopped.

Options:
  --source P,...         netease, qq, kuwo (default all)
  --pool K,...           only playlists listed by square or toplist pools
  --playlist PLATFORM:ID this playlist (repeatable), e.g. netease:3778678, qq:chart:26
  --limit N              at most N playlists, 0 = all (default 0)
  --stale DURATION       also resync playlists last synced longer ago (30m, 12h, 7d)
  --concurrency N        playlists resolved at once per platform (default 2)`,
  options: {
    ...SELECTION_OPTIONS,
    limit: { type: "string" },
    stale: { type: "string" },
    concurrency: { type: "string" },
  },
  sources: (values) => parseSelection(values).platforms,
  toOptions: (values): SyncOptions => ({
    ...parseSelection(values),
    limit: parseCount(values.limit, "--limit", SYNC_DEFAULTS.limit),
    ...(values.stale === undefined
      ? {}
      : { staleMs: parseDuration(values.stale, "--stale") }),
    concurrency: parsePositive(
      values.concurrency,
      "--concurrency",
      SYNC_DEFAULTS.concurrency,
    ),
  }),
  run: sync,
  format: formatSyncSummary,
});

/** The text form of a sync summary. */
export function formatSyncSummary(summary: SyncSummary): string {
  const lines = [
    `sync ${summary.status}: ${summary.synced}/${summary.selected} playlists, ${summary.songs} songs (${summary.newSongs} new), ${summary.newArtists} new artists, ${summary.artistPoolsRefreshed} derived artist pools refreshed (${
      formatDuration(summary.durationMs)
    })`,
  ];
  if (summary.selected === 0) {
    lines.push(
      "  nothing to sync: every selected playlist is synced (use --stale DURATION or --playlist PLATFORM:ID to resync, or run collect first)",
    );
  }
  lines.push(...stoppedLines(summary.platformErrors));
  lines.push(...listedLines(
    summary.failures,
    (f) => `  failed ${f.platform}:${f.remoteId} (${f.name}): ${f.error}`,
    " failures",
  ));
  lines.push(...listedLines(summary.warnings, (w) => `  ${w}`, " warnings"));
  for (const m of summary.mismatches) {
    lines.push(
      `  count differs ${m.platform}:${m.remoteId} (${m.name}): declared ${m.declared}, resolved ${m.resolved}`,
    );
  }
  return lines.join("\n");
}
