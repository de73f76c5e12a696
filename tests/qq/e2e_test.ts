import assert from "node:assert/strict";
import { createEmulation } from "../../emulation/emulation.ts";
import { chartPeriod, type QqAccount } from "../../emulation/qq/mod.ts";
import { serveEmulation } from "../../emulation/serve.ts";
import { isSourceError } from "../../sources/errors.ts";
import { createSources } from "../../sources/registry.ts";
import type {
  DownloadOffer,
  PlaylistCandidate,
  SongInfo,
  Source,
} from "../../sources/types.ts";

const T0 = Date.UTC(2026, 5, 1, 4, 0, 0);

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

Deno.test("the QQ source reaches the whole emulated catalog over 127.0.0.1", async (t) => {
  // the emulation's clock moves a little on every read: well under its rate limit
  let clock = T0;
  const emulation = createEmulation({ size: "test", now: () => (clock += 5) });
  await using server = serveEmulation(emulation);
  const stats = (await (await fetch(`${server.url}/_emulation/stats`)).json())
    .qq;
  const config = await (await fetch(`${server.url}/_emulation/config`)).json();
  const accounts: Record<string, QqAccount> = config.platforms.qq.accounts;
  const sourceOf = async (account?: QqAccount): Promise<Source> =>
    (await createSources({
      emulation: server.url,
      platforms: ["qq"],
      ratePerSecond: 0,
      sleep: () => Promise.resolve(),
      now: () => clock,
      ...(account
        ? { credentials: { qqUin: account.uin, qqMusicKey: account.key } }
        : {}),
    })).get("qq")!;
  const qq = await sourceOf();
  const world = emulation.worlds.qq;

  const playlists = new Map<string, PlaylistCandidate>();
  const charts = new Map<string, PlaylistCandidate>();
  await t.step("every category and its playlists", async () => {
    const pools = await qq.listPools("square");
    assert.equal(pools.length, stats.categories);
    assert.deepEqual(
      pools.map((p) => p.remoteKey).sort(),
      Array.from(
        { length: stats.categories },
        (_, i) => String(world.category(i).id),
      ).sort(),
    );
    for (const pool of pools) {
      for await (const playlist of qq.listPlaylists(pool)) {
        playlists.set(playlist.remoteId, playlist);
      }
    }
    assert.equal(playlists.size, stats.playlists);
  });

  await t.step("every chart, with its period", async () => {
    const [pool] = await qq.listPools("toplist");
    for await (const chart of qq.listPlaylists(pool!)) {
      charts.set(chart.remoteId, chart);
    }
    assert.equal(charts.size, stats.charts);
    for (let i = 0; i < stats.charts; i++) {
      const chart = world.chart(i);
      const listed = charts.get(`chart:${chart.id}`);
      assert.ok(listed, `chart ${chart.id} is listed`);
      assert.equal(
        (listed.raw as { period: string }).period,
        chartPeriod(chart, clock),
      );
    }
  });

  const songs = new Map<string, SongInfo>();
  await t.step("every song, the 1,500-track playlist complete", async () => {
    let short = 0;
    for (const id of [...playlists.keys(), ...charts.keys()]) {
      const result = await qq.playlistSongs(id);
      // a declared total may count hidden songs no page holds
      assert.ok(result.songs.length <= result.declaredCount, id);
      if (result.songs.length < result.declaredCount) short++;
      for (const song of result.songs) songs.set(song.remoteId, song);
    }
    assert.equal(short, stats.shortLists);
    assert.ok(short > 0, "the emulation hid songs of some lists");
    const big = await qq.playlistSongs(String(world.playlist(0).id));
    assert.ok(big.declaredCount >= 1500);
    assert.equal(big.songs.length, 1500);
    assert.equal(songs.size, stats.songs);
    const count = (availability: string) =>
      [...songs.values()].filter((s) => s.availability === availability)
        .length;
    assert.equal(count("vip"), stats.vipOnly);
    assert.equal(count("unavailable"), stats.unavailable);
    const artists = new Set(
      [...songs.values()].flatMap((s) =>
        s.artists.flatMap((a) => a.remoteId ?? [])
      ),
    );
    assert.equal(artists.size, stats.artists);
  });

  await t.step(
    "offers for an anonymous and a VIP account differ as the tiers say",
    async () => {
      const vip = await sourceOf(accounts.vip);
      const levels = async (source: Source, song: SongInfo) =>
        (await collect(source.downloadOffers(song))).map((o) => o.level);
      const lossless = [...songs.values()].filter((s) =>
        s.availability === "available" && s.qualities[0]?.level === "F000"
      ).slice(0, 5);
      assert.equal(lossless.length, 5);
      for (const song of lossless) {
        assert.deepEqual(await levels(qq, song), ["M500", "C400"]);
        assert.deepEqual(await levels(vip, song), [
          "F000",
          "M800",
          "C600",
          "M500",
          "C400",
        ]);
      }
      const vipOnly = [...songs.values()].find((s) =>
        s.availability === "vip"
      )!;
      await assert.rejects(
        collect(qq.downloadOffers(vipOnly)),
        (error) => isSourceError(error, "vip"),
      );
      assert.ok((await levels(vip, vipOnly)).length > 0);
      const gone = [...songs.values()].find((s) =>
        s.availability === "unavailable"
      )!;
      await assert.rejects(
        collect(vip.downloadOffers(gone)),
        (error) => isSourceError(error, "unavailable"),
      );
    },
  );

  await t.step("an offer's URL serves its bytes with Range", async () => {
    const song = [...songs.values()].find((s) =>
      s.availability === "available"
    )!;
    const [offer] = await collect(qq.downloadOffers(song)) as DownloadOffer[];
    const response = await fetch(offer!.url, {
      headers: { ...offer!.headers, range: "bytes=0-2" },
    });
    assert.equal(response.status, 206);
    assert.equal(
      response.headers.get("content-range"),
      `bytes 0-2/${offer!.sizeBytes}`,
    );
    assert.deepEqual([...new Uint8Array(await response.arrayBuffer())], [
      0x49,
      0x44,
      0x33,
    ]);
  });
});
