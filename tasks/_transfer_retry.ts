/**
 * The retries of a transfer: a pause that doubles each time (up to 30 s),
 * a budget for transient failures (resets, cut bodies, 5xx) and a smaller
 * one for suspect answers (an HTML page, a body of the wrong length) from
 * one URL, and the errors that say how a transfer stops.
 *
 * @module
 */
import type { Sleep } from "../sources/http.ts";

/** What the retries need from a transfer's options. */
export interface RetryOptions {
  /** Sleeps between retries. */
  sleep: Sleep;
  /** Aborts the pause. */
  signal: AbortSignal | undefined;
  /** Retries after transient failures. */
  retries: number;
  /** First backoff delay, doubled on each retry. */
  backoffMs: number;
  /** Called before a retry, for logs. */
  onRetry?(reason: string, attempt: number, delayMs: number): void;
}

/** Longest pause between retries. */
const MAX_BACKOFF_MS = 30_000;
/** Times a suspect answer (HTML page, wrong length) is fetched again from one URL. */
export const SUSPECT_RETRIES = 2;

/** Retries ran out on a transient failure. */
export class Transient extends Error {
  override readonly name = "Transient";
}

/** The retries of a suspect answer ran out. */
export class SuspectAgain extends Error {
  override readonly name = "SuspectAgain";
}

/** The transfer stops: interrupted, or its lease was lost. */
export class Stop extends Error {
  override readonly name = "Stop";
  constructor(readonly kind: "interrupted" | "lease_lost") {
    super(kind);
  }
}

/**
 * Pauses before fetching a suspect answer again; throws `SuspectAgain`
 * when this URL had its share.
 */
export function retrySuspect(
  reason: string,
  suspects: number,
  options: RetryOptions,
): Promise<number> {
  const limit = Math.min(options.retries, SUSPECT_RETRIES);
  return retry(
    reason,
    suspects,
    limit,
    () => new SuspectAgain(`${reason} (${limit + 1} times from this URL)`),
    options,
  );
}

/**
 * Pauses before retrying a transient failure; throws `Transient` when the
 * retries ran out (the `.part` is kept for the next run).
 */
export function retryOrGiveUp(
  reason: string,
  failures: number,
  options: RetryOptions,
): Promise<number> {
  const limit = options.retries;
  return retry(
    reason,
    failures,
    limit,
    () =>
      new Transient(
        `${reason} (gave up after ${limit} ${
          limit === 1 ? "retry" : "retries"
        }; the next run resumes)`,
      ),
    options,
  );
}

/**
 * Pauses before retry `done + 1` of `reason`; throws what `giveUp` makes
 * once `limit` retries are done. Resolves to the retries done.
 */
async function retry(
  reason: string,
  done: number,
  limit: number,
  giveUp: () => Error,
  options: RetryOptions,
): Promise<number> {
  const attempt = done + 1;
  if (attempt > limit) throw giveUp();
  await pause(reason, attempt, options);
  return attempt;
}

/** The backoff before retry `attempt` (1 = the first), doubling each time. */
async function pause(
  reason: string,
  attempt: number,
  options: RetryOptions,
): Promise<void> {
  const delay = Math.min(
    MAX_BACKOFF_MS,
    options.backoffMs * 2 ** (attempt - 1),
  );
  options.onRetry?.(reason, attempt, delay);
  try {
    await options.sleep(delay, options.signal);
  } catch {
    throw new Stop("interrupted");
  }
}
