/**
 * The order in which a download run's workers take its planned songs: one
 * lane per platform. Each platform paces its own requests, so a worker
 * takes the next song of the platform with the fewest songs in progress
 * (in plan order among equals): every platform keeps a song in progress
 * while it has songs left, and no platform's pace waits behind another's.
 * With one worker the songs come in plan order.
 *
 * @module
 */
import type { Platform } from "../sources/types.ts";

/** The planned songs of one platform: taken from `next` on, in plan order. */
interface Lane {
  /** Song ids. */
  ids: number[];
  /** Their positions in the plan. */
  positions: number[];
  /** The first song not taken yet. */
  next: number;
  /** Songs of the platform in progress. */
  running: number;
}

/** A song a worker took; give it back with `Lanes.done()` (and `requeue()`). */
export interface Taken {
  /** `songs.id`. */
  songId: number;
  /** Its position in the plan. */
  position: number;
  /** Its platform's lane. */
  lane: Lane;
}

/** The planned songs of a run, one lane per platform. */
export class Lanes {
  readonly #lanes = new Map<Platform, Lane>();

  /** Songs added so far: the next one's position in the plan. */
  #added = 0;

  /** Adds the plan's next song to its platform's lane. */
  add(songId: number, platform: Platform): void {
    let lane = this.#lanes.get(platform);
    if (!lane) {
      lane = { ids: [], positions: [], next: 0, running: 0 };
      this.#lanes.set(platform, lane);
    }
    lane.ids.push(songId);
    lane.positions.push(this.#added++);
  }

  /** Songs not taken yet (songs put back included). */
  get left(): number {
    let left = 0;
    for (const lane of this.#lanes.values()) {
      left += lane.ids.length - lane.next;
    }
    return left;
  }

  /**
   * The next song of the platform with the fewest songs in progress (the
   * earliest planned among equals), counted in progress until `done()`;
   * `undefined` when every lane is empty.
   */
  take(): Taken | undefined {
    let best: Lane | undefined;
    for (const lane of this.#lanes.values()) {
      if (lane.next >= lane.ids.length) continue;
      if (
        !best || lane.running < best.running ||
        (lane.running === best.running &&
          lane.positions[lane.next]! < best.positions[best.next]!)
      ) best = lane;
    }
    if (!best) return undefined;
    best.running++;
    const at = best.next++;
    return { songId: best.ids[at]!, position: best.positions[at]!, lane: best };
  }

  /** A taken song is no longer in progress. */
  done(taken: Taken): void {
    taken.lane.running--;
  }

  /** Puts a taken song back at the head of its platform's lane. */
  requeue(taken: Taken): void {
    const { lane } = taken;
    lane.ids.splice(lane.next, 0, taken.songId);
    lane.positions.splice(lane.next, 0, taken.position);
  }
}
