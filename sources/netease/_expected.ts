/**
 * The NetEase level a song will most likely download at (§9), from the
 * privilege the song was synced with (the account's own): no copyright
 * (`st` < 0) or no level to play or download (`plLevel` and `dlLevel`
 * `none`) expects a refusal; otherwise the best level the song has at or
 * below the better of `plLevel` and `dlLevel` (the server serves no more,
 * and the download endpoint gives `dlLevel` when it is the better one),
 * `maxBrLevel` and `top`.
 *
 * @module
 */
import {
  atOrBelow,
  type QualityInfo,
  type QualityLabel,
  type SongInfo,
} from "../types.ts";
import { LEVEL_WEIGHTS } from "./_constants.ts";
import { privilegeOf } from "./_parse.ts";

function weight(level: unknown): number | undefined {
  return typeof level === "string" && Object.hasOwn(LEVEL_WEIGHTS, level)
    ? LEVEL_WEIGHTS[level]
    : undefined;
}

/** See the module doc; `undefined` without a privilege to read. */
export function expectedQuality(
  song: SongInfo,
  top: QualityLabel | undefined,
): QualityInfo | null | undefined {
  if (song.availability === "unavailable") return null;
  const privilege = privilegeOf(song.raw);
  if (!privilege) return undefined;
  if (typeof privilege.st === "number" && privilege.st < 0) return null;
  const play = weight(privilege.plLevel);
  const download = weight(privilege.dlLevel);
  if (play === undefined && download === undefined) return undefined;
  const granted = Math.min(
    Math.max(play ?? 0, download ?? 0),
    weight(privilege.maxBrLevel) ?? Infinity,
  );
  if (granted <= 0) return null;
  return song.qualities.find((quality) =>
    atOrBelow(quality.label, top) &&
    (weight(quality.level) ?? Infinity) <= granted
  ) ?? null;
}
