/**
 * Who holds a lease (of a download task or of a replicate task), in a form
 * another process can check: a run holds an exclusive lock (`flock`) on
 * `<catalog>.leases/<owner>.lock` while it lives, and the operating system
 * drops the lock when the process ends, however it ends (`kill -9`
 * included). A process on the same host that finds such a file unlocked,
 * or gone, knows its owner has ended and takes its leases over at once,
 * instead of after they expire. A pid that names another process later
 * changes nothing: the lock file is named by the owner id, which carries
 * a random part of its own.
 *
 * Why a lock rather than asking about the process id: Deno lets a program
 * read `/proc` or signal another process only with broad permissions
 * (every read, `--allow-run`), and `ps` is not on every system; a lock
 * file needs write access to the folder beside the catalog (which the
 * tasks that take leases, `download`, `pipeline` and `replicate`, have)
 * and `Deno.hostname()` (`--allow-sys=hostname`), and works wherever
 * Deno's file locks do. Owners on another host (a catalog on a shared
 * disk), owners that could not take their lock (no host name, a folder
 * they may not write) and every owner of an in-memory catalog are never
 * taken for gone: their leases expire as usual.
 *
 * @module
 */
import { join } from "node:path";
import type { Catalog } from "../catalog/database.ts";
import { leaseOwners, releaseOwner } from "../catalog/download_tasks.ts";
import type { Logger } from "./ui.ts";

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    // no --allow-sys=hostname: leases are only taken over once they expire
    return "";
  }
}

/** A lease owner that holds its lock file while the process lives. */
export class LeaseOwner implements Disposable {
  /**
   * The owner id written into leases: `host:pid:random` when it holds its
   * lock, `:pid:random` (never judged gone by anyone) when it does not.
   */
  readonly id: string;
  /** Its host, when it holds its lock (recorded with download leases). */
  readonly host: string | null;
  /** Its process id. */
  readonly pid: number;
  readonly #dir: string | undefined;
  #file: Deno.FsFile | undefined;

  private constructor(
    id: string,
    host: string | null,
    dir: string | undefined,
    file?: Deno.FsFile,
  ) {
    this.id = id;
    this.host = host;
    this.pid = Deno.pid;
    this.#dir = dir;
    this.#file = file;
  }

  /**
   * This process as a lease owner of the catalog at `catalogPath`, holding
   * its lock (without one for `:memory:`, without a host name, or when the
   * folder cannot be written).
   */
  static open(catalogPath: string): LeaseOwner {
    const host = hostName();
    const token = `${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
    const unlocked = () => new LeaseOwner(`:${token}`, null, undefined);
    if (catalogPath === ":memory:" || catalogPath === "" || host === "") {
      return unlocked();
    }
    const id = `${host}:${token}`;
    const dir = `${catalogPath}.leases`;
    // a run that ends removes the folder when it is empty: try again once
    for (let attempt = 0; attempt < 2; attempt++) {
      const file = lockedFile(dir, id);
      if (!file) continue;
      const owner = new LeaseOwner(id, host, dir, file);
      owner.#sweep();
      return owner;
    }
    return unlocked();
  }

  /**
   * Removes the lock files of this host's owners that are gone, whether or
   * not they still hold leases (a killed run's lock file would stay).
   */
  #sweep(): void {
    try {
      for (const entry of Deno.readDirSync(this.#dir!)) {
        const name = entry.name;
        if (!entry.isFile || !name.endsWith(".lock")) continue;
        this.isGone(name.slice(0, -".lock".length));
      }
    } catch { /* the folder went away: nothing to sweep */ }
  }

  /** An owner with a given id that holds no lock and checks nobody (tests, scripts). */
  static named(id: string): LeaseOwner {
    return new LeaseOwner(id, null, undefined);
  }

  /** Whether the process `owner` names is known to have ended. */
  isGone(owner: string): boolean {
    if (this.#dir === undefined || owner === this.id) return false;
    const host = owner.split(":")[0];
    if (host !== this.host) return false;
    const path = join(this.#dir, `${owner}.lock`);
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { read: true, write: true });
    } catch (error) {
      // it ended cleanly and removed its lock (its leases were released),
      // or another run found it gone first
      return error instanceof Deno.errors.NotFound;
    }
    try {
      if (!file.tryLockSync(true)) return false;
      try {
        Deno.removeSync(path);
      } catch { /* another process cleared it */ }
      return true;
    } finally {
      file.close();
    }
  }

  /** Releases the lock and removes its file (and the folder, when empty). */
  [Symbol.dispose](): void {
    const file = this.#file;
    this.#file = undefined;
    if (!file || this.#dir === undefined) return;
    try {
      Deno.removeSync(join(this.#dir, `${this.id}.lock`));
    } catch { /* gone already */ }
    file.close();
    try {
      Deno.removeSync(this.#dir);
    } catch { /* other runs' locks are in it */ }
  }
}

/**
 * `<dir>/<id>.lock`, created and locked: the lock is taken on a file of
 * another name that is then renamed into place, so that no other process
 * ever sees the lock file unlocked while its owner lives. `undefined`
 * when it cannot be done.
 */
function lockedFile(dir: string, id: string): Deno.FsFile | undefined {
  const path = join(dir, `${id}.lock`);
  const temp = `${path}.new`;
  let file: Deno.FsFile | undefined;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    file = Deno.openSync(temp, { read: true, write: true, create: true });
    if (!file.tryLockSync(true)) throw new Error("locked by another process");
    Deno.renameSync(temp, path);
    return file;
  } catch {
    file?.close();
    try {
      Deno.removeSync(temp);
    } catch { /* not created */ }
    return undefined;
  }
}

/**
 * Takes over at once the download tasks leased by owners of this host
 * that are gone: their tasks are given back (and claimed again by this
 * run). Returns how many songs were taken over, logging each owner once.
 */
export function takeOverGoneOwners(
  catalog: Catalog,
  self: LeaseOwner,
  now: number,
  log: Logger,
): number {
  if (self.host === null) return 0;
  let taken = 0;
  for (const { owner, pid } of leaseOwners(catalog, self.host, now)) {
    if (!self.isGone(owner)) continue;
    const songs = releaseOwner(catalog, owner, now);
    if (songs === 0) continue;
    taken += songs;
    log.info(
      `taking over ${songs} songs leased by process ${pid}, which is gone (killed or crashed)`,
    );
  }
  return taken;
}
