/**
 * `replicate`: copies the selected songs' files to another backend (a
 * bucket, a WebDAV drive, a second disk), checks each copy, and only then
 * adds it as a location of the same file (`file_assets`): a song is owned
 * wherever it has a checked location, and `export` still writes local
 * paths.
 *
 * - **Selection**: as `download` (`platforms`, `playlists`, `pools`), in
 *   `songs.id` order; songs without a local file are counted and skipped;
 *   `limit` bounds the files copied.
 * - **Leases**: each file's task is claimed in `BEGIN IMMEDIATE`, so two
 *   replicate processes never upload the same file; a task whose holder
 *   died (same host, its process gone) is taken over at once.
 * - **Checks**: the upload carries the file's checksums for the server to
 *   verify; the copy is read back (size, and ETag or MD5 where the server
 *   gives one) before it is recorded. A copy found there already (a run
 *   killed before recording it) is checked and recorded, not sent again.
 * - **Multipart**: a killed multipart upload is resumed from its journalled
 *   id; uploads under the prefix that no task knows are aborted at the start
 *   of a run (when no other live process uses the backend).
 * - **Move**: with `move`, the local copy is deleted once the replica is
 *   recorded (its location marked `deleted` first).
 * - **Stops**: wrong credentials, a missing bucket or root, a full drive
 *   (507) stop the run with one clear line; nothing is recorded that is not
 *   there, and a rerun continues.
 *
 * @module
 */
import { findBackend } from "../catalog/backends.ts";
import { downloadCandidates } from "../catalog/download_tasks.ts";
import {
  forgetUpload,
  knownUploads,
  otherLeaseHolders,
  type ReplicaCandidate,
  replicaCandidates,
} from "../catalog/replicate_tasks.ts";
import type { Platform } from "../sources/types.ts";
import type {
  HttpFetch,
  StorageBackend,
  StorageCredentials,
} from "../storage/backend.ts";
import { isStorageError } from "../storage/errors.ts";
import { openBackend } from "../storage/open_backend.ts";
import type { Context } from "./context.ts";
import { formatBytes } from "./format.ts";
import { LeaseOwner } from "./_lease_owner.ts";
import type { RunStatus } from "./outcome.ts";
import { replicateFile } from "./_replicate_file.ts";
import { finishStage, startStage, workThrough } from "./_stage.ts";
import type { SongSelectionOptions } from "./song_selection.ts";

/** Options of `replicate()`. */
export interface ReplicateOptions extends SongSelectionOptions {
  /** The target backend's name (see `storage list`). */
  to: string;
  /** Songs of these platforms. @default the platforms the context has sources for, else every platform */
  platforms?: readonly Platform[];
  /** At most this many files copied; `0` = all. @default 0 */
  limit?: number;
  /** Delete the local copy once the replica is checked and recorded. @default false */
  move?: boolean;
  /** Credentials of the target (from the environment, in the CLI). @default none */
  credentials?: StorageCredentials;
  /** The `fetch` of HTTP backends. @default globalThis.fetch */
  fetch?: HttpFetch;
  /** Files copied at once. @default 2 */
  concurrency?: number;
  /** Bucket uploads above this size go multipart. @default 64 MiB */
  multipartThreshold?: number;
  /** The part size of multipart uploads. @default 16 MiB */
  partSize?: number;
  /** Retries of an upload after network errors and 5xx. @default 3 */
  retries?: number;
  /** First pause between retries, in ms (doubles each time). @default 1000 */
  backoffMs?: number;
  /** How long a claimed file stays leased without renewal, in ms. @default 600000 */
  leaseTtlMs?: number;
  /** The lease owner of this run. @default this process (host, pid; a lock file beside the catalog says it lives) */
  leaseOwner?: string;
}

/** Defaults of `ReplicateOptions`. */
export const REPLICATE_DEFAULTS = {
  limit: 0,
  concurrency: 2,
  retries: 3,
  backoffMs: 1000,
  leaseTtlMs: 10 * 60_000,
} as const satisfies Partial<ReplicateOptions>;

/** A file that was not replicated. */
export interface ReplicateFailure {
  /** `platform:id`. */
  song: string;
  /** Title. */
  title: string;
  /** Why. */
  error: string;
}

/** The summary of `replicate()`. */
export interface ReplicateSummary {
  /** How the run ended. */
  status: RunStatus;
  /** The target. */
  backend: { name: string; kind: string; url: string };
  /** Songs the selection matched. */
  selected: number;
  /** Selected songs with no local file to copy. */
  withoutFile: number;
  /** Files the target already held (checked earlier). */
  alreadyThere: number;
  /** Files copied this run. */
  copied: number;
  /** Files found on the target from an earlier run, checked and recorded. */
  adopted: number;
  /** Bytes sent. */
  bytes: number;
  /** Bytes of multipart uploads resumed rather than sent again. */
  resumedBytes: number;
  /** Local copies deleted (`move`). */
  moved: number;
  /** Files another process is copying. */
  busy: number;
  /** Local copies found corrupt (marked so; not copied). */
  corrupt: number;
  /** Files not copied, with why. */
  failures: ReplicateFailure[];
  /** Multipart uploads no task knew, aborted. */
  abortedUploads: number;
  /** Why the run stopped using the backend, if it did. */
  stopped: string | undefined;
  /** Files left for the next run (stopped or interrupted). */
  notStarted: number;
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

/**
 * Copies the selected songs' files to the backend `options.to`.
 *
 * @example Replicate downloaded songs to a second disk
 * ```ts
 * import {
 *   Catalog,
 *   collect,
 *   createContext,
 *   createEmulation,
 *   createSources,
 *   download,
 *   replicate,
 *   storageAdd,
 *   sync,
 * } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const emulation = createEmulation({ size: "tiny" });
 * using catalog = Catalog.open(":memory:");
 * const sources = await createSources({
 *   fetch: emulation.fetch,
 *   emulation: "http://emulation",
 *   ratePerSecond: 0,
 *   platforms: ["netease"],
 * });
 * const context = createContext({ catalog, sources });
 * await collect(context, { pools: ["toplist"], limit: 1 });
 * await sync(context, { limit: 1 });
 * const dir = await Deno.makeTempDir();
 * try {
 *   await download(context, {
 *     library: `${dir}/library`,
 *     limit: 2,
 *     minFree: 0,
 *     fetch: emulation.fetch,
 *   });
 *   await storageAdd(context, { name: "backup", url: `${dir}/backup` });
 *   const summary = await replicate(context, { to: "backup" });
 *   assert.equal(summary.status, "ok");
 *   assert.equal(summary.copied, 2);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function replicate(
  context: Context,
  options: ReplicateOptions,
): Promise<ReplicateSummary> {
  const start = startStage(context, options);
  const catalog = context.catalog;
  const row = findBackend(catalog, options.to);
  if (!row) {
    throw new Error(
      `No storage backend named '${options.to}': see 'catalogsync storage list', or add one with 'catalogsync storage add NAME URL'`,
    );
  }
  const backend = openBackend(row, {
    credentials: options.credentials ?? { s3: undefined, webdav: undefined },
    fetch: options.fetch,
    freeSpace: context.freeSpace,
    multipartThreshold: options.multipartThreshold,
    partSize: options.partSize,
    // signatures carry the real time: servers refuse a skewed clock
  });
  const summary: ReplicateSummary = {
    status: "ok",
    backend: { name: row.name, kind: row.kind, url: backend.url },
    selected: 0,
    withoutFile: 0,
    alreadyThere: 0,
    copied: 0,
    adopted: 0,
    bytes: 0,
    resumedBytes: 0,
    moved: 0,
    busy: 0,
    corrupt: 0,
    failures: [],
    abortedUploads: 0,
    stopped: undefined,
    notStarted: 0,
    durationMs: 0,
  };
  using leaseOwner = options.leaseOwner === undefined
    ? LeaseOwner.open(catalog.path)
    : LeaseOwner.named(options.leaseOwner);
  const owner = leaseOwner.id;
  const probe = await backend.probe(context.signal);
  if (!probe.ok) {
    summary.stopped = probe.reason;
    context.log.error(`replicate: ${probe.reason}`);
    return finishStage(context, start, summary, {
      failed: 1,
      succeeded: 0,
      total: 1,
    });
  }
  summary.abortedUploads = await clearOrphans(
    context,
    backend,
    row.id,
    leaseOwner,
  );

  const platforms = options.platforms ??
    (start.platforms.length > 0
      ? start.platforms
      : ["netease", "qq", "kuwo"] as const);
  const songIds = downloadCandidates(catalog, {
    platforms,
    playlists: options.playlists ?? [],
    pools: options.pools ?? [],
  }).map((c) => c.id);
  summary.selected = songIds.length;
  const move = options.move ?? false;
  const limit = options.limit ?? REPLICATE_DEFAULTS.limit;
  const queue: ReplicaCandidate[] = [];
  for (const candidate of replicaCandidates(catalog, songIds, row.id)) {
    if (candidate.replicated === 1) {
      summary.alreadyThere++;
      if (!(move && candidate.sourceLocationId !== null)) continue;
    } else if (
      candidate.assetId === null || candidate.sourceLocationId === null
    ) {
      summary.withoutFile++;
      continue;
    }
    if (limit > 0 && queue.length >= limit) break;
    queue.push(candidate);
  }

  const settings = {
    owner,
    isGone: (other: string) => leaseOwner.isGone(other),
    leaseTtlMs: options.leaseTtlMs ?? REPLICATE_DEFAULTS.leaseTtlMs,
    retries: options.retries ?? REPLICATE_DEFAULTS.retries,
    backoffMs: options.backoffMs ?? REPLICATE_DEFAULTS.backoffMs,
    move,
  };
  const total = queue.reduce((n, c) => n + (c.sizeBytes ?? 0), 0);
  const inFlight = new Map<number, number>();
  let done = 0;
  let doneBytes = 0;
  const showProgress = () =>
    context.progress.status(progressLine(
      row.name,
      done,
      queue.length,
      doneBytes + [...inFlight.values()].reduce((a, b) => a + b, 0),
      total,
      context.now() - start.started,
    ));
  const taken = await workThrough(
    context,
    queue,
    options.concurrency ?? REPLICATE_DEFAULTS.concurrency,
    () => Boolean(context.signal?.aborted || summary.stopped),
    async (candidate) => {
      const outcome = await replicateFile(
        context,
        backend,
        row.id,
        candidate,
        settings,
        (sent) => {
          inFlight.set(candidate.songId, sent);
          showProgress();
        },
      );
      inFlight.delete(candidate.songId);
      done++;
      doneBytes += candidate.sizeBytes ?? 0;
      const song = `${candidate.platform}:${candidate.remoteSongId}`;
      switch (outcome.kind) {
        case "copied":
        case "adopted":
          summary[outcome.kind]++;
          summary.bytes += outcome.bytes - outcome.resumedBytes;
          summary.resumedBytes += outcome.resumedBytes;
          if (outcome.moved) summary.moved++;
          break;
        case "verified_moved":
          summary.moved++;
          break;
        case "busy":
          summary.busy++;
          break;
        case "done_elsewhere":
          summary.alreadyThere++;
          break;
        case "failed":
          if (outcome.corrupt) summary.corrupt++;
          summary.failures.push({
            song,
            title: candidate.title,
            error: outcome.error,
          });
          context.log.warn(`${song} (${candidate.title}): ${outcome.error}`);
          break;
        case "stop":
          if (!summary.stopped) {
            summary.stopped = outcome.error.message;
            context.log.error(
              `replicate: ${outcome.error.message}; stopping (nothing is recorded that is not there; a rerun continues)`,
            );
          }
          summary.notStarted++;
          break;
        case "interrupted":
          summary.notStarted++;
          break;
      }
      showProgress();
    },
  );
  summary.notStarted += queue.length - taken;
  return finishStage(context, start, summary, {
    failed: summary.failures.length + (summary.stopped ? 1 : 0),
    succeeded: summary.copied + summary.adopted + summary.alreadyThere,
    total: queue.length + summary.alreadyThere,
  });
}

/**
 * Aborts the multipart uploads under the backend's prefix that no task of
 * the catalog knows (a run killed between starting an upload and writing
 * its id down), when no other live process is using the backend; forgets
 * the upload ids the server no longer has.
 */
async function clearOrphans(
  context: Context,
  backend: StorageBackend,
  backendId: number,
  owner: LeaseOwner,
): Promise<number> {
  if (!backend.pendingUploads || !backend.abortUpload) return 0;
  let pending;
  try {
    pending = await backend.pendingUploads(context.signal);
  } catch (error) {
    if (isStorageError(error) && error.stopsBackend) throw error;
    context.log.debug(
      `${backend.url}: cannot list pending uploads: ${String(error)}`,
    );
    return 0;
  }
  const catalog = context.catalog;
  const known = knownUploads(catalog, backendId);
  const knownIds = new Set(known.map((k) => k.uploadId));
  const onServer = new Set(pending.map((p) => p.uploadId));
  for (const k of known) {
    if (!onServer.has(k.uploadId)) forgetUpload(catalog, k.uploadId);
  }
  const others = otherLeaseHolders(
    catalog,
    backendId,
    owner.id,
    context.now(),
  );
  const othersAlive = others.some((o) => !owner.isGone(o));
  let aborted = 0;
  for (const upload of pending) {
    if (knownIds.has(upload.uploadId)) continue;
    const old = upload.initiatedAt !== undefined &&
      context.now() - upload.initiatedAt > 3_600_000;
    if (othersAlive && !old) continue;
    await backend.abortUpload(upload.locator, upload.uploadId, context.signal);
    aborted++;
  }
  if (aborted > 0) {
    context.log.info(
      `${backend.url}: aborted ${aborted} unfinished multipart upload(s) left by a killed run`,
    );
  }
  return aborted;
}

function progressLine(
  name: string,
  done: number,
  files: number,
  bytes: number,
  total: number,
  elapsedMs: number,
): string {
  const rate = elapsedMs > 0 ? bytes / (elapsedMs / 1000) : 0;
  return `replicate to ${name}: ${done}/${files} files, ${
    formatBytes(bytes)
  } of ${formatBytes(total)}, ${formatBytes(rate)}/s`;
}
