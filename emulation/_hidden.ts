/**
 * Playlists and charts as the platforms declare and page them when their
 * totals count hidden songs (offline, region-locked): the declared count
 * is the songs held plus one to three hidden slots, spread over the
 * declared positions so that a page in the middle of a long list comes
 * back short. Pages are cut in declared positions; a hidden slot is simply
 * left out of its page. The songs held are the world's, unchanged, so
 * every song stays reachable and the world's counts stay true.
 *
 * @module
 */
import { hash32 } from "./_hash.ts";
import { BEHAVIOUR_SALTS, type Behaviours, inShare } from "./behaviours.ts";
import type { GenChart, GenPlaylist } from "./world.ts";

/** A playlist or chart of the world. */
export type GenList = GenPlaylist | GenChart;

/** A list as the platform declares and pages it. */
export interface DeclaredList {
  /** The count the platform declares: songs held plus hidden slots. */
  readonly declared: number;
  /** The hidden slots, ascending declared positions. */
  readonly hidden: readonly number[];
  /** The world's song index at a declared position; `undefined` for a hidden slot. */
  track(position: number): number | undefined;
  /**
   * The declared positions `[start, end)` that hold a song, with the
   * world's song index of each, in order.
   */
  page(start: number, end: number): Array<{ position: number; song: number }>;
}

/** Whether a list is a chart (else a square playlist). */
function isChart(list: GenList): list is GenChart {
  return "cadence" in list;
}

/**
 * A list as the platform declares it under `behaviours`: with hidden
 * slots when it falls in the seeded `hiddenTracks` share, else as it is.
 */
export function declaredList(
  seed: number,
  list: GenList,
  behaviours: Pick<Behaviours, "hiddenTracks">,
): DeclaredList {
  const kind = isChart(list) ? 2 : 1;
  const held = list.trackCount;
  const hidden: number[] = [];
  if (
    held > 0 &&
    inShare(
      seed,
      BEHAVIOUR_SALTS.hiddenTracks,
      kind * 1_000_003 + list.index,
      behaviours.hiddenTracks,
    )
  ) {
    const count = 1 +
      hash32(seed, BEHAVIOUR_SALTS.hiddenTracks, kind, list.index) % 3;
    const declared = held + count;
    // evenly spread: distinct, and the first one well before the end
    for (let k = 0; k < count; k++) {
      hidden.push(Math.floor((k + 1) * declared / (count + 1)));
    }
  }
  const declared = held + hidden.length;
  const track = (position: number): number | undefined => {
    if (position < 0 || position >= declared) return undefined;
    let before = 0;
    for (const slot of hidden) {
      if (slot === position) return undefined;
      if (slot < position) before++;
    }
    return list.track(position - before);
  };
  return {
    declared,
    hidden,
    track,
    page(start, end) {
      const out: Array<{ position: number; song: number }> = [];
      for (let p = Math.max(0, start); p < Math.min(end, declared); p++) {
        const song = track(p);
        if (song !== undefined) out.push({ position: p, song });
      }
      return out;
    },
  };
}
