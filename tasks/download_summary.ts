/**
 * What a `download()` run reports: its summary and the parts of it (per
 * backend, per failed song, the plan of a dry run, switches and stops for
 * lack of space). Its own module so that the run, the space policy and the
 * stage's entry (`download.ts`, which re-exports these types) share them
 * without importing each other.
 *
 * @module
 */
import type { TerminalState } from "../catalog/download_tasks.ts";
import type { Platform, QualityLabel } from "../sources/types.ts";
import type { RunStatus } from "./outcome.ts";

/** The quality a run asks for: `best` (no cap) or a label to start the ladder at. */
export type QualityChoice = "best" | QualityLabel;

/** What a run did on one storage backend. */
export interface BackendUsage {
  /** The backend's name (`local-1`; empty in a dry run for a new directory). */
  name: string;
  /** Its root. */
  root: string;
  /** Whether new files go there at the end of the run. */
  active: boolean;
  /** Files downloaded there in this run (planned, in a dry run). */
  files: number;
  /** Their bytes (expected, in a dry run). */
  bytes: number;
  /** Bytes free there at the end of the run (at planning, in a dry run). */
  freeBytes: number | undefined;
}

/** A song that did not download, and why. */
export interface DownloadFailure {
  /** The platform. */
  platform: Platform;
  /** The platform's id of the song. */
  remoteId: string;
  /** Artists and title. */
  title: string;
  /** The state the task ended in. */
  state: TerminalState | "pending";
  /** Why. */
  error: string;
}

/** A song of a dry run's plan. */
export interface PlannedSong {
  /** The platform. */
  platform: Platform;
  /** The platform's id of the song. */
  remoteId: string;
  /** Artists and title. */
  title: string;
  /** Bytes expected. */
  expectedBytes: number;
  /** The directory it would go to. */
  root: string;
}

/** Why the run stopped for lack of space. */
export interface NoSpaceStop {
  /** The directory that is full. */
  directory: string;
  /** Bytes free there at the last check. */
  freeBytes: number;
  /** Bytes the next file needed, reserve included. */
  neededBytes: number;
}

/** A switch from one backend to another. */
export interface BackendSwitch {
  /** The full backend's root. */
  from: string;
  /** The new backend's root. */
  to: string;
  /** The new backend's name. */
  name: string;
  /** Where the directory came from. */
  via: "next-dir" | "prompt";
}

/** The summary of `download()`. */
export interface DownloadSummary {
  /** How the run ended (`noSpace` says whether it stopped for lack of space). */
  status: RunStatus;
  /** Whether this was a dry run (nothing written). */
  dryRun: boolean;
  /** The quality asked for. */
  quality: QualityChoice;
  /** Songs the selection matched. */
  selected: number;
  /** Songs planned for download. */
  planned: number;
  /** Songs downloaded. */
  downloaded: number;
  /** Songs skipped because their file is there. */
  skippedOwned: number;
  /** Songs skipped because their task ended in a state not retried. */
  skippedTerminal: number;
  /** Songs another process is downloading. */
  busy: number;
  /** Locations found missing (file vanished or changed size) and marked so. */
  missing: number;
  /**
   * Local backends found offline (root gone, or an empty mount point),
   * with the selected songs they hold: not marked missing, not downloaded
   * again (unless `redownloadOffline`).
   */
  offline: Array<{ name: string; root: string; songs: number }>;
  /** Downloads by the quality label served. */
  byQuality: Record<string, number>;
  /** Songs downloaded after at least one offer was rejected. */
  fallbacks: number;
  /** Offers rejected (preview, empty URL, 403/404, wrong length, MD5 or magic). */
  rejectedOffers: number;
  /** Songs only VIP can download. */
  vipOnly: number;
  /** Songs without any usable file (no copyright, taken down). */
  unavailable: number;
  /** Songs refused by rate limiting or risk control. */
  rateLimited: number;
  /** Songs that failed otherwise. */
  failed: number;
  /** Transfers that kept failing; their `.part` is kept and the next run resumes them. */
  retryLater: number;
  /** Planned songs not started (platform stopped, out of space, interrupted). */
  notStarted: number;
  /** Bytes downloaded (resumed bytes included). */
  bytes: number;
  /** Bytes taken over from interrupted transfers. */
  resumedBytes: number;
  /** Per backend. */
  backends: BackendUsage[];
  /** Switches to a new directory when space ran low. */
  switches: BackendSwitch[];
  /** Songs that did not download, and why. */
  failures: DownloadFailure[];
  /** Platforms that stopped early, and why. */
  platformErrors: Partial<Record<Platform, string>>;
  /** Set when the run stopped because space ran out with no directory left. */
  noSpace: (NoSpaceStop & { message: string }) | undefined;
  /** `--playlist` references that are not synced in the catalog. */
  unknownPlaylists: string[];
  /** A dry run's plan (empty otherwise). */
  plan: PlannedSong[];
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

/** A summary with nothing done yet, for a run that asks for `quality`. */
export function emptyDownloadSummary(
  quality: QualityChoice,
  dryRun: boolean,
): DownloadSummary {
  return {
    status: "ok",
    dryRun,
    quality,
    selected: 0,
    planned: 0,
    downloaded: 0,
    skippedOwned: 0,
    skippedTerminal: 0,
    busy: 0,
    missing: 0,
    offline: [],
    byQuality: {},
    fallbacks: 0,
    rejectedOffers: 0,
    vipOnly: 0,
    unavailable: 0,
    rateLimited: 0,
    failed: 0,
    retryLater: 0,
    notStarted: 0,
    bytes: 0,
    resumedBytes: 0,
    backends: [],
    switches: [],
    failures: [],
    platformErrors: {},
    noSpace: undefined,
    unknownPlaylists: [],
    plan: [],
    durationMs: 0,
  };
}
