/**
 * Errors about storage: a full disk, a reserve that cannot be kept, and
 * what a storage backend (a bucket, a WebDAV drive) answers.
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

/**
 * What went wrong with a storage backend: `auth` (wrong or missing
 * credentials), `container` (no such bucket or root), `quota` (the server
 * is full: 507, quota exceeded), `checksum` (the bytes that arrived are not
 * the file's), `network` (connection refused, reset or cut), `server` (5xx,
 * throttling), `protocol` (an answer that makes no sense), `not_found` (no
 * such object).
 */
export type StorageErrorKind =
  | "auth"
  | "container"
  | "quota"
  | "checksum"
  | "network"
  | "server"
  | "protocol"
  | "not_found";

/**
 * An error of a storage backend, with the backend's URL (never its
 * credentials) and, for HTTP backends, the status and the server's code.
 */
export class StorageError extends Error {
  /** Always `StorageError`. */
  override readonly name = "StorageError";
  /** What kind of failure. */
  readonly kind: StorageErrorKind;
  /** The backend's URL, as shown to people. */
  readonly backend: string;
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** The server's error code (`NoSuchBucket`, `InvalidAccessKeyId`, ...). */
  readonly code: string | undefined;

  /** A storage error of `kind` on `backend`. */
  constructor(
    kind: StorageErrorKind,
    backend: string,
    message: string,
    options: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(`${backend}: ${message}`, { cause: options.cause });
    this.kind = kind;
    this.backend = backend;
    this.status = options.status;
    this.code = options.code;
  }

  /** Whether the backend can take nothing more in this run (credentials, container, quota). */
  get stopsBackend(): boolean {
    return this.kind === "auth" || this.kind === "container" ||
      this.kind === "quota";
  }

  /** Whether trying again may help (network, 5xx, throttling). */
  get retryable(): boolean {
    return this.kind === "network" || this.kind === "server";
  }
}

/** Whether `error` is a `StorageError` (of one of `kinds`, when given). */
export function isStorageError(
  error: unknown,
  ...kinds: StorageErrorKind[]
): error is StorageError {
  return error instanceof StorageError &&
    (kinds.length === 0 || kinds.includes(error.kind));
}
