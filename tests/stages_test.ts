import assert from "node:assert/strict";
import { Catalog } from "../catalog/database.ts";
import { SourceError } from "../sources/errors.ts";
import type { Platform, Source } from "../sources/types.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { enrich } from "../tasks/enrich.ts";
import type { DiscoveredArtist, SyncedSong } from "../tasks/hooks.ts";
import { status } from "../tasks/status.ts";
import { sync } from "../tasks/sync.ts";
import { memoryUi } from "../tasks/ui.ts";
import { fakeSong, FakeSource, smallCatalog } from "./_fake_source.ts";

function clock(start = Date.UTC(2026, 10, 25)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function setup(platforms: Platform[] = ["netease"]) {
  const catalog = Catalog.open(":memory:");
  const fakes = new Map(
    platforms.map((p) => [p, new FakeSource(p, smallCatalog(p))]),
  );
  const time = clock();
  const ui = memoryUi();
  const context = createContext({
    catalog,
    sources: fakes as Map<Platform, Source>,
    now: time.now,
    log: ui.log,
    progress: ui.progress,
  });
  return {
    catalog,
    fakes,
    time,
    ui,
    context,
    [Symbol.dispose]: () => catalog.close(),
  };
}

const count = (catalog: Catalog, sql: string, ...params: string[]) =>
  catalog.get<{ n: number }>(sql, ...params)!.n;

Deno.test("collect() upserts pools, playlists and links; a second run adds nothing twice", async () => {
  using t = setup();
  const first = await collect(t.context, { limit: 0 });
  assert.equal(first.status, "ok");
  assert.equal(first.pools, 3);
  assert.equal(first.listed, 5);
  assert.equal(first.newPlaylists, 4);
  assert.equal(count(t.catalog, "SELECT count(*) AS n FROM playlist_pools"), 3);
  assert.equal(count(t.catalog, "SELECT count(*) AS n FROM playlists"), 4);
  assert.equal(count(t.catalog, "SELECT count(*) AS n FROM pool_playlists"), 5);
  assert.deepEqual(
    t.catalog.all<{ kind: string; remote_key: string; name: string }>(
      "SELECT kind, remote_key, name FROM playlist_pools ORDER BY id",
    ).map((r) => ({ ...r })),
    [
      { kind: "square", remote_key: "c1", name: "华语" },
      { kind: "square", remote_key: "c2", name: "摇滚" },
      { kind: "toplist", remote_key: "toplist", name: "Charts" },
    ],
  );
  const snapshot = () => t.catalog.all("SELECT * FROM playlists ORDER BY id");
  const playlists = snapshot();
  t.time.advance(60_000);
  const second = await collect(t.context, { limit: 0 });
  assert.equal(second.newPlaylists, 0);
  assert.deepEqual(snapshot(), playlists, "playlists unchanged");
  assert.equal(count(t.catalog, "SELECT count(*) AS n FROM pool_playlists"), 5);
  const seen = t.catalog.all<{ first_seen_at: number; last_seen_at: number }>(
    "SELECT first_seen_at, last_seen_at FROM pool_playlists",
  );
  assert.ok(
    seen.every((r) => r.last_seen_at === r.first_seen_at + 60_000),
    "last_seen_at moved",
  );
});

Deno.test("collect() keeps the history of a playlist that left a pool", async () => {
  using t = setup();
  await collect(t.context, { limit: 0 });
  const fake = t.fakes.get("netease")!;
  fake.data.playlists.c1 = fake.data.playlists.c1!.filter((p) =>
    p.remoteId !== "p1"
  );
  t.time.advance(1000);
  await collect(t.context, { limit: 0 });
  const link = t.catalog.get<{ first_seen_at: number; last_seen_at: number }>(
    `SELECT pp.first_seen_at, pp.last_seen_at FROM pool_playlists pp
     JOIN playlists p ON p.id = pp.playlist_id WHERE p.remote_playlist_id = 'p1'`,
  )!;
  assert.equal(
    link.first_seen_at,
    link.last_seen_at,
    "not seen again, but still linked",
  );
});

Deno.test("collect() honours --pool, --category and --limit, and reports unknown categories", async () => {
  using t = setup();
  const summary = await collect(t.context, {
    pools: ["square"],
    categories: ["摇滚", "Nope"],
    limit: 1,
  });
  assert.deepEqual(
    t.catalog.all<{ remote_playlist_id: string }>(
      "SELECT remote_playlist_id FROM playlists",
    ).map((r) => r.remote_playlist_id),
    ["p2"],
  );
  assert.deepEqual(summary.unmatchedCategories, ["Nope"]);
  assert.ok(
    t.ui.lines.some((l) => l.includes("no square category named 'Nope'")),
  );
  assert.ok(!t.fakes.get("netease")!.calls.includes("listPools:toplist"));
});

Deno.test("collect(): one platform failing does not stop the others, and the run is partial", async () => {
  using t = setup(["netease", "qq", "kuwo"]);
  t.fakes.get("qq")!.failures.set(
    "listPools:square",
    new SourceError("qq: risk control", { platform: "qq", kind: "antibot" }),
  );
  // kuwo's second category breaks half-way: what was listed before is kept
  t.fakes.get("kuwo")!.failAfter.set("c2", {
    count: 1,
    error: new SourceError('kuwo: expected JSON, got "<html>"', {
      platform: "kuwo",
      kind: "malformed",
    }),
  });
  const summary = await collect(t.context, { limit: 0 });
  assert.equal(summary.status, "partial");
  assert.match(summary.platforms.qq!.error!, /risk control/);
  assert.equal(summary.platforms.netease!.error, undefined);
  assert.equal(summary.platforms.kuwo!.poolErrors.length, 1);
  assert.equal(
    count(
      t.catalog,
      "SELECT count(*) AS n FROM playlists WHERE platform = 'netease'",
    ),
    4,
  );
  assert.equal(
    count(
      t.catalog,
      "SELECT count(*) AS n FROM playlists WHERE platform = 'qq'",
    ),
    0,
  );
  // kuwo: c1 (p1, p2), c2 first item (p2 again), then the toplist pool still ran
  assert.equal(
    count(
      t.catalog,
      "SELECT count(*) AS n FROM playlists WHERE platform = 'kuwo'",
    ),
    3,
  );
  assert.ok(t.fakes.get("kuwo")!.calls.includes("listPlaylists:toplist"));
});

Deno.test("sync() writes songs, playlist songs, artists and derived artist pools", async () => {
  using t = setup();
  await collect(t.context, { limit: 0 });
  const summary = await sync(t.context);
  assert.equal(summary.status, "ok");
  assert.equal(summary.selected, 4);
  assert.equal(summary.synced, 4);
  assert.equal(summary.newSongs, 4);
  assert.equal(count(t.catalog, "SELECT count(*) AS n FROM songs"), 4);
  assert.deepEqual(
    t.catalog.all<{ remote_song_id: string }>(
      `SELECT s.remote_song_id FROM playlist_songs ps JOIN songs s ON s.id = ps.song_id
       JOIN playlists p ON p.id = ps.playlist_id WHERE p.remote_playlist_id = 'p2' ORDER BY ps.position`,
    ).map((r) => r.remote_song_id),
    ["s2", "s3", "s4"],
  );
  // "DJ Mika" (name-only on s3) and "ＤＪ Ｍｉｋａ" (s4) are one artist
  assert.deepEqual(
    t.catalog.all<{ name: string; remote_artist_id: string | null }>(
      "SELECT name, remote_artist_id FROM artists ORDER BY id",
    ).map((r) => ({ ...r })),
    [
      { name: "周杰伦", remote_artist_id: "a1" },
      { name: "费玉清", remote_artist_id: "a2" },
      { name: "林俊杰", remote_artist_id: "a3" },
      { name: "DJ Mika", remote_artist_id: null },
    ],
  );
  assert.equal(summary.newArtists, 4);
  // derived pool of 华语 (p1, p2): 周杰伦 on s1, s2; DJ Mika on s3, s4
  const derived = (pool: string) =>
    t.catalog.all<{ name: string; song_count: number }>(
      `SELECT a.name, pa.song_count FROM pool_artists pa
       JOIN artist_pools ap ON ap.id = pa.artist_pool_id
       JOIN playlist_pools pp ON pp.id = ap.derived_from_pool_id
       JOIN artists a ON a.id = pa.artist_id
       WHERE pp.remote_key = ? ORDER BY a.name`,
      pool,
    ).map((r) => `${r.name}:${r.song_count}`);
  assert.deepEqual(derived("c1"), [
    "DJ Mika:2",
    "周杰伦:2",
    "林俊杰:1",
    "费玉清:1",
  ]);
  assert.deepEqual(derived("c2"), [
    "DJ Mika:2",
    "周杰伦:1",
    "林俊杰:1",
    "费玉清:1",
  ]);
  assert.deepEqual(derived("toplist"), ["DJ Mika:1", "周杰伦:1", "林俊杰:1"]);
  assert.equal(
    count(
      t.catalog,
      "SELECT count(*) AS n FROM playlist_pools WHERE artists_dirty = 1",
    ),
    0,
  );
  assert.equal(
    count(
      t.catalog,
      "SELECT count(*) AS n FROM playlists WHERE synced_at IS NOT NULL AND resolved_count = track_count",
    ),
    4,
  );
});

Deno.test("sync() twice gives the same rows, and a rerun selects only unsynced playlists", async () => {
  using t = setup();
  await collect(t.context, { limit: 0 });
  await sync(t.context);
  const tables = [
    "songs",
    "artists",
    "artist_songs",
    "playlist_songs",
    "artist_pools",
    "pool_artists",
  ];
  const snapshot = () =>
    Object.fromEntries(
      tables.map((table) => [
        table,
        t.catalog.all(`SELECT * FROM ${table} ORDER BY 1, 2`).map((row) => {
          const { refreshed_at: _r, ...rest } = row as Record<string, unknown>;
          return rest;
        }),
      ]),
    );
  const before = snapshot();
  const nothing = await sync(t.context);
  assert.equal(nothing.selected, 0);
  t.time.advance(3_600_000);
  const again = await sync(t.context, { staleMs: 60_000 });
  assert.equal(again.synced, 4);
  assert.equal(again.newSongs, 0);
  assert.equal(again.newArtists, 0);
  assert.equal(
    again.artistPoolsRefreshed,
    0,
    "nothing changed, nothing to refresh",
  );
  assert.deepEqual(snapshot(), before);
});

Deno.test("sync() splits a singer string on the platform's separators when there are no credits", async () => {
  using t = setup(["kuwo"]);
  const fake = t.fakes.get("kuwo")!;
  fake.data.songs.p1 = {
    declaredCount: 2,
    songs: [
      fakeSong("kuwo", "k1", [], { artists: [], artistNames: "周杰伦&费玉清" }),
      fakeSong("kuwo", "k2", [], {
        artists: [],
        artistNames: "费玉清 feat. 林俊杰",
      }),
    ],
  };
  await collect(t.context, { limit: 0 });
  await sync(t.context, { playlists: [{ platform: "kuwo", remoteId: "p1" }] });
  assert.deepEqual(
    t.catalog.all<{ title: string; artist: string }>(
      `SELECT s.remote_song_id AS title, a.name AS artist FROM artist_songs x
       JOIN songs s ON s.id = x.song_id JOIN artists a ON a.id = x.artist_id
       ORDER BY s.remote_song_id, x.credit_order`,
    ).map((r) => `${r.title}:${r.artist}`),
    ["k1:周杰伦", "k1:费玉清", "k2:费玉清", "k2:林俊杰"],
  );
});

Deno.test("sync() reports a playlist whose resolved count differs from the declared one", async () => {
  using t = setup();
  t.fakes.get("netease")!.data.songs.p2!.declaredCount = 5;
  await collect(t.context, { limit: 0 });
  const summary = await sync(t.context);
  assert.deepEqual(summary.mismatches, [
    {
      platform: "netease",
      remoteId: "p2",
      name: "Playlist p2",
      declared: 5,
      resolved: 3,
    },
  ]);
  assert.ok(
    t.ui.lines.some((l) => l.includes("declares 5 tracks, resolved 3")),
  );
  assert.equal(
    (await status(t.context)).platforms.netease.playlists.countMismatch,
    1,
  );
});

Deno.test("sync(): a failing playlist is recorded and retried by the next run; the rest is synced", async () => {
  using t = setup();
  const fake = t.fakes.get("netease")!;
  fake.failures.set(
    "playlistSongs:p2",
    new SourceError("netease: 登录后才可查看", {
      platform: "netease",
      kind: "login",
      code: 20001,
    }),
  );
  await collect(t.context, { limit: 0 });
  const first = await sync(t.context);
  assert.equal(first.status, "partial");
  assert.equal(first.synced, 3);
  assert.equal(first.failed, 1);
  assert.match(
    t.catalog.get<{ sync_error: string }>(
      "SELECT sync_error FROM playlists WHERE remote_playlist_id = 'p2'",
    )!
      .sync_error,
    /登录后才可查看/,
  );
  fake.failures.clear();
  fake.calls.length = 0;
  const second = await sync(t.context);
  assert.equal(second.status, "ok");
  assert.deepEqual(fake.calls, ["playlistSongs:p2"]);
  assert.equal(
    t.catalog.get<{ sync_error: string | null }>(
      "SELECT sync_error FROM playlists WHERE remote_playlist_id = 'p2'",
    )!
      .sync_error,
    null,
  );
});

Deno.test("sync(): risk control stops that platform only", async () => {
  using t = setup(["netease", "qq"]);
  const fake = t.fakes.get("netease")!;
  for (const id of ["p1", "p2", "p3", "chart:1"]) {
    fake.failures.set(
      `playlistSongs:${id}`,
      new SourceError("netease: Cheating (code -460)", {
        platform: "netease",
        kind: "antibot",
        code: -460,
      }),
    );
  }
  await collect(t.context, { limit: 0 });
  const summary = await sync(t.context, { concurrency: 1 });
  assert.equal(summary.status, "partial");
  assert.match(summary.platformErrors.netease!, /Cheating/);
  assert.equal(
    fake.calls.filter((c) => c.startsWith("playlistSongs")).length,
    1,
    "stopped after the first",
  );
  assert.equal(
    count(
      t.catalog,
      "SELECT count(*) AS n FROM playlists WHERE platform = 'qq' AND synced_at IS NOT NULL",
    ),
    4,
  );
});

Deno.test("sync() runs hooks after each playlist commits; a failing hook does not stop it", async () => {
  using t = setup();
  const discovered: DiscoveredArtist[] = [];
  const synced: SyncedSong[] = [];
  let calls = 0;
  t.context.hooks = {
    onArtistDiscovered(artist) {
      // the artist row is committed when the hook runs
      assert.ok(
        t.catalog.get("SELECT id FROM artists WHERE id = ?", artist.id),
      );
      discovered.push(artist);
    },
    onSongSynced: (song) => {
      synced.push(song);
    },
    onPlaylistSynced: () => {
      calls++;
      if (calls === 1) throw new Error("hook bug");
    },
  };
  await collect(t.context, { limit: 0 });
  const summary = await sync(t.context, { concurrency: 1 });
  assert.equal(summary.synced, 4);
  assert.deepEqual(discovered.map((a) => a.name).sort(), [
    "DJ Mika",
    "周杰伦",
    "林俊杰",
    "费玉清",
  ]);
  assert.equal(
    discovered.find((a) => a.name === "DJ Mika")!.remoteId,
    undefined,
  );
  assert.equal(synced.length, 2 + 3 + 1 + 2);
  assert.equal(calls, 4);
  assert.ok(t.ui.lines.some((l) => l.includes("a sync hook failed: hook bug")));
});

Deno.test("sync --playlist adds and syncs a playlist collect never saw", async () => {
  using t = setup();
  t.fakes.get("netease")!.data.songs.p9 = {
    playlist: {
      platform: "netease",
      remoteId: "p9",
      name: "Private mix",
      trackCount: 1,
      raw: {},
    },
    declaredCount: 1,
    songs: [fakeSong("netease", "s9", [["Solo", "a9"]])],
  };
  const summary = await sync(t.context, {
    playlists: [{ platform: "netease", remoteId: "p9" }],
  });
  assert.equal(summary.synced, 1);
  assert.deepEqual(
    {
      ...t.catalog.get<Record<string, unknown>>(
        "SELECT name, track_count, resolved_count FROM playlists WHERE remote_playlist_id = 'p9'",
      ),
    },
    { name: "Private mix", track_count: 1, resolved_count: 1 },
  );
});

Deno.test("enrich() fills artists with remote ids, records failures, skips name-only artists", async () => {
  using t = setup();
  await collect(t.context, { limit: 0 });
  await sync(t.context);
  const summary = await enrich(t.context, { limit: 10 });
  assert.equal(summary.selected, 3, "a1, a2, a3; DJ Mika has no id");
  assert.equal(summary.enriched, 2);
  assert.equal(summary.failed, 1);
  assert.equal(summary.status, "partial");
  const rows = t.catalog.all<
    { name: string; enrich_status: string; enrich_json: string | null }
  >(
    "SELECT name, enrich_status, enrich_json FROM artists ORDER BY id",
  );
  assert.deepEqual(rows.map((r) => r.enrich_status), [
    "done",
    "done",
    "failed",
    "skipped",
  ]);
  assert.equal(JSON.parse(rows[0]!.enrich_json!).description, "Jay");
  // a second run has nothing left but the failure, which it retries only when asked
  assert.equal((await enrich(t.context)).selected, 0);
  assert.equal((await enrich(t.context, { retryFailed: true })).selected, 1);
  const counts = (await status(t.context)).platforms.netease.artists;
  assert.deepEqual(counts, {
    total: 4,
    withRemoteId: 3,
    enriched: 2,
    enrichPending: 0,
  });
});

Deno.test("status() counts per platform and table", async () => {
  using t = setup(["netease", "kuwo"]);
  await collect(t.context, { limit: 0 });
  await sync(t.context, { platforms: ["netease"] });
  const summary = await status(t.context);
  assert.equal(summary.tables.songs, 4);
  assert.deepEqual(summary.platforms.netease.pools, { square: 2, toplist: 1 });
  assert.deepEqual(summary.platforms.netease.playlists, {
    total: 4,
    synced: 4,
    unsynced: 0,
    failed: 0,
    countMismatch: 0,
  });
  assert.deepEqual(summary.platforms.netease.songs, {
    total: 4,
    vip: 2 - 1,
    unavailable: 0,
  });
  assert.equal(summary.platforms.kuwo.playlists.unsynced, 4);
  assert.equal(summary.platforms.netease.artistPools.total, 3);
});
