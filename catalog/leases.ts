/**
 * The leases of the task tables: a running download or replicate task is
 * held by one lease owner (a process) until its lease runs out, and only
 * that owner renews it or records the task's end.
 *
 * @module
 */
import type { Catalog } from "./database.ts";

/**
 * The task tables held under leases, and the column a task is named by: a
 * download task by its song, a replicate task by its own id.
 */
const LEASED_TASKS = {
  download: { table: "download_tasks", key: "song_id" },
  replicate: { table: "replicate_tasks", key: "id" },
} as const;

/** A running task's lease, as its owner names it. */
export interface TaskLease {
  /** Which task table. */
  kind: keyof typeof LEASED_TASKS;
  /** The task: a download task's song id, a replicate task's id. */
  id: number;
  /** The lease owner (a process of a run). */
  owner: string;
}

/**
 * Extends a lease its owner still holds to `now + ttlMs`; `false` when it
 * was lost.
 */
export function renewLease(
  catalog: Catalog,
  lease: TaskLease,
  now: number,
  ttlMs: number,
): boolean {
  const { table, key } = LEASED_TASKS[lease.kind];
  return catalog.run(
    `UPDATE ${table} SET lease_until = ?, updated_at = ?
     WHERE ${key} = ? AND state = 'running' AND lease_owner = ?`,
    now + ttlMs,
    now,
    lease.id,
    lease.owner,
  ).changes === 1;
}

/** Whether the lease's owner still holds it. */
export function holdsLease(catalog: Catalog, lease: TaskLease): boolean {
  const { table, key } = LEASED_TASKS[lease.kind];
  return catalog.get(
    `SELECT 1 FROM ${table} WHERE ${key} = ? AND state = 'running' AND lease_owner = ?`,
    lease.id,
    lease.owner,
  ) !== undefined;
}
