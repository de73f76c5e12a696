/**
 * How a stage's run ended, and which errors stop a platform.
 *
 * @module
 */
import { isSourceError } from "../sources/errors.ts";

/**
 * How a run ended: everything done (`ok`), some parts failed (`partial`),
 * nothing succeeded (`failed`), or stopped by the user (`interrupted`).
 */
export type RunStatus = "ok" | "partial" | "failed" | "interrupted";

/** The status of a run from its counts. */
export function runStatus(counts: {
  interrupted: boolean;
  failedUnits: number;
  succeededUnits: number;
  totalUnits: number;
}): RunStatus {
  if (counts.interrupted) return "interrupted";
  if (counts.failedUnits === 0) return "ok";
  return counts.succeededUnits > 0 ? "partial" : "failed";
}

/**
 * Errors after which talking to the platform again in this run is pointless
 * or harmful: risk control, a rate limit that outlasted the retries, a
 * region lock.
 */
export function isFatalForPlatform(error: unknown): boolean {
  return isSourceError(error, "antibot", "rate_limited", "region") ||
    !isSourceError(error);
}

/** One line describing an error, for summaries and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message.split("\n")[0] ?? error.name;
  }
  return String(error);
}
