/**
 * Child processes of the benchmarks: a server that prints its URL on its
 * first line, and a measured run that prints its result as JSON on its
 * last line. Each side runs in a process of its own, so that its CPU time
 * and peak memory (`samplePeakRss()`) are its own.
 *
 * @module
 */

/** A running server child. */
export interface ServerChild {
  /** The URL it printed. */
  url: string;
  /** Its process id (to read its CPU time). */
  pid: number;
  /** Stops it and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs `deno <args>` and resolves once it has printed its first line (its
 * URL). Its stderr goes to ours unless `quiet`.
 */
export async function startServerChild(
  args: string[],
  what: string,
  options: { quiet?: boolean } = {},
): Promise<ServerChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: options.quiet ? "null" : "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${what} exited before printing its URL`);
    text += value;
  }
  reader.releaseLock();
  return {
    url: text.trim(),
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/**
 * Starts `main.ts emulator` (the `bench` size with `songs` and `playlists`
 * per platform, `latencyMs` added to every answer) in its own process.
 */
export function startBenchEmulator(
  songs: number,
  playlists: number,
  latencyMs = 0,
): Promise<ServerChild> {
  return startServerChild(
    [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-env",
      new URL("../main.ts", import.meta.url).pathname,
      "emulator",
      "--size",
      "bench",
      "--songs",
      String(songs),
      "--playlists",
      String(playlists),
      "--latency",
      String(latencyMs),
    ],
    "the emulator",
    { quiet: true },
  );
}

/** Runs `deno <args>` to its end and parses the JSON of its last stdout line. */
export async function runJsonChild<T>(
  args: string[],
  what: string,
): Promise<T> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const last = new TextDecoder().decode(output.stdout).trim().split("\n").pop();
  if (!output.success || !last) {
    throw new Error(`${what} failed (exit status ${output.code})`);
  }
  return JSON.parse(last) as T;
}

/** Peak resident memory of this process, sampled every `everyMs`. */
export interface PeakRss {
  /** Stops sampling; returns the peak in MB (10^6 bytes), a last sample included. */
  stop(): number;
}

/** Starts sampling this process's resident memory (RSS). */
export function samplePeakRss(everyMs = 20): PeakRss {
  let peak = Deno.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, Deno.memoryUsage().rss) / 1e6;
    },
  };
}

/** Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`). */
const TICKS = 100;

/**
 * CPU seconds from `/proc/<pid>/stat`: the process's own (`utime` +
 * `stime`), or, with `children`, those of its reaped children (`cutime` +
 * `cstime`). `undefined` where there is no `/proc`.
 */
export function procCpuSeconds(
  pid: number | "self",
  children = false,
): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // fields after "pid (comm) ": state is field 3, utime field 14
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    const at = children ? 13 : 11;
    return (Number(fields[at]) + Number(fields[at + 1])) / TICKS;
  } catch {
    return undefined;
  }
}
