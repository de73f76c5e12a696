/**
 * The `catalogsync` command line: the help index, and a table of commands
 * whose modules (`cli/<name>.ts`) are imported only when run. A command
 * module parses its options, runs its stage, and prints the summary as
 * text or `--json`; what goes wrong becomes one line on stderr and an exit
 * status (`cli/exit.ts`). Only the entry point here exits the process (and
 * a second Ctrl-C, see `realIo()`).
 *
 * @module
 */
import { type Command, failCommand, runCommand } from "./cli/command.ts";
import { EXIT, UsageError } from "./cli/exit.ts";
import { type Io, realIo } from "./cli/io.ts";
import {
  CREDENTIAL_ENV,
  DEFAULT_RATES,
  EMULATION_RATE,
} from "./sources/config.ts";

/** A command in the help index, with the module that runs it. */
interface CommandEntry {
  /** Its line in the help index. */
  summary: string;
  /** Imports its module. */
  load(): Promise<{ command: Command }>;
}

const COMMANDS: Record<string, CommandEntry> = {
  collect: {
    summary: "List square categories and charts as pools, with their playlists",
    load: () => import("./cli/collect.ts"),
  },
  sync: {
    summary: "Resolve playlists into songs and derive their artists",
    load: () => import("./cli/sync.ts"),
  },
  download: {
    summary: "Download each song once, at the best quality the platform grants",
    load: () => import("./cli/download.ts"),
  },
  pipeline: {
    summary: "Collect, sync and download in one run, with the flags they share",
    load: () => import("./cli/pipeline.ts"),
  },
  tag: {
    summary: "Write tags, covers and lyrics into the files in the library",
    load: () => import("./cli/tag.ts"),
  },
  enrich: {
    summary: "Fetch artist details for artists not yet enriched",
    load: () => import("./cli/enrich.ts"),
  },
  status: {
    summary: "Counts per table, platform and storage backend",
    load: () => import("./cli/status.ts"),
  },
  export: {
    summary: "Write m3u8 playlists of downloaded files",
    load: () => import("./cli/export.ts"),
  },
  doctor: {
    summary:
      "Ask each platform every path and variant once, and say what works",
    load: () => import("./cli/doctor.ts"),
  },
  check: {
    summary:
      "Check the catalog file (integrity, foreign keys); recover a damaged one",
    load: () => import("./cli/check.ts"),
  },
  storage: {
    summary:
      "List storage backends, add a bucket or drive, relocate a moved disk",
    load: () => import("./cli/storage.ts"),
  },
  replicate: {
    summary: "Copy downloaded files to a bucket, a WebDAV drive or a disk",
    load: () => import("./cli/replicate.ts"),
  },
  verify: {
    summary: "Check every stored file's size (and SHA-256) where it is",
    load: () => import("./cli/verify.ts"),
  },
  whereis: {
    summary: "Every location of a song's file",
    load: () => import("./cli/whereis.ts"),
  },
  emulator: {
    summary: "Serve the offline emulation of the three platforms on 127.0.0.1",
    load: () => import("./cli/emulator.ts"),
  },
};

const NAMES = Object.keys(COMMANDS);

function globalHelp(): string {
  const width = Math.max(...NAMES.map((n) => n.length));
  return `catalogsync — mirror the public catalogs of NetEase Cloud Music, QQ Music and
Kuwo into a local SQLite catalog, and download every song once.

Usage: catalogsync <command> [options]

Commands:
${NAMES.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`).join("\n")}

Global options:
  --db PATH          the catalog file (default ./catalog.db, or $CATALOGSYNC_DB);
                     only collect and pipeline create one, the other commands
                     refuse a missing or empty file (exit status 1)
  --emulation URL    talk to an emulation server instead of the platforms
                     (or $CATALOGSYNC_EMULATION); see 'catalogsync emulator'
  --rate N           requests per second per platform (default ${DEFAULT_RATES.netease} NetEase,
                     ${DEFAULT_RATES.qq} QQ, ${DEFAULT_RATES.kuwo} Kuwo; ${EMULATION_RATE} against an emulation; 0 = unpaced)
  --record DIR       write every exchange with the platforms into DIR, one
                     file each plus index.jsonl, secrets redacted: attach it
                     to a bug report
  --json             print the summary as JSON on stdout
  -v, --verbose      debug logs, retries, and stack traces of errors
  -h, --help         this help; 'catalogsync <command> --help' for a command

Credentials (optional, read from the environment, never printed):
  ${CREDENTIAL_ENV.neteaseMusicU.padEnd(30)}NetEase MUSIC_U cookie
  ${CREDENTIAL_ENV.qqUin.padEnd(30)}QQ number of a QQ Music login
  ${CREDENTIAL_ENV.qqMusicKey.padEnd(30)}its musickey (qm_keyst)
  ${"AWS_ACCESS_KEY_ID".padEnd(30)}buckets: with AWS_SECRET_ACCESS_KEY (and
  ${"".padEnd(30)}AWS_SESSION_TOKEN), or CATALOGSYNC_S3_* of the same names
  ${
    "CATALOGSYNC_WEBDAV_USER".padEnd(30)
  }WebDAV drives: with CATALOGSYNC_WEBDAV_PASSWORD

Exit status: 0 done, 1 error, 2 bad command line, 3 partial (some platforms
or items failed; a rerun continues), 75 out of disk space with nowhere to
continue, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM.
`;
}

/** Runs the CLI with `args`; resolves to the exit status. Never exits the process. */
export async function main(args: string[], io: Io = realIo()): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    io.stderr(globalHelp());
    return EXIT.usage;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout(globalHelp());
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    const hint = name.startsWith("-")
      ? "put the command first"
      : `commands are ${NAMES.join(", ")}`;
    return failCommand(
      new UsageError(`Unknown command '${name}': ${hint}`, { command: "" }),
      "",
      args,
      io,
    );
  }
  let command: Command;
  try {
    ({ command } = await entry.load());
  } catch (error) {
    return failCommand(error, name, rest, io);
  }
  return await runCommand(
    { name, summary: entry.summary, command },
    rest,
    io,
  );
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
