/**
 * What a NetEase song is made of and who may have it (protocols/netease.md
 * §8, §9): its files by level, the preview of a VIP song, and the best
 * level each account may play (`plLevel`) and download (`dlLevel`).
 *
 * @module
 */
import type { Container } from "../../sources/types.ts";
import { hash32 } from "../_hash.ts";
import type { AudioFile } from "../audio.ts";
import type { GenSong, GenTier, World } from "../world.ts";

/** Who is calling: no (valid) `MUSIC_U`, a VIP, or an SVIP account. */
export type Account = "anonymous" | "vip" | "svip";

/** NetEase levels of the emulated files, best first. */
export const LEVELS = [
  "jymaster",
  "hires",
  "lossless",
  "exhigh",
  "higher",
  "standard",
] as const;

/** A level of the emulated ladder. */
export type Level = typeof LEVELS[number];

/** Rank of a level: 0 is the best. */
export function rank(level: Level): number {
  return LEVELS.indexOf(level);
}

/** The better (`min`) of two levels by rank, or the worse (`max`). */
export function worse(a: Level, b: Level): Level {
  return rank(a) >= rank(b) ? a : b;
}

const TIER_LEVELS: Readonly<Record<string, Level>> = {
  master: "jymaster",
  hires: "hires",
  lossless: "lossless",
  "320k": "exhigh",
  "192k": "higher",
  "128k": "standard",
};

/** Levels surround and effect requests are served as (above hires). */
export const SURROUND_LEVELS = ["sky", "jyeffect", "dolby", "vivid"];

/** Highest level a VIP (not SVIP) account plays: jymaster needs SVIP. */
const VIP_CAP: Level = "hires";

/**
 * One in this many free songs with a lossless or better file lets an
 * anonymous account download more than it may play (`dlLevel` > `plLevel`;
 * §9 notes that some songs give non-VIP lossless on a download endpoint,
 * and NCX asks `download/url/v1` for such free songs).
 */
const DOWNLOAD_BEYOND_PLAY_ONE_IN = 3;
/** What an anonymous account plays of such a song. */
const DOWNLOAD_BEYOND_PLAY_PLAY_CAP: Level = "exhigh";
/** What an anonymous account downloads of such a song: non-VIP lossless. */
const DOWNLOAD_BEYOND_PLAY_DOWNLOAD_CAP: Level = "lossless";

/** Which endpoint family asks for a URL item: player (play rights) or download (download rights). */
export type UrlEndpoint = "player" | "download";

/**
 * Whether a song lets an anonymous account download a better file than it
 * may play: a deterministic third of the free songs whose best file is
 * lossless or better. Their availability does not change (they still play).
 */
export function downloadsBeyondPlay(world: World, index: number): boolean {
  const song = world.song(index);
  if (song.access !== "free") return false;
  const top = TIER_LEVELS[song.tiers[0]?.label ?? ""];
  if (top === undefined || rank(top) > rank("lossless")) return false;
  return hash32(world.seed, 305, index) % DOWNLOAD_BEYOND_PLAY_ONE_IN === 0;
}

/** A song's file at one level. */
export interface SongFile {
  level: Level;
  tier: GenTier;
  container: Container;
  audio: AudioFile;
}

/** The files a song has, best first (the world's 96k tier has no level). */
export function songFiles(world: World, index: number): SongFile[] {
  const song = world.song(index);
  const out: SongFile[] = [];
  for (const tier of song.tiers) {
    const level = TIER_LEVELS[tier.label];
    if (!level) continue;
    const container: Container = rank(level) <= rank("lossless")
      ? "flac"
      : "mp3";
    out.push({
      level,
      tier,
      container,
      audio: {
        key: `netease:${song.id}:${level}`,
        container,
        sizeBytes: tier.sizeBytes,
      },
    });
  }
  return out;
}

/** The preview served instead of a VIP song: a short, different file. */
export function trialFile(world: World, index: number): AudioFile {
  const song = world.song(index);
  return {
    key: `netease:trial:${song.id}`,
    container: "mp3",
    sizeBytes: Math.max(
      512,
      Math.round(128 * 125 * 30 * world.shape.sizeScale),
    ),
  };
}

/** The best level a song has. */
export function topLevel(world: World, index: number): Level {
  return songFiles(world, index)[0]?.level ?? "standard";
}

/** The best level an account may play (`none` for none): `plLevel`. */
export function playCap(
  world: World,
  index: number,
  account: Account,
): Level | "none" {
  const song = world.song(index);
  const top = topLevel(world, index);
  if (song.access === "unavailable") return "none";
  if (account === "svip") return top;
  if (account === "vip") return worse(top, VIP_CAP);
  switch (song.access) {
    case "free":
      return downloadsBeyondPlay(world, index)
        ? worse(top, DOWNLOAD_BEYOND_PLAY_PLAY_CAP)
        : top;
    case "hq_vip":
      return "standard";
    default:
      return "none";
  }
}

/**
 * The best level an account may download (`none` for none): `dlLevel`.
 * The play cap, except on the songs that download beyond play.
 */
export function downloadCap(
  world: World,
  index: number,
  account: Account,
): Level | "none" {
  if (account === "anonymous" && downloadsBeyondPlay(world, index)) {
    return worse(topLevel(world, index), DOWNLOAD_BEYOND_PLAY_DOWNLOAD_CAP);
  }
  return playCap(world, index, account);
}

/** `fee` of a song (§8): 0 free/no copyright, 1 VIP, 8 free low quality. */
export function feeOf(song: GenSong): number {
  switch (song.access) {
    case "vip":
      return 1;
    case "hq_vip":
      return 8;
    default:
      return 0;
  }
}

/** `br` of a file: NetEase's own numbers for the lossy levels. */
export function bitrate(file: SongFile): number {
  return file.tier.bitrateKbps * 1000;
}
