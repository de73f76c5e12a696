/**
 * `catalogsync replicate`: copies the selected songs' files to another
 * storage backend, checks each copy, and records it.
 *
 * @module
 */
import { formatBytes, formatDuration } from "../tasks/format.ts";
import {
  replicate,
  REPLICATE_DEFAULTS,
  type ReplicateOptions,
  type ReplicateSummary,
} from "../tasks/replicate.ts";
import { storageAccess } from "./_storage_access.ts";
import { listedLines } from "./_summary.ts";
import { type Command, defineCommand } from "./command.ts";
import { UsageError } from "./exit.ts";
import {
  parseCount,
  parsePositive,
  parseSelection,
  parseSize,
  SELECTION_OPTIONS,
} from "./flags.ts";

/** `catalogsync replicate`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync replicate --to BACKEND [--source P,...] [--playlist PLATFORM:ID]... [--pool K,...] [--limit N] [--move] [--concurrency N] [--multipart-above SIZE] [--part-size SIZE]",
  help:
    `Copies the downloaded files of the selected songs to BACKEND (see 'catalogsync
storage list'; add one with 'catalogsync storage add'): a bucket, a WebDAV
drive or another disk. Each upload carries the file's checksums for the server
to verify (SHA-256, MD5); each copy is read back (size, and ETag/MD5 where the
server gives one) and only then recorded as another location of the same
file. A song is owned wherever it has a checked copy, so download does not
fetch it again ('download --owned local' wants a local copy).

Each file is leased, so two replicate processes never upload the same file;
the files of a killed run are taken over at once by the next. Files above
--multipart-above go in parts; a killed multipart upload is resumed by the
next run, and unfinished uploads no run will resume are aborted. Wrong
credentials, a missing bucket or a full drive (507) stop the run with one
clear line; nothing is recorded that is not there, and a rerun continues.

Options:
  --to BACKEND           the backend to copy to (required)
  --source P,...         netease, qq, kuwo (repeatable or comma-separated; default all)
  --playlist PLATFORM:ID only songs of this synced playlist (repeatable)
  --pool K,...           only songs of playlists listed by square or toplist pools
  --limit N              at most N files copied this run, 0 = all (default 0)
  --move                 delete the local copy once the replica is checked
  --concurrency N        files copied at once (default ${REPLICATE_DEFAULTS.concurrency})
  --multipart-above SIZE buckets: multipart above this size (default 64MiB)
  --part-size SIZE       buckets: the size of a part (default 16MiB, at least 5MiB)`,
  options: {
    ...SELECTION_OPTIONS,
    to: { type: "string" },
    limit: { type: "string" },
    move: { type: "boolean" },
    concurrency: { type: "string" },
    "multipart-above": { type: "string" },
    "part-size": { type: "string" },
  },
  catalog: "existing",
  toOptions: (values): ReplicateOptions => {
    if (values.to === undefined || values.to.trim() === "") {
      throw new UsageError(
        "Missing --to BACKEND: the backend to copy to (see 'catalogsync storage list')",
      );
    }
    const partSize = values["part-size"] === undefined
      ? undefined
      : parseSize(values["part-size"], "--part-size");
    if (partSize !== undefined && partSize < 5 * 1024 * 1024) {
      throw new UsageError(
        `Invalid --part-size '${
          values["part-size"]
        }': S3 parts are at least 5MiB`,
      );
    }
    const selection = parseSelection(values);
    return {
      to: values.to.trim(),
      ...selection,
      limit: parseCount(values.limit, "--limit", REPLICATE_DEFAULTS.limit),
      move: values.move === true,
      concurrency: parsePositive(
        values.concurrency,
        "--concurrency",
        REPLICATE_DEFAULTS.concurrency,
      ),
      ...(values["multipart-above"] === undefined ? {} : {
        multipartThreshold: parseSize(
          values["multipart-above"],
          "--multipart-above",
        ),
      }),
      ...(partSize === undefined ? {} : { partSize }),
    };
  },
  run: (context, options, { io }) =>
    replicate(context, { ...options, ...storageAccess(io) }),
  format: formatReplicateSummary,
});

/** The text form of a replicate summary. */
export function formatReplicateSummary(summary: ReplicateSummary): string {
  const lines = [
    `replicate ${summary.status} to ${summary.backend.name} (${summary.backend.url}): ${summary.copied} copied (${
      formatBytes(summary.bytes)
    }), ${summary.alreadyThere} there already, ${summary.selected} selected (${
      formatDuration(summary.durationMs)
    })`,
  ];
  if (summary.adopted > 0) {
    lines.push(
      `  ${summary.adopted} found there from an interrupted run, checked and recorded`,
    );
  }
  if (summary.resumedBytes > 0) {
    lines.push(
      `  ${formatBytes(summary.resumedBytes)} of multipart uploads resumed`,
    );
  }
  if (summary.moved > 0) {
    lines.push(`  ${summary.moved} local copies deleted (--move)`);
  }
  if (summary.withoutFile > 0) {
    lines.push(
      `  ${summary.withoutFile} selected songs have no local file to copy`,
    );
  }
  if (summary.busy > 0) {
    lines.push(`  ${summary.busy} files being copied by another process`);
  }
  if (summary.abortedUploads > 0) {
    lines.push(
      `  ${summary.abortedUploads} unfinished multipart uploads of a killed run aborted`,
    );
  }
  if (summary.corrupt > 0) {
    lines.push(
      `  ${summary.corrupt} local copies are corrupt (marked; 'catalogsync verify --repair' plans them again)`,
    );
  }
  lines.push(...listedLines(
    summary.failures,
    (f) => `  failed ${f.song} (${f.title}): ${f.error}`,
    " failures",
  ));
  if (summary.stopped) lines.push(`  stopped: ${summary.stopped}`);
  if (summary.notStarted > 0) {
    lines.push(`  ${summary.notStarted} files left for the next run`);
  }
  return lines.join("\n");
}
