/**
 * Replication tasks: one row per file and target backend, claimed with a
 * lease (as downloads are) so that two replicate processes never upload
 * the same file, carrying the id of a multipart upload in progress so that
 * the next run resumes it, or aborts it when nobody will.
 *
 * A replica becomes a `file_locations` row of the same `file_asset` only
 * once it is checked, in the transaction that ends its task.
 *
 * @module
 */
import type { Catalog } from "./database.ts";
import { holdsLease } from "./leases.ts";
import { STORED_MD5, STORED_SHA256, STORED_SIZE } from "./_sql.ts";

/** A selected song's file, with where it stands on the target backend. */
export interface ReplicaCandidate {
  /** `songs.id`. */
  songId: number;
  /** Its platform. */
  platform: string;
  /** Its id there. */
  remoteSongId: string;
  /** Title. */
  title: string;
  /** Singer string. */
  artistNames: string;
  /** `file_assets.id` (null: the song has no file). */
  assetId: number | null;
  /** The size of the file as stored (tags written into it): what is sent. */
  sizeBytes: number | null;
  /** Its hex SHA-256, as stored. */
  sha256: string | null;
  /** Its hex MD5 as stored, when known. */
  md5: string | null;
  /** An active local location to copy from (the active backend's first). */
  sourceLocationId: number | null;
  /** Its root. */
  sourceRoot: string | null;
  /** Its path below the root. */
  sourceLocator: string | null;
  /** Its backend. */
  sourceBackendId: number | null;
  /** 1 when the target already holds a checked copy. */
  replicated: number;
  /** The task's state, if there is a task. */
  taskState: string | null;
  /** Its lease holder. */
  leaseOwner: string | null;
  /** Its lease expiry. */
  leaseUntil: number | null;
}

/** The files of `songIds` (in that order), with their state on backend `targetId`. */
export function replicaCandidates(
  catalog: Catalog,
  songIds: readonly number[],
  targetId: number,
): ReplicaCandidate[] {
  const out: ReplicaCandidate[] = [];
  for (let i = 0; i < songIds.length; i += 500) {
    const batch = songIds.slice(i, i + 500);
    const rows = catalog.all<ReplicaCandidate>(
      `SELECT s.id AS songId, s.platform, s.remote_song_id AS remoteSongId, s.name AS title,
         s.artist_names AS artistNames, a.id AS assetId, ${STORED_SIZE} AS sizeBytes,
         ${STORED_SHA256} AS sha256, ${STORED_MD5} AS md5, l.id AS sourceLocationId,
         l.container_name AS sourceRoot, l.locator AS sourceLocator,
         l.backend_id AS sourceBackendId,
         EXISTS (SELECT 1 FROM file_locations t WHERE t.file_asset_id = a.id
           AND t.backend_id = ? AND t.state = 'active') AS replicated,
         rt.state AS taskState, rt.lease_owner AS leaseOwner, rt.lease_until AS leaseUntil
       FROM songs s
       LEFT JOIN file_assets a ON a.song_id = s.id
       LEFT JOIN file_locations l ON l.id = (
         SELECT l2.id FROM file_locations l2 JOIN storage_backends b ON b.id = l2.backend_id
         WHERE l2.file_asset_id = a.id AND l2.state = 'active' AND b.kind = 'local'
           AND b.id <> ?
         ORDER BY b.is_active DESC, l2.id LIMIT 1)
       LEFT JOIN replicate_tasks rt ON rt.file_asset_id = a.id AND rt.backend_id = ?
       WHERE s.id IN (${batch.map(() => "?").join(", ")})`,
      targetId,
      targetId,
      targetId,
      ...batch,
    );
    const byId = new Map(rows.map((r) => [r.songId, r]));
    for (const id of batch) {
      const row = byId.get(id);
      if (row) out.push(row);
    }
  }
  return out;
}

/** A claimed task. */
export interface ReplicaClaim {
  /** `replicate_tasks.id`. */
  taskId: number;
  /** The multipart upload an earlier attempt left, if any. */
  uploadId: string | null;
  /** Its key. */
  uploadLocator: string | null;
}

/**
 * Claims the task of copying asset `assetId` to backend `backendId` for
 * `owner` until `now + ttlMs`: a new, pending or failed task, or a running
 * one whose lease expired or whose holder `isGone`. `BEGIN IMMEDIATE`, so
 * two processes cannot both win. `busy` when another holds it, `done` when
 * another run copied it since the caller looked.
 */
export function claimReplica(
  catalog: Catalog,
  assetId: number,
  backendId: number,
  owner: string,
  now: number,
  ttlMs: number,
  isGone: (owner: string) => boolean,
): ReplicaClaim | "busy" | "done" {
  return catalog.immediate(() => {
    catalog.run(
      `INSERT INTO replicate_tasks (file_asset_id, backend_id, state, created_at, updated_at)
       VALUES (?, ?, 'pending', ?, ?) ON CONFLICT (file_asset_id, backend_id) DO NOTHING`,
      assetId,
      backendId,
      now,
      now,
    );
    const task = catalog.get<
      {
        id: number;
        state: string;
        lease_owner: string | null;
        lease_until: number | null;
        upload_id: string | null;
        upload_locator: string | null;
      }
    >(
      `SELECT id, state, lease_owner, lease_until, upload_id, upload_locator
       FROM replicate_tasks WHERE file_asset_id = ? AND backend_id = ?`,
      assetId,
      backendId,
    )!;
    if (
      task.state === "running" && task.lease_owner !== null &&
      task.lease_until !== null && task.lease_until >= now &&
      !isGone(task.lease_owner)
    ) return "busy";
    // another run finished it since this one looked
    if (
      task.state === "done" && catalog.get(
          `SELECT 1 FROM file_locations WHERE file_asset_id = ? AND backend_id = ?
           AND state = 'active'`,
          assetId,
          backendId,
        ) !== undefined
    ) return "done";
    catalog.run(
      `UPDATE replicate_tasks SET state = 'running', lease_owner = ?, lease_until = ?,
         attempts = attempts + 1, updated_at = ? WHERE id = ?`,
      owner,
      now + ttlMs,
      now,
      task.id,
    );
    return {
      taskId: task.id,
      uploadId: task.upload_id,
      uploadLocator: task.upload_locator,
    };
  });
}

/** Records (or clears, with `null`) the multipart upload of a task `owner` holds. */
export function saveUpload(
  catalog: Catalog,
  taskId: number,
  owner: string,
  uploadId: string | null,
  locator: string | null,
  now: number,
): void {
  catalog.run(
    `UPDATE replicate_tasks SET upload_id = ?, upload_locator = ?, updated_at = ?
     WHERE id = ? AND lease_owner = ?`,
    uploadId,
    uploadId === null ? null : locator,
    now,
    taskId,
    owner,
  );
}

/** Ends a task `owner` holds as `pending` (to try again) or `failed`, keeping why. */
export function releaseReplica(
  catalog: Catalog,
  taskId: number,
  owner: string,
  state: "pending" | "failed",
  error: string | null,
  now: number,
): void {
  catalog.run(
    `UPDATE replicate_tasks SET state = ?, lease_owner = NULL, lease_until = NULL,
       last_error = ?, updated_at = ? WHERE id = ? AND lease_owner = ?`,
    state,
    error,
    now,
    taskId,
    owner,
  );
}

/** A checked replica to record. */
export interface CheckedReplica {
  /** The task. */
  taskId: number;
  /** Its lease holder. */
  owner: string;
  /** The file. */
  assetId: number;
  /** The target backend. */
  backendId: number;
  /** Its container. */
  containerName: string;
  /** The path or key. */
  locator: string;
  /** The ETag read back, if any. */
  etag: string | null;
  /** The clock. */
  now: number;
}

/**
 * Adds the replica's location to its file and ends the task `done`, in one
 * immediate transaction, if `owner` still holds the lease (`false`, and
 * nothing written, when it was lost).
 */
export function recordReplica(
  catalog: Catalog,
  replica: CheckedReplica,
): boolean {
  return catalog.immediate(() => {
    if (
      !holdsLease(catalog, {
        kind: "replicate",
        id: replica.taskId,
        owner: replica.owner,
      })
    ) {
      return false;
    }
    catalog.run(
      `INSERT INTO file_locations (file_asset_id, backend_id, container_name, locator, state,
         etag, created_at, checked_at)
       VALUES (?, ?, ?, ?, 'active', ?, ?, ?)
       ON CONFLICT (backend_id, locator) DO UPDATE SET
         file_asset_id = excluded.file_asset_id, container_name = excluded.container_name,
         state = 'active', etag = excluded.etag, checked_at = excluded.checked_at`,
      replica.assetId,
      replica.backendId,
      replica.containerName,
      replica.locator,
      replica.etag,
      replica.now,
      replica.now,
    );
    catalog.run(
      `UPDATE replicate_tasks SET state = 'done', lease_owner = NULL, lease_until = NULL,
         upload_id = NULL, upload_locator = NULL, last_error = NULL, updated_at = ?
       WHERE id = ?`,
      replica.now,
      replica.taskId,
    );
    return true;
  });
}

/** Multipart uploads the catalog knows of on a backend, with who holds their task. */
export function knownUploads(
  catalog: Catalog,
  backendId: number,
): Array<
  {
    uploadId: string;
    locator: string | null;
    leaseOwner: string | null;
    leaseUntil: number | null;
  }
> {
  return catalog.all(
    `SELECT upload_id AS uploadId, upload_locator AS locator, lease_owner AS leaseOwner,
       lease_until AS leaseUntil
     FROM replicate_tasks WHERE backend_id = ? AND upload_id IS NOT NULL`,
    backendId,
  );
}

/** Forgets an upload id (it was aborted). */
export function forgetUpload(catalog: Catalog, uploadId: string): void {
  catalog.run(
    `UPDATE replicate_tasks SET upload_id = NULL, upload_locator = NULL
     WHERE upload_id = ?`,
    uploadId,
  );
}

/** Lease holders of running tasks on a backend other than `owner`. */
export function otherLeaseHolders(
  catalog: Catalog,
  backendId: number,
  owner: string,
  now: number,
): string[] {
  return catalog.all<{ owner: string }>(
    `SELECT DISTINCT lease_owner AS owner FROM replicate_tasks
     WHERE backend_id = ? AND state = 'running' AND lease_owner IS NOT NULL
       AND lease_owner <> ? AND lease_until >= ?`,
    backendId,
    owner,
    now,
  ).map((r) => r.owner);
}

/**
 * After a replica is checked, the local copy `--move` removes: its
 * location is marked `deleted` first (so a kill before the file goes
 * leaves a stray file, never a record of a file that is not there).
 */
export function markDeleted(
  catalog: Catalog,
  locationId: number,
  now: number,
): boolean {
  return catalog.run(
    "UPDATE file_locations SET state = 'deleted', checked_at = ? WHERE id = ? AND state = 'active'",
    now,
    locationId,
  ).changes === 1;
}

/** Marks a local copy `corrupt` (it no longer matches its SHA-256). */
export function markCorrupt(
  catalog: Catalog,
  locationId: number,
  now: number,
): void {
  catalog.run(
    "UPDATE file_locations SET state = 'corrupt', checked_at = ? WHERE id = ?",
    now,
    locationId,
  );
}
