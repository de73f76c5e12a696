import assert from "node:assert/strict";
import type { Platform } from "../sources/types.ts";
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
