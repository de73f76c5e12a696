/**
 * The files a download run has in flight, for its space policy
 * (`_space_policy.ts`): what each was reserved, how far its transfer got,
 * and what the running files still have to write, which the disk's free
 * space does not count yet.
 *
 * A file not started yet counts the size its platform advertises, or
 * nothing when its size is only an estimate (a guess must not stop a run
 * that has room); a started file counts its size (the offer's, then the
 * CDN's) less what it wrote.
 *
 * Free space is read with awaits in between, while the transfers go on: a
 * check takes a `snapshot()` of what each running file had written before
 * it reads free space, and counts `stillToWrite()` against that snapshot
 * with no await until its reservation is added. A byte written after the
 * snapshot may then be counted twice (in the free space and as still to
 * write), never not at all; files started since the snapshot count as if
 * they had written nothing.
 *
 * @module
 */
import type { BackendRow } from "../catalog/storage.ts";

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

/** What each running file had written at one moment. */
export type Snapshot = ReadonlyMap<Reservation, number>;

/**
 * Bytes a running file has yet to write when `written` of it are on disk:
 * before its transfer starts, its advertised size, or nothing when its
 * size is only an estimate; then its size (the offer's, the CDN's) less
 * `written`.
 */
function remaining(reservation: Reservation, written: number): number {
  if (!reservation.started) {
    return reservation.estimated ? 0 : reservation.bytes;
  }
  return Math.max(0, (reservation.total ?? reservation.bytes) - written);
}

/** The files being downloaded, and what they still have to write. */
export class RunningFiles {
  readonly #running = new Set<Reservation>();
  #drained: Array<() => void> = [];

  /** Files running now. */
  get size(): number {
    return this.#running.size;
  }

  /** Adds a file of `bytes` (`estimated`: a guess) going to `backend`. */
  add(backend: BackendRow, bytes: number, estimated: boolean): Reservation {
    const reservation: Reservation = {
      backend,
      bytes,
      estimated,
      started: false,
      written: 0,
      total: undefined,
    };
    this.#running.add(reservation);
    return reservation;
  }

  /** Records a file's progress: started, `written` bytes on disk, of `total`. */
  progress(
    reservation: Reservation,
    written: number,
    total: number | undefined,
  ): void {
    reservation.started = true;
    reservation.written = written;
    reservation.total = total;
  }

  /** Removes a finished (or abandoned) file. */
  release(reservation: Reservation): void {
    this.#running.delete(reservation);
    if (this.#running.size === 0) {
      for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  /** Resolves once no file is running. */
  async drained(): Promise<void> {
    while (this.#running.size > 0) {
      await new Promise<void>((resolve) => this.#drained.push(resolve));
    }
  }

  /** What each running file has written so far; take it before reading free space. */
  snapshot(): Snapshot {
    return new Map([...this.#running].map((r) => [r, r.written]));
  }

  /**
   * Bytes the files running now still have to write, counted from what
   * they had written at `seen` (a file started since: from nothing).
   */
  stillToWrite(seen: Snapshot): number {
    let pending = 0;
    for (const r of this.#running) pending += remaining(r, seen.get(r) ?? 0);
    return pending;
  }
}
