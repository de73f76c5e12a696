/**
 * Who holds a lease, in a form another process can check: host, process
 * id and the process's start time (from `/proc`, so that a reused pid is
 * not taken for the dead process), and a random part. A process on the
 * same host whose pid is gone (or started at another time) is gone: its
 * leases can be taken over at once instead of after they expire, which is
 * what lets the run after a `kill -9` finish the work.
 *
 * Where `/proc` or the host name cannot be read, nobody is known to be
 * gone and leases expire as usual.
 *
 * @module
 */

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "";
  }
}

function startTime(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // the command name (field 2) may hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

/** A lease owner naming this process: `host:pid:start:random`. */
export function processLeaseOwner(): string {
  return `${hostName()}:${Deno.pid}:${startTime(Deno.pid) ?? "?"}:${
    crypto.randomUUID().slice(0, 8)
  }`;
}

/** Whether the process `owner` names is known to have ended. */
export function leaseOwnerGone(owner: string): boolean {
  const match = /^(.*):(\d+):([^:]+):[^:]*$/.exec(owner);
  if (!match) return false;
  const [, host, pid, start] = match;
  if (host === "" || host !== hostName() || start === "?") return false;
  if (Number(pid) === Deno.pid) return false;
  try {
    Deno.statSync("/proc/self");
  } catch {
    return false; // no /proc here: cannot tell
  }
  const now = startTime(Number(pid));
  return now === undefined || now !== start;
}
