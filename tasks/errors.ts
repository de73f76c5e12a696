/**
 * Errors the CLI maps to exit statuses. `NoSpaceError` lives with the storage
 * it describes (`storage/errors.ts`) and carries its own exit status.
 *
 * @module
 */

/** Exit statuses of the CLI. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** Some sources or items failed; the rest succeeded. */
  partial: 3,
  /** Interrupted (Ctrl-C); a rerun continues. */
  interrupted: 130,
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
