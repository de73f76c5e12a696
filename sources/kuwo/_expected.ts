/**
 * The Kuwo rung a song will most likely download at, anonymously (§8.2,
 * §9.1, §9.6): a paid or preview-only song (availability `vip`) answers a
 * preview stub and is refused, as is an unavailable one; otherwise the
 * best rung the client will ask `mobi.s` for (`offerRungs`: the song's
 * tiers, or for a web item the ladder from flac or 320k mp3 down) at or
 * below `top` and below hi-res: `4000kflac` is mostly VIP (§9.1), while
 * `2000kflac` and the mp3 tiers are served to anonymous clients. The
 * advertised size of that tier comes with it when the song carries one
 * (`MINFO`/`N_MINFO`).
 *
 * @module
 */
import { isObject } from "../_json.ts";
import {
  atOrBelow,
  type QualityInfo,
  type QualityLabel,
  type SongInfo,
} from "../types.ts";
import { LADDER } from "./_constants.ts";
import { offerRungs } from "./_parse_offers.ts";

/** The best label an anonymous client is counted on to get (§9.1). */
const ANONYMOUS_BEST: QualityLabel = "lossless";

/** See the module doc. */
export function expectedQuality(
  song: SongInfo,
  top: QualityLabel | undefined,
): QualityInfo | null {
  if (song.availability !== "available") return null;
  const rungs = isObject(song.raw) ? offerRungs(song.raw) : LADDER;
  const rung = rungs.find((r) =>
    atOrBelow(r.label, top) && atOrBelow(r.label, ANONYMOUS_BEST)
  );
  if (!rung) return null;
  const advertised = song.qualities.find((q) => q.level === rung.br);
  return {
    label: rung.label,
    level: rung.br,
    bitrateKbps: rung.bitrateKbps,
    extension: rung.format,
    ...(advertised?.sizeBytes === undefined
      ? {}
      : { sizeBytes: advertised.sizeBytes }),
  };
}
