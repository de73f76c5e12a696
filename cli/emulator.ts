/**
 * `catalogsync emulator`: serves the offline emulation of the three
 * platforms on 127.0.0.1 until interrupted.
 *
 * @module
 */
import { createEmulation } from "../emulation/emulation.ts";
import type { FaultRates } from "../emulation/faults.ts";
import { serveEmulation } from "../emulation/serve.ts";
import {
  WORLD_SIZES,
  type WorldShape,
  type WorldSize,
} from "../emulation/world.ts";
import { type Command, defineCommand } from "./command.ts";
import { UsageError } from "./exit.ts";
import { parseCount, parseNumber, parsePositive } from "./flags.ts";

/** Options of `runEmulator()`. */
export interface EmulatorOptions {
  /** 0 picks a free port. */
  port: number;
  /** A size of `WORLD_SIZES`. */
  size: string;
  /** Seed of the generated catalogs. */
  seed: number;
  /** Overrides of the size's shape. */
  shape?: Partial<WorldShape>;
  /** Shares of requests answered with each fault. */
  faults: FaultRates;
  /** Stops the server. */
  signal?: AbortSignal;
  /** Called with the server's URL once it listens. */
  onListen(url: string): void;
}

/** What an emulator served. */
export interface EmulatorSummary {
  /** Its base URL. */
  url: string;
  /** Requests it answered. */
  requests: number;
}

/** `catalogsync emulator`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync emulator [--port N] [--size tiny|demo|test|bench] [--seed N] [--fault-* RATE]",
  help: `Serves the emulation of NetEase, QQ Music and Kuwo on 127.0.0.1 until
interrupted, and prints its URL on stdout; with --json, one JSON line
{"url":"http://127.0.0.1:PORT"}, and what it served as JSON once stopped.
Point the other commands at it with --emulation URL. Its own counts, and
the requests, bytes and refusals it served per platform and endpoint, are
at URL/_emulation/stats (DELETE it to count from zero).

Options:
  --port N              port (default 0: any free port)
  --size NAME           tiny, demo, test or bench (default demo)
  --seed N              seed of the generated catalogs (default 1)
  --songs N             songs per platform (overrides the size's)
  --playlists N         square playlists per platform (overrides the size's)
  --fault-5xx RATE      share of requests answered 503 (0 to 1)
  --fault-429 RATE      share answered 429 with Retry-After
  --fault-html RATE     share answered an HTML error page with status 200
  --fault-reset RATE    share whose connection is cut
  --fault-truncate RATE share whose body is cut half-way
  --latency MS          added to every answer`,
  options: {
    port: { type: "string" },
    size: { type: "string" },
    seed: { type: "string" },
    songs: { type: "string" },
    playlists: { type: "string" },
    "fault-5xx": { type: "string" },
    "fault-429": { type: "string" },
    "fault-html": { type: "string" },
    "fault-reset": { type: "string" },
    "fault-truncate": { type: "string" },
    latency: { type: "string" },
  },
  catalog: "none",
  toOptions: (values): Omit<EmulatorOptions, "onListen" | "signal"> => {
    const port = parseCount(values.port, "--port", 0);
    if (port > 65535) {
      throw new UsageError(`Invalid --port '${port}': expected 0 to 65535`);
    }
    const rate = (
      flag: `fault-${"5xx" | "429" | "html" | "reset" | "truncate"}`,
    ) => {
      const n = parseNumber(values[flag], `--${flag}`);
      if (n !== undefined && n > 1) {
        throw new UsageError(
          `Invalid --${flag} '${n}': expected a share from 0 to 1`,
        );
      }
      return n;
    };
    const count = (flag: "songs" | "playlists") =>
      values[flag] === undefined
        ? undefined
        : parsePositive(values[flag], `--${flag}`, 1);
    return {
      port,
      size: values.size ?? "demo",
      seed: parseCount(values.seed, "--seed", 1),
      shape: {
        ...optional("songs", count("songs")),
        ...optional("playlists", count("playlists")),
      },
      faults: {
        ...optional("error5xx", rate("fault-5xx")),
        ...optional("rateLimit", rate("fault-429")),
        ...optional("html", rate("fault-html")),
        ...optional("reset", rate("fault-reset")),
        ...optional("truncate", rate("fault-truncate")),
        ...optional("latencyMs", parseNumber(values.latency, "--latency")),
      },
    };
  },
  run: (_context, options, { globals, io, ui }) =>
    runEmulator({
      ...options,
      ...(io.signal ? { signal: io.signal } : {}),
      onListen: (url) => {
        io.stdout(globals.json ? `${JSON.stringify({ url })}\n` : `${url}\n`);
        ui.log.info(
          `emulation of netease, qq and kuwo (${options.size}) listening on ${url} — Ctrl-C to stop`,
        );
      },
    }),
  format: (summary) => `emulation stopped after ${summary.requests} requests`,
});

/** Serves the emulation until `signal` aborts; resolves to what it served. */
export async function runEmulator(
  options: EmulatorOptions,
): Promise<EmulatorSummary> {
  if (!isWorldSize(options.size)) {
    throw new UsageError(
      `Invalid --size '${options.size}': expected one of ${
        Object.keys(WORLD_SIZES).join(", ")
      }`,
    );
  }
  const emulation = createEmulation({
    seed: options.seed,
    size: options.size,
    ...(options.shape ? { shape: options.shape } : {}),
    faults: options.faults,
  });
  let server;
  try {
    server = serveEmulation(emulation, {
      port: options.port,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `Cannot serve the emulation: port ${options.port} is in use`,
        { cause: error },
      );
    }
    throw error;
  }
  options.onListen(server.url);
  await server.finished;
  return { url: server.url, requests: emulation.requests };
}

function isWorldSize(size: string): size is WorldSize {
  return Object.hasOwn(WORLD_SIZES, size);
}

function optional<K extends string, V>(
  key: K,
  value: V | undefined,
): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
