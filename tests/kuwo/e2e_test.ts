import assert from "node:assert/strict";
import {
  createEmulation,
  type PlatformStats,
} from "../../emulation/emulation.ts";
import { serveEmulation } from "../../emulation/serve.ts";
import { isSourceError } from "../../sources/errors.ts";
import type { Fetch } from "../../sources/http.ts";
import type { PlaylistCandidate, SongInfo } from "../../sources/types.ts";
import { Clock, kuwoSource } from "./_helpers.ts";

Deno.test("the Kuwo source reaches every tag, chart, playlist and song of the emulation over 127.0.0.1", async () => {
  const clock = new Clock();
  const emulation = createEmulation({ size: "test", now: clock.now });
  await using server = serveEmulation(emulation);

  let homeVisits = 0;
  let refusals = 0;
  const counting: Fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(new Request(input).url);
    if (/^\/www\.kuwo\.cn\/?$/.test(url.pathname)) homeVisits++;
    if (url.pathname.startsWith("/www.kuwo.cn/api/")) {
      const body = await response.clone().text();
      if (body.includes("The request is illegal!")) refusals++;
    }
    return response;
  };
  const source = await kuwoSource(counting, clock, { origin: server.url });
  const stats = (await (await fetch(`${server.url}/_emulation/stats`)).json())
    .kuwo as PlatformStats;

  // collect: every tag of the square and every chart
  const squarePools = await source.listPools("square");
  const tags = squarePools.filter((p) => p.remoteKey !== "rcm");
  assert.equal(tags.length, stats.categories);
  const playlists = new Map<string, PlaylistCandidate>();
  for (const pool of tags) {
    for await (const playlist of source.listPlaylists(pool)) {
      playlists.set(playlist.remoteId, playlist);
    }
  }
  assert.equal(playlists.size, stats.playlists);
  const recommended = squarePools.find((p) => p.remoteKey === "rcm")!;
  const rcm = await Array.fromAsync(source.listPlaylists(recommended));
  assert.deepEqual(
    rcm.map((p) => p.remoteId).sort(),
    [...playlists.keys()].sort(),
  );
  const [toplist] = await source.listPools("toplist");
  const charts = await Array.fromAsync(source.listPlaylists(toplist!));
  assert.equal(charts.length, stats.charts);
  assert.ok(charts.every((c) => c.remoteId.startsWith("chart:")));

  // sync: every song of every playlist and chart, the clock running on so
  // that cookies expire under the client (the emulator keeps them 20 min)
  const songs = new Map<string, SongInfo>();
  let biggest = { songs: 0, unique: 0 };
  let short = 0;
  for (const id of [...playlists.keys(), ...charts.map((c) => c.remoteId)]) {
    clock.advance(3);
    const result = await source.playlistSongs(id);
    // a declared total may count hidden songs no page holds
    assert.ok(result.songs.length <= result.declaredCount, id);
    if (result.songs.length < result.declaredCount) short++;
    const unique = new Set(result.songs.map((s) => s.remoteId)).size;
    if (result.songs.length > biggest.songs) {
      biggest = { songs: result.songs.length, unique };
    }
    for (const song of result.songs) songs.set(song.remoteId, song);
  }
  assert.deepEqual(biggest, { songs: 1200, unique: 1200 });
  assert.equal(short, stats.shortLists);
  assert.ok(short > 0, "the emulation hid songs of some lists");
  assert.equal(songs.size, stats.songs);
  const all = [...songs.values()];
  assert.equal(
    all.filter((s) => s.availability === "vip").length,
    stats.vipOnly,
  );
  assert.equal(
    all.filter((s) => s.availability === "unavailable").length,
    stats.unavailable,
  );
  assert.ok(homeVisits >= 3, `home page visits: ${homeVisits}`);
  assert.ok(refusals >= 1, "no refusal: the reactive refresh never ran");

  // download offers: every VIP-only and unavailable song, and a sample of
  // the others; a preview stub is never taken for the song
  let offered = 0;
  for (const [i, song] of all.entries()) {
    if (song.availability === "available" && i % 15 !== 0) continue;
    try {
      for await (const offer of source.downloadOffers(song)) {
        assert.equal(song.availability, "available", song.remoteId);
        assert.equal(offer.songRemoteId, song.remoteId);
        assert.ok((offer.bitrateKbps ?? 0) >= 128);
        assert.ok(offer.sizeBytes! > 0, "probed");
        assert.ok(offer.expiresAt! > clock.ms);
        offered++;
        break;
      }
    } catch (error) {
      assert.ok(isSourceError(error, "vip", "unavailable"), String(error));
      assert.equal(error.kind, song.availability, song.remoteId);
    }
  }
  assert.ok(offered > 100, `offers: ${offered}`);

  // the KuwoDES path against the same server, and artist details
  const des = await kuwoSource(counting, clock, {
    origin: server.url,
    offerPath: "des",
  });
  const free = all.filter((s) => s.availability === "available").slice(0, 5);
  for (const song of free) {
    const offers = await Array.fromAsync(des.downloadOffers(song));
    assert.ok(offers.length > 0);
    // asked by format (no br inside the KuwoDES query): the best mp3 last
    assert.equal(offers.at(-1)!.extension, "mp3");
  }
  const paid = all.find((s) => s.availability === "vip")!;
  await assert.rejects(
    Array.fromAsync(des.downloadOffers(paid)),
    (error) => isSourceError(error, "vip"),
  );
  for (const song of free) {
    const lead = song.artists[0]!;
    const detail = await source.artistDetail(lead.remoteId!);
    assert.equal(detail.name, lead.name);
  }
});
