import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Catalog } from "../../catalog/database.ts";
import { audioMd5 } from "../../emulation/audio.ts";
import {
  createEmulation,
  type PlatformStats,
} from "../../emulation/emulation.ts";
import { downloadsBeyondPlay } from "../../emulation/netease/_rights.ts";
import { serveEmulation } from "../../emulation/serve.ts";
import type { GenSong } from "../../emulation/world.ts";
import { createSources } from "../../sources/registry.ts";
import type { SongInfo } from "../../sources/types.ts";
import { fileSha256 } from "../_download_bed.ts";
import { runMain } from "../_spawn.ts";
import { Clock, seeded } from "./_helpers.ts";

Deno.test("every NetEase category, chart, playlist and song reaches the client over 127.0.0.1", async () => {
  const clock = new Clock();
  const emulation = createEmulation({ size: "test", now: clock.now });
  await using server = serveEmulation(emulation);
  const stats = (await (await fetch(`${server.url}/_emulation/stats`)).json())
    .netease as PlatformStats;
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
  let short = 0;
  for (const id of [...squareIds, ...chartIds]) {
    const result = await source.playlistSongs(id);
    // trackCount may count songs trackIds do not hold (hidden songs)
    assert.ok(result.songs.length <= result.declaredCount, `playlist ${id}`);
    if (result.songs.length < result.declaredCount) short++;
    biggest = Math.max(biggest, result.songs.length);
    for (const song of result.songs) songs.set(song.remoteId, song);
  }
  assert.equal(biggest, 3000);
  assert.equal(short, stats.shortLists);
  assert.ok(short > 0, "the emulation hid songs of some lists");
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

Deno.test("the download stage fetches a song whose dlLevel outweighs plLevel at the download endpoint's level", async () => {
  // 40 songs: two of them (21, 34) let anonymous download lossless but play exhigh
  const emulation = createEmulation({
    size: "tiny",
    seed: 5,
    shapes: { netease: { songs: 40 } },
    // the download endpoint answers: its refusals are client_test's
    behaviours: { neteaseDownloadRefused: 0 },
  });
  const world = emulation.worlds.netease;
  await using server = serveEmulation(emulation);
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-e2e-netease-" });
  try {
    const db = join(dir, "catalog.db");
    const common = [
      "--db",
      db,
      "--emulation",
      server.url,
      "--source",
      "netease",
    ];
    for (
      const stage of [
        ["collect", "--limit", "0"],
        ["sync"],
        // the bytes are compared with the body as served: no tags
        [
          "download",
          "--library",
          join(dir, "library"),
          "--min-free",
          "0",
          "--no-tags",
          "--no-cover",
          "--no-lyrics",
        ],
      ]
    ) {
      const run = await runMain([...stage, ...common]);
      assert.equal(run.code, 0, run.stderr);
    }
    using catalog = Catalog.open(db, { readOnly: true });
    const rows = catalog.all<
      {
        remote_song_id: string;
        raw_json: string;
        state: string;
        achieved_quality: string | null;
        platform_quality: string | null;
        md5: string | null;
        sha256: string | null;
        path: string | null;
      }
    >(
      `SELECT s.remote_song_id, s.raw_json, t.state, t.achieved_quality,
         a.platform_quality, a.md5, a.sha256, f.path
       FROM songs s JOIN download_tasks t ON t.song_id = s.id
       LEFT JOIN file_assets a ON a.song_id = s.id
       LEFT JOIN files f ON f.file_asset_id = a.id
       WHERE s.platform = 'netease'`,
    );
    assert.equal(rows.length, world.shape.songs);
    const byId = new Map<number, GenSong>();
    for (let i = 0; i < world.shape.songs; i++) {
      byId.set(world.song(i).id, world.song(i));
    }
    const expected = (song: GenSong): [string, string | null] => {
      if (song.access === "unavailable") return ["unavailable", null];
      if (song.access === "vip") return ["vip_only", null];
      if (song.access === "hq_vip") return ["done", "128k"];
      // the player stops at exhigh; download/url/v1 gives lossless
      if (downloadsBeyondPlay(world, song.index)) return ["done", "lossless"];
      return ["done", song.tiers[0]!.label];
    };
    let beyond = 0;
    for (const row of rows) {
      const song = byId.get(Number(row.remote_song_id))!;
      assert.deepEqual(
        [row.state, row.achieved_quality],
        expected(song),
        `song ${song.id} (${song.access})`,
      );
      if (!downloadsBeyondPlay(world, song.index)) continue;
      beyond++;
      const privilege = JSON.parse(row.raw_json).privilege;
      assert.deepEqual([privilege.plLevel, privilege.dlLevel], [
        "exhigh",
        "lossless",
      ]);
      assert.equal(row.platform_quality, "lossless");
      const tier = song.tiers.find((t) => t.label === "lossless")!;
      const md5 = audioMd5({
        key: `netease:${song.id}:lossless`,
        container: "flac",
        sizeBytes: tier.sizeBytes,
      });
      assert.equal(row.md5, md5);
      assert.ok(row.path?.endsWith(".flac"), row.path ?? "no file");
      const bytes = await Deno.readFile(row.path!);
      assert.equal(bytes.length, tier.sizeBytes);
      assert.equal(createHash("md5").update(bytes).digest("hex"), md5);
      assert.equal(await fileSha256(row.path!), row.sha256);
    }
    assert.equal(beyond, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
