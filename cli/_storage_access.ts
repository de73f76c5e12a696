/**
 * What the commands that reach storage backends (`replicate`, `verify`,
 * `storage`) take from the run's I/O.
 *
 * @module
 */
import {
  credentialsFromEnv,
  type HttpFetch,
  type StorageCredentials,
} from "../storage/backend.ts";
import type { Io } from "./io.ts";

/** The backends' credentials and, where a test replaced it, the `fetch`. */
export interface StorageAccess {
  /** From the environment (`credentialsFromEnv()`). */
  credentials: StorageCredentials;
  /** The I/O's `fetch`, when it has its own. */
  fetch?: HttpFetch;
}

/** The storage access of a run: credentials from `io.env`, and `io.fetch`. */
export function storageAccess(io: Io): StorageAccess {
  return {
    credentials: credentialsFromEnv(io.env),
    ...(io.fetch ? { fetch: io.fetch } : {}),
  };
}
