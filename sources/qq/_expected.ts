/**
 * The QQ Music rung a song will most likely download at (§6.2, §7.2): the
 * vkey grants anonymous sessions the 128k class and below (`M500`, `C400`)
 * and a VIP login up to `F000` (SVIP rungs, `AI00` master and `RS01`
 * hi-res, are not counted on: the login's tier is not known); a song that
 * must be paid for to play at all (`pay_play`, availability `vip`) is
 * refused without a login, and an unavailable one always.
 *
 * @module
 */
import {
  atOrBelow,
  type QualityInfo,
  type QualityLabel,
  type SongInfo,
} from "../types.ts";

/** The best label each kind of session is granted. */
const GRANTED: Readonly<Record<"anonymous" | "login", QualityLabel>> = {
  anonymous: "128k",
  login: "lossless",
};

/** See the module doc. */
export function expectedQuality(
  song: SongInfo,
  top: QualityLabel | undefined,
  loggedIn: boolean,
): QualityInfo | null {
  if (song.availability === "unavailable") return null;
  if (song.availability === "vip" && !loggedIn) return null;
  const granted = GRANTED[loggedIn ? "login" : "anonymous"];
  return song.qualities.find((quality) =>
    atOrBelow(quality.label, top) && atOrBelow(quality.label, granted)
  ) ?? null;
}
