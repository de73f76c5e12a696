/**
 * End to end: the emulation served on 127.0.0.1, the CLI spawned as a user
 * runs it, the catalog compared with what the emulation holds.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { serveEmulation } from "../emulation/serve.ts";
import { LIST_POOLS } from "../sources/registry.ts";
import type { Platform } from "../sources/types.ts";
import { runMain, spawnMain } from "./_spawn.ts";

/** The platforms under test. */
const PLATFORMS: Platform[] = ["netease", "qq", "kuwo"];

/** The flags every command of a test run takes. */
function target(
  db: string,
  emulation: string,
  platforms: readonly Platform[],
): string[] {
  return [
    "--db",
    db,
    "--emulation",
    emulation,
    "--source",
    platforms.join(","),
  ];
}

function count(catalog: Catalog, sql: string, ...params: string[]): number {
  return catalog.get<{ n: number }>(sql, ...params)!.n;
}

Deno.test("collect and sync through the CLI mirror every category, chart, playlist and song the emulation holds", async () => {
  const emulation = createEmulation({ size: "test", seed: 3 });
  await using server = serveEmulation(emulation);
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-e2e-" });
  try {
    const db = join(dir, "catalog.db");
    const common = target(db, server.url, PLATFORMS);
    const collected = await runMain(["collect", "--limit", "0", ...common]);
    assert.equal(collected.code, 0, collected.stderr);
    assert.match(collected.stdout, /^collect ok:/);
    const synced = await runMain(["sync", ...common, "--json"]);
    assert.equal(synced.code, 0, synced.stderr);
    const summary = JSON.parse(synced.stdout);
    assert.equal(summary.status, "ok");
    const stats = emulation.stats();
    // lists whose declared totals count hidden songs are synced with what
    // their pages hold, declared and resolved recorded side by side
    for (const platform of PLATFORMS) {
      const mismatches = summary.mismatches.filter((
        m: { platform: string },
      ) => m.platform === platform);
      assert.equal(mismatches.length, stats[platform].shortLists, platform);
      assert.ok(stats[platform].shortLists > 0, `${platform} hides songs`);
      for (const m of mismatches) assert.ok(m.resolved < m.declared);
    }

    using catalog = Catalog.open(db, { readOnly: true });
    for (const platform of PLATFORMS) {
      const s = stats[platform];
      const extras = LIST_POOLS[platform];
      assert.equal(
        count(
          catalog,
          "SELECT count(*) AS n FROM playlist_pools WHERE platform = ? AND kind = 'square'",
          platform,
        ),
        s.categories + extras.length,
        `${platform} categories`,
      );
      assert.equal(
        count(
          catalog,
          `SELECT count(DISTINCT pp.playlist_id) AS n FROM pool_playlists pp
           JOIN playlist_pools p ON p.id = pp.pool_id WHERE p.platform = ? AND p.kind = 'toplist'`,
          platform,
        ),
        s.charts,
        `${platform} charts`,
      );
      assert.equal(
        count(
          catalog,
          "SELECT count(*) AS n FROM playlists WHERE platform = ?",
          platform,
        ),
        s.playlists + s.charts,
        `${platform} playlists`,
      );
      assert.equal(
        count(
          catalog,
          "SELECT count(*) AS n FROM playlists WHERE platform = ? AND synced_at IS NULL",
          platform,
        ),
        0,
      );
      assert.equal(
        count(
          catalog,
          "SELECT count(*) AS n FROM songs WHERE platform = ?",
          platform,
        ),
        s.songs,
        `${platform} songs`,
      );
      assert.equal(
        count(
          catalog,
          "SELECT count(*) AS n FROM songs WHERE platform = ? AND availability = 'vip'",
          platform,
        ),
        s.vipOnly,
        `${platform} VIP-only songs`,
      );
      assert.equal(
        count(
          catalog,
          "SELECT count(*) AS n FROM songs WHERE platform = ? AND availability = 'unavailable'",
          platform,
        ),
        s.unavailable,
        `${platform} unavailable songs`,
      );
      // the largest playlist is complete (its declared total may count
      // hidden songs besides)
      const big = emulation.worlds[platform].shape.bigPlaylistTracks;
      const largest = catalog.get<
        { track_count: number; resolved_count: number; songs: number }
      >(
        `SELECT p.track_count, p.resolved_count,
           (SELECT count(*) FROM playlist_songs ps WHERE ps.playlist_id = p.id) AS songs
         FROM playlists p WHERE platform = ? ORDER BY resolved_count DESC LIMIT 1`,
        platform,
      )!;
      assert.deepEqual({
        resolved_count: largest.resolved_count,
        songs: largest.songs,
      }, {
        resolved_count: big,
        songs: big,
      }, `${platform} largest playlist`);
      assert.ok(largest.track_count >= big);
      // declared and resolved differ exactly for the lists with hidden songs
      assert.equal(
        count(
          catalog,
          "SELECT count(*) AS n FROM playlists WHERE platform = ? AND resolved_count < track_count",
          platform,
        ),
        stats[platform].shortLists,
        `${platform} declared vs resolved`,
      );
      // every artist credited, and a derived artist pool per playlist pool
      assert.equal(
        count(
          catalog,
          "SELECT count(*) AS n FROM songs s WHERE platform = ? AND NOT EXISTS (SELECT 1 FROM artist_songs a WHERE a.song_id = s.id)",
          platform,
        ),
        0,
        `${platform} songs without artists`,
      );
      assert.equal(
        count(
          catalog,
          "SELECT count(*) AS n FROM artist_pools WHERE platform = ?",
          platform,
        ),
        count(
          catalog,
          "SELECT count(*) AS n FROM playlist_pools WHERE platform = ?",
          platform,
        ),
      );
    }
    // a second collect and sync change nothing
    const before = catalog.all("SELECT * FROM songs ORDER BY id");
    assert.equal(
      (await runMain(["collect", "--limit", "0", ...common])).code,
      0,
    );
    const again = await runMain(["sync", ...common, "--json"]);
    assert.equal(JSON.parse(again.stdout).selected, 0);
    assert.deepEqual(catalog.all("SELECT * FROM songs ORDER BY id"), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Invariants a catalog must keep whatever moment a sync was killed at. */
function assertConsistent(catalog: Catalog): void {
  assert.equal(
    catalog.get<{ integrity_check: string }>("PRAGMA integrity_check")
      ?.integrity_check,
    "ok",
  );
  assert.deepEqual(catalog.all("PRAGMA foreign_key_check"), []);
  const broken = catalog.all<{ id: number }>(
    `SELECT p.id FROM playlists p
     WHERE (p.synced_at IS NOT NULL AND p.resolved_count IS NOT
              (SELECT count(*) FROM playlist_songs ps WHERE ps.playlist_id = p.id))
        OR (p.synced_at IS NULL AND EXISTS (SELECT 1 FROM playlist_songs ps WHERE ps.playlist_id = p.id))`,
  );
  assert.deepEqual(
    broken,
    [],
    "every playlist is either fully synced or untouched",
  );
  assert.equal(
    count(
      catalog,
      "SELECT count(*) AS n FROM songs s WHERE NOT EXISTS (SELECT 1 FROM artist_songs a WHERE a.song_id = s.id)",
    ),
    0,
    "no song without its artists",
  );
}

Deno.test("a sync killed mid-way leaves a consistent catalog, and a rerun completes it", async () => {
  const emulation = createEmulation({ size: "test", seed: 5 });
  await using server = serveEmulation(emulation);
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-kill-" });
  try {
    const db = join(dir, "catalog.db");
    const common = target(db, server.url, ["netease", "qq"]);
    assert.equal(
      (await runMain(["collect", "--limit", "0", ...common])).code,
      0,
    );
    using reader = Catalog.open(db, { readOnly: true });
    const total = count(reader, "SELECT count(*) AS n FROM playlists");
    const synced = () =>
      count(
        reader,
        "SELECT count(*) AS n FROM playlists WHERE synced_at IS NOT NULL",
      );

    // slow answers so that the kill lands while playlists are being written
    emulation.faults.setRates({ latencyMs: 15 });
    for (const target of [2, 9, 20]) {
      const child = spawnMain(["sync", "--concurrency", "3", ...common]);
      const deadline = Date.now() + 60_000;
      while (synced() < Math.min(target, total - 1) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      child.kill("SIGKILL");
      const status = await child.status;
      await child.stdout.cancel();
      await child.stderr.cancel();
      assert.equal(status.signal, "SIGKILL", "killed, not finished");
      assertConsistent(reader);
      assert.ok(synced() < total, "the kill landed before the end");
    }

    emulation.faults.setRates({});
    const rerun = await runMain(["sync", ...common, "--json"]);
    assert.equal(rerun.code, 0, rerun.stderr);
    const summary = JSON.parse(rerun.stdout);
    assert.ok(
      summary.selected < total,
      "the rerun redid only unfinished playlists",
    );
    assertConsistent(reader);
    assert.equal(synced(), total);
    const stats = emulation.stats();
    assert.equal(
      count(reader, "SELECT count(*) AS n FROM songs"),
      stats.netease.songs + stats.qq.songs,
    );
    assert.equal(
      count(
        reader,
        "SELECT count(*) AS n FROM playlist_pools WHERE artists_dirty = 1",
      ),
      0,
    );

    // the same catalog as a run that was never interrupted
    const cleanDb = join(dir, "clean.db");
    const clean = target(cleanDb, server.url, ["netease", "qq"]);
    assert.equal(
      (await runMain(["collect", "--limit", "0", ...clean])).code,
      0,
    );
    assert.equal((await runMain(["sync", ...clean])).code, 0);
    using cleanCatalog = Catalog.open(cleanDb, { readOnly: true });
    // artists compared by match key: a name-only artist keeps the spelling
    // sync saw first, and the kills change the order playlists are synced in
    const view = (c: Catalog) => ({
      tracks: c.all(
        `SELECT p.platform, p.remote_playlist_id, ps.position, s.remote_song_id FROM playlist_songs ps
         JOIN playlists p ON p.id = ps.playlist_id JOIN songs s ON s.id = ps.song_id ORDER BY 1, 2, 3`,
      ),
      credits: c.all(
        `SELECT s.platform, s.remote_song_id, a.remote_artist_id, a.match_key, x.credit_order FROM artist_songs x
         JOIN songs s ON s.id = x.song_id JOIN artists a ON a.id = x.artist_id ORDER BY 1, 2, 5`,
      ),
      pools: c.all(
        `SELECT p.platform, p.kind, p.remote_key, a.remote_artist_id, a.match_key, pa.song_count FROM pool_artists pa
         JOIN artist_pools ap ON ap.id = pa.artist_pool_id JOIN playlist_pools p ON p.id = ap.derived_from_pool_id
         JOIN artists a ON a.id = pa.artist_id ORDER BY 1, 2, 3, 4, 5`,
      ),
    });
    assert.deepEqual(view(reader), view(cleanCatalog));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
