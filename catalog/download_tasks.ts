/**
 * Download tasks: one row per song to download, claimed with a lease so
 * that two processes on one catalog never fetch the same song, and a
 * crashed process's work is taken over once its lease expires (at once by
 * a run on its host that finds its owner gone: `tasks/_lease_owner.ts`).
 *
 * States: `pending` (to do), `running` (leased by `lease_owner` until
 * `lease_until`), `done`, and the terminal failures `vip_only`,
 * `unavailable`, `rate_limited`, `failed`, which a run retries only when
 * asked to. A `done` task is claimed again to upgrade its file (`download
 * --upgrade`); given back, a task whose song still has a file is `done`.
 *
 * @module
 */
import type { Platform, PoolKind } from "../sources/types.ts";
import type { Catalog } from "./database.ts";
import { holdsLease } from "./leases.ts";
import type { DownloadState } from "./status.ts";
import { type AssetRecord, locatorTaken, recordAsset } from "./storage.ts";
import { placeholders } from "./_sql.ts";

/** The columns of a lease, cleared. */
const NO_LEASE =
  "lease_owner = NULL, lease_until = NULL, lease_host = NULL, lease_pid = NULL";

/** A task given back: `done` when its song has a file, else `pending`. */
const PENDING_OR_DONE = `CASE WHEN EXISTS (
  SELECT 1 FROM file_assets a JOIN file_locations l ON l.file_asset_id = a.id
  WHERE a.song_id = download_tasks.song_id AND l.state = 'active')
  THEN 'done' ELSE 'pending' END`;

/** States a task ends in when it did not succeed; retried only on request. */
export const TERMINAL_STATES = [
  "vip_only",
  "unavailable",
  "rate_limited",
  "failed",
] as const;

/** A state a failed task ends in. */
export type TerminalState = typeof TERMINAL_STATES[number];

/** Whether a string names a terminal state. */
export function isTerminalState(value: string): value is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(value);
}

/** A `download_tasks` row. */
export interface TaskRow {
  /** Row id. */
  id: number;
  /** The song. */
  song_id: number;
  /** Where the task stands. */
  state: DownloadState;
  /** Claims so far. */
  attempts: number;
  /** Who holds the lease of a running task. */
  lease_owner: string | null;
  /** Epoch milliseconds the lease runs until. */
  lease_until: number | null;
  /** The host of the lease owner's process (when it holds its lock file). */
  lease_host: string | null;
  /** The lease owner's process id. */
  lease_pid: number | null;
  /** The quality asked for (`best`, `lossless`, ...). */
  requested_quality: string | null;
  /** The quality label served. */
  achieved_quality: string | null;
  /** Why the last attempt did not succeed. */
  last_error: string | null;
}

/** The task of a song, if it has one. */
export function taskOf(catalog: Catalog, songId: number): TaskRow | undefined {
  return catalog.get<TaskRow>(
    `SELECT id, song_id, state, attempts, lease_owner, lease_until, lease_host, lease_pid,
       requested_quality, achieved_quality, last_error
     FROM download_tasks WHERE song_id = ?`,
    songId,
  );
}

/** Which songs a download run takes. */
export interface SongSelection {
  /** Songs of these platforms. */
  platforms: readonly Platform[];
  /** Only songs of these playlists (when not empty). */
  playlists: ReadonlyArray<{ platform: Platform; remoteId: string }>;
  /** Only songs of playlists listed by pools of these kinds (when not empty). */
  pools: readonly PoolKind[];
}

/** A selected song with where its task stands. */
export interface DownloadCandidate {
  /** `songs.id`. */
  id: number;
  /** The platform. */
  platform: Platform;
  /** The task's state, if the song has a task. */
  state: DownloadState | null;
  /** The task's lease expiry. */
  leaseUntil: number | null;
  /** The quality label of the song's file, if it has one. */
  assetQuality: string | null;
}

/** The selected songs with their tasks' state, in a stable order (`songs.id`). */
export function downloadCandidates(
  catalog: Catalog,
  selection: SongSelection,
): DownloadCandidate[] {
  const where = [`s.platform IN (${placeholders(selection.platforms)})`];
  const params: Array<string | number> = [...selection.platforms];
  if (selection.playlists.length > 0) {
    where.push(
      `s.id IN (SELECT ps.song_id FROM playlist_songs ps JOIN playlists p ON p.id = ps.playlist_id
                WHERE ${
        selection.playlists.map(() =>
          "(p.platform = ? AND p.remote_playlist_id = ?)"
        ).join(" OR ")
      })`,
    );
    for (const ref of selection.playlists) {
      params.push(ref.platform, ref.remoteId);
    }
  }
  if (selection.pools.length > 0) {
    where.push(
      `s.id IN (SELECT ps.song_id FROM playlist_songs ps
                JOIN pool_playlists pp ON pp.playlist_id = ps.playlist_id
                JOIN playlist_pools pool ON pool.id = pp.pool_id
                WHERE pool.kind IN (${placeholders(selection.pools)}))`,
    );
    params.push(...selection.pools);
  }
  return catalog.all<DownloadCandidate>(
    `SELECT s.id, s.platform, t.state, t.lease_until AS leaseUntil,
       a.quality AS assetQuality FROM songs s
     LEFT JOIN download_tasks t ON t.song_id = s.id
     LEFT JOIN file_assets a ON a.song_id = s.id
     WHERE ${where.join(" AND ")} ORDER BY s.id`,
    ...params,
  );
}

/**
 * Plans a song: creates its task as `pending`, or sets an existing task
 * back to `pending` when it is `done` but the song has no active location
 * any more (or `reopenDone`: the caller found its locations do not count),
 * or when its state is one of `retry`. A running task and a terminal one
 * not named in `retry` are left alone. Returns whether the task is now
 * pending.
 */
export function planTask(
  catalog: Catalog,
  songId: number,
  requestedQuality: string,
  retry: readonly TerminalState[],
  now: number,
  reopenDone = false,
): boolean {
  const resettable = ["pending", ...retry].map((s) => `'${s}'`).join(", ");
  catalog.run(
    `INSERT INTO download_tasks (song_id, state, requested_quality, created_at, updated_at)
     VALUES (?, 'pending', ?, ?, ?)
     ON CONFLICT (song_id) DO UPDATE SET
       state = 'pending',
       requested_quality = excluded.requested_quality,
       ${NO_LEASE},
       updated_at = excluded.updated_at
     WHERE download_tasks.state IN (${resettable})
       OR (download_tasks.state = 'done' AND ${reopenDone ? "1" : "0"})
       OR (download_tasks.state = 'done' AND NOT EXISTS (
         SELECT 1 FROM file_assets a JOIN file_locations l ON l.file_asset_id = a.id
         WHERE a.song_id = download_tasks.song_id AND l.state = 'active'))`,
    songId,
    requestedQuality,
    now,
    now,
  );
  return taskOf(catalog, songId)?.state === "pending";
}

/**
 * Ends the task of a song that has a file as `done` when it was left
 * `pending`, or `running` under an expired lease (an upgrade that was
 * killed). Returns whether it changed.
 */
export function settleOwnedTask(
  catalog: Catalog,
  songId: number,
  now: number,
): boolean {
  return catalog.run(
    `UPDATE download_tasks SET state = 'done', ${NO_LEASE}, updated_at = ?
     WHERE song_id = ? AND (state = 'pending'
       OR (state = 'running' AND (lease_until IS NULL OR lease_until < ?)))`,
    now,
    songId,
    now,
  ).changes === 1;
}

/**
 * Plans the upgrade of a song that has a file: gives it a `done` task if
 * it has none (files recorded before tasks were kept). The task is claimed
 * with `claimTask(..., { upgrade: true })`.
 */
export function planUpgrade(
  catalog: Catalog,
  songId: number,
  requestedQuality: string,
  now: number,
): void {
  catalog.run(
    `INSERT INTO download_tasks (song_id, state, requested_quality, achieved_quality,
       created_at, updated_at)
     SELECT ?, 'done', ?, a.quality, ?, ? FROM file_assets a WHERE a.song_id = ?
     ON CONFLICT (song_id) DO NOTHING`,
    songId,
    requestedQuality,
    now,
    now,
    songId,
  );
}

/**
 * Claims a song's task for `owner` until `now + ttlMs`: a `pending` task,
 * or a `running` one whose lease has expired (its process died). Runs in
 * `BEGIN IMMEDIATE`, so two processes cannot both win.
 */
export function claimTask(
  catalog: Catalog,
  songId: number,
  owner: string,
  requestedQuality: string,
  now: number,
  ttlMs: number,
  options: {
    /** Also claim a `done` task: the song has a file to better. */
    upgrade?: boolean;
    /** The process that takes the lease, recorded with it. */
    holder?: LeaseHolder;
  } = {},
): boolean {
  const claimable = options.upgrade
    ? "state IN ('pending', 'done')"
    : "state = 'pending'";
  const holder = options.holder;
  return catalog.immediate(() =>
    catalog.run(
      `UPDATE download_tasks SET state = 'running', lease_owner = ?, lease_until = ?,
         lease_host = ?, lease_pid = ?,
         attempts = attempts + 1, requested_quality = ?, updated_at = ?
       WHERE song_id = ? AND (${claimable}
         OR (state = 'running' AND (lease_until IS NULL OR lease_until < ?)))`,
      owner,
      now + ttlMs,
      holder?.host ?? null,
      holder?.pid ?? null,
      requestedQuality,
      now,
      songId,
      now,
    ).changes === 1
  );
}

/** The process holding a lease, as recorded with it. */
export interface LeaseHolder {
  /** Its host name (`null`: its owner holds no lock file; never taken over early). */
  host: string | null;
  /** Its process id. */
  pid: number;
}

/** A lease owner of a host with unexpired leases, and how many songs it holds. */
export interface OwnerLeases {
  /** The owner id (`host:pid:random`). */
  owner: string;
  /** Its process id. */
  pid: number;
  /** Songs it holds. */
  songs: number;
}

/** The lease owners of `host` holding unexpired leases. */
export function leaseOwners(
  catalog: Catalog,
  host: string,
  now: number,
): OwnerLeases[] {
  return catalog.all<OwnerLeases>(
    `SELECT lease_owner AS owner, max(lease_pid) AS pid, count(*) AS songs
     FROM download_tasks
     WHERE state = 'running' AND lease_host = ? AND lease_owner IS NOT NULL
       AND lease_until >= ?
     GROUP BY lease_owner ORDER BY lease_owner`,
    host,
    now,
  );
}

/**
 * Gives back every lease of an owner that is gone (killed, crashed): its
 * songs are `pending` again (`done` when they have a file), with why in
 * `last_error`. Returns how many songs it held.
 */
export function releaseOwner(
  catalog: Catalog,
  owner: string,
  now: number,
): number {
  return catalog.immediate(() =>
    catalog.run(
      `UPDATE download_tasks SET state = ${PENDING_OR_DONE},
         last_error = 'taken over: its process ' || coalesce(lease_pid, '?') || ' on ' ||
           coalesce(lease_host, '?') || ' is gone',
         ${NO_LEASE}, updated_at = ?
       WHERE state = 'running' AND lease_owner = ?`,
      now,
      owner,
    ).changes
  );
}

/** How a claimed task ends. */
export interface TaskOutcome {
  /** `done` or a terminal state. */
  state: "done" | TerminalState;
  /** The quality label served. */
  achievedQuality?: string | undefined;
  /** Why it did not succeed (or what was rejected on the way). */
  error?: string | undefined;
}

/**
 * Ends a task `owner` holds. Returns `false` (and changes nothing) when
 * the lease was lost: call it inside the transaction that records the
 * file, so that a lost lease rolls the recording back.
 */
export function finishTask(
  catalog: Catalog,
  songId: number,
  owner: string,
  outcome: TaskOutcome,
  now: number,
): boolean {
  return catalog.run(
    `UPDATE download_tasks SET state = ?, achieved_quality = ?, last_error = ?,
       ${NO_LEASE}, finished_at = ?, updated_at = ?
     WHERE song_id = ? AND state = 'running' AND lease_owner = ?`,
    outcome.state,
    outcome.achievedQuality ?? null,
    outcome.error ?? null,
    now,
    now,
    songId,
    owner,
  ).changes === 1;
}

/**
 * Gives a claimed task back (interrupted, out of space, a transfer to
 * resume later), keeping why in `last_error`: `pending`, or `done` when
 * the song has a file (an upgrade that did not happen).
 */
export function releaseTask(
  catalog: Catalog,
  songId: number,
  owner: string,
  now: number,
  error?: string,
): boolean {
  return catalog.run(
    `UPDATE download_tasks SET state = ${PENDING_OR_DONE}, ${NO_LEASE},
       last_error = coalesce(?, last_error), updated_at = ?
     WHERE song_id = ? AND state = 'running' AND lease_owner = ?`,
    error ?? null,
    now,
    songId,
    owner,
  ).changes === 1;
}

/** A downloaded, checked file to record as its song's asset. */
export interface CompletedDownload {
  /** The lease owner that downloaded it. */
  owner: string;
  /** The file. */
  asset: AssetRecord;
  /** Where it lives. */
  location: { backendId: number; containerName: string; locator: string };
  /** The clock. */
  now: number;
}

/**
 * Records a downloaded file and ends its task as `done`, in one immediate
 * transaction, if `owner` still holds the task's lease (`false` when it was
 * lost: nothing is written). `placeFile` (the rename into place) runs last
 * inside the transaction, so a failed rename rolls the records back. Throws
 * when another song already has a location with that locator.
 */
export function recordDownload(
  catalog: Catalog,
  download: CompletedDownload,
  placeFile: () => void,
): boolean {
  const { owner, asset, location, now } = download;
  return catalog.immediate(() => {
    if (!holdsLease(catalog, { kind: "download", id: asset.songId, owner })) {
      return false;
    }
    if (
      locatorTaken(catalog, location.backendId, location.locator, asset.songId)
    ) {
      throw new Error(
        `Cannot record '${location.locator}': another song took that name`,
      );
    }
    recordAsset(catalog, asset, location, now);
    finishTask(catalog, asset.songId, owner, {
      state: "done",
      achievedQuality: asset.quality,
    }, now);
    placeFile();
    return true;
  });
}
