/**
 * The `catalogsync` command line: parses arguments, dispatches a
 * subcommand, lazily imports its task, renders the task's summary as text
 * or `--json`, and maps errors to exit statuses. Only this module prints
 * results or exits.
 *
 * @module
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { Catalog } from "./catalog/database.ts";
import { isSourceError } from "./sources/errors.ts";
import type { Fetch, RetryInfo, Sleep } from "./sources/http.ts";
import {
  CREDENTIAL_ENV,
  credentialsFromEnv,
  DEFAULT_RATES,
  EMULATION_RATE,
} from "./sources/config.ts";
import type { Platform, Source } from "./sources/types.ts";
import type { FreeSpaceProbe } from "./storage/free_space.ts";
import { type Context, createContext } from "./tasks/context.ts";
import { EXIT, UsageError } from "./tasks/errors.ts";
import type { Hooks } from "./tasks/hooks.ts";
import {
  parseCount,
  parseDuration,
  parseNumber,
  parsePlatformRef,
  parsePlatforms,
  parsePoolKinds,
  parsePositive,
  splitList,
} from "./tasks/options.ts";
import type { RunStatus } from "./tasks/outcome.ts";
import { linePrompt, LineReader } from "./tasks/prompt.ts";
import { terminalUi, type Ui } from "./tasks/ui.ts";

/** The outside world of one CLI run: real by default, fakes in tests. */
export interface Io {
  /** Writes data (results) to stdout. */
  stdout(text: string): void;
  /** Writes text for people to stderr. */
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress is drawn only then). */
  stderrIsTerminal: boolean;
  /** Standard input, opened on first use. */
  stdin(): ReadableStream<Uint8Array>;
  env(name: string): string | undefined;
  /** Terminal width. */
  columns?(): number;
  fetch?: Fetch;
  now?: () => number;
  sleep?: Sleep;
  freeSpace?: FreeSpaceProbe;
  /** Aborts the command (Ctrl-C). The real I/O wires it to SIGINT. */
  signal?: AbortSignal;
  hooks?: Hooks;
}

const GLOBAL_OPTIONS = {
  db: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  emulation: { type: "string" },
  rate: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/** Options every command takes. */
interface Globals {
  db: string;
  json: boolean;
  verbose: boolean;
  emulation: string | undefined;
  rate: number | undefined;
}

/** What a command returns to be printed. */
interface CommandResult {
  code: number;
  /** The summary, printed as JSON with `--json`. */
  value: unknown;
  /** The summary as text. */
  text: string;
}

interface CommandInput {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  globals: Globals;
  context: Context;
  ui: Ui;
  io: Io;
}

interface Command {
  summary: string;
  usage: string;
  /** Help text after the usage line: what it does, its options. */
  help: string;
  options: ParseArgsOptionsConfig;
  /** How many positionals it takes. */
  positionals?: [min: number, max: number];
  /** Opens the catalog: `true` creates it if needed, `"existing"` requires it. @default true */
  catalog?: boolean | "existing";
  /** Platforms whose sources it needs, from its parsed options. */
  sources?: (values: CommandInput["values"]) => Platform[];
  run(input: CommandInput): Promise<CommandResult>;
}

const STATUS_EXIT: Record<RunStatus, number> = {
  ok: EXIT.ok,
  partial: EXIT.partial,
  failed: EXIT.failure,
  interrupted: EXIT.interrupted,
};

const SOURCE_OPTION = {
  "source": { type: "string", multiple: true },
} as const satisfies ParseArgsOptionsConfig;

const COMMANDS: Record<string, Command> = {
  collect: {
    summary: "List square categories and charts as pools, with their playlists",
    usage:
      "catalogsync collect [--source P,...] [--pool square,toplist] [--category NAME]... [--limit N]",
    help:
      `Upserts playlist_pools, playlists and pool_playlists. A second run adds
nothing twice and moves last_seen_at; a playlist that left a pool keeps its
history. Platforms run side by side: one failing (anti-bot, rate limit, a
malformed page) is reported and the others go on (exit status 3, partial).

Options:
  --source P,...     netease, qq, kuwo (repeatable or comma-separated; default all)
  --pool K,...       square, toplist (default both)
  --category NAME    only this square category, by name or id (repeatable; default every one)
  --limit N          playlists per pool, 0 = all (default 50)`,
    options: {
      ...SOURCE_OPTION,
      pool: { type: "string", multiple: true },
      category: { type: "string", multiple: true },
      limit: { type: "string" },
    },
    sources: (v) => parsePlatforms(v.source as string[] | undefined),
    async run({ values, context }) {
      const { collect, COLLECT_DEFAULTS, formatCollectSummary } = await import(
        "./tasks/collect.ts"
      );
      const summary = await collect(context, {
        platforms: parsePlatforms(values.source as string[] | undefined),
        pools: parsePoolKinds(values.pool as string[] | undefined),
        categories: splitList(values.category as string[] | undefined),
        limit: parseCount(
          values.limit as string | undefined,
          "--limit",
          COLLECT_DEFAULTS.limit,
        ),
      });
      return {
        code: STATUS_EXIT[summary.status],
        value: summary,
        text: formatCollectSummary(summary),
      };
    },
  },
  sync: {
    summary: "Resolve playlists into songs and derive their artists",
    usage:
      "catalogsync sync [--source P,...] [--pool K,...] [--playlist PLATFORM:ID]... [--limit N] [--stale DURATION]",
    help:
      `Resolves each selected playlist through its platform and, in one transaction
per playlist, upserts its songs (unique by platform and remote id), replaces
its ordered playlist_songs, sets synced_at and the resolved count, and derives
artists (from the platform's ids and names, else the singer string split on
the platform's separators) into artists, artist_songs and the artist pool
derived from each playlist pool. Playlists whose resolved count differs from
the declared one are reported. Without --stale or --playlist, only playlists
never synced are selected, so a rerun after a kill continues where it stopped.

Options:
  --source P,...         netease, qq, kuwo (default all)
  --pool K,...           only playlists listed by square or toplist pools
  --playlist PLATFORM:ID this playlist (repeatable), e.g. netease:3778678, qq:chart:26
  --limit N              at most N playlists, 0 = all (default 0)
  --stale DURATION       also resync playlists last synced longer ago (30m, 12h, 7d)
  --concurrency N        playlists resolved at once per platform (default 2)`,
    options: {
      ...SOURCE_OPTION,
      pool: { type: "string", multiple: true },
      playlist: { type: "string", multiple: true },
      limit: { type: "string" },
      stale: { type: "string" },
      concurrency: { type: "string" },
    },
    sources: (v) => {
      const refs = ((v.playlist as string[] | undefined) ?? []).map((p) =>
        parsePlatformRef(p, "--playlist").platform
      );
      return refs.length > 0
        ? [...new Set(refs)]
        : parsePlatforms(v.source as string[] | undefined);
    },
    async run({ values, context }) {
      const { sync, SYNC_DEFAULTS, formatSyncSummary } = await import(
        "./tasks/sync.ts"
      );
      const playlists = ((values.playlist as string[] | undefined) ?? []).map((
        p,
      ) => parsePlatformRef(p, "--playlist"));
      const summary = await sync(context, {
        platforms: playlists.length > 0
          ? [...new Set(playlists.map((p) => p.platform))]
          : parsePlatforms(values.source as string[] | undefined),
        pools: splitList(values.pool as string[] | undefined).length > 0
          ? parsePoolKinds(values.pool as string[] | undefined)
          : [],
        playlists,
        limit: parseCount(
          values.limit as string | undefined,
          "--limit",
          SYNC_DEFAULTS.limit,
        ),
        ...(values.stale === undefined
          ? {}
          : { staleMs: parseDuration(values.stale as string, "--stale") }),
        concurrency: parsePositive(
          values.concurrency as string | undefined,
          "--concurrency",
          SYNC_DEFAULTS.concurrency,
        ),
      });
      return {
        code: STATUS_EXIT[summary.status],
        value: summary,
        text: formatSyncSummary(summary),
      };
    },
  },
  download: {
    summary: "Download each song once, at the best quality the platform grants",
    usage:
      "catalogsync download [--source P,...] [--playlist PLATFORM:ID]... [--pool K,...] [--limit N] [--quality Q] [--library DIR] [--next-dir DIR]... [--min-free SIZE] [--concurrency N] [--retry STATE]... [--dry-run]",
    help:
      `Plans the selected songs in a stable order: a song whose file is there with
its recorded size is skipped; a file that vanished is marked missing and its
song planned again; songs that ended vip_only, unavailable, rate_limited or
failed wait for --retry. Each song is claimed with a lease, so two processes
on one catalog never fetch the same song and a killed run's songs are taken
over once its leases expire (10 minutes).

Offers are tried best first: a preview, an empty URL, a 403/404, or a body
that is not what was offered (length, MD5, magic bytes) falls to the next
quality; an expired URL is resolved again. Bodies stream to <name>.part,
hashed (SHA-256) as they arrive, are checked, renamed into place and recorded
(file_assets, file_locations) with the task's completion; an interrupted
.part resumes with Range. Files land in
<library>/<platform>/<artists> - <title> [<id>].<ext>.

Before each file the library's free space is checked. Below the file's size
plus --min-free, no new file starts there: running ones finish, and the run
continues in the next --next-dir, or asks on stdin for a directory (a
terminal or a pipe; the answer must be creatable, writable and roomy). At end
of input with no directory left it stops with exit status 75: nothing is
lost, rerun with --next-dir DIR or --library DIR.

Options:
  --source P,...         netease, qq, kuwo (repeatable or comma-separated; default all)
  --playlist PLATFORM:ID only songs of this synced playlist (repeatable), e.g. netease:3778678
  --pool K,...           only songs of playlists listed by square or toplist pools
  --limit N              at most N songs to download this run, 0 = all (default 0)
  --quality Q            the best quality wanted: best, lossless, 320k or 128k
                         (also master, hires, 192k, 96k); default best
  --library DIR          download into DIR and make it the active library
                         (default: the active library, else ./library)
  --next-dir DIR         where to continue when space runs low (repeatable, in order)
  --min-free SIZE        space to keep free, e.g. 2GiB, 500MB, 0 (default 2GiB)
  --concurrency N        files downloaded at once (default 4)
  --retry STATE          also retry songs that ended in STATE: vip_only,
                         unavailable, rate_limited, failed (repeatable or comma-separated)
  --dry-run              print the plan (songs, expected bytes per directory
                         against its free space) and write nothing`,
    options: {
      ...SOURCE_OPTION,
      playlist: { type: "string", multiple: true },
      pool: { type: "string", multiple: true },
      limit: { type: "string" },
      quality: { type: "string" },
      library: { type: "string" },
      "next-dir": { type: "string", multiple: true },
      "min-free": { type: "string" },
      concurrency: { type: "string" },
      retry: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
    },
    sources: (v) => {
      const refs = ((v.playlist as string[] | undefined) ?? []).map((p) =>
        parsePlatformRef(p, "--playlist").platform
      );
      return refs.length > 0
        ? [...new Set(refs)]
        : parsePlatforms(v.source as string[] | undefined);
    },
    async run({ values, context, io }) {
      const {
        download,
        DOWNLOAD_DEFAULTS,
        formatDownloadSummary,
        parseQuality,
        parseRetry,
      } = await import("./tasks/download.ts");
      const { parseSize } = await import("./tasks/options.ts");
      const playlists = ((values.playlist as string[] | undefined) ?? []).map((
        p,
      ) => parsePlatformRef(p, "--playlist"));
      const summary = await download(context, {
        platforms: playlists.length > 0
          ? [...new Set(playlists.map((p) => p.platform))]
          : parsePlatforms(values.source as string[] | undefined),
        playlists,
        pools: splitList(values.pool as string[] | undefined).length > 0
          ? parsePoolKinds(values.pool as string[] | undefined)
          : [],
        limit: parseCount(
          values.limit as string | undefined,
          "--limit",
          DOWNLOAD_DEFAULTS.limit,
        ),
        quality: parseQuality(values.quality as string | undefined),
        ...(values.library === undefined
          ? {}
          : { library: values.library as string }),
        nextDirs: (values["next-dir"] as string[] | undefined) ?? [],
        minFree: values["min-free"] === undefined
          ? DOWNLOAD_DEFAULTS.minFree
          : parseSize(values["min-free"] as string, "--min-free"),
        concurrency: parsePositive(
          values.concurrency as string | undefined,
          "--concurrency",
          DOWNLOAD_DEFAULTS.concurrency,
        ),
        retry: parseRetry(values.retry as string[] | undefined),
        dryRun: values["dry-run"] === true,
        ...(io.fetch ? { fetch: io.fetch } : {}),
      });
      return {
        code: summary.noSpace && !summary.dryRun
          ? EXIT.noSpace
          : STATUS_EXIT[summary.status],
        value: summary,
        text: formatDownloadSummary(summary),
      };
    },
  },
  enrich: {
    summary: "Fetch artist details for artists not yet enriched",
    usage: "catalogsync enrich [--source P,...] [--limit N] [--retry-failed]",
    help:
      `Lazy artist enrichment: fetches the platform's artist detail for artists that
have a remote id and no enrichment yet, and records status, time and the
detail as JSON on the artist row.

Options:
  --source P,...     netease, qq, kuwo (default all)
  --limit N          artists per platform, 0 = all (default 100)
  --retry-failed     also retry artists whose enrichment failed`,
    options: {
      ...SOURCE_OPTION,
      limit: { type: "string" },
      "retry-failed": { type: "boolean" },
    },
    sources: (v) => parsePlatforms(v.source as string[] | undefined),
    async run({ values, context }) {
      const { enrich, ENRICH_DEFAULTS, formatEnrichSummary } = await import(
        "./tasks/enrich.ts"
      );
      const summary = await enrich(context, {
        platforms: parsePlatforms(values.source as string[] | undefined),
        limit: parseCount(
          values.limit as string | undefined,
          "--limit",
          ENRICH_DEFAULTS.limit,
        ),
        retryFailed: values["retry-failed"] === true,
      });
      return {
        code: STATUS_EXIT[summary.status],
        value: summary,
        text: formatEnrichSummary(summary),
      };
    },
  },
  status: {
    summary: "Counts per table, platform and storage backend",
    usage: "catalogsync status [--json]",
    help: `Counts of the catalog: pools, playlists (synced or not, failed, count
differs), songs (VIP only, unavailable), artists (with remote id, enriched),
derived artist pools (stale), downloads by state, files and bytes per
platform and per storage backend, and rows per table.`,
    options: {},
    catalog: "existing",
    async run({ context }) {
      const { status, formatStatus } = await import("./tasks/status.ts");
      const summary = await status(context);
      return { code: EXIT.ok, value: summary, text: formatStatus(summary) };
    },
  },
  export: {
    summary: "Write m3u8 playlists of downloaded files",
    usage:
      "catalogsync export m3u8 --out DIR [--source P,...] [--playlist PLATFORM:ID]...",
    help:
      `Writes one .m3u8 file per synced playlist into DIR: #EXTM3U, then for each
song in playlist order #EXTINF:<seconds>,<artists> - <title> and the path of
its downloaded file relative to DIR. Songs without a downloaded file are
skipped; playlists without any are not written. File names are sanitized
like song names and unique.

Options:
  --out DIR              the folder to write to (created if needed; required)
  --source P,...         only playlists of these platforms (default all)
  --playlist PLATFORM:ID only this playlist (repeatable)`,
    options: {
      ...SOURCE_OPTION,
      out: { type: "string" },
      playlist: { type: "string", multiple: true },
    },
    positionals: [1, 1],
    catalog: "existing",
    async run({ values, positionals, context }) {
      const format = positionals[0];
      if (format !== "m3u8") {
        throw new UsageError(
          `Unknown export format '${format}': expected m3u8`,
          { command: "export" },
        );
      }
      const out = values.out as string | undefined;
      if (out === undefined || out.trim() === "") {
        throw new UsageError("Missing --out DIR: the folder to write to", {
          command: "export",
        });
      }
      const { exportM3u8, formatExportSummary } = await import(
        "./tasks/export.ts"
      );
      const summary = await exportM3u8(context, {
        outDir: out,
        platforms: parsePlatforms(values.source as string[] | undefined),
        playlists: ((values.playlist as string[] | undefined) ?? []).map((
          p,
        ) => parsePlatformRef(p, "--playlist")),
      });
      return {
        code: STATUS_EXIT[summary.status],
        value: summary,
        text: formatExportSummary(summary),
      };
    },
  },
  emulator: {
    summary: "Serve the offline emulation of the three platforms on 127.0.0.1",
    usage:
      "catalogsync emulator [--port N] [--size tiny|demo|test|bench] [--seed N] [--fault-* RATE]",
    help: `Serves the emulation of NetEase, QQ Music and Kuwo on 127.0.0.1 until
interrupted, and prints its URL on stdout. Point the other commands at it
with --emulation URL. Its own counts are at URL/_emulation/stats.

Note: the platform endpoints arrive with each platform's issue; until then the
emulation serves its frame (stats, config, faults) only.

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
    catalog: false,
    async run({ values, io, ui }) {
      const { runEmulator } = await import("./tasks/emulator.ts");
      const size = (values.size as string | undefined) ?? "demo";
      const port = parseCount(values.port as string | undefined, "--port", 0);
      if (port > 65535) {
        throw new UsageError(`Invalid --port '${port}': expected 0 to 65535`);
      }
      const rate = (flag: string) => {
        const n = parseNumber(values[flag] as string | undefined, `--${flag}`);
        if (n !== undefined && n > 1) {
          throw new UsageError(
            `Invalid --${flag} '${n}': expected a share from 0 to 1`,
          );
        }
        return n;
      };
      const summary = await runEmulator({
        port,
        size,
        seed: parseCount(values.seed as string | undefined, "--seed", 1),
        shape: {
          ...optional(
            "songs",
            values.songs === undefined
              ? undefined
              : parsePositive(values.songs as string, "--songs", 1),
          ),
          ...optional(
            "playlists",
            values.playlists === undefined
              ? undefined
              : parsePositive(values.playlists as string, "--playlists", 1),
          ),
        },
        faults: {
          ...optional("error5xx", rate("fault-5xx")),
          ...optional("rateLimit", rate("fault-429")),
          ...optional("html", rate("fault-html")),
          ...optional("reset", rate("fault-reset")),
          ...optional("truncate", rate("fault-truncate")),
          ...optional(
            "latencyMs",
            parseNumber(values.latency as string | undefined, "--latency"),
          ),
        },
        ...(io.signal ? { signal: io.signal } : {}),
        onListen: (url) => {
          io.stdout(`${url}\n`);
          ui.log.info(
            `emulation of netease, qq and kuwo (${size}) listening on ${url} — Ctrl-C to stop`,
          );
        },
      });
      return {
        code: EXIT.ok,
        value: summary,
        text: `emulation stopped after ${summary.requests} requests`,
      };
    },
  },
};

function optional<K extends string, V>(
  key: K,
  value: V | undefined,
): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

const NAMES = Object.keys(COMMANDS);

function globalHelp(): string {
  const width = Math.max(...NAMES.map((n) => n.length));
  return `catalogsync — mirror the public catalogs of NetEase Cloud Music, QQ Music and
Kuwo into a local SQLite catalog, and download every song once.

Usage: catalogsync <command> [options]

Commands:
${NAMES.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`).join("\n")}

Global options:
  --db PATH          the catalog file (default ./catalog.db, or $CATALOGSYNC_DB)
  --emulation URL    talk to an emulation server instead of the platforms
                     (or $CATALOGSYNC_EMULATION); see 'catalogsync emulator'
  --rate N           requests per second per platform (default ${DEFAULT_RATES.netease} NetEase,
                     ${DEFAULT_RATES.qq} QQ, ${DEFAULT_RATES.kuwo} Kuwo; ${EMULATION_RATE} against an emulation; 0 = unpaced)
  --json             print the summary as JSON on stdout
  -v, --verbose      debug logs, retries, and stack traces of errors
  -h, --help         this help; 'catalogsync <command> --help' for a command

Credentials (optional, read from the environment, never printed):
  ${CREDENTIAL_ENV.neteaseMusicU.padEnd(30)}NetEase MUSIC_U cookie
  ${CREDENTIAL_ENV.qqUin.padEnd(30)}QQ number of a QQ Music login
  ${CREDENTIAL_ENV.qqMusicKey.padEnd(30)}its musickey (qm_keyst)

Exit status: 0 done, 1 error, 2 bad command line, 3 partial (some platforms
or items failed; a rerun continues), 75 out of disk space with nowhere to
continue, 130 interrupted.
`;
}

function commandHelp(command: Command): string {
  return `Usage: ${command.usage}

${command.summary}.

${command.help}

Global options: --db PATH, --emulation URL, --rate N, --json, -v/--verbose, -h/--help
(see 'catalogsync --help').
`;
}

/** Runs the CLI with `args`; resolves to the exit status. Never exits the process. */
export async function main(args: string[], io: Io = realIo()): Promise<number> {
  const verbose = args.includes("--verbose") || args.includes("-v");
  const ui = terminalUi({
    write: io.stderr,
    isTerminal: io.stderrIsTerminal,
    verbose,
    ...(io.columns ? { columns: io.columns } : {}),
    ...(io.now ? { now: io.now } : {}),
  });
  const [name, ...rest] = args;
  if (
    name === undefined || name === "--help" || name === "-h" || name === "help"
  ) {
    if (name === undefined) {
      io.stderr(globalHelp());
      return EXIT.usage;
    }
    io.stdout(globalHelp());
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    const hint = name.startsWith("-")
      ? "put the command first"
      : `commands are ${NAMES.join(", ")}`;
    ui.log.error(
      `Unknown command '${name}': ${hint}. Try 'catalogsync --help'`,
    );
    return EXIT.usage;
  }
  let catalog: Catalog | undefined;
  try {
    const parsed = parseCommandLine(name, command, rest);
    if (parsed.values.help) {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    const globals = readGlobals(parsed.values, io);
    const platforms = command.sources?.(parsed.values) ?? [];
    let sources: Map<Platform, Source> = new Map();
    if (platforms.length > 0) {
      const { createSources } = await import("./sources/registry.ts");
      sources = await createSources({
        platforms,
        ...(io.fetch ? { fetch: io.fetch } : {}),
        ...(io.sleep ? { sleep: io.sleep } : {}),
        ...(io.now ? { now: io.now } : {}),
        ...(globals.emulation === undefined
          ? {}
          : { emulation: globals.emulation }),
        ...(globals.rate === undefined ? {} : { ratePerSecond: globals.rate }),
        credentials: credentialsFromEnv(io.env),
        onRetry: (info: RetryInfo) =>
          ui.log.debug(
            `${info.platform}: ${info.error.message}; retry ${info.attempt}/${info.retries} in ${info.delayMs} ms`,
          ),
      });
    }
    if (command.catalog !== false) {
      catalog = openCatalog(globals.db, command.catalog === "existing");
    }
    const lines = new LineReader(io.stdin);
    const context = createContext({
      catalog: catalog ?? Catalog.open(":memory:"),
      sources,
      log: ui.log,
      progress: ui.progress,
      prompt: linePrompt(lines, io.stderr),
      ...(io.now ? { now: io.now } : {}),
      ...(io.sleep ? { sleep: io.sleep } : {}),
      ...(io.freeSpace ? { freeSpace: io.freeSpace } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      ...(io.hooks ? { hooks: io.hooks } : {}),
    });
    const result = await command.run({
      values: parsed.values,
      positionals: parsed.positionals,
      globals,
      context,
      ui,
      io,
    });
    io.stdout(
      globals.json
        ? `${JSON.stringify(result.value, null, 2)}\n`
        : `${result.text}\n`,
    );
    return result.code;
  } catch (error) {
    return reportError(error, name, ui, verbose);
  } finally {
    catalog?.close();
  }
}

function parseCommandLine(
  name: string,
  command: Command,
  args: string[],
): { values: CommandInput["values"]; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: command.positionals !== undefined,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error), { command: name });
  }
  const [min, max] = command.positionals ?? [0, 0];
  if (
    !parsed.values.help &&
    (parsed.positionals.length < min || parsed.positionals.length > max)
  ) {
    throw new UsageError(
      parsed.positionals.length > max
        ? `Unexpected argument '${parsed.positionals[max]}'`
        : `Missing argument: ${command.usage}`,
      { command: name },
    );
  }
  return {
    values: parsed.values as CommandInput["values"],
    positionals: parsed.positionals,
  };
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'([^']+)'/.exec(message)?.[1]?.split(" ")[0];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Unknown option '${option}'`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (message.includes("argument missing")) {
        return `Option '${option}' needs a value`;
      }
      if (message.includes("ambiguous")) {
        return `Option '${option}' needs a value (write ${option}=-VALUE for a value that starts with '-')`;
      }
      return `Option '${option}' does not take a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `Unexpected argument '${option}'`;
    default:
      return message.split("\n")[0] ?? message;
  }
}

function readGlobals(values: CommandInput["values"], io: Io): Globals {
  const emulation = (values.emulation as string | undefined) ??
    io.env("CATALOGSYNC_EMULATION");
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
  const db = (values.db as string | undefined) ?? io.env("CATALOGSYNC_DB") ??
    "./catalog.db";
  if (db.trim() === "") {
    throw new UsageError("Invalid --db '': expected a file path");
  }
  return {
    db,
    json: values.json === true,
    verbose: values.verbose === true,
    emulation: emulation?.replace(/\/+$/, ""),
    rate: parseNumber(values.rate as string | undefined, "--rate"),
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

function reportError(
  error: unknown,
  command: string,
  ui: Ui,
  verbose: boolean,
): number {
  ui.progress.clear();
  if (error instanceof UsageError) {
    ui.log.error(
      `${error.message}. Try 'catalogsync ${error.command ?? command} --help'`,
    );
    return error.exitCode;
  }
  const exitCode = (error as { exitCode?: unknown })?.exitCode;
  let message = error instanceof Error ? error.message : String(error);
  if (
    error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied
  ) {
    message +=
      " (Deno refused the access: run through 'deno task', or grant it with --allow-*)";
  }
  ui.log.error(isSourceError(error) ? message : `${command}: ${message}`);
  if (verbose) {
    let current: unknown = error;
    while (current !== undefined) {
      ui.log.debug(
        current instanceof Error
          ? current.stack ?? current.message
          : String(current),
      );
      current = current instanceof Error ? current.cause : undefined;
    }
  } else {
    ui.log.info("(run with --verbose for details)");
  }
  return typeof exitCode === "number" ? exitCode : EXIT.failure;
}

/** The real I/O: stdout, stderr, stdin, environment, and Ctrl-C as the abort signal. */
export function realIo(): Io {
  const encoder = new TextEncoder();
  const controller = new AbortController();
  let interrupts = 0;
  try {
    Deno.addSignalListener("SIGINT", () => {
      interrupts++;
      if (interrupts > 1) Deno.exit(EXIT.interrupted);
      controller.abort(new Error("interrupted"));
      Deno.stderr.writeSync(
        encoder.encode(
          "\nstopping after the current step (Ctrl-C again to quit now)\n",
        ),
      );
    });
  } catch {
    // signals are not available everywhere (compiled on Windows); Ctrl-C then kills
  }
  return {
    stdout: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    stderr: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    stdin: () => Deno.stdin.readable,
    env: (name) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    },
    columns: () => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 100;
      }
    },
    signal: controller.signal,
  };
}

function writeAll(
  file: { writeSync(p: Uint8Array): number },
  bytes: Uint8Array,
): void {
  let offset = 0;
  while (offset < bytes.length) {
    offset += file.writeSync(bytes.subarray(offset));
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
