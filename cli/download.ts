/**
 * `catalogsync download`: downloads each song once, at the best quality
 * the platform grants.
 *
 * @module
 */
import type { ParseArgsOptionsConfig } from "node:util";
import {
  TERMINAL_STATES,
  type TerminalState,
} from "../catalog/download_tasks.ts";
import { isQualityLabel, QUALITY_LABELS } from "../sources/types.ts";
import {
  download,
  DOWNLOAD_DEFAULTS,
  type DownloadOptions,
  type DownloadSummary,
  type QualityChoice,
} from "../tasks/download.ts";
import { formatBytes, formatDuration } from "../tasks/format.ts";
import { listedLines, stoppedLines } from "./_summary.ts";
import {
  parseTagParts,
  TAG_PART_HELP,
  TAG_PART_OPTIONS,
} from "./_tag_flags.ts";
import { type Command, defineCommand } from "./command.ts";
import { EXIT, exitStatus, UsageError } from "./exit.ts";
import {
  type OptionValues,
  parseChoices,
  parseCount,
  parsePositive,
  parseSelection,
  parseSize,
  SELECTION_OPTIONS,
} from "./flags.ts";

/** How the songs are downloaded: the flags `pipeline` shares with `download`. */
export const DOWNLOAD_RUN_OPTIONS = {
  quality: { type: "string" },
  library: { type: "string" },
  "next-dir": { type: "string", multiple: true },
  "min-free": { type: "string" },
  concurrency: { type: "string" },
  retry: { type: "string", multiple: true },
  upgrade: { type: "boolean" },
} as const satisfies ParseArgsOptionsConfig;

/** The download options of `DOWNLOAD_RUN_OPTIONS`' flags, checked. */
export function downloadRunOptions(
  values: OptionValues<typeof DOWNLOAD_RUN_OPTIONS>,
): Pick<
  DownloadOptions,
  | "quality"
  | "library"
  | "nextDirs"
  | "minFree"
  | "concurrency"
  | "retry"
  | "upgrade"
> {
  return {
    quality: parseQuality(values.quality),
    ...(values.library === undefined ? {} : { library: values.library }),
    nextDirs: values["next-dir"] ?? [],
    minFree: values["min-free"] === undefined
      ? DOWNLOAD_DEFAULTS.minFree
      : parseSize(values["min-free"], "--min-free"),
    concurrency: parsePositive(
      values.concurrency,
      "--concurrency",
      DOWNLOAD_DEFAULTS.concurrency,
    ),
    retry: parseRetry(values.retry),
    upgrade: values.upgrade === true,
  };
}

/** The exit status of a download: 75 when it stopped for lack of space. */
export function downloadExitCode(summary: DownloadSummary): number {
  if (summary.status === "interrupted") return EXIT.interrupted;
  return summary.noSpace && !summary.dryRun
    ? EXIT.noSpace
    : exitStatus(summary);
}

/** `catalogsync download`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync download [--source P,...] [--playlist PLATFORM:ID]... [--pool K,...] [--limit N] [--quality Q] [--library DIR] [--next-dir DIR]... [--min-free SIZE] [--concurrency N] [--retry STATE]... [--upgrade] [--owned any|local] [--redownload-offline] [--dry-run] [--no-tags] [--no-cover] [--no-lyrics] [--cover-size PX]",
  help:
    `Plans the selected songs in a stable order: a song whose file is there with
its recorded size, or with a checked copy in a bucket or on a cloud drive
(see 'catalogsync replicate'), is skipped; a file that vanished is marked
missing and its song planned again, but the files of a disk that is not
plugged in are left alone (said once); songs that ended vip_only,
unavailable, rate_limited or failed wait for --retry. Each song is claimed
with a lease that names its process (host, pid), so two processes on one
catalog never fetch the same song. A run holds a lock file in
<catalog>.leases/ while it lives: a killed run's songs are taken over at
once by a run on its host (which finds that lock released), elsewhere once
its leases expire (10 minutes). Songs a live process still holds at the end
are left to it and the run exits 3, saying how many.

Offers are tried best first: a preview, an empty URL, a 403/404, or a
complete body that is still wrong (MD5, magic bytes) falls to the next
quality; an expired URL is resolved again. Transient faults never lower the
quality: a reset, a cut body or a 5xx is retried on the same quality (then
the song waits for the next run), an HTML page or a short body is fetched
again, then from a fresh URL, before that quality is given up. With
--upgrade, songs whose file is below the best quality they advertise are
asked for again: a better file replaces the old one (file and location in
one transaction), otherwise the old one stays. Bodies stream to <name>.part,
hashed (SHA-256) as they arrive, are checked, tagged (text tags, the album's
front cover, the plain lyrics; <name>.lrc and <name>.zh.lrc beside), synced,
renamed into place and recorded (file_assets with the served body's and the
stored file's size and hash, file_locations) with the task's completion; an
interrupted .part resumes with Range. Files land in
<library>/<platform>/<artists> - <title> [<id>].<ext>. 'catalogsync tag'
tags files downloaded before.

Before each file the library's free space is checked. Below the file's size
plus --min-free, no new file starts there: running ones finish, and the run
continues in the next --next-dir, or asks on stdin for a directory (a
terminal or a pipe; ~ is $HOME; the answer must be creatable, writable and
roomy). At end of input with no directory left it stops with exit status 75:
nothing is lost, rerun with --next-dir DIR or --library DIR. Ctrl-C at the
question cancels the run (exit status 130).

Options:
  --source P,...         netease, qq, kuwo (repeatable or comma-separated; default all)
  --playlist PLATFORM:ID only songs of this synced playlist (repeatable), e.g. netease:3778678
  --pool K,...           only songs of playlists listed by square or toplist pools
  --limit N              at most N songs to download this run, 0 = all (default 0)
  --quality Q            the best quality wanted: best, lossless, 320k or 128k
                         (also master, hires, 192k, 96k); default best
  --library DIR          download into DIR and make it the active library
                         (default: the active library, else ./library)
  --next-dir DIR         where to continue when space runs low (repeatable, in order)
  --min-free SIZE        space to keep free, e.g. 2GiB, 500MB, 0 (default 2GiB)
  --concurrency N        files downloaded at once (default 4)
  --retry STATE          also retry songs that ended in STATE: vip_only,
                         unavailable, rate_limited, failed (repeatable or comma-separated)
  --upgrade              also fetch again songs whose file is below the best
                         quality they advertise (after a fault, or a new VIP login)
  --owned any|local      a song is owned (skipped) when it has a checked copy
                         on any backend, a bucket replica included (any, the
                         default), or only with a local file (local)
  --redownload-offline   download again the songs whose file is on an offline
                         disk (its root is gone or an empty mount point); by
                         default they are skipped, not marked missing, and
                         the offline backend is named once
  --dry-run              print the plan (songs, expected bytes per directory
                         against its free space) and write nothing: the
                         catalog is only read, no platform is asked
${TAG_PART_HELP}`,
  options: {
    ...SELECTION_OPTIONS,
    limit: { type: "string" },
    ...DOWNLOAD_RUN_OPTIONS,
    owned: { type: "string" },
    "redownload-offline": { type: "boolean" },
    "dry-run": { type: "boolean" },
    ...TAG_PART_OPTIONS,
  },
  catalog: (values) => values["dry-run"] ? "read" : "existing",
  // a dry run only reads the catalog: no platform is asked anything
  sources: (values) =>
    values["dry-run"] ? [] : parseSelection(values).platforms,
  toOptions: (values): DownloadOptions => ({
    ...parseSelection(values),
    limit: parseCount(values.limit, "--limit", DOWNLOAD_DEFAULTS.limit),
    ...downloadRunOptions(values),
    dryRun: values["dry-run"] === true,
    owned: parseChoices(values.owned, ["any", "local"] as const, "--owned", [
      "any",
    ])[0]!,
    redownloadOffline: values["redownload-offline"] === true,
    ...parseTagParts(values),
  }),
  run: (context, options, { io }) =>
    download(context, { ...options, ...(io.fetch ? { fetch: io.fetch } : {}) }),
  format: formatDownloadSummary,
  exitCode: downloadExitCode,
});

/** `--quality`: `best` or a quality label. */
export function parseQuality(value: string | undefined): QualityChoice {
  if (value === undefined) return DOWNLOAD_DEFAULTS.quality;
  const choice = value.trim().toLowerCase();
  if (choice === "best" || isQualityLabel(choice)) return choice;
  throw new UsageError(
    `Invalid --quality '${value}': expected best, lossless, 320k or 128k (or ${
      QUALITY_LABELS.filter((q) => !["lossless", "320k", "128k"].includes(q))
        .join(", ")
    })`,
  );
}

/** `--retry`: terminal states, repeatable or comma-separated; none when absent. */
export function parseRetry(
  values: string | readonly string[] | undefined,
): TerminalState[] {
  return parseChoices(values, TERMINAL_STATES, "--retry", []);
}

/** The text form of a download summary. */
export function formatDownloadSummary(summary: DownloadSummary): string {
  return (summary.dryRun ? planLines(summary) : runLines(summary)).join("\n");
}

function planLines(summary: DownloadSummary): string[] {
  const lines = [
    `download plan (dry run, nothing written): ${summary.planned} songs to download${
      summary.upgrading > 0 ? ` (${summary.upgrading} to upgrade)` : ""
    }, ${summary.skippedOwned} owned, ${summary.skippedTerminal} in states not retried, ${summary.busy} busy in another process`,
  ];
  const total = summary.plan.reduce((n, song) => n + song.expectedBytes, 0);
  lines.push(
    `  ${formatBytes(total)} expected, ${
      formatBytes(summary.estimatedBytes)
    } of it estimated (${
      summary.plan.filter((song) => song.estimated).length
    } songs without an advertised size${
      summary.refusalsExpected > 0
        ? `; ${summary.refusalsExpected} expected to be refused, counted as 0`
        : ""
    })`,
  );
  for (const b of summary.backends) {
    lines.push(
      `  ${b.name || "new backend"} ${b.root}: ${b.files} files, ${
        formatBytes(b.bytes)
      } expected, ${
        b.freeBytes === undefined
          ? "free space unknown"
          : `${formatBytes(b.freeBytes)} free`
      }`,
    );
  }
  lines.push(...listedLines(
    summary.plan,
    (song) =>
      `  ${song.platform}:${song.remoteId} ${song.title} (${
        formatBytes(song.expectedBytes)
      })`,
    " songs",
  ));
  for (const o of summary.offline) {
    lines.push(
      `  ${o.name} (${o.root}) is offline: ${o.songs} songs there left alone`,
    );
  }
  if (summary.noSpace) lines.push(`  ${summary.noSpace.message}`);
  return lines;
}

function runLines(summary: DownloadSummary): string[] {
  const lines = [
    `download ${summary.status}: ${summary.downloaded} downloaded (${
      formatBytes(summary.bytes)
    }), ${summary.skippedOwned} owned, ${summary.planned} planned of ${summary.selected} selected (${
      formatDuration(summary.durationMs)
    })`,
  ];
  const qualities = Object.entries(summary.byQuality).map(([q, n]) =>
    `${q} ${n}`
  );
  if (qualities.length > 0) lines.push(`  by quality: ${qualities.join(", ")}`);
  if (summary.upgrading > 0) {
    lines.push(
      `  upgrades: ${summary.upgraded} replaced by a better file, ${summary.notUpgraded} kept (nothing better granted now) of ${summary.upgrading} below their best`,
    );
  }
  lines.push(
    `  fallbacks ${summary.fallbacks} (${summary.rejectedOffers} offers rejected), vip_only ${summary.vipOnly}, unavailable ${summary.unavailable}, rate_limited ${summary.rateLimited}, failed ${summary.failed}, to resume ${summary.retryLater}`,
  );
  if (summary.skippedTerminal > 0) {
    lines.push(
      `  ${summary.skippedTerminal} songs skipped in states not retried (--retry vip_only|unavailable|rate_limited|failed)`,
    );
  }
  if (summary.takenOver > 0) {
    lines.push(
      `  ${summary.takenOver} songs taken over from a process that is gone`,
    );
  }
  if (summary.busy > 0) {
    lines.push(
      `  ${summary.busy} songs still leased by another running process: left to it (rerun when it ends)`,
    );
  }
  if (summary.missing > 0) {
    lines.push(`  ${summary.missing} files found missing and planned again`);
  }
  for (const o of summary.offline) {
    lines.push(
      `  ${o.name} (${o.root}) is offline: ${o.songs} songs there left alone`,
    );
  }
  const t = summary.tagging;
  if (t.tagged + t.failed + t.unsupported > 0) {
    lines.push(
      `  tagged ${t.tagged} (${t.coversFetched} covers and ${t.lyricsFetched} lyrics fetched, ${t.lrcFiles} .lrc files), ${t.partial} without a cover or lyrics that failed to load, ${t.failed} failed, ${t.unsupported} not taggable`,
    );
  }
  if (summary.resumedBytes > 0) {
    lines.push(
      `  ${
        formatBytes(summary.resumedBytes)
      } resumed from interrupted transfers`,
    );
  }
  for (const b of summary.backends) {
    lines.push(
      `  ${b.name} ${b.root}${b.active ? " (active)" : ""}: ${b.files} files, ${
        formatBytes(b.bytes)
      } this run${
        b.freeBytes === undefined ? "" : `, ${formatBytes(b.freeBytes)} free`
      }`,
    );
  }
  for (const s of summary.switches) {
    lines.push(
      `  switched from ${s.from} to ${s.to} (${s.name}, ${
        s.via === "next-dir" ? "--next-dir" : "answered on stdin"
      })`,
    );
  }
  lines.push(...stoppedLines(summary.platformErrors));
  for (const message of Object.values(summary.loginRefused)) {
    lines.push(`  ${message}`);
  }
  // VIP-only and unavailable songs are the platforms' answer, not errors:
  // counted above, listed in --json
  const actionable = summary.failures.filter((f) =>
    f.state !== "vip_only" && f.state !== "unavailable"
  );
  lines.push(...listedLines(
    actionable,
    (f) => `  ${f.state} ${f.platform}:${f.remoteId} (${f.title}): ${f.error}`,
    "",
  ));
  if (summary.notStarted > 0) {
    lines.push(
      `  ${summary.notStarted} planned songs not started; a rerun continues`,
    );
  }
  if (summary.noSpace) lines.push(`  stopped: ${summary.noSpace.message}`);
  return lines;
}
