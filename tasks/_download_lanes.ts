/**
 * The order in which a download run's workers take its planned songs: one
 * lane per platform. Each platform paces its own requests, so a worker
 * takes the next song of the platform with the fewest songs in progress
 * (in plan order among equals): every platform keeps a song in progress
 * while it has songs left, and no platform's pace waits behind another's.
 * With one worker the songs come in plan order.
 *
 * A lane also feeds its platform's offer rounds (`upcoming()`): the songs
 * taken that have not asked their offers yet, then its next songs, each
 * given once until it is taken (a song put back is new again).
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
  /** Songs not taken yet that `upcoming()` gave. */
  given: Set<number>;
  /** Songs taken that `upcoming()` did not give and that have not asked. */
  unasked: Set<number>;
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
      lane = {
        ids: [],
        positions: [],
        next: 0,
        running: 0,
        given: new Set(),
        unasked: new Set(),
      };
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
    const songId = best.ids[at]!;
    if (!best.given.delete(songId)) best.unasked.add(songId);
    return { songId, position: best.positions[at]!, lane: best };
  }

  /** A taken song asks its offers itself now: `upcoming()` no longer gives it. */
  asked(taken: Taken): void {
    taken.lane.unasked.delete(taken.songId);
  }

  /** A taken song is no longer in progress. */
  done(taken: Taken): void {
    taken.lane.running--;
    taken.lane.unasked.delete(taken.songId);
  }

  /** The songs of `platform` given and not taken yet are to be given again. */
  giveAgain(platform: Platform): void {
    this.#lanes.get(platform)?.given.clear();
  }

  /**
   * Up to `limit` songs of `platform` for an offer round, each given once:
   * the songs taken that have not asked yet (in the order taken), then the
   * next songs of its lane.
   */
  upcoming(platform: Platform, limit: number): number[] {
    const lane = this.#lanes.get(platform);
    const songs: number[] = [];
    if (!lane) return songs;
    for (const songId of lane.unasked) {
      if (songs.length >= limit) return songs;
      lane.unasked.delete(songId);
      songs.push(songId);
    }
    for (let i = lane.next; i < lane.ids.length; i++) {
      if (songs.length >= limit) break;
      const songId = lane.ids[i]!;
      if (lane.given.has(songId)) continue;
      lane.given.add(songId);
      songs.push(songId);
    }
    return songs;
  }

  /** Puts a taken song back at the head of its platform's lane. */
  requeue(taken: Taken): void {
    const { lane } = taken;
    lane.ids.splice(lane.next, 0, taken.songId);
    lane.positions.splice(lane.next, 0, taken.position);
  }
}
