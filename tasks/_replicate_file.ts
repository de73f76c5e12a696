/**
 * One file of a replicate run: claimed, copied to the target backend (or
 * found there already), checked, recorded as a location of its file, and
 * with `--move` removed from the local disk. The `.lrc` files beside it go
 * along (`_replicate_lyrics.ts`). What can go wrong is sorted:
 * the backend refuses everything (credentials, container, quota: the run
 * stops using it), the local copy is corrupt (marked so), the transfer
 * failed (retried, then left for the next run).
 *
 * @module
 */
import {
  claimReplica,
  markCorrupt,
  markDeleted,
  recordReplica,
  releaseReplica,
  type ReplicaCandidate,
  saveUpload,
} from "../catalog/replicate_tasks.ts";
import { renewLease } from "../catalog/leases.ts";
import { markLocationsMissing } from "../catalog/storage.ts";
import type {
  PutResult,
  SourceFile,
  StorageBackend,
} from "../storage/backend.ts";
import { isStorageError, StorageError } from "../storage/errors.ts";
import { hashFile, hashStream } from "../storage/hashing.ts";
import { fileSize } from "../storage/local.ts";
import { resolveInside } from "../storage/names.ts";
import type { Context } from "./context.ts";
import { describeError } from "./outcome.ts";
import { copyLyricFiles, removeLyricFiles } from "./_replicate_lyrics.ts";

/** How files are copied: what the run resolved from its options. */
export interface FileSettings {
  /** The lease owner of the run. */
  owner: string;
  /** Whether another lease owner's process is known to have ended. */
  isGone: (owner: string) => boolean;
  /** Lease length in ms. */
  leaseTtlMs: number;
  /** Retries after network errors and 5xx. */
  retries: number;
  /** First pause between retries (doubles). */
  backoffMs: number;
  /** Remove the local copy once the replica is checked. */
  move: boolean;
}

/** How one file ended. */
export type FileOutcome =
  | {
    kind: "copied" | "adopted";
    bytes: number;
    resumedBytes: number;
    moved: boolean;
    method: string;
  }
  | { kind: "verified_moved" }
  | { kind: "busy" }
  | { kind: "done_elsewhere" }
  | { kind: "failed"; error: string; corrupt: boolean }
  | { kind: "stop"; error: StorageError }
  | { kind: "interrupted" };

/** A file that failed (`corrupt`: its local copy no longer matches its record). */
function failed(error: string, corrupt = false): FileOutcome {
  return { kind: "failed", error, corrupt };
}

/** Copies one selected file to `backend` (`targetId` in the catalog). */
export async function replicateFile(
  context: Context,
  backend: StorageBackend,
  targetId: number,
  candidate: ReplicaCandidate,
  settings: FileSettings,
  onBytes: (sent: number) => void,
): Promise<FileOutcome> {
  const { signal } = context;
  const catalog = context.catalog;
  const { owner, leaseTtlMs: ttl } = settings;
  if (candidate.replicated === 1) {
    return await moveOnly(context, backend, candidate);
  }
  const claim = claimReplica(
    catalog,
    candidate.assetId!,
    targetId,
    owner,
    context.now(),
    ttl,
    settings.isGone,
  );
  if (claim === "busy") return { kind: "busy" };
  if (claim === "done") return { kind: "done_elsewhere" };
  const release = (state: "pending" | "failed", error: string | null) =>
    releaseReplica(catalog, claim.taskId, owner, state, error, context.now());
  const source = sourceOf(candidate);
  const locator = backend.locatorFor(candidate.sourceLocator!);
  try {
    if ((await fileSize(source.path)) !== source.sizeBytes) {
      markLocationsMissing(
        catalog,
        [candidate.sourceLocationId!],
        context.now(),
      );
      release("pending", "the local file is gone or changed size");
      return failed(
        `the local file '${source.path}' is gone or changed size: marked missing (run 'catalogsync download' to fetch it again)`,
      );
    }
    if (
      claim.uploadId !== null && claim.uploadLocator !== locator &&
      backend.abortUpload && claim.uploadLocator !== null
    ) {
      await backend.abortUpload(claim.uploadLocator, claim.uploadId).catch(
        () => {},
      );
      saveUpload(catalog, claim.taskId, owner, null, null, context.now());
    }
    const lease = { kind: "replicate", id: claim.taskId, owner } as const;
    let renewedAt = context.now();
    const progress = (sent: number) => {
      onBytes(sent);
      const now = context.now();
      if (now - renewedAt >= ttl / 3) {
        renewLease(catalog, lease, now, ttl);
        renewedAt = now;
      }
    };
    // an upload an earlier attempt left on this key is resumed
    const journal = {
      uploadId: claim.uploadLocator === locator
        ? claim.uploadId ?? undefined
        : undefined,
      save: (id: string | null) =>
        saveUpload(catalog, claim.taskId, owner, id, locator, context.now()),
    };
    const adopted = await adoptable(backend, locator, source, signal);
    const written = adopted
      ? undefined
      : await putWithRetries(context, backend, locator, source, {
        settings,
        journal,
        onBytes: progress,
      });
    const check = await backend.verify(locator, source, written, signal);
    if (!check.ok) {
      if (adopted) {
        throw new StorageError("checksum", backend.url, check.reason);
      }
      await backend.remove(locator).catch(() => {});
      throw new StorageError(
        "checksum",
        backend.url,
        `the replica did not check out: ${check.reason}`,
      );
    }
    await copyLyricFiles(backend, source.path, locator, signal);
    const recorded = recordReplica(catalog, {
      taskId: claim.taskId,
      owner,
      assetId: candidate.assetId!,
      backendId: targetId,
      containerName: backend.containerName,
      locator,
      etag: check.etag ?? null,
      now: context.now(),
    });
    // our lease expired meanwhile and another process holds the file now:
    // it records the replica, so nothing is counted or moved here (with
    // --move, deleting the local copy of a replica nobody has recorded yet
    // could leave the catalog without a good copy)
    if (!recorded) {
      return adopted ? { kind: "done_elsewhere" } : failed(
        "another process took this file over (our lease expired)",
      );
    }
    let moved = false;
    if (settings.move) {
      moved = await removeLocal(context, candidate, source.path);
    }
    return {
      kind: adopted ? "adopted" : "copied",
      bytes: written?.sizeBytes ?? 0,
      resumedBytes: written?.resumedBytes ?? 0,
      moved,
      method: check.method,
    };
  } catch (error) {
    if (signal?.aborted) {
      release("pending", "interrupted");
      return { kind: "interrupted" };
    }
    if (isStorageError(error) && error.stopsBackend) {
      release("pending", error.message);
      return { kind: "stop", error };
    }
    if (isStorageError(error, "checksum") && await isCorrupt(source)) {
      markCorrupt(catalog, candidate.sourceLocationId!, context.now());
      release("failed", "the local copy is corrupt");
      return failed(
        `the local file '${source.path}' no longer matches its recorded SHA-256: marked corrupt ('catalogsync verify --repair' plans it again)`,
        true,
      );
    }
    const message = describeError(error);
    release("pending", message);
    return failed(message);
  }
}

/**
 * Whether the target already holds this file (a run killed after the
 * upload, before recording it): same size, and the same bytes by MD5 (or
 * SHA-256 for a local target).
 */
async function adoptable(
  backend: StorageBackend,
  locator: string,
  source: SourceFile,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const there = await backend.head(locator, signal);
  if (!there || there.sizeBytes !== source.sizeBytes) return false;
  if (backend.kind === "local") {
    const digest = await hashStream(await backend.read(locator, signal));
    return digest.sha256 === source.sha256;
  }
  const md5 = source.md5 ??
    (await hashFile(source.path, { md5: true, signal })).md5;
  const check = await backend.verify(
    locator,
    { ...source, md5 },
    undefined,
    signal,
  );
  return check.ok && check.method === "size+etag";
}

async function isCorrupt(source: SourceFile): Promise<boolean> {
  try {
    return (await hashFile(source.path)).sha256 !== source.sha256;
  } catch {
    return false;
  }
}

async function putWithRetries(
  context: Context,
  backend: StorageBackend,
  locator: string,
  source: SourceFile,
  options: {
    settings: FileSettings;
    journal: { uploadId: string | undefined; save(id: string | null): void };
    onBytes: (sent: number) => void;
  },
): Promise<PutResult> {
  let uploadId = options.journal.uploadId;
  for (let attempt = 0;; attempt++) {
    try {
      return await backend.put(locator, source, {
        signal: context.signal,
        onBytes: options.onBytes,
        journal: {
          uploadId,
          save: (id) => {
            uploadId = id ?? undefined;
            options.journal.save(id);
          },
        },
      });
    } catch (error) {
      if (
        context.signal?.aborted || !isStorageError(error) ||
        !error.retryable || attempt >= options.settings.retries
      ) throw error;
      const delay = options.settings.backoffMs * 2 ** attempt;
      context.log.debug(
        `${backend.url}: ${error.message}; retry ${
          attempt + 1
        }/${options.settings.retries} in ${delay} ms`,
      );
      await context.sleep(delay, context.signal);
    }
  }
}

/**
 * `--move` of a file the target holds already: the replica is checked
 * again, then the local copy goes.
 */
async function moveOnly(
  context: Context,
  backend: StorageBackend,
  candidate: ReplicaCandidate,
): Promise<FileOutcome> {
  const { signal } = context;
  const source = sourceOf(candidate);
  try {
    const locator = backend.locatorFor(candidate.sourceLocator!);
    const check = await backend.verify(locator, source, undefined, signal);
    if (!check.ok) {
      return failed(
        `the replica did not check out, the local copy stays: ${check.reason}`,
      );
    }
    await copyLyricFiles(backend, source.path, locator, signal);
    await removeLocal(context, candidate, source.path);
    return { kind: "verified_moved" };
  } catch (error) {
    if (signal?.aborted) return { kind: "interrupted" };
    if (isStorageError(error) && error.stopsBackend) {
      return { kind: "stop", error };
    }
    return failed(describeError(error));
  }
}

/** The local copy of a candidate, as a backend stores it. */
function sourceOf(candidate: ReplicaCandidate): SourceFile {
  return {
    path: resolveInside(candidate.sourceRoot!, candidate.sourceLocator!),
    sizeBytes: candidate.sizeBytes!,
    sha256: candidate.sha256!,
    md5: candidate.md5 ?? undefined,
  };
}

/**
 * Marks the local copy deleted, then deletes it and the `.lrc` files
 * beside it; `false` when it was gone already.
 */
async function removeLocal(
  context: Context,
  candidate: ReplicaCandidate,
  path: string,
): Promise<boolean> {
  if (
    !markDeleted(context.catalog, candidate.sourceLocationId!, context.now())
  ) {
    return false;
  }
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await removeLyricFiles(path);
  return true;
}
