/**
 * The shape every command module shares: an option config, a conversion of
 * the parsed values to the stage's options, the stage call, and the text
 * form of its summary. `defineCommand()` turns that into a `Command` that
 * parses a command line, prints its help or runs and prints the summary
 * (as text or `--json`); `runCommand()` maps what goes wrong to an exit
 * status.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import type { Platform } from "../sources/types.ts";
import type { Context } from "../tasks/context.ts";
import type { Ui } from "../tasks/ui.ts";
import { EXIT, exitStatus, reportError, UsageError } from "./exit.ts";
import type { OptionValues } from "./flags.ts";
import { interruptedExit, type Io, ioUi } from "./io.ts";
import { escapeControls } from "./ui.ts";
import {
  type CatalogNeed,
  GLOBAL_OPTIONS,
  type Globals,
  type GlobalValues,
  readGlobals,
  wire,
} from "./wiring.ts";

/** What a command's run gets besides its context and options. */
export interface RunInput {
  /** The global options, checked. */
  globals: Globals;
  /** The outside world. */
  io: Io;
  /** Logs and progress on stderr. */
  ui: Ui;
}

/** A command module's parts, typed by its option config `O`, stage options `S` and summary `R`. */
export interface CommandSpec<O extends ParseArgsOptionsConfig, S, R> {
  /** The usage line, `catalogsync <name> ...`. */
  usage: string;
  /** Help text after the usage line and summary: what it does, its options. */
  help: string;
  /** Its own options (the global ones are added). */
  options: O;
  /** How many positionals it takes. @default [0, 0] */
  positionals?: [min: number, max: number];
  /**
   * How it opens the catalog (`CatalogNeed`), or a function of its values
   * that says. Only `collect` and `pipeline` create one. @default "existing"
   */
  catalog?: CatalogNeed | ((values: OptionValues<O>) => CatalogNeed);
  /** Platforms whose sources it needs. @default none */
  sources?(values: OptionValues<O>): Platform[];
  /** The sources' retries and per-attempt timeout. @default the HTTP layer's */
  http?: { retries?: number; timeoutMs?: number };
  /** Checks the values and converts them to the stage's options (before anything is opened). */
  toOptions(values: OptionValues<O>, positionals: string[]): S;
  /** Runs the stage. */
  run(context: Context, options: S, input: RunInput): Promise<R>;
  /** The summary as text. */
  format(summary: R): string;
  /** The exit status of the summary. @default exitStatus: from its `status`, else 0 */
  exitCode?(summary: R): number;
}

/** A command as `main.ts` sees it: its help, and a run of a command line. */
export interface Command {
  /** The usage line. */
  readonly usage: string;
  /** Help text after the usage line and summary. */
  readonly help: string;
  /**
   * Runs the arguments after the command's name: prints the help (under
   * `summary`, its line in the help index), or runs the stage and prints
   * its summary on stdout. Resolves to the exit status; throws what goes
   * wrong (`UsageError` for a bad command line).
   */
  execute(
    args: readonly string[],
    io: Io,
    ui: Ui,
    summary: string,
  ): Promise<number>;
}

/** A command from its parts. */
export function defineCommand<const O extends ParseArgsOptionsConfig, S, R>(
  spec: CommandSpec<O, S, R>,
): Command {
  return {
    usage: spec.usage,
    help: spec.help,
    async execute(args, io, ui, summary) {
      const { values, positionals } = parseCommandLine(spec, args);
      if (values.help) {
        io.stdout(commandHelp(summary, spec));
        return EXIT.ok;
      }
      const platforms = spec.sources?.(values) ?? [];
      const catalog = typeof spec.catalog === "function"
        ? spec.catalog(values)
        : spec.catalog ?? "existing";
      const globals = readGlobals(values, io, { platforms, catalog });
      const options = spec.toOptions(values, positionals);
      using wiring = await wire(
        globals,
        { platforms, catalog, ...(spec.http ? { http: spec.http } : {}) },
        io,
        ui,
      );
      const result = await spec.run(wiring.context, options, {
        globals,
        io: wiring.io,
        ui,
      });
      // names in a text summary come from the platforms: no control characters
      io.stdout(
        globals.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `${escapeControls(spec.format(result), true)}\n`,
      );
      const code = spec.exitCode?.(result) ?? exitStatus(result);
      return code === EXIT.interrupted ? interruptedExit(io.signal) : code;
    },
  };
}

/** A loaded command with its name and its line in the help index. */
export interface NamedCommand {
  /** The name it is called by. */
  name: string;
  /** Its line in the help index, repeated in its `--help`. */
  summary: string;
  /** The command. */
  command: Command;
}

/**
 * Runs `catalogsync <name> args...` with a command already loaded: its UI
 * on `io`'s stderr, and any error printed once and mapped to an exit status.
 */
export async function runCommand(
  { name, summary, command }: NamedCommand,
  args: readonly string[],
  io: Io,
): Promise<number> {
  const verbose = args.includes("--verbose") || args.includes("-v");
  const ui = ioUi(io, verbose);
  try {
    return await command.execute(args, io, ui, summary);
  } catch (error) {
    return failCommand(error, name, args, io, ui);
  }
}

/**
 * Reports an error that ended `catalogsync <name> args...` (`name` empty
 * before a command was found): one line on stderr, and with `--json` an
 * object `{"error": {"message", "kind", "exit"}}` on stdout. Returns the
 * exit status.
 */
export function failCommand(
  error: unknown,
  name: string,
  args: readonly string[],
  io: Io,
  ui: Ui = ioUi(io, false),
): number {
  const verbose = args.includes("--verbose") || args.includes("-v");
  const failure = reportError(error, name, ui, verbose);
  if (args.includes("--json")) {
    io.stdout(`${JSON.stringify({ error: failure })}\n`);
  }
  return failure.exit;
}

function commandHelp(
  summary: string,
  command: { usage: string; help: string },
): string {
  return `Usage: ${command.usage}

${summary}.

${command.help}

Global options: --db PATH, --emulation URL, --rate N, --record DIR, --json,
-v/--verbose, -h/--help (see 'catalogsync --help').
`;
}

function parseCommandLine<O extends ParseArgsOptionsConfig>(
  spec: { usage: string; options: O; positionals?: [number, number] },
  args: readonly string[],
): { values: OptionValues<O> & GlobalValues; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: withoutTaskSeparator(args),
      options: { ...GLOBAL_OPTIONS, ...spec.options },
      strict: true,
      allowPositionals: spec.positionals !== undefined,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  // parseArgs types the values of a known config; for the generic one here
  // this says what they are, so that each command's values stay typed
  const values = parsed.values as OptionValues<O> & GlobalValues;
  const [min, max] = spec.positionals ?? [0, 0];
  if (
    !values.help &&
    (parsed.positionals.length < min || parsed.positionals.length > max)
  ) {
    throw new UsageError(
      parsed.positionals.length > max
        ? `Unexpected argument '${parsed.positionals[max]}'`
        : `Missing argument: ${spec.usage}`,
    );
  }
  return { values, positionals: parsed.positionals };
}

/**
 * The arguments without the first `--`: `deno task download -- --limit 5`
 * passes the `--` on (`main.ts download -- --limit 5`), where it would
 * make every flag after it a positional argument.
 */
function withoutTaskSeparator(args: readonly string[]): string[] {
  const at = args.indexOf("--");
  return at < 0 ? [...args] : [...args.slice(0, at), ...args.slice(at + 1)];
}

function describeParseError(error: unknown): string {
  const code = error instanceof Error && "code" in error
    ? error.code
    : undefined;
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
