/**
 * Exit statuses of the CLI, the usage error, and the one place that turns
 * an error into a line on stderr and an exit status. `NoSpaceError` lives
 * with the storage it describes (`storage/errors.ts`) and carries its own
 * exit status.
 *
 * @module
 */
import { CatalogDamagedError, CatalogFullError } from "../catalog/database.ts";
import { isSourceError } from "../sources/errors.ts";
import { NoSpaceError } from "../storage/errors.ts";
import type { RunStatus } from "../tasks/outcome.ts";
import type { Ui } from "../tasks/ui.ts";

/** Exit statuses of the CLI. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** Some sources or items failed; the rest succeeded. */
  partial: 3,
  /** Interrupted (Ctrl-C, SIGINT); a rerun continues. */
  interrupted: 130,
  /** Stopped by SIGTERM (`timeout`, `systemctl stop`, `docker stop`); a rerun continues. */
  terminated: 143,
  /** Out of space with no directory left to continue in (EX_TEMPFAIL). */
  noSpace: 75,
} as const;

/** A bad command line: printed with a pointer to `--help`, exit status 2. */
export class UsageError extends Error {
  /** Always `UsageError`. */
  override readonly name = "UsageError";
  /** The exit status the CLI returns for it. */
  readonly exitCode: number = EXIT.usage;
  /** The command whose help to point at. */
  readonly command: string | undefined;

  /** A usage error; `command` names the command whose help to point at. */
  constructor(
    message: string,
    options: { command?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.command = options.command;
  }
}

/**
 * A failure the CLI describes in its own words (a missing catalog, an empty
 * file at --db): one line, a kind for `--json`, and an exit status.
 */
export class CommandError extends Error {
  /** Always `CommandError`. */
  override readonly name = "CommandError";
  /** What kind of failure it is, for `--json`. */
  readonly kind: ErrorKind;
  /** The exit status the CLI returns for it. */
  readonly exitCode: number;

  /** A failure of `kind` (default `error`), exit status 1 unless given. */
  constructor(
    message: string,
    options: { kind?: ErrorKind; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = options.kind ?? "error";
    this.exitCode = options.exitCode ?? EXIT.failure;
  }
}

/**
 * What kind of failure ended a command, as `--json` reports it: a bad
 * command line, the catalog (missing, empty, damaged), a platform, the
 * disk, Deno's permissions, or anything else.
 */
export type ErrorKind =
  | "usage"
  | "catalog"
  | "source"
  | "no_space"
  | "permission"
  | "error";

/** A failure as `--json` prints it: `{"error": Failure}` on stdout. */
export interface Failure {
  /** The line printed on stderr, without its `error:` prefix. */
  message: string;
  /** What kind of failure it is. */
  kind: ErrorKind;
  /** The exit status. */
  exit: number;
}

const STATUS_EXIT: Record<RunStatus, number> = {
  ok: EXIT.ok,
  partial: EXIT.partial,
  failed: EXIT.failure,
  interrupted: EXIT.interrupted,
};
const BY_STATUS = new Map<unknown, number>(Object.entries(STATUS_EXIT));

/**
 * The exit status of a summary: from its `status` (how a stage's run
 * ended: ok 0, partial 3, failed 1, interrupted 130), 0 for a summary
 * without one.
 */
export function exitStatus(summary: unknown): number {
  const status = typeof summary === "object" && summary !== null &&
      "status" in summary
    ? summary.status
    : undefined;
  return BY_STATUS.get(status) ?? EXIT.ok;
}

/**
 * An error of `command` as one line, its kind and the exit status it maps
 * to: 2 for a usage error, an error's own `exitCode` (`NoSpaceError`,
 * `CommandError`), else 1.
 */
export function failureOf(error: unknown, command: string): Failure {
  // a damaged or full catalog is told as itself, whatever wraps it
  error = catalogErrorIn(error) ?? error;
  if (error instanceof UsageError) {
    const help = error.command ?? command;
    return {
      message: `${error.message}. Try 'catalogsync ${
        help === "" ? "" : `${help} `
      }--help'`,
      kind: "usage",
      exit: error.exitCode,
    };
  }
  const exitCode = error instanceof Error && "exitCode" in error
    ? error.exitCode
    : undefined;
  let message = error instanceof Error ? error.message : String(error);
  const permission = error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied;
  if (permission) {
    message +=
      " (Deno refused the access: run through 'deno task', or grant it with --allow-*)";
  }
  const kind: ErrorKind = error instanceof CommandError
    ? error.kind
    : isSourceError(error)
    ? "source"
    : error instanceof CatalogDamagedError
    ? "catalog"
    : error instanceof NoSpaceError || error instanceof CatalogFullError
    ? "no_space"
    : permission
    ? "permission"
    : "error";
  return {
    message: isSourceError(error) || command === ""
      ? message
      : `${command}: ${message}`,
    kind,
    exit: typeof exitCode === "number" ? exitCode : EXIT.failure,
  };
}

/**
 * Prints an error of `command` once, in one line (its `cause` chain and
 * stacks with `verbose`), and returns what it was (`failureOf()`).
 */
export function reportError(
  error: unknown,
  command: string,
  ui: Ui,
  verbose: boolean,
): Failure {
  ui.progress.clear();
  const failure = failureOf(error, command);
  ui.log.error(failure.message);
  if (failure.kind === "usage") return failure;
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
  } else if (!(error instanceof CommandError)) {
    // a CommandError's line says all there is
    ui.log.info("(run with --verbose for details)");
  }
  return failure;
}

/** A `CatalogDamagedError` or `CatalogFullError` in an error's cause chain. */
function catalogErrorIn(
  error: unknown,
): CatalogDamagedError | CatalogFullError | undefined {
  for (let current = error, depth = 0; depth < 8; depth++) {
    if (
      current instanceof CatalogDamagedError ||
      current instanceof CatalogFullError
    ) return current;
    if (!(current instanceof Error)) return undefined;
    current = current.cause;
  }
  return undefined;
}
