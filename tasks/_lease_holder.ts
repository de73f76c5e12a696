/**
 * Who holds a download lease: the host, the process id and the process's
 * start time, so that a run on the same host can tell a dead holder's
 * leases (the process is gone, a zombie, or its pid now names a process
 * started at another time) from a live one's, and take the dead one's
 * songs over at once instead of waiting for the leases to expire.
 *
 * A process's state and start come from `ps -o stat=,lstart= -p PID`
 * (Linux and macOS; run with `TZ=UTC` and `LC_ALL=C`, so that every run
 * writes the same start for the same process): Deno lets a program read
 * `/proc` only with every permission, and `ps` needs just `--allow-run=ps`.
 * The host name comes from `Deno.hostname()` (`--allow-sys=hostname`);
 * containers have host names of their own, so a process id is only ever
 * compared with the processes of its own host. Without either (another
 * system, or the permission not granted) the holder is unknown and its
 * leases are taken over only once they expire: a live holder is never
 * judged dead.
 *
 * @module
 */
import type { Catalog } from "../catalog/database.ts";
import { leaseHolders, releaseHolder } from "../catalog/download_tasks.ts";
import type { Logger } from "./ui.ts";

/** A process that holds leases. */
export interface LeaseHolder {
  /** Its host name (`null` when unknown: then it is never judged gone). */
  host: string | null;
  /** Its process id. */
  pid: number;
  /** Its start time as `ps` tells it in UTC (`null` when unknown). */
  started: string | null;
}

/** This process, as a lease holder. */
export async function thisProcess(): Promise<LeaseHolder> {
  let host: string | null = null;
  try {
    host = Deno.hostname();
  } catch {
    // no --allow-sys=hostname: leases are only taken over once they expire
  }
  return {
    host,
    pid: Deno.pid,
    started: host === null ? null : await processStart(Deno.pid),
  };
}

/**
 * Whether `holder` (a process of this host) is gone: its pid names no
 * process, a zombie, or a process started at another time. `false` when
 * that cannot be told.
 */
export async function holderIsGone(holder: LeaseHolder): Promise<boolean> {
  if (holder.started === null) return false;
  const status = await psStatus(holder.pid);
  if (status === undefined) return false;
  if (status === null) return true;
  if (status.state.startsWith("Z") || status.state.startsWith("X")) {
    return true;
  }
  return status.started !== holder.started;
}

/** When a process started (as `ps` tells it in UTC), or `null` when unknown. */
export async function processStart(pid: number): Promise<string | null> {
  const status = await psStatus(pid);
  return status ? status.started : null;
}

/**
 * A process's state and start from `ps`: `null` when there is no such
 * process, `undefined` when `ps` cannot tell (not there, not allowed).
 */
async function psStatus(
  pid: number,
): Promise<{ state: string; started: string } | null | undefined> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("ps", {
      args: ["-o", "stat=,lstart=", "-p", String(pid)],
      env: { TZ: "UTC", LC_ALL: "C" },
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
  } catch {
    return undefined;
  }
  const line = new TextDecoder().decode(output.stdout).trim();
  if (line === "") return output.code === 0 ? undefined : null;
  const match = /^(\S+)\s+(.+)$/.exec(line);
  if (!match) return undefined;
  return { state: match[1]!, started: match[2]!.replace(/\s+/g, " ") };
}

/**
 * Takes over at once the songs leased by processes of this host that are
 * gone: their tasks are given back (and claimed again by this run).
 * Returns how many songs were taken over, logging each holder once.
 */
export async function takeOverGoneHolders(
  catalog: Catalog,
  self: LeaseHolder,
  now: number,
  log: Logger,
): Promise<number> {
  if (self.host === null) return 0;
  let taken = 0;
  for (const holder of leaseHolders(catalog, self.host, now)) {
    if (holder.pid === self.pid && holder.started === self.started) continue;
    if (!await holderIsGone(holder)) continue;
    const songs = releaseHolder(catalog, holder, now);
    if (songs === 0) continue;
    taken += songs;
    log.info(
      `taking over ${songs} songs leased by process ${holder.pid}, which is gone (killed or crashed)`,
    );
  }
  return taken;
}
