/**
 * The records a generated world is made of: songs with their qualities and
 * access, artists, albums, square categories and playlists, and charts.
 *
 * @module
 */
import type { QualityLabel } from "../sources/types.ts";

/** How a song may be played. */
export type Access = "free" | "hq_vip" | "vip" | "unavailable";

/** A quality a generated song has, with the size of its emulated file. */
export interface GenTier {
  /** The quality label. */
  label: QualityLabel;
  /** Nominal bitrate in kbit/s. */
  bitrateKbps: number;
  /** Exact size of the emulated file. */
  sizeBytes: number;
}

/** A generated artist. */
export interface GenArtist {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** A QQ-style 14-character id. */
  mid: string;
  /** Its name (may hold awkward characters). */
  name: string;
  /** Other names. */
  alias: string[];
  /** Free text. */
  description: string;
  /** Songs the platform would credit. */
  songCount: number;
  /** Albums the platform would credit. */
  albumCount: number;
}

/** A generated album. */
export interface GenAlbum {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** A QQ-style 14-character id. */
  mid: string;
  /** Its name (may hold awkward characters). */
  name: string;
}

/** A generated song. */
export interface GenSong {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** A QQ-style 14-character id. */
  mid: string;
  /** The media id of its files; differs from `mid` for about a third of songs. */
  mediaMid: string;
  /** Its title (may hold awkward characters). */
  title: string;
  /** Credited artists with ids, lead first. */
  artists: GenArtist[];
  /** A credit without an artist id, when the song has one. */
  nameOnlyCredit: string | undefined;
  /** Its album, if any. */
  album: GenAlbum | undefined;
  /** Duration in milliseconds. */
  durationMs: number;
  /** Qualities the song has, best first; `128k` is always there. */
  tiers: GenTier[];
  /** Who may play it. */
  access: Access;
  /** Epoch milliseconds of its release. */
  publishTime: number;
}

/** A generated square category. */
export interface GenCategory {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** Its name (may hold awkward characters). */
  name: string;
  /** The group the category is filed under. */
  group: string;
  /** Whether the platform flags it as hot. */
  hot: boolean;
}

/** A generated square playlist. */
export interface GenPlaylist {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** Its name (may hold awkward characters). */
  name: string;
  /** Free text. */
  description: string;
  /** Who made the playlist. */
  creator: { id: number; name: string };
  /** Plays. */
  playCount: number;
  /** Epoch milliseconds, strictly decreasing with the index. */
  updateTime: number;
  /** Epoch milliseconds of creation. */
  createTime: number;
  /** Cover image id (above 2^53, as a string). */
  coverId: string;
  /** Indexes of its categories, primary first. */
  categories: number[];
  /** Names of its categories. */
  tags: string[];
  /** Whether it is in the high-quality list. */
  highQuality: boolean;
  /** Its number of tracks. */
  trackCount: number;
  /** Song index of the track at `position` (0-based). */
  track(position: number): number;
}

/** A generated chart. */
export interface GenChart {
  /** Its index in the world (0-based). */
  index: number;
  /** Numeric id (unique in the world). */
  id: number;
  /** Its name (may hold awkward characters). */
  name: string;
  /** `daily` charts have `YYYY-MM-DD` periods, `weekly` ones `YYYY_W`. */
  cadence: "daily" | "weekly";
  /** Its number of tracks. */
  trackCount: number;
  /** Epoch milliseconds of its last update. */
  updateTime: number;
  /** Song index of the track at a position (0-based). */
  track(position: number): number;
}
