import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createEmulation } from "../../emulation/emulation.ts";
import { serveEmulation } from "../../emulation/serve.ts";
import type { WorldStats } from "../../emulation/world.ts";
import { createSources } from "../../sources/registry.ts";
import type { SongInfo } from "../../sources/types.ts";
import { Clock, seeded } from "./_helpers.ts";

Deno.test("every NetEase category, chart, playlist and song reaches the client over 127.0.0.1", async () => {
  const clock = new Clock();
  const emulation = createEmulation({ size: "test", now: clock.now });
  await using server = serveEmulation(emulation);
  const stats = (await (await fetch(`${server.url}/_emulation/stats`)).json())
    .netease as WorldStats;
  const sources = await createSources({
    emulation: server.url,
    platforms: ["netease"],
    ratePerSecond: 0,
    sleep: async () => {},
    now: clock.now,
    random: seeded(9),
  });
  const source = sources.get("netease")!;

  const squarePools = await source.listPools("square");
  const categories = squarePools.filter((p) => p.remoteKey !== "highquality");
  assert.equal(categories.length, stats.categories);

  const squareIds = new Set<string>();
  for (const pool of squarePools) {
    for await (const playlist of source.listPlaylists(pool)) {
      squareIds.add(playlist.remoteId);
    }
  }
  assert.equal(squareIds.size, stats.playlists);

  const [toplist] = await source.listPools("toplist");
  const chartIds: string[] = [];
  for await (const chart of source.listPlaylists(toplist!)) {
    chartIds.push(chart.remoteId);
  }
  assert.equal(chartIds.length, stats.charts);

  const songs = new Map<string, SongInfo>();
  let biggest = 0;
  for (const id of [...squareIds, ...chartIds]) {
    const result = await source.playlistSongs(id);
    assert.equal(result.songs.length, result.declaredCount, `playlist ${id}`);
    biggest = Math.max(biggest, result.songs.length);
    for (const song of result.songs) songs.set(song.remoteId, song);
  }
  assert.equal(biggest, 3000);
  assert.equal(songs.size, stats.songs);
  const availability = { available: 0, vip: 0, unavailable: 0 };
  for (const song of songs.values()) availability[song.availability]++;
  assert.equal(availability.vip, stats.vipOnly);
  assert.equal(availability.unavailable, stats.unavailable);
  // song by song: vip → vip, no copyright → unavailable, hq_vip and free → available
  const world = emulation.worlds.netease;
  const expected = {
    free: "available",
    hq_vip: "available",
    vip: "vip",
    unavailable: "unavailable",
  } as const;
  for (let i = 0; i < world.shape.songs; i++) {
    const song = world.song(i);
    assert.equal(
      songs.get(String(song.id))?.availability,
      expected[song.access],
      `song ${song.id} (${song.access})`,
    );
  }

  // and one song of each kind through its offers, over the socket
  const pick = (kind: SongInfo["availability"]) =>
    [...songs.values()].find((s) => s.availability === kind)!;
  const offers = source.downloadOffers(pick("available"));
  for await (const offer of offers) {
    const body = new Uint8Array(await (await fetch(offer.url)).arrayBuffer());
    assert.equal(body.length, offer.sizeBytes);
    assert.equal(createHash("md5").update(body).digest("hex"), offer.md5);
    break;
  }
  for (const kind of ["vip", "unavailable"] as const) {
    await assert.rejects(
      (async () => {
        for await (const _ of source.downloadOffers(pick(kind))) {
          // a VIP or no-copyright song must not offer anything
        }
      })(),
      (error: { kind?: string }) => error.kind === kind,
    );
  }
});
