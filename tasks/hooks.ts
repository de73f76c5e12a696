/**
 * Hooks a library user attaches to the stages without touching them.
 * They run after the catalog write they describe has committed; a hook
 * that throws is logged and does not stop the stage.
 *
 * @module
 */
import type { Platform, SongInfo } from "../sources/types.ts";

/** An artist the catalog saw for the first time. */
export interface DiscoveredArtist {
  /** Catalog id of the artist row. */
  id: number;
  /** The platform. */
  platform: Platform;
  /** The platform's id of the artist, if the credit has one. */
  remoteId: string | undefined;
  /** The artist's name as credited. */
  name: string;
}

/** A song written to the catalog by sync. */
export interface SyncedSong {
  /** Catalog id of the song row. */
  id: number;
  /** The song as the source produced it. */
  song: SongInfo;
  /** Catalog id of the playlist it was synced with. */
  playlistId: number;
}

/** The hooks. All optional; they may be async (sync waits for them). */
export interface Hooks {
  /** A new artist row was created during sync. */
  onArtistDiscovered?(artist: DiscoveredArtist): void | Promise<void>;
  /** A song was written during sync (once per playlist it is in). */
  onSongSynced?(song: SyncedSong): void | Promise<void>;
  /** A playlist finished syncing. */
  onPlaylistSynced?(
    playlist: {
      id: number;
      platform: Platform;
      remoteId: string;
      songCount: number;
    },
  ): void | Promise<void>;
}
