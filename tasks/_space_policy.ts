/**
 * The download stage's space policy: the low-space controller of a run. Before each file it checks
 * the active local backend's free space; below the file's expected size
 * plus the reserve (`--min-free`) it stops starting new files, lets the
 * running ones finish, and takes the next directory: from `--next-dir`,
 * else by asking on stdin. An answer is validated (creatable, writable,
 * enough space) and a bad one asked again with the reason; a good one
 * becomes a new local backend, made active, and the run goes on there.
 * At end of input with no directory left the run stops cleanly.
 *
 * @module
 */
import { resolve } from "node:path";
import {
  activateLocalBackend,
  type BackendRow,
  findLocalBackend,
} from "../catalog/storage.ts";
import type { Catalog } from "../catalog/database.ts";
import type { FreeSpaceProbe } from "../storage/free_space.ts";
import type { BackendSwitch, NoSpaceStop } from "./download_summary.ts";
import { formatBytes } from "./format.ts";
import type { Prompt } from "./prompt.ts";
import type { Logger } from "./ui.ts";

/** Room taken for one file on a backend. */
export interface Reservation {
  /** The backend the file goes to. */
  backend: BackendRow;
  /** Bytes reserved: the file's expected size. */
  bytes: number;
  /** Whether `bytes` is an estimate rather than a size the platform advertises. */
  estimated: boolean;
  /** Whether its transfer has started (`progress()`). */
  started: boolean;
  /** Bytes of the file on disk so far (`progress()`). */
  written: number;
  /** The file's size, once the offer or the CDN has said it (`progress()`). */
  total: number | undefined;
}

/**
 * Bytes a file in flight has yet to write (the disk's free space already
 * counts the rest): before its transfer starts, its advertised size, or
 * nothing when its size is only an estimate; then its size (the offer's,
 * the CDN's) less what is written.
 */
function remaining(reservation: Reservation): number {
  if (!reservation.started) {
    return reservation.estimated ? 0 : reservation.bytes;
  }
  return Math.max(
    0,
    (reservation.total ?? reservation.bytes) - reservation.written,
  );
}

/** Options of a `SpaceController`. */
export interface SpaceControllerOptions {
  /** The catalog, where new backends are recorded. */
  catalog: Catalog;
  /** The active local backend at the start. */
  active: BackendRow;
  /** Bytes free on the file system of a path. */
  freeSpace: FreeSpaceProbe;
  /** Asks on stderr, reads a line from stdin (`null` at end of input). */
  prompt: Prompt;
  /** Log lines. */
  log: Logger;
  /** The clock. */
  now(): number;
  /** Bytes to keep free on every backend. */
  minFree: number;
  /** Directories to continue in, in order, before asking. */
  nextDirs: readonly string[];
  /** Called before a question is asked (to clear the progress display). */
  beforePrompt?: () => void;
}

/** Outcome of validating a directory. */
export type DirectoryCheck =
  | { ok: true; root: string; freeBytes: number }
  | { ok: false; reason: string };

/**
 * Checks that a directory can take files: it can be created, a probe file
 * can be written and removed there, and its file system has `needed`
 * bytes free.
 */
export async function checkDirectory(
  path: string,
  needed: number,
  freeSpace: FreeSpaceProbe,
): Promise<DirectoryCheck> {
  const trimmed = path.trim();
  if (trimmed === "") return { ok: false, reason: "no directory given" };
  const root = resolve(trimmed);
  try {
    await Deno.mkdir(root, { recursive: true });
  } catch (error) {
    return { ok: false, reason: `cannot create it: ${message(error)}` };
  }
  const probe = `${root}/.catalogsync-probe-${crypto.randomUUID()}`;
  try {
    await Deno.writeFile(probe, new Uint8Array(4096));
    await Deno.remove(probe);
  } catch (error) {
    await Deno.remove(probe).catch(() => {});
    return { ok: false, reason: `cannot write there: ${message(error)}` };
  }
  let freeBytes: number;
  try {
    freeBytes = await freeSpace(root);
  } catch (error) {
    return {
      ok: false,
      reason: `cannot read its free space: ${message(error)}`,
    };
  }
  if (freeBytes < needed) {
    return {
      ok: false,
      reason: `only ${formatBytes(freeBytes)} free there, ${
        formatBytes(needed)
      } needed`,
    };
  }
  return { ok: true, root, freeBytes };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Decides where each file goes, and what happens when space runs out. */
export class SpaceController {
  #options: SpaceControllerOptions;
  #active: BackendRow;
  #nextDirs: string[];
  /** Files in flight: their remaining bytes are what free space does not count yet. */
  #inFlight = new Set<Reservation>();
  #drained: Array<() => void> = [];
  #switching: Promise<boolean> | undefined;
  /** Switches started so far: a free-space answer from before one is stale. */
  #switchesStarted = 0;
  #full = new Set<number>();
  #stop: NoSpaceStop | undefined;
  /** Switches made so far. */
  readonly switches: BackendSwitch[] = [];

  /** A controller starting on `options.active`. */
  constructor(options: SpaceControllerOptions) {
    this.#options = options;
    this.#active = options.active;
    this.#nextDirs = [...options.nextDirs];
  }

  /** The backend new files go to. */
  get active(): BackendRow {
    return this.#active;
  }

  /** Set when the run stopped for lack of space. */
  get stopped(): NoSpaceStop | undefined {
    return this.#stop;
  }

  /**
   * Room for a file of `bytes` (`estimated`: a guess, not a size the
   * platform advertises) on the active backend, switching backends first
   * if it is low on space; `undefined` once the run has to stop. Report
   * its transfer with `progress()`; give the room back with `release()`
   * when the file is done.
   */
  async acquire(
    bytes: number,
    estimated = false,
  ): Promise<Reservation | undefined> {
    for (;;) {
      if (this.#stop) return undefined;
      if (this.#switching) {
        await this.#switching;
        continue;
      }
      const backend = this.#active;
      const needed = bytes + this.#options.minFree;
      let free = 0;
      let low = this.#full.has(backend.id);
      if (!low) {
        const switchesBefore = this.#switchesStarted;
        free = await this.#options.freeSpace(backend.container_name);
        // another file may have switched backends (or stopped the run, or
        // asked and stayed) while we looked: look again from the top
        if (this.#switchesStarted !== switchesBefore) continue;
        low = free - this.#remainingBytes() < needed;
      }
      if (!low) {
        const reservation: Reservation = {
          backend,
          bytes,
          estimated,
          started: false,
          written: 0,
          total: undefined,
        };
        this.#inFlight.add(reservation);
        return reservation;
      }
      this.#switchesStarted++;
      this.#switching = this.#switch(backend, free, needed).finally(() => {
        this.#switching = undefined;
      });
    }
  }

  /**
   * Records a file's progress: its transfer has started, `written` bytes
   * are on disk, of `total` when the offer or the CDN has said it. The
   * space check counts what running files have yet to write, not the
   * estimates of files not started.
   */
  progress(
    reservation: Reservation,
    written: number,
    total: number | undefined,
  ): void {
    reservation.started = true;
    reservation.written = written;
    reservation.total = total;
  }

  /** Gives back the room of a finished (or abandoned) file. */
  release(reservation: Reservation): void {
    this.#inFlight.delete(reservation);
    if (this.#inFlight.size === 0) {
      for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  /** Bytes the files in flight have yet to write. */
  #remainingBytes(): number {
    let bytes = 0;
    for (const reservation of this.#inFlight) bytes += remaining(reservation);
    return bytes;
  }

  /** Marks a backend full (a write failed with `ENOSPC`): the next file switches. */
  markFull(backend: BackendRow): void {
    this.#full.add(backend.id);
  }

  async #switch(
    full: BackendRow,
    free: number,
    needed: number,
  ): Promise<boolean> {
    const options = this.#options;
    const root = full.container_name;
    options.log.warn(
      `low disk space in ${root}: ${formatBytes(free)} free, ${
        formatBytes(needed)
      } needed (the next file plus --min-free ${
        formatBytes(options.minFree)
      }); no new files start there`,
    );
    while (this.#inFlight.size > 0) {
      await new Promise<void>((resolve) => this.#drained.push(resolve));
    }
    let reason: string | undefined;
    for (;;) {
      let answer: string | null;
      let via: BackendSwitch["via"];
      const next = this.#nextDirs.shift();
      if (next !== undefined) {
        answer = next;
        via = "next-dir";
      } else {
        options.beforePrompt?.();
        answer = await options.prompt(
          `${reason ? `Cannot use that directory: ${reason}.\n` : ""}` +
            `Low disk space in ${root}: ${formatBytes(free)} free, ${
              formatBytes(needed)
            } needed for the next file and the --min-free reserve.\n` +
            `Directory to continue in (end of input stops): `,
        );
        via = "prompt";
        if (answer === null) {
          this.#stop = {
            directory: root,
            freeBytes: free,
            neededBytes: needed,
          };
          options.log.warn(
            `no directory to continue in: stopping (nothing is lost; rerun with --next-dir DIR or --library DIR)`,
          );
          return false;
        }
      }
      const check = await this.#check(answer, needed, full);
      if (!check.ok) {
        reason = check.reason;
        if (via === "next-dir") {
          options.log.warn(`cannot continue in --next-dir ${next}: ${reason}`);
        }
        continue;
      }
      const backend = activateLocalBackend(
        options.catalog,
        check.root,
        options.now(),
      );
      this.#full.delete(backend.id);
      this.#active = backend;
      this.switches.push({
        from: root,
        to: backend.container_name,
        name: backend.name,
        via,
      });
      options.log.info(
        `continuing in ${backend.container_name} (${backend.name}, ${
          formatBytes(check.freeBytes)
        } free)`,
      );
      return true;
    }
  }

  async #check(
    answer: string,
    needed: number,
    full: BackendRow,
  ): Promise<DirectoryCheck> {
    const root = resolve(answer.trim() || ".");
    if (answer.trim() !== "" && root === resolve(full.container_name)) {
      return { ok: false, reason: `${root} is the directory that is full` };
    }
    const known = findLocalBackend(this.#options.catalog, root);
    if (known && this.#full.has(known.id)) {
      return { ok: false, reason: `${root} ran out of space in this run` };
    }
    return await checkDirectory(answer, needed, this.#options.freeSpace);
  }
}
