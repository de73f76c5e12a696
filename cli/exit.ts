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
 * Prints an error of `command` once, in one line (its `cause` chain and
 * stacks with `verbose`), and returns the exit status it maps to: 2 for a
 * usage error, an error's own `exitCode` (`NoSpaceError`), else 1.
 */
export function reportError(
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
  // a damaged or full catalog is told as itself, whatever wraps it
  const catalogError = catalogErrorIn(error);
  if (catalogError) error = catalogError;
  const exitCode = error instanceof Error && "exitCode" in error
    ? error.exitCode
    : undefined;
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
