/**
 * What the world says about covers and lyrics, the same for every
 * platform (each renders it in its own shapes): an album's cover is a
 * JPEG, a PNG, absent, or announced but missing on the image host (404);
 * a song's lyrics are synced lines (some with a Chinese translation),
 * absent, or the instrumental marker. Lines mix Chinese, Japanese and
 * emoji, as real lyrics do.
 *
 * @module
 */
import { hash32, unit } from "./_hash.ts";
import type { World } from "./world.ts";

/** What an album's cover is. */
export type CoverKind = "jpeg" | "png" | "none" | "missing";

/** The cover of the album at `albumIndex`. */
export function coverKind(world: World, albumIndex: number): CoverKind {
  const roll = unit(world.seed, 401, albumIndex);
  if (roll < 0.08) return "none";
  if (roll < 0.13) return "missing";
  if (roll < 0.3) return "png";
  return "jpeg";
}

/** One synced line. */
export interface LyricLine {
  /** Milliseconds from the start. */
  timeMs: number;
  /** The line. */
  text: string;
  /** Its translation, for songs that have one. */
  translation?: string;
}

/** A song's lyrics in the world. */
export type WorldLyrics =
  | { kind: "none" }
  | { kind: "instrumental" }
  | { kind: "synced"; lines: LyricLine[]; translated: boolean };

const PHRASES = [
  "夜空中最亮的星",
  "风吹过城南的街",
  "さくらの花が散る",
  "ありがとう、また明日",
  "心跳的声音 🎵",
  "月光照在海上 🌙",
  "君の名前を呼んだ",
  "回忆像烟火一样 🎆",
  "Summer rain 落下来",
  "遠い空の向こうへ",
  "我们都是追梦人 ✨",
  "Shadow and light, 光年之外",
];

const TRANSLATIONS = [
  "译：星光指引归途",
  "译：晚风温柔",
  "译：樱花飘落",
  "译：谢谢你，明天见",
];

/** The lyrics of the song at `songIndex`, `durationMs` long. */
export function songLyrics(
  world: World,
  songIndex: number,
  durationMs: number,
): WorldLyrics {
  const s = world.seed;
  const roll = unit(s, 411, songIndex);
  if (roll < 0.1) return { kind: "none" };
  if (roll < 0.18) return { kind: "instrumental" };
  const translated = unit(s, 412, songIndex) < 0.35;
  const count = 6 + (hash32(s, 413, songIndex) % 8);
  const step = Math.max(1000, Math.floor((durationMs - 5000) / count));
  const lines: LyricLine[] = [];
  for (let i = 0; i < count; i++) {
    const text = PHRASES[hash32(s, 414, songIndex, i) % PHRASES.length]!;
    lines.push({
      timeMs: 1000 + i * step + (hash32(s, 415, songIndex, i) % 900),
      text,
      ...(translated
        ? {
          translation:
            TRANSLATIONS[hash32(s, 416, songIndex, i) % TRANSLATIONS.length]!,
        }
        : {}),
    });
  }
  return { kind: "synced", lines, translated };
}

/** `[mm:ss.xx]` of a time, as LRC writes it. */
export function lrcTime(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  const hundredths = Math.floor((ms % 1000) / 10);
  const two = (n: number) => String(n).padStart(2, "0");
  return `[${two(minutes)}:${two(seconds)}.${two(hundredths)}]`;
}

/** The index of the album with an id, if the world has it. */
export function albumIndexById(world: World, id: number): number | undefined {
  if (!Number.isSafeInteger(id) || id < 5000) return undefined;
  // album ids are 5000 + 3 · index + (0..2)
  const index = Math.floor((id - 5000) / 3);
  const albums = Math.ceil(world.shape.songs / 8);
  return index < albums && world.album(index).id === id ? index : undefined;
}

const midIndexes = new WeakMap<World, Map<string, number>>();

/** The index of the album with a mid, if the world has it. */
export function albumIndexByMid(world: World, mid: string): number | undefined {
  let map = midIndexes.get(world);
  if (!map) {
    map = new Map();
    const albums = Math.ceil(world.shape.songs / 8);
    for (let i = 0; i < albums; i++) map.set(world.album(i).mid, i);
    midIndexes.set(world, map);
  }
  return map.get(mid);
}
