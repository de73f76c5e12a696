/**
 * `verify`: checks every recorded location of every backend (or one):
 * the size, and with `full` the SHA-256 of every byte, read at disk speed
 * (or over the network) with a progress bar. A file that is gone becomes
 * `missing`, a changed one `corrupt`, one that came back `active` again;
 * an offline backend (an unplugged disk, a server that does not answer) is
 * reported and left alone. `repair` plans the songs that lost their only
 * copy for the next `download`.
 *
 * @module
 */
import {
  type BackendInfo,
  backendLocations,
  findBackend,
  hasActiveLocation,
  listBackends,
  type LocationRow,
  setLocationStates,
} from "../catalog/backends.ts";
import { planTask } from "../catalog/download_tasks.ts";
import type {
  HttpFetch,
  StorageBackend,
  StorageCredentials,
} from "../storage/backend.ts";
import { isStorageError } from "../storage/errors.ts";
import { hashFile, hashStream } from "../storage/hashing.ts";
import { rootState } from "../storage/local_backend.ts";
import { resolveInside } from "../storage/names.ts";
import { openBackend } from "../storage/open_backend.ts";
import type { Context } from "./context.ts";
import { formatBytes } from "./format.ts";
import { describeError, type RunStatus } from "./outcome.ts";
import { finishStage, startStage } from "./_stage.ts";

/** Options of `verify()`. */
export interface VerifyOptions {
  /** Only this backend (name or id). @default every backend */
  backend?: string;
  /** Also hash every file and compare its SHA-256. @default false */
  full?: boolean;
  /** Plan songs whose every copy is missing or corrupt for the next download. @default false */
  repair?: boolean;
  /** Credentials of remote backends. @default none */
  credentials?: StorageCredentials;
  /** The `fetch` of HTTP backends. @default globalThis.fetch */
  fetch?: HttpFetch;
}

/** A location that did not check out. */
export interface VerifyProblem {
  /** The backend's name. */
  backend: string;
  /** `platform:id`. */
  song: string;
  /** Title. */
  title: string;
  /** Path or key. */
  locator: string;
  /** `missing` or `corrupt`. */
  state: "missing" | "corrupt";
  /** What was found. */
  reason: string;
}

/** The summary of `verify()`. */
export interface VerifySummary {
  /** How the run ended: `partial` when a location is missing or corrupt. */
  status: RunStatus;
  /** Whether SHA-256 was checked. */
  full: boolean;
  /** Locations checked. */
  checked: number;
  /** Locations that are there and right. */
  ok: number;
  /** Locations found gone. */
  missing: number;
  /** Locations found changed. */
  corrupt: number;
  /** Locations marked missing or corrupt before that are right again. */
  restored: number;
  /** Bytes hashed (`full`). */
  bytesHashed: number;
  /** Backends left alone: offline or refusing. */
  skipped: Array<{ backend: string; files: number; reason: string }>;
  /** Songs planned for the next download (`repair`). */
  repaired: number;
  /** Songs with a missing or corrupt copy that still have another good one. */
  stillOwned: number;
  /** What did not check out. */
  problems: VerifyProblem[];
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

const NO_CREDENTIALS: StorageCredentials = { s3: undefined, webdav: undefined };

/**
 * Checks the recorded locations.
 *
 * @example Verify a catalog with nothing stored
 * ```ts
 * import { Catalog, createContext, verify } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * using catalog = Catalog.open(":memory:");
 * const summary = await verify(createContext({ catalog }), { full: true });
 * assert.equal(summary.status, "ok");
 * assert.equal(summary.checked, 0);
 * ```
 */
export async function verify(
  context: Context,
  options: VerifyOptions = {},
): Promise<VerifySummary> {
  const start = startStage(context, { platforms: [] });
  const catalog = context.catalog;
  let rows: BackendInfo[];
  if (options.backend !== undefined) {
    const row = findBackend(catalog, options.backend);
    if (!row) {
      throw new Error(
        `No storage backend named '${options.backend}': see 'catalogsync storage list'`,
      );
    }
    rows = [row];
  } else rows = listBackends(catalog);
  const full = options.full ?? false;
  const summary: VerifySummary = {
    status: "ok",
    full,
    checked: 0,
    ok: 0,
    missing: 0,
    corrupt: 0,
    restored: 0,
    bytesHashed: 0,
    skipped: [],
    repaired: 0,
    stillOwned: 0,
    problems: [],
    durationMs: 0,
  };
  const work = rows.map((row) => ({
    row,
    locations: backendLocations(catalog, row.id),
  }));
  const totalBytes = full
    ? work.reduce(
      (n, w) => n + w.locations.reduce((m, l) => m + l.sizeBytes, 0),
      0,
    )
    : 0;
  const touchedSongs = new Set<number>();
  for (const { row, locations } of work) {
    if (context.signal?.aborted) break;
    if (locations.length === 0) continue;
    const backend = openBackend(row, {
      credentials: options.credentials ?? NO_CREDENTIALS,
      fetch: options.fetch,
      freeSpace: context.freeSpace,
    });
    const offline = await offlineReason(backend, row, context.signal);
    if (offline !== undefined) {
      summary.skipped.push({
        backend: row.name,
        files: locations.length,
        reason: offline,
      });
      context.log.warn(
        `${row.name}: ${offline}; its ${locations.length} files are left as they are`,
      );
      continue;
    }
    const changes: Array<{ locationId: number; state: string }> = [];
    for (const location of locations) {
      if (context.signal?.aborted) break;
      const found = await checkLocation(
        backend,
        location,
        full,
        context,
        (n) => {
          summary.bytesHashed += n;
          context.progress.status(
            hashProgress(
              summary.bytesHashed,
              totalBytes,
              context.now() - start.started,
            ),
          );
        },
      );
      summary.checked++;
      if (found.state === "active") {
        summary.ok++;
        if (location.state !== "active") summary.restored++;
      } else {
        summary[found.state]++;
        touchedSongs.add(location.songId);
        summary.problems.push({
          backend: row.name,
          song: `${location.platform}:${location.remoteSongId}`,
          title: location.title,
          locator: location.locator,
          state: found.state,
          reason: found.reason,
        });
      }
      changes.push({ locationId: location.locationId, state: found.state });
      if (changes.length >= 200) {
        setLocationStates(catalog, changes.splice(0), context.now());
      }
    }
    setLocationStates(catalog, changes, context.now());
  }
  context.progress.clear();
  for (const songId of touchedSongs) {
    if (hasActiveLocation(catalog, songId, false)) {
      summary.stillOwned++;
    } else if (options.repair) {
      const planned = catalog.transaction(() =>
        planTask(catalog, songId, "best", ["failed"], context.now())
      );
      if (planned) summary.repaired++;
    }
  }
  return finishStage(context, start, summary, {
    failed: summary.missing + summary.corrupt + summary.skipped.length,
    succeeded: summary.ok,
    total: summary.checked + summary.skipped.length,
  });
}

async function offlineReason(
  backend: StorageBackend,
  row: BackendInfo,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  if (row.kind === "local") {
    const state = await rootState(row.container_name);
    if (state === "missing") {
      return `offline: ${row.container_name} is not there (an unplugged disk? 'catalogsync storage relocate ${row.name} NEW_ROOT' if it moved)`;
    }
    if (state === "empty") {
      return `offline: ${row.container_name} is empty (a mount point without its disk?)`;
    }
  }
  const probe = await backend.probe(signal);
  return probe.ok ? undefined : probe.reason;
}

async function checkLocation(
  backend: StorageBackend,
  location: LocationRow,
  full: boolean,
  context: Context,
  onBytes: (n: number) => void,
): Promise<
  | { state: "active" }
  | { state: "missing" | "corrupt"; reason: string }
> {
  let there;
  try {
    there = await backend.head(location.locator, context.signal);
  } catch (error) {
    if (isStorageError(error, "not_found")) there = undefined;
    else throw error;
  }
  if (!there) return { state: "missing", reason: "not there" };
  if (there.sizeBytes !== location.sizeBytes) {
    return {
      state: "corrupt",
      reason: `${there.sizeBytes} bytes, recorded ${location.sizeBytes}`,
    };
  }
  if (
    location.etag !== null && there.etag !== undefined &&
    there.etag !== location.etag
  ) {
    return {
      state: "corrupt",
      reason: `ETag ${there.etag}, recorded ${location.etag}`,
    };
  }
  if (!full) return { state: "active" };
  try {
    const digest = backend.kind === "local"
      ? await hashFile(resolveInside(backend.containerName, location.locator), {
        onBytes,
        signal: context.signal,
      })
      : await hashStream(await backend.read(location.locator, context.signal), {
        onBytes,
        signal: context.signal,
      });
    if (digest.sha256 !== location.sha256) {
      return {
        state: "corrupt",
        reason: `SHA-256 ${digest.sha256.slice(0, 12)}..., recorded ${
          location.sha256.slice(0, 12)
        }...`,
      };
    }
  } catch (error) {
    if (context.signal?.aborted) throw error;
    return {
      state: "corrupt",
      reason: `cannot read it: ${describeError(error)}`,
    };
  }
  return { state: "active" };
}

function hashProgress(done: number, total: number, elapsedMs: number): string {
  const width = 24;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
  return `verify --full [${"#".repeat(filled)}${".".repeat(width - filled)}] ${
    Math.floor(fraction * 100)
  }% ${formatBytes(done)} of ${formatBytes(total)}, ${formatBytes(rate)}/s, ${
    Math.ceil(eta)
  }s left`;
}
