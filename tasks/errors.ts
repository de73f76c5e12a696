/**
 * Errors the CLI maps to exit statuses.
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

/**
 * The disk is full (`ENOSPC`) or below the reserve, with no directory left
 * to continue in. Carries the exit status 75.
 */
export class NoSpaceError extends Error {
  /** Always `NoSpaceError`. */
  override readonly name = "NoSpaceError";
  /** The exit status the CLI returns for it. */
  readonly exitCode: number = EXIT.noSpace;
  /** The directory that ran out of space. */
  readonly path: string | undefined;

  /** An out-of-space error about `path`. */
  constructor(
    message: string,
    options: { path?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.path = options.path;
  }
}

/** Whether an error says the disk is full (`ENOSPC`, or a `NoSpaceError`). */
export function isNoSpace(error: unknown): boolean {
  return error instanceof NoSpaceError ||
    (error as { code?: unknown } | null)?.code === "ENOSPC" ||
    /\(os error 28\)/.test(error instanceof Error ? error.message : "");
}
