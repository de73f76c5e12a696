/**
 * From the global options to what a command runs on: the catalog (opened
 * as the command needs it: only `collect` and `pipeline` create one), the
 * sources of the platforms it needs (with credentials from the
 * environment, an emulation URL, a pace, and the recording of `--record`),
 * and the `Context` that carries them, the UI and the stdin prompt into a
 * stage.
 *
 * @module
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import { Catalog } from "../catalog/database.ts";
import { LATEST_VERSION } from "../catalog/migrations.ts";
import type { RetryInfo } from "../sources/http.ts";
import { credentialsFromEnv } from "../sources/config.ts";
import { createSources } from "../sources/registry.ts";
import { type Platform, PLATFORMS, type Source } from "../sources/types.ts";
import { type Context, createContext } from "../tasks/context.ts";
import type { Ui } from "../tasks/ui.ts";
import { CommandError, UsageError } from "./exit.ts";
import { type OptionValues, parseNumber } from "./flags.ts";
import type { Io } from "./io.ts";
import { directoryAnswer, linePrompt, LineReader } from "./prompt.ts";
import { Recording, recordingFetch } from "./record.ts";

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  db: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  emulation: { type: "string" },
  rate: { type: "string" },
  record: { type: "string" },
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
  /** A folder to write every exchange with the platforms into (`--record`). */
  record: string | undefined;
}

/**
 * How a command opens the catalog at `--db`:
 *
 * - `create`: opens it, or creates it (and its folder) when there is none,
 *   saying so on stderr: `collect` and `pipeline`;
 * - `existing`: opens it; a missing catalog is refused (exit status 1);
 * - `read`: like `existing`, but nothing is migrated or written
 *   (`download --dry-run`);
 * - `none`: an in-memory catalog (`emulator`).
 *
 * An empty file is refused in every mode: SQLite would silently turn it
 * into a catalog.
 */
export type CatalogNeed = "create" | "existing" | "read" | "none";

/** What a command needs wired for it. */
export interface Needs {
  /** Platforms whose sources it uses. */
  platforms: readonly Platform[];
  /** How it opens the catalog. */
  catalog: CatalogNeed;
  /** The sources' HTTP layer: retries and per-attempt timeout (doctor asks once). */
  http?: { retries?: number; timeoutMs?: number };
}

/** A command's context; disposing it closes the catalog. */
export interface Wiring extends Disposable {
  /** What the stage runs on. */
  context: Context;
  /** The outside world of the run: `io`, with its `fetch` recorded under `--record`. */
  io: Io;
}

/** Opens the catalog and the sources a command needs and builds its context. */
export async function wire(
  globals: Globals,
  needs: Needs,
  io: Io,
  ui: Ui,
): Promise<Wiring> {
  // a missing or empty catalog is refused before any platform is asked,
  // and a new one is created only once the sources are ready
  const found = needs.catalog === "none"
    ? undefined
    : checkCatalog(globals.db, needs.catalog);
  let sources: Map<Platform, Source> = new Map();
  // credentials are read only for a command that talks to the platforms:
  // a task is not granted the variables it does not use
  const credentials = needs.platforms.length > 0
    ? credentialsFromEnv(io.env)
    : {};
  const recording = globals.record === undefined ||
      needs.platforms.length === 0
    ? undefined
    : Recording.open(globals.record, {
      secrets: Object.values(credentials),
      onError: (error) => ui.log.warn(error.message),
    });
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
      credentials,
      ...(recording ? { recorder: recording } : {}),
      onRetry: (info: RetryInfo) =>
        ui.log.debug(
          `${info.platform}: ${info.error.message}; retry ${info.attempt}/${info.retries} in ${info.delayMs} ms`,
        ),
    });
  }
  const catalog = found === undefined
    ? Catalog.open(":memory:")
    : openCatalog(found, needs.catalog, ui);
  const context = createContext({
    catalog,
    sources,
    log: ui.log,
    progress: ui.progress,
    // the one question is the low-space prompt's: a directory
    prompt: linePrompt(new LineReader(io.stdin), io.stderr, {
      ...(io.signal ? { signal: io.signal } : {}),
      echoed: io.stdinIsTerminal ?? false,
      answer: (line) => directoryAnswer(line, io.env("HOME")),
    }),
    ...(io.now ? { now: io.now } : {}),
    ...(io.sleep ? { sleep: io.sleep } : {}),
    ...(io.freeSpace ? { freeSpace: io.freeSpace } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    ...(io.hooks ? { hooks: io.hooks } : {}),
  });
  // the downloads fetch media with the run's `fetch`: recorded too
  const runIo: Io = recording
    ? {
      ...io,
      fetch: recordingFetch(
        io.fetch ?? ((input, init) => fetch(input, init)),
        recording,
      ),
    }
    : io;
  return { context, io: runIo, [Symbol.dispose]: () => catalog.close() };
}

/**
 * Checks the global options and fills in their defaults from the
 * environment: `$CATALOGSYNC_EMULATION` only for a command that talks to
 * the platforms, `$CATALOGSYNC_DB` only for one that opens a catalog (a
 * variable a task does not read needs no permission).
 */
export function readGlobals(
  values: GlobalValues,
  io: Io,
  needs: Needs = { platforms: PLATFORMS, catalog: "existing" },
): Globals {
  const emulation = values.emulation ??
    (needs.platforms.length > 0 ? io.env("CATALOGSYNC_EMULATION") : undefined);
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
  if (values.record !== undefined && values.record.trim() === "") {
    throw new UsageError("Invalid --record '': expected a folder");
  }
  const db = values.db ??
    (needs.catalog === "none" ? undefined : io.env("CATALOGSYNC_DB")) ??
    "./catalog.db";
  if (db.trim() === "") {
    throw new UsageError("Invalid --db '': expected a file path");
  }
  return {
    db,
    json: values.json === true,
    verbose: values.verbose === true,
    emulation: emulation?.replace(/\/+$/, ""),
    rate: parseNumber(values.rate, "--rate"),
    record: values.record,
  };
}

/** The catalog `checkCatalog()` found, as a command needs it. */
interface FoundCatalog {
  /** Its absolute path, or `:memory:`. */
  path: string;
  /** Whether there is no file yet (only for `create`). */
  missing: boolean;
}

/**
 * Looks at the catalog at `path` before anything is opened: refuses a
 * missing one (unless `create`), an empty file and a folder.
 */
function checkCatalog(path: string, need: CatalogNeed): FoundCatalog {
  if (path === ":memory:") return { path, missing: false };
  const absolute = resolve(path);
  const found = lookAt(absolute);
  if (found === "file" || (found === "missing" && need === "create")) {
    return { path: absolute, missing: found === "missing" };
  }
  throw new CommandError(
    found === "missing"
      ? `No catalog at '${absolute}': run 'catalogsync collect' first, or point --db at one`
      : found === "empty"
      ? `'${absolute}' is an empty file, not a catalog: remove it, or point --db at a catalog`
      : `'${absolute}' is a folder, not a catalog: point --db at a file`,
    { kind: "catalog" },
  );
}

/** Opens (or, for `create`, creates) the catalog `checkCatalog()` found. */
function openCatalog(
  { path, missing }: FoundCatalog,
  need: CatalogNeed,
  ui: Ui,
): Catalog {
  if (path === ":memory:") return Catalog.open(path);
  const open = () =>
    Catalog.open(path, {
      create: need === "create",
      queryOnly: need === "read",
    });
  let catalog: Catalog;
  try {
    try {
      catalog = open();
    } catch (error) {
      // only a new catalog's folder is made, and only when opening failed
      // (looking at the folder first would need read access to it)
      if (!missing || lookAt(dirname(path)) !== "missing") throw error;
      mkdirSync(dirname(path), { recursive: true });
      catalog = open();
    }
  } catch (error) {
    throw new CommandError(
      `Cannot open catalog '${path}': ${
        error instanceof Error ? error.message : String(error)
      }`,
      { kind: "catalog", cause: error },
    );
  }
  if (need === "read" && catalog.schemaVersion !== LATEST_VERSION) {
    const version = catalog.schemaVersion;
    catalog.close();
    throw new CommandError(
      `The catalog '${path}' has schema version ${version} and this catalogsync reads ${LATEST_VERSION}: run it once without --dry-run to migrate it`,
      { kind: "catalog" },
    );
  }
  if (missing) ui.log.info(`created a new catalog at ${path}`);
  return catalog;
}

/** What is at `path`. */
function lookAt(path: string): "missing" | "empty" | "file" | "folder" {
  try {
    const info = statSync(path);
    return info.isFile() ? info.size === 0 ? "empty" : "file" : "folder";
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return "missing";
    throw error;
  }
}
