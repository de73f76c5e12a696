/**
 * From the global options to what a command runs on: the catalog (opened
 * or created), the sources of the platforms it needs (with credentials
 * from the environment, an emulation URL and a pace), and the `Context`
 * that carries them, the UI and the stdin prompt into a stage.
 *
 * @module
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import { Catalog } from "../catalog/database.ts";
import type { RetryInfo } from "../sources/http.ts";
import { credentialsFromEnv } from "../sources/config.ts";
import { createSources } from "../sources/registry.ts";
import type { Platform, Source } from "../sources/types.ts";
import { type Context, createContext } from "../tasks/context.ts";
import type { Ui } from "../tasks/ui.ts";
import { UsageError } from "./exit.ts";
import { type OptionValues, parseNumber } from "./flags.ts";
import type { Io } from "./io.ts";
import { linePrompt, LineReader } from "./prompt.ts";

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  db: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  emulation: { type: "string" },
  rate: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/** The global options as parsed. */
export type GlobalValues = OptionValues<typeof GLOBAL_OPTIONS>;

/** The global options, checked, with their defaults. */
export interface Globals {
  /** The catalog file. */
  db: string;
  /** Print the summary as JSON. */
  json: boolean;
  /** Debug logs and stacks. */
  verbose: boolean;
  /** An emulation's base URL, without a trailing slash. */
  emulation: string | undefined;
  /** Requests per second per platform. */
  rate: number | undefined;
}

/** What a command needs wired for it. */
export interface Needs {
  /** Platforms whose sources it uses. */
  platforms: readonly Platform[];
  /** Opens the catalog: `true` creates it if needed, `"existing"` requires it. */
  catalog: boolean | "existing";
  /** The sources' HTTP layer: retries and per-attempt timeout (doctor asks once). */
  http?: { retries?: number; timeoutMs?: number };
}

/** A command's context; disposing it closes the catalog. */
export interface Wiring extends Disposable {
  /** What the stage runs on. */
  context: Context;
}

/** Opens the catalog and the sources a command needs and builds its context. */
export async function wire(
  globals: Globals,
  needs: Needs,
  io: Io,
  ui: Ui,
): Promise<Wiring> {
  let sources: Map<Platform, Source> = new Map();
  if (needs.platforms.length > 0) {
    sources = await createSources({
      platforms: needs.platforms,
      ...(io.fetch ? { fetch: io.fetch } : {}),
      ...(io.sleep ? { sleep: io.sleep } : {}),
      ...(io.now ? { now: io.now } : {}),
      ...(globals.emulation === undefined
        ? {}
        : { emulation: globals.emulation }),
      ...(globals.rate === undefined ? {} : { ratePerSecond: globals.rate }),
      ...(needs.http?.retries === undefined
        ? {}
        : { retries: needs.http.retries }),
      ...(needs.http?.timeoutMs === undefined
        ? {}
        : { timeoutMs: needs.http.timeoutMs }),
      credentials: credentialsFromEnv(io.env),
      onRetry: (info: RetryInfo) =>
        ui.log.debug(
          `${info.platform}: ${info.error.message}; retry ${info.attempt}/${info.retries} in ${info.delayMs} ms`,
        ),
    });
  }
  const catalog = needs.catalog === false
    ? Catalog.open(":memory:")
    : openCatalog(globals.db, needs.catalog === "existing");
  const context = createContext({
    catalog,
    sources,
    log: ui.log,
    progress: ui.progress,
    prompt: linePrompt(new LineReader(io.stdin), io.stderr),
    ...(io.now ? { now: io.now } : {}),
    ...(io.sleep ? { sleep: io.sleep } : {}),
    ...(io.freeSpace ? { freeSpace: io.freeSpace } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    ...(io.hooks ? { hooks: io.hooks } : {}),
  });
  return { context, [Symbol.dispose]: () => catalog.close() };
}

/** Checks the global options and fills in their defaults from the environment. */
export function readGlobals(values: GlobalValues, io: Io): Globals {
  const emulation = values.emulation ?? io.env("CATALOGSYNC_EMULATION");
  if (emulation !== undefined) {
    let url: URL;
    try {
      url = new URL(emulation);
    } catch {
      throw new UsageError(
        `Invalid --emulation '${emulation}': expected a URL like http://127.0.0.1:8630`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UsageError(
        `Invalid --emulation '${emulation}': expected an http URL`,
      );
    }
  }
  const db = values.db ?? io.env("CATALOGSYNC_DB") ?? "./catalog.db";
  if (db.trim() === "") {
    throw new UsageError("Invalid --db '': expected a file path");
  }
  return {
    db,
    json: values.json === true,
    verbose: values.verbose === true,
    emulation: emulation?.replace(/\/+$/, ""),
    rate: parseNumber(values.rate, "--rate"),
  };
}

function openCatalog(path: string, mustExist: boolean): Catalog {
  if (mustExist && path !== ":memory:" && !existsSync(path)) {
    throw new Error(
      `No catalog at '${path}': run 'catalogsync collect' first, or point --db at one`,
    );
  }
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    return Catalog.open(path);
  } catch (error) {
    throw new Error(
      `Cannot open catalog '${path}': ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}
