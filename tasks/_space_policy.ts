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
 * The catalog's disk counts too: it keeps room for the catalog's
 * write-ahead log (`catalog.reserve`). When the library shares that disk,
 * a library that would eat into the reserve is low like a full one (the
 * run moves on to another directory); when the catalog's own disk runs
 * low the run stops cleanly (the catalog cannot move during a run).
 *
 * What the running files still have to write is not free yet: it is
 * counted from their progress (`progress()`, `_space_reservations.ts`),
 * not from estimates of files not started.
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
import { type Reservation, RunningFiles } from "./_space_reservations.ts";
import type { BackendSwitch, NoSpaceStop } from "./download_summary.ts";
import { formatBytes } from "./format.ts";
import type { Prompt } from "./prompt.ts";
import type { Logger } from "./ui.ts";

export type { Reservation } from "./_space_reservations.ts";

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
  /** The catalog's file, when it is one: the room kept on its disk. */
  catalogDisk?: CatalogDisk | undefined;
  /** Songs still to download in this run (the catalog keeps room to record them). */
  remaining?: () => number;
}

/** The disk holding the catalog, and the room it needs. */
export interface CatalogDisk {
  /** The catalog file's folder. */
  dir: string;
  /** The size its write-ahead log is kept near. */
  walLimit: number;
  /** Bytes its write-ahead log takes now. */
  walBytes(): number;
}

/** What the catalog grows by for each song it records (rows, indexes, slack). */
export const CATALOG_BYTES_PER_SONG = 1024;
/** Room for the catalog's growth beyond its log. */
const CATALOG_MARGIN = 1024 * 1024;
/** Below this (beyond its log), a catalog on its own disk stops the run. */
const CATALOG_FLOOR = 256 * 1024;

/** Why the active backend takes no new file. */
type Low =
  | { kind: "library"; room: Room; needed: number }
  | { kind: "catalog"; free: number; pending: number; reserve: number }
  | { kind: "full" };

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

/** What a backend has room for at one look. */
interface Room {
  /** Bytes free on its file system. */
  free: number;
  /** Bytes the files downloading there still have to write. */
  pending: number;
  /** `free - pending`: what a new file can have. */
  available: number;
}

/** `X free`, or `X available (Y free, Z still to be written ...)`. */
function describeRoom(room: Room): string {
  if (room.pending <= 0) return `${formatBytes(room.free)} free`;
  return `${formatBytes(room.available)} available (${
    formatBytes(room.free)
  } free, ${
    formatBytes(room.pending)
  } still to be written by the files downloading)`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Decides where each file goes, and what happens when space runs out. */
export class SpaceController {
  #options: SpaceControllerOptions;
  #active: BackendRow;
  #nextDirs: string[];
  /** Files being downloaded: their reservations and progress. */
  #running = new RunningFiles();
  #switching: Promise<boolean> | undefined;
  /** Switches started so far: a free-space answer from before one is stale. */
  #switchesStarted = 0;
  #full = new Set<number>();
  #stop: NoSpaceStop | undefined;
  /** Whether a folder is on the catalog's disk, by folder. */
  #disks = new Map<string, boolean>();
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
      let low: Low = { kind: "full" };
      if (!this.#full.has(backend.id)) {
        const switchesBefore = this.#switchesStarted;
        // what each running file had written when free space was looked at
        const seen = this.#running.snapshot();
        const free = await this.#options.freeSpace(backend.container_name);
        const catalogFree = await this.#catalogFree();
        // another file may have switched backends (or stopped the run, or
        // asked and stayed) while we looked: look again from the top
        if (this.#switchesStarted !== switchesBefore) continue;
        // no await from here to the reservation: the running files counted
        // are the ones running; what they still have to write is not free
        const pending = this.#running.stillToWrite(seen);
        const room = { free, pending, available: free - pending };
        const catalog = room.available >= needed
          ? this.#catalogLow(backend, bytes, catalogFree, pending)
          : undefined;
        if (room.available >= needed && catalog === undefined) {
          return this.#running.add(backend, bytes, estimated);
        }
        low = catalog ?? { kind: "library", room, needed };
        if (catalog && !this.#sameDisk(backend.container_name)) {
          this.#stopForCatalog(catalog);
          return undefined;
        }
      }
      this.#switchesStarted++;
      this.#switching = this.#switch(backend, low, bytes).finally(() => {
        this.#switching = undefined;
      });
    }
  }

  /** Bytes free on the catalog's disk, when it is a file. */
  async #catalogFree(): Promise<number | undefined> {
    const disk = this.#options.catalogDisk;
    return disk ? await this.#options.freeSpace(disk.dir) : undefined;
  }

  /**
   * Whether the catalog's disk (`free` bytes free) is short of its reserve
   * once this file and the running ones (`pending` bytes still to write)
   * are written, when they share it.
   */
  #catalogLow(
    backend: BackendRow,
    bytes: number,
    free: number | undefined,
    pending: number,
  ): Extract<Low, { kind: "catalog" }> | undefined {
    const disk = this.#options.catalogDisk;
    if (!disk || free === undefined) return undefined;
    const onDisk = this.#sameDisk(backend.container_name) ? pending + bytes : 0;
    // the log may grow back to its limit; sharing the disk with the library,
    // the catalog also keeps room to record every song still to come, so
    // that the run can go on with the library elsewhere
    const reserve = this.#catalogReserve(disk, onDisk > 0);
    if (free - onDisk >= reserve) return undefined;
    return { kind: "catalog", free, pending: onDisk, reserve };
  }

  /**
   * Bytes kept free on the catalog's disk: what its log may grow back to,
   * and, when the library shares the disk, room to record every song
   * still to come (so that the run can go on with the library elsewhere).
   */
  #catalogReserve(disk: CatalogDisk, shared: boolean): number {
    const log = Math.max(0, disk.walLimit - disk.walBytes());
    return shared
      ? log + CATALOG_MARGIN +
        (this.#options.remaining?.() ?? 0) * CATALOG_BYTES_PER_SONG
      : log + CATALOG_FLOOR;
  }

  /** Whether `dir` is on the catalog's disk. */
  #sameDisk(dir: string): boolean {
    const disk = this.#options.catalogDisk;
    if (!disk) return false;
    let same = this.#disks.get(dir);
    if (same === undefined) {
      try {
        same = Deno.statSync(dir).dev === Deno.statSync(disk.dir).dev;
      } catch {
        same = false;
      }
      this.#disks.set(dir, same);
    }
    return same;
  }

  /** Stops the run: the catalog's own disk is out of room. */
  #stopForCatalog(low: Extract<Low, { kind: "catalog" }>): void {
    const disk = this.#options.catalogDisk!;
    this.#stop = {
      directory: disk.dir,
      freeBytes: low.free,
      neededBytes: low.reserve,
      catalog: true,
    };
    this.#options.log.warn(
      `low disk space for the catalog in ${disk.dir}: ${
        formatBytes(low.free)
      } free, ${
        formatBytes(low.reserve)
      } kept for its log; stopping (nothing is lost)`,
    );
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
    this.#running.progress(reservation, written, total);
  }

  /** Gives back the room of a finished (or abandoned) file. */
  release(reservation: Reservation): void {
    this.#running.release(reservation);
  }

  /** Marks a backend full (a write failed with `ENOSPC`): the next file switches. */
  markFull(backend: BackendRow): void {
    this.#full.add(backend.id);
  }

  async #switch(
    full: BackendRow,
    low: Low,
    bytes: number,
  ): Promise<boolean> {
    const options = this.#options;
    const root = full.container_name;
    const reserve = `the next file plus --min-free ${
      formatBytes(options.minFree)
    }`;
    options.log.warn(
      low.kind === "full"
        ? `the disk holding ${root} filled up; no new files start there`
        : low.kind === "library"
        ? `low disk space in ${root}: ${describeRoom(low.room)}, ${
          formatBytes(low.needed)
        } needed (${reserve}); no new files start there`
        : `low disk space in ${root}, the disk of the catalog: ${
          formatBytes(low.free - low.pending)
        } would be left where the catalog keeps ${
          formatBytes(low.reserve)
        } (its log, and room to record the songs still to come); no new files start there`,
    );
    await this.#running.drained();
    // the running files are written now: what is free is free
    const needed = bytes + options.minFree +
      (low.kind === "catalog" ? low.reserve : 0);
    const free = await options.freeSpace(root).catch(() => 0);
    if (low.kind !== "full") {
      if (
        free >= bytes + options.minFree &&
        this.#catalogLow(full, bytes, await this.#catalogFree(), 0) ===
          undefined
      ) {
        options.log.info(
          `${root} has ${
            formatBytes(free)
          } free now that the running files are written: going on there`,
        );
        return true;
      }
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
            } needed for the next file and the --min-free reserve${
              low.kind === "catalog" ? " and the catalog's log" : ""
            }.\n` +
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
      const check = await this.#check(answer, bytes + options.minFree, full);
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
    const check = await checkDirectory(answer, needed, this.#options.freeSpace);
    // on the catalog's disk, the catalog's reserve must be left as well
    const disk = this.#options.catalogDisk;
    const reserve = disk ? this.#catalogReserve(disk, true) : 0;
    if (
      check.ok && disk && this.#sameDisk(check.root) &&
      check.freeBytes < needed + reserve
    ) {
      return {
        ok: false,
        reason: `only ${formatBytes(check.freeBytes)} free there, ${
          formatBytes(needed + reserve)
        } needed with the room the catalog keeps (the same disk)`,
      };
    }
    return check;
  }
}
