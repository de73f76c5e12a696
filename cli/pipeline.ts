/**
 * `catalogsync pipeline`: collect, sync and download in one process, on
 * one catalog, with the flags they share. A stage that ends partial or
 * failed does not stop the next one (what it did get is worth syncing and
 * downloading); an interrupted stage does. The exit status is the worst of
 * the stages'.
 *
 * @module
 */
import {
  collect,
  COLLECT_DEFAULTS,
  type CollectOptions,
  type CollectSummary,
} from "../tasks/collect.ts";
import type { Context } from "../tasks/context.ts";
import {
  download,
  type DownloadOptions,
  type DownloadSummary,
} from "../tasks/download.ts";
import type { RunStatus } from "../tasks/outcome.ts";
import {
  sync,
  SYNC_DEFAULTS,
  type SyncOptions,
  type SyncSummary,
} from "../tasks/sync.ts";
import { formatCollectSummary } from "./collect.ts";
import { type Command, defineCommand, type RunInput } from "./command.ts";
import {
  DOWNLOAD_RUN_OPTIONS,
  downloadExitCode,
  downloadRunOptions,
  formatDownloadSummary,
} from "./download.ts";
import { EXIT, exitStatus, UsageError } from "./exit.ts";
import {
  parseCount,
  parseDuration,
  parsePoolKinds,
  parseSelection,
  SELECTION_OPTIONS,
  splitList,
} from "./flags.ts";
import { formatSyncSummary } from "./sync.ts";
import { escapeControls } from "./ui.ts";

/** The stages of a pipeline, in order. */
export const PIPELINE_STAGES = ["collect", "sync", "download"] as const;

/** A stage of the pipeline. */
export type PipelineStage = typeof PIPELINE_STAGES[number];

/** What each stage of a pipeline runs with; `collect` is absent with `--playlist`. */
export interface PipelineOptions {
  /** Options of collect; absent when it is skipped. */
  collect: CollectOptions | undefined;
  /** Options of sync. */
  sync: SyncOptions;
  /** Options of download. */
  download: DownloadOptions;
}

/** What a pipeline did: each stage's summary and exit status, and the worst. */
export interface PipelineSummary {
  /** The worst status of the stages that ran. */
  status: RunStatus;
  /** The exit status: the worst of the stages'. */
  exit: number;
  /** The summaries of the stages that ran. */
  stages: {
    collect?: CollectSummary;
    sync?: SyncSummary;
    download?: DownloadSummary;
  };
  /** Each stage that ran, with its exit status. */
  exits: Partial<Record<PipelineStage, number>>;
  /** Stages not run: skipped (`collect` with `--playlist`) or after an interruption. */
  notRun: PipelineStage[];
}

/** `catalogsync pipeline`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync pipeline [--source P,...] [--pool K,...] [--category NAME]... [--playlist PLATFORM:ID]... [--limit N] [--stale DURATION] [--quality Q] [--library DIR] [--next-dir DIR]... [--min-free SIZE] [--concurrency N] [--retry STATE]...",
  help:
    `Runs collect, then sync, then download in one process on one catalog (created
when there is none, as collect does), printing each stage's summary as it
ends. A stage that ends partial (exit status 3) or failed does not stop the
next one: what it did get is synced and downloaded. Ctrl-C stops the stage
that runs and skips the rest. The exit status is the worst of the stages':
130 interrupted, 75 out of space, 1 failed, 3 partial, 0 done. With --json,
one object with each stage's summary, once all have run.

Options:
  --source P,...         netease, qq, kuwo (repeatable or comma-separated; default all)
  --pool K,...           square, toplist: the pools collect lists (default both);
                         given, sync and download keep to their playlists
  --category NAME        collect only this square category (repeatable)
  --playlist PLATFORM:ID skip collect: sync and download only this playlist
                         (repeatable), e.g. netease:3778678, qq:chart:26
  --limit N              playlists per pool collected, 0 = all (default 50)
  --stale DURATION       sync also resyncs playlists last synced longer ago (7d)
  --quality Q            download's best quality wanted: best, lossless, 320k, 128k
  --library DIR          download into DIR (default: the active library, else ./library)
  --next-dir DIR         where download continues when space runs low (repeatable)
  --min-free SIZE        space download keeps free (default 2GiB)
  --concurrency N        files downloaded at once (default 4)
  --retry STATE          download also retries songs that ended in STATE:
                         vip_only, unavailable, rate_limited, failed`,
  options: {
    ...SELECTION_OPTIONS,
    category: { type: "string", multiple: true },
    limit: { type: "string" },
    stale: { type: "string" },
    ...DOWNLOAD_RUN_OPTIONS,
  },
  catalog: "create",
  sources: (values) => parseSelection(values).platforms,
  toOptions: (values): PipelineOptions => {
    const selection = parseSelection(values);
    const byPlaylist = selection.playlists.length > 0;
    if (
      byPlaylist &&
      (values.category !== undefined || values.limit !== undefined)
    ) {
      throw new UsageError(
        "--category and --limit choose what collect lists, and --playlist skips collect: give one or the other",
      );
    }
    return {
      collect: byPlaylist ? undefined : {
        platforms: selection.platforms,
        pools: parsePoolKinds(values.pool),
        categories: splitList(values.category),
        limit: parseCount(values.limit, "--limit", COLLECT_DEFAULTS.limit),
      },
      sync: {
        ...selection,
        limit: 0,
        ...(values.stale === undefined
          ? {}
          : { staleMs: parseDuration(values.stale, "--stale") }),
        concurrency: SYNC_DEFAULTS.concurrency,
      },
      download: { ...selection, ...downloadRunOptions(values) },
    };
  },
  run: runPipeline,
  format: formatPipelineSummary,
  exitCode: (summary) => summary.exit,
});

/**
 * Runs the stages in order on one context; in text mode each stage's
 * summary is printed as it ends.
 */
export async function runPipeline(
  context: Context,
  options: PipelineOptions,
  { globals, io }: Pick<RunInput, "globals" | "io">,
): Promise<PipelineSummary> {
  const summary: PipelineSummary = {
    status: "ok",
    exit: EXIT.ok,
    stages: {},
    exits: {},
    notRun: [],
  };
  const worst = (status: RunStatus, exit: number) => {
    if (SEVERITY.indexOf(exit) > SEVERITY.indexOf(summary.exit)) {
      summary.exit = exit;
    }
    if (STATUS_ORDER.indexOf(status) > STATUS_ORDER.indexOf(summary.status)) {
      summary.status = status;
    }
  };
  const step = async <R extends { status: RunStatus }>(
    stage: PipelineStage,
    run: (() => Promise<R>) | undefined,
    format: (result: R) => string,
    exitCode: (result: R) => number,
  ): Promise<R | undefined> => {
    if (context.signal?.aborted) {
      worst("interrupted", EXIT.interrupted);
      summary.notRun.push(stage);
      return undefined;
    }
    if (run === undefined) {
      summary.notRun.push(stage);
      return undefined;
    }
    const result = await run();
    const exit = exitCode(result);
    summary.exits[stage] = exit;
    worst(result.status, exit);
    if (!globals.json) io.stdout(`${escapeControls(format(result), true)}\n`);
    return result;
  };
  const collectOptions = options.collect;
  const collected = await step(
    "collect",
    collectOptions && (() => collect(context, collectOptions)),
    formatCollectSummary,
    exitStatus,
  );
  if (collected) summary.stages.collect = collected;
  const synced = await step(
    "sync",
    () => sync(context, options.sync),
    formatSyncSummary,
    exitStatus,
  );
  if (synced) summary.stages.sync = synced;
  const downloaded = await step(
    "download",
    () =>
      download(context, {
        ...options.download,
        ...(io.fetch ? { fetch: io.fetch } : {}),
      }),
    formatDownloadSummary,
    downloadExitCode,
  );
  if (downloaded) summary.stages.download = downloaded;
  return summary;
}

/** Exit statuses from the best to the worst. */
const SEVERITY: readonly number[] = [
  EXIT.ok,
  EXIT.partial,
  EXIT.failure,
  EXIT.noSpace,
  EXIT.interrupted,
];

/** Run statuses from the best to the worst. */
const STATUS_ORDER: readonly RunStatus[] = [
  "ok",
  "partial",
  "failed",
  "interrupted",
];

/** The pipeline's closing line: each stage's status and the exit status. */
export function formatPipelineSummary(summary: PipelineSummary): string {
  const stages = PIPELINE_STAGES.map((stage) => {
    const ran = summary.stages[stage];
    return ran ? `${stage} ${ran.status}` : `${stage} not run`;
  });
  return `pipeline ${summary.status}: ${
    stages.join(", ")
  } (exit status ${summary.exit})`;
}
