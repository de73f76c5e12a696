import assert from "node:assert/strict";
import type { Platform } from "../sources/types.ts";
import { Lanes } from "../tasks/_download_lanes.ts";
import { downloadBed } from "./_download_bed.ts";
import { goodSong, type TestWorlds } from "./_download_source.ts";

/** Records the order in which songs start resolving, across platforms. */
function recordStarts(
  sources: ReadonlyMap<Platform, { downloadOffers: unknown }>,
): string[] {
  const started: string[] = [];
  for (const [platform, source] of sources) {
    const s = source as {
      downloadOffers: (...args: never[]) => AsyncGenerator<unknown>;
    };
    const inner = s.downloadOffers.bind(s);
    s.downloadOffers = (...args) => {
      const song = args[0] as unknown as { remoteId: string };
      started.push(`${platform}:${song.remoteId}`);
      return inner(...args);
    };
  }
  return started;
}

const worlds: TestWorlds = {
  netease: [goodSong("n1"), goodSong("n2"), goodSong("n3")],
  qq: [goodSong("q1")],
};

Deno.test("download() gives every platform a worker while it has songs: a paced platform never waits behind another's queue", async () => {
  await using t = await downloadBed(worlds);
  const started = recordStarts(t.sources);
  const summary = await t.run({ concurrency: 2 });
  assert.equal(summary.downloaded, 4);
  // the plan is n1, n2, n3, q1: the second worker takes q1, not n2
  assert.deepEqual(
    new Set(started.slice(0, 2)),
    new Set(["netease:n1", "qq:q1"]),
  );
  assert.deepEqual(started.slice(2), ["netease:n2", "netease:n3"]);
});

Deno.test("download() with one worker takes the songs in plan order", async () => {
  await using t = await downloadBed(worlds);
  const started = recordStarts(t.sources);
  const summary = await t.run({ concurrency: 1 });
  assert.equal(summary.downloaded, 4);
  assert.deepEqual(started, [
    "netease:n1",
    "netease:n2",
    "netease:n3",
    "qq:q1",
  ]);
});

Deno.test("Lanes.upcoming() feeds a platform's offer rounds: taken songs that have not asked, then the lane's next ones, each once", () => {
  const lanes = new Lanes();
  lanes.add(1, "netease");
  lanes.add(2, "qq");
  for (let id = 3; id <= 8; id++) lanes.add(id, "netease");
  const take = () => lanes.take()!;
  const [t1, t2] = [take(), take()];
  assert.deepEqual([t1.songId, t2.songId], [1, 2]);
  // the song just taken has not asked yet: it comes first, then the lane's
  assert.deepEqual(lanes.upcoming("netease", 3), [1, 3, 4]);
  assert.deepEqual(lanes.upcoming("netease", 2), [5, 6]);
  assert.deepEqual(lanes.upcoming("qq", 5), [2]);
  assert.deepEqual(lanes.upcoming("qq", 5), []);
  // songs given before they were taken are not given again once taken
  const t3 = take();
  const rest = [take(), take(), take()];
  assert.deepEqual([t3, ...rest].map((t) => t.songId), [3, 4, 5, 6]);
  assert.deepEqual(lanes.upcoming("netease", 10), [7, 8]);
  // a taken song that asks its offers itself is not given
  const [t7, t8] = [take(), take()];
  assert.deepEqual([t7.songId, t8.songId], [7, 8]);
  lanes.asked(t7);
  lanes.done(t8);
  assert.deepEqual(lanes.upcoming("netease", 10), []);
  // a song put back is new again: its offers were used
  lanes.requeue(t3);
  lanes.done(t3);
  assert.deepEqual(lanes.upcoming("netease", 10), [3]);
  assert.deepEqual(lanes.upcoming("netease", 10), []);
  assert.equal(take().songId, 3);
  // taken and ended without asking (its task busy): never given
  lanes.add(9, "netease");
  const t9 = take();
  assert.equal(t9.songId, 9);
  lanes.done(t9);
  assert.deepEqual(lanes.upcoming("netease", 10), []);
  assert.equal(lanes.take(), undefined);
  // after a dropped login, the songs given and not taken are given again
  lanes.add(10, "netease");
  lanes.add(11, "netease");
  assert.deepEqual(lanes.upcoming("netease", 10), [10, 11]);
  lanes.giveAgain("netease");
  assert.deepEqual(lanes.upcoming("netease", 10), [10, 11]);
  assert.deepEqual(lanes.upcoming("netease", 10), []);
});
