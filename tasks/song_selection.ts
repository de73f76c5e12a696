/**
 * Which songs the stages that work on songs' files take: `download` and
 * `replicate` select them alike (the CLI's `--source`, `--playlist` and
 * `--pool`).
 *
 * @module
 */
import type { Platform, PoolKind } from "../sources/types.ts";

/** Options that select songs by platform, playlist and pool. */
export interface SongSelectionOptions {
  /** Songs of these platforms. @default the platforms the context has sources for */
  platforms?: readonly Platform[];
  /** Only songs of these playlists. @default every song */
  playlists?: ReadonlyArray<{ platform: Platform; remoteId: string }>;
  /** Only songs of playlists listed by pools of these kinds. @default any */
  pools?: readonly PoolKind[];
}
