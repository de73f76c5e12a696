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
import { formatBytes } from "./format.ts";
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
  /** Whether `expectedBytes` is an estimate rather than the size the platform advertises. */
  estimated: boolean;
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
  /** Set when it is the catalog's own disk that is out of room. */
  catalog?: boolean;
}

/** What a run stopped for lack of space tells the user: where, and what to do. */
export function noSpaceMessage(stop: NoSpaceStop): string {
  const free = formatBytes(stop.freeBytes);
  const needed = formatBytes(stop.neededBytes);
  return stop.catalog
    ? `out of space for the catalog in ${stop.directory} (${free} free, ${needed} kept for its log). Nothing is lost: free some space there, or move the catalog to a roomier disk and point --db at it, then rerun`
    : `out of space in ${stop.directory} (${free} free, ${needed} needed) and no directory to continue in. Nothing is lost: rerun with --next-dir DIR (or --library DIR) to continue there`;
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
  /** Songs downloaded (upgrades included). */
  downloaded: number;
  /** Owned songs planned again to upgrade their file (`upgrade`). */
  upgrading: number;
  /** Songs whose file was replaced by a better one. */
  upgraded: number;
  /** Songs to upgrade that the platform grants nothing better now: their file is kept. */
  notUpgraded: number;
  /** Songs skipped because their file is there. */
  skippedOwned: number;
  /** Songs skipped because their task ended in a state not retried. */
  skippedTerminal: number;
  /** Songs another live process is downloading: left to it (the run is `partial`). */
  busy: number;
  /** Songs taken over from a process of this host that is gone (killed, crashed). */
  takenOver: number;
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
  /** Tags, covers and lyrics written into the downloaded files. */
  tagging: TaggingTally;
  /** Per backend. */
  backends: BackendUsage[];
  /** Switches to a new directory when space ran low. */
  switches: BackendSwitch[];
  /** Songs that did not download, and why. */
  failures: DownloadFailure[];
  /** Platforms that stopped early, and why. */
  platformErrors: Partial<Record<Platform, string>>;
  /** Platforms that refused the login: the run went on anonymously there. */
  loginRefused: Partial<Record<Platform, string>>;
  /** Set when the run stopped because space ran out with no directory left. */
  noSpace: (NoSpaceStop & { message: string }) | undefined;
  /** `--playlist` references that are not synced in the catalog. */
  unknownPlaylists: string[];
  /** A dry run's plan (empty otherwise). */
  plan: PlannedSong[];
  /** Bytes of a dry run's plan that are estimates, not sizes the platforms advertise. */
  estimatedBytes: number;
  /** Songs of a dry run's plan their source expects to be refused (counted as 0 bytes). */
  refusalsExpected: number;
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

/** What tagging did in a run. */
export interface TaggingTally {
  /** Files tagged. */
  tagged: number;
  /** Files whose tags could not be written (kept as served). */
  failed: number;
  /** Files of containers that are not tagged (kept as served). */
  unsupported: number;
  /** Files tagged without their cover or lyrics because a request failed. */
  partial: number;
  /** Covers fetched from the platforms (the others came from the catalog). */
  coversFetched: number;
  /** Lyrics fetched from the platforms. */
  lyricsFetched: number;
  /** `.lrc` files written. */
  lrcFiles: number;
  /** Milliseconds spent preparing and writing tags, summed over files. */
  ms: number;
}

/** A tally with nothing tagged. */
export function emptyTaggingTally(): TaggingTally {
  return {
    tagged: 0,
    failed: 0,
    unsupported: 0,
    partial: 0,
    coversFetched: 0,
    lyricsFetched: 0,
    lrcFiles: 0,
    ms: 0,
  };
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
    upgrading: 0,
    upgraded: 0,
    notUpgraded: 0,
    skippedOwned: 0,
    skippedTerminal: 0,
    busy: 0,
    takenOver: 0,
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
    tagging: emptyTaggingTally(),
    backends: [],
    switches: [],
    failures: [],
    platformErrors: {},
    loginRefused: {},
    noSpace: undefined,
    unknownPlaylists: [],
    plan: [],
    estimatedBytes: 0,
    refusalsExpected: 0,
    durationMs: 0,
  };
}
