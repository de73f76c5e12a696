/**
 * The live progress of a download run: one line for the run (songs done,
 * bytes, rate, time left, the directory files go to) and one per file in
 * flight, drawn at most every 100 ms.
 *
 * @module
 */
import type { Platform } from "../sources/types.ts";
import { formatBytes, formatDuration } from "./format.ts";
import { type PlatformProgress, progressLine } from "./_progress.ts";
import type { Progress } from "./ui.ts";

/** Where the run stands, as the progress line shows it. */
export interface RunProgress {
  /** Songs settled so far (downloaded or ended in a terminal state). */
  finished: number;
  /** Songs in the run's queue. */
  queued: number;
  /** Songs downloaded so far. */
  downloaded: number;
  /** Bytes of the files finished so far. */
  bytes: number;
  /** Bytes taken over from interrupted transfers (not counted in the rate). */
  resumedBytes: number;
  /** The root of the backend new files go to. */
  directory: string;
  /** Songs settled and queued per platform. */
  platforms?: ReadonlyMap<Platform, PlatformProgress>;
}

/** One file in flight. */
export interface Transfer {
  /** What the line says: platform, title, level. */
  readonly label: string;
  /** Bytes in the file so far. */
  bytes: number;
  /** Bytes expected, when known. */
  total: number | undefined;
}

/** Draws a run's progress; `state()` says where the run stands. */
export class DownloadProgress {
  readonly #progress: Progress;
  readonly #now: () => number;
  readonly #state: () => RunProgress;
  readonly #startedAt: number;
  readonly #transfers = new Map<number, Transfer>();
  #lastShown = -Infinity;

  /** A display on `progress` for a run that starts now. */
  constructor(progress: Progress, now: () => number, state: () => RunProgress) {
    this.#progress = progress;
    this.#now = now;
    this.#state = state;
    this.#startedAt = now();
  }

  /** Shows a song's file as in flight; update its `bytes` and `total`. */
  begin(songId: number, label: string, total: number | undefined): Transfer {
    const transfer: Transfer = { label, bytes: 0, total };
    this.#transfers.set(songId, transfer);
    return transfer;
  }

  /** Takes a song's file off the display. */
  end(songId: number): void {
    this.#transfers.delete(songId);
  }

  /** Draws the lines, unless they were drawn less than 100 ms ago (`force` draws anyway). */
  show(force = false): void {
    const now = this.#now();
    if (!force && now - this.#lastShown < 100) return;
    this.#lastShown = now;
    const state = this.#state();
    const inFlight = [...this.#transfers.values()];
    const bytes = state.bytes + inFlight.reduce((n, a) => n + a.bytes, 0);
    const elapsed = Math.max(1, now - this.#startedAt);
    const rate = (bytes - state.resumedBytes) / (elapsed / 1000);
    const left = state.queued - state.finished;
    // without the songs' platforms (a run given none), one count for all
    const platforms = state.platforms?.size
      ? state.platforms
      : new Map([["all" as const, {
        done: state.finished,
        total: state.queued,
      }]]);
    const lines = [
      progressLine("download", "songs", platforms, [
        formatBytes(bytes),
        `${formatBytes(rate)}/s`,
        ...(left > 0 && state.downloaded > 0
          ? [
            `ETA ${
              formatDuration((elapsed / Math.max(1, state.finished)) * left)
            }`,
          ]
          : []),
        state.directory,
      ]),
    ];
    for (const a of inFlight) {
      const pct = a.total ? ` ${Math.floor((a.bytes / a.total) * 100)}%` : "";
      lines.push(
        `  ${a.label}${pct} ${formatBytes(a.bytes)}${
          a.total ? `/${formatBytes(a.total)}` : ""
        }`,
      );
    }
    this.#progress.status(lines);
  }

  /** Clears the display (before a question, and at the end). */
  clear(): void {
    this.#progress.clear();
  }
}
