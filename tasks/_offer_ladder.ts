/**
 * The decisions of the download stage's offer ladder: a song's offers
 * come best first from its source, and each one is skipped (its level was
 * rejected already), rejected (a preview, or a transfer that found it
 * unusable), resolved again (an expired URL, up to a limit; a URL that
 * kept answering an HTML page or a short body, once per level, for a
 * fresh URL before the level is given up) or taken. Transient faults
 * never step down on their own: the transfer retries them on the same
 * rung, and one that outlasts its retries leaves the song for the next
 * run (`retry_later`) at the quality it was after. What
 * the ladder cannot take ends as a song outcome: a source's refusal maps
 * to a terminal state (`vip_only`, `unavailable`, `rate_limited`,
 * `failed`), possibly stopping the platform, and a ladder that runs out
 * ends `unavailable` (no offer at all) or `failed` (every offer rejected).
 *
 * Nothing here does I/O: the run iterates the source, transfers the files
 * and records the outcomes.
 *
 * @module
 */
import type { TerminalState } from "../catalog/download_tasks.ts";
import type { BackendRow } from "../catalog/storage.ts";
import { isSourceError } from "../sources/errors.ts";
import type { DownloadOffer, Platform, SongInfo } from "../sources/types.ts";
import { describeError } from "./outcome.ts";
import type { TransferResult } from "./_transfer.ts";

/** How one claimed song ended. */
export type SongOutcome =
  | {
    /** Downloaded, checked and recorded. */
    kind: "done";
    offer: DownloadOffer;
    bytes: number;
    resumedBytes: number;
    backend: BackendRow;
    /** The offers rejected before it, as `level: reason`. */
    rejected: string[];
  }
  | {
    /** The task ends in a terminal state. */
    kind: "terminal";
    state: TerminalState;
    error: string;
    /** The offers rejected before, as `level: reason`. */
    rejected: string[];
    /** Set when no further song of the platform should be tried: why. */
    stopPlatform?: string;
  }
  | {
    /** Retries ran out on a transient failure; the next run resumes it. */
    kind: "retry_later";
    error: string;
  }
  | {
    /** An upgrade found nothing better than the file the song has: it is kept. */
    kind: "kept";
    reason: string;
  }
  | {
    /**
     * The platform refused the login: the run goes on anonymously (and
     * tries the song again that way).
     */
    kind: "login_refused";
    error: string;
  }
  | { kind: "no_space" }
  | { kind: "interrupted" }
  | { kind: "lease_lost" };

/** How one offer's transfer ended. */
export type OfferOutcome =
  | Exclude<
    SongOutcome,
    | { kind: "done" }
    | { kind: "terminal" }
    | { kind: "kept" }
    | { kind: "login_refused" }
  >
  | { kind: "reject"; reason: string }
  | { kind: "expired"; reason: string }
  | { kind: "suspect"; reason: string }
  | Omit<Extract<SongOutcome, { kind: "done" }>, "rejected">;

/**
 * What to do with an offer before its transfer: `skip` it (its level was
 * rejected already), count it `rejected` (a preview), or `transfer` it.
 */
export type OfferVerdict = "skip" | "rejected" | "transfer";

/** What the run does after one offer's transfer. */
export type LadderStep =
  | {
    /** The offer was rejected: count it and try the next one. */
    kind: "rejected";
  }
  | {
    /** The URL expired: resolve the song's offers again. */
    kind: "resolve_again";
    reason: string;
  }
  | {
    /** The song is settled with this outcome. */
    kind: "finish";
    outcome: SongOutcome;
  };

/**
 * One song's way down its offers: which levels were rejected and why,
 * whether any offer came at all, and how often the offers were resolved
 * again after an expired URL.
 */
export class OfferLadder {
  /** The offers rejected so far, as `level: reason`. */
  readonly rejected: string[] = [];
  readonly #song: SongInfo;
  readonly #maxResolves: number;
  readonly #rejectedLevels = new Set<string>();
  /** Levels whose URL was resolved again after suspect answers. */
  readonly #refreshedLevels = new Set<string>();
  #resolves = 0;
  #sawOffer = false;

  /** A ladder for `song` that resolves its offers again at most `maxResolves` times. */
  constructor(song: SongInfo, maxResolves: number) {
    this.#song = song;
    this.#maxResolves = maxResolves;
  }

  /** Whether to transfer an offer; a preview is rejected here. */
  consider(offer: DownloadOffer): OfferVerdict {
    if (this.#rejectedLevels.has(offer.level)) return "skip";
    this.#sawOffer = true;
    const preview = previewReason(this.#song, offer);
    if (preview !== undefined) {
      this.#reject(offer, preview);
      return "rejected";
    }
    return "transfer";
  }

  /** The next step after an offer's transfer ended with `outcome`. */
  afterTransfer(offer: DownloadOffer, outcome: OfferOutcome): LadderStep {
    if (outcome.kind === "reject") {
      this.#reject(offer, outcome.reason);
      return { kind: "rejected" };
    }
    if (outcome.kind === "expired") {
      if (this.#resolves < this.#maxResolves) {
        this.#resolves++;
        return { kind: "resolve_again", reason: outcome.reason };
      }
      this.#reject(
        offer,
        `${outcome.reason} (resolved ${this.#resolves} times)`,
      );
      return { kind: "rejected" };
    }
    if (outcome.kind === "suspect") {
      if (!this.#refreshedLevels.has(offer.level)) {
        this.#refreshedLevels.add(offer.level);
        return {
          kind: "resolve_again",
          reason: `${outcome.reason}; asking for a fresh URL`,
        };
      }
      this.#reject(offer, `${outcome.reason}, from two URLs`);
      return { kind: "rejected" };
    }
    if (outcome.kind === "done") {
      return {
        kind: "finish",
        outcome: { ...outcome, rejected: this.rejected },
      };
    }
    return { kind: "finish", outcome };
  }

  /** How the song ends when its source has no further offer. */
  exhausted(): SongOutcome {
    if (!this.#sawOffer) {
      return {
        kind: "terminal",
        state: "unavailable",
        error: "the platform offers no file",
        rejected: this.rejected,
      };
    }
    return {
      kind: "terminal",
      state: "failed",
      error: `every offer was rejected: ${this.rejected.join("; ")}`,
      rejected: this.rejected,
    };
  }

  #reject(offer: DownloadOffer, reason: string): void {
    this.rejected.push(`${offer.level}: ${reason}`);
    this.#rejectedLevels.add(offer.level);
  }
}

/**
 * The terminal outcome of a song whose source threw `error` while
 * resolving its offers (`rejected`: the offers rejected before). A rate
 * limit, risk control or region lock also stops the platform. A refused
 * login is for the run to handle (it goes on anonymously).
 */
export function refusalOutcome(
  platform: Platform,
  error: unknown,
  rejected: string[],
): SongOutcome {
  const message = describeError(error);
  const withRejected = rejected.length > 0
    ? `${message} (rejected before: ${rejected.join("; ")})`
    : message;
  if (!isSourceError(error)) {
    return {
      kind: "terminal",
      state: "failed",
      error: withRejected,
      rejected,
    };
  }
  switch (error.kind) {
    case "login":
      return { kind: "login_refused", error: message };
    case "vip":
      return {
        kind: "terminal",
        state: "vip_only",
        error: withRejected,
        rejected,
      };
    case "unavailable":
    case "not_found":
      return {
        kind: "terminal",
        state: "unavailable",
        error: withRejected,
        rejected,
      };
    case "rate_limited":
    case "antibot":
      return {
        kind: "terminal",
        state: "rate_limited",
        error: withRejected,
        rejected,
        stopPlatform: message,
      };
    case "region":
      return {
        kind: "terminal",
        state: "failed",
        error: withRejected,
        rejected,
        stopPlatform:
          `${platform} refuses downloads from this region (region lock): ${message}`,
      };
    default:
      return {
        kind: "terminal",
        state: "failed",
        error: withRejected,
        rejected,
      };
  }
}

/** The offer outcome of a transfer that did not end with a checked file. */
export function offerOutcomeOf(
  result: Exclude<TransferResult, { kind: "ok" }>,
): OfferOutcome {
  if (result.kind === "retry_later") {
    return { kind: "retry_later", error: result.reason };
  }
  return result;
}

/**
 * Why an offer looks like a preview rather than the full song: its size
 * is under half of what the song advertises for the same level.
 */
function previewReason(
  song: SongInfo,
  offer: DownloadOffer,
): string | undefined {
  const advertised = song.qualities.find((q) => q.level === offer.level)
    ?.sizeBytes;
  if (
    advertised !== undefined && offer.sizeBytes !== undefined &&
    offer.sizeBytes < advertised / 2
  ) {
    return `a preview: ${offer.sizeBytes} bytes where the song's ${offer.level} file has ${advertised}`;
  }
  return undefined;
}
