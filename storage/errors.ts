/**
 * Errors about storage: a full disk, or a reserve that cannot be kept.
 *
 * @module
 */

/**
 * The disk is full (`ENOSPC`) or below the reserve, with no directory left
 * to continue in. Carries the exit status 75 (`EX_TEMPFAIL`).
 */
export class NoSpaceError extends Error {
  /** Always `NoSpaceError`. */
  override readonly name = "NoSpaceError";
  /** The exit status the CLI returns for it. */
  readonly exitCode: number = 75;
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
