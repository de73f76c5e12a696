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
import { type Command, defineCommand } from "./command.ts";
import { EXIT, exitStatus, UsageError } from "./exit.ts";
import {
  parseChoices,
  parseCount,
  parsePositive,
  parseSelection,
  parseSize,
  SELECTION_OPTIONS,
} from "./flags.ts";

const OPTIONS = {
  ...SELECTION_OPTIONS,
  limit: { type: "string" },
  quality: { type: "string" },
  library: { type: "string" },
  "next-dir": { type: "string", multiple: true },
  "min-free": { type: "string" },
  concurrency: { type: "string" },
  retry: { type: "string", multiple: true },
  "dry-run": { type: "boolean" },
  owned: { type: "string" },
  "redownload-offline": { type: "boolean" },
} as const satisfies ParseArgsOptionsConfig;

/** `catalogsync download`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync download [--source P,...] [--playlist PLATFORM:ID]... [--pool K,...] [--limit N] [--quality Q] [--library DIR] [--next-dir DIR]... [--min-free SIZE] [--concurrency N] [--retry STATE]... [--owned any|local] [--redownload-offline] [--dry-run]",
  help:
    `Plans the selected songs in a stable order: a song whose file is there with
its recorded size is skipped; a file that vanished is marked missing and its
song planned again; songs that ended vip_only, unavailable, rate_limited or
failed wait for --retry. Each song is claimed with a lease, so two processes
on one catalog never fetch the same song and a killed run's songs are taken
over once its leases expire (10 minutes).

Offers are tried best first: a preview, an empty URL, a 403/404, or a body
that is not what was offered (length, MD5, magic bytes) falls to the next
quality; an expired URL is resolved again. Bodies stream to <name>.part,
hashed (SHA-256) as they arrive, are checked, renamed into place and recorded
(file_assets, file_locations) with the task's completion; an interrupted
.part resumes with Range. Files land in
<library>/<platform>/<artists> - <title> [<id>].<ext>.

Before each file the library's free space is checked. Below the file's size
plus --min-free, no new file starts there: running ones finish, and the run
continues in the next --next-dir, or asks on stdin for a directory (a
terminal or a pipe; the answer must be creatable, writable and roomy). At end
of input with no directory left it stops with exit status 75: nothing is
lost, rerun with --next-dir DIR or --library DIR.

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
  --owned any|local      a song is owned (skipped) when it has a checked copy
                         on any backend, a bucket replica included (any, the
                         default), or only with a local file (local)
  --redownload-offline   download again the songs whose file is on an offline
                         disk (its root is gone or an empty mount point); by
                         default they are skipped, not marked missing, and
                         the offline backend is named once
  --dry-run              print the plan (songs, expected bytes per directory
                         against its free space) and write nothing`,
  options: OPTIONS,
  sources: (values) => parseSelection(values).platforms,
  toOptions: (values): DownloadOptions => ({
    ...parseSelection(values),
    limit: parseCount(values.limit, "--limit", DOWNLOAD_DEFAULTS.limit),
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
    dryRun: values["dry-run"] === true,
    owned: parseChoices(values.owned, ["any", "local"] as const, "--owned", [
      "any",
    ])[0]!,
    redownloadOffline: values["redownload-offline"] === true,
  }),
  run: (context, options, { io }) =>
    download(context, { ...options, ...(io.fetch ? { fetch: io.fetch } : {}) }),
  format: formatDownloadSummary,
  exitCode: (summary) =>
    summary.noSpace && !summary.dryRun ? EXIT.noSpace : exitStatus(summary),
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
    `download plan (dry run, nothing written): ${summary.planned} songs to download, ${summary.skippedOwned} owned, ${summary.skippedTerminal} in states not retried, ${summary.busy} busy in another process`,
  ];
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
  lines.push(
    `  fallbacks ${summary.fallbacks} (${summary.rejectedOffers} offers rejected), vip_only ${summary.vipOnly}, unavailable ${summary.unavailable}, rate_limited ${summary.rateLimited}, failed ${summary.failed}, to resume ${summary.retryLater}`,
  );
  if (summary.skippedTerminal > 0) {
    lines.push(
      `  ${summary.skippedTerminal} songs skipped in states not retried (--retry vip_only|unavailable|rate_limited|failed)`,
    );
  }
  if (summary.busy > 0) {
    lines.push(`  ${summary.busy} songs being downloaded by another process`);
  }
  if (summary.missing > 0) {
    lines.push(`  ${summary.missing} files found missing and planned again`);
  }
  for (const o of summary.offline) {
    lines.push(
      `  ${o.name} (${o.root}) is offline: ${o.songs} songs there left alone`,
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
