/**
 * Who holds a lease, in a form another process can check: a run holds an
 * exclusive lock (`flock`) on `<catalog>.leases/<owner>.lock` while it
 * lives, and the operating system drops the lock when the process ends,
 * however it ends. A process on the same host that finds such a file
 * unlocked knows its owner is gone and takes its leases over at once,
 * instead of after they expire: that is what lets the run after a
 * `kill -9` finish the work.
 *
 * Deno refuses `/proc` and signals to other processes without broader
 * permissions than a stage has, so the check is this lock rather than a
 * process id. Owners on another host (a catalog on a shared disk), or
 * without a lock folder (an in-memory catalog), are never taken for gone:
 * their leases expire as usual.
 *
 * @module
 */
import { join } from "node:path";

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "";
  }
}

/** A lease owner that holds its lock file while the process lives. */
export class LeaseOwner implements Disposable {
  /** The owner id written into leases: `host:pid:random`. */
  readonly id: string;
  readonly #dir: string | undefined;
  readonly #host: string;
  #file: Deno.FsFile | undefined;

  private constructor(id: string, host: string, dir: string | undefined) {
    this.id = id;
    this.#host = host;
    this.#dir = dir;
  }

  /**
   * This process as a lease owner of the catalog at `catalogPath`, holding
   * its lock (none for `:memory:` or when the folder cannot be written).
   */
  static open(catalogPath: string): LeaseOwner {
    const host = hostName();
    const id = `${host}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
    if (catalogPath === ":memory:" || host === "") {
      return new LeaseOwner(id, host, undefined);
    }
    const dir = `${catalogPath}.leases`;
    const owner = new LeaseOwner(id, host, dir);
    try {
      Deno.mkdirSync(dir, { recursive: true });
      const file = Deno.openSync(join(dir, `${id}.lock`), {
        read: true,
        write: true,
        create: true,
      });
      if (!file.tryLockSync(true)) {
        file.close();
        return new LeaseOwner(id, host, undefined);
      }
      owner.#file = file;
    } catch {
      return new LeaseOwner(id, host, undefined);
    }
    return owner;
  }

  /** An owner with a given id that checks nobody (tests, scripts). */
  static named(id: string): LeaseOwner {
    return new LeaseOwner(id, "", undefined);
  }

  /** Whether the process `owner` names is known to have ended. */
  isGone(owner: string): boolean {
    if (this.#dir === undefined || owner === this.id) return false;
    const host = owner.split(":")[0];
    if (host !== this.#host) return false;
    const path = join(this.#dir, `${owner}.lock`);
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { read: true, write: true });
    } catch (error) {
      // it ended cleanly and removed its lock (its leases were released)
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

  /** Releases the lock and removes its file. */
  [Symbol.dispose](): void {
    const file = this.#file;
    this.#file = undefined;
    if (!file || this.#dir === undefined) return;
    try {
      Deno.removeSync(join(this.#dir, `${this.id}.lock`));
    } catch { /* gone already */ }
    file.close();
  }
}
