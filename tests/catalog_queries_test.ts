import assert from "node:assert/strict";
import { Catalog } from "../catalog/database.ts";
import {
  claimTask,
  downloadCandidates,
  planTask,
  recordDownload,
  taskOf,
} from "../catalog/download_tasks.ts";
import { migrate, type MigrationTarget } from "../catalog/migrations.ts";
import {
  ensurePlaylist,
  findPlaylist,
  findSyncedPlaylist,
  markPlaylistSynced,
  playlistsToSync,
  recordTrackCount,
  replacePlaylistSongs,
  syncedPlaylists,
  upsertPlaylist,
} from "../catalog/playlists.ts";
import { linkPoolPlaylist, upsertPool } from "../catalog/pools.ts";
import { songById, upsertSong } from "../catalog/songs.ts";
import { countOnPlatforms } from "../catalog/status.ts";
import {
  activateLocalBackend,
  type AssetRecord,
  playlistFiles,
} from "../catalog/storage.ts";
import type { Platform, SongInfo } from "../sources/types.ts";

const NOW = Date.UTC(2026, 10, 25);

function song(platform: Platform, id: string): SongInfo {
  return {
    platform,
    remoteId: id,
    title: `Song ${id}`,
    artists: [],
    artistNames: "Artist",
    durationMs: 200_000,
    qualities: [],
    availability: "available",
    raw: null,
  };
}

function playlist(catalog: Catalog, platform: Platform, id: string): number {
  return upsertPlaylist(catalog, {
    platform,
    remoteId: id,
    name: `List ${id}`,
    raw: null,
  }, NOW);
}

function asset(songId: number): AssetRecord {
  return {
    songId,
    quality: "320k",
    platformQuality: "exhigh",
    extension: "mp3",
    sizeBytes: 1000,
    sha256: "a".repeat(64),
    md5: undefined,
    bitrateKbps: 320,
  };
}

/** Two platforms, a square pool holding one NetEase playlist, three songs. */
function smallCatalog() {
  const catalog = Catalog.open(":memory:");
  const square = playlist(catalog, "netease", "1");
  const other = playlist(catalog, "netease", "2");
  const qq = playlist(catalog, "qq", "3");
  const pool = upsertPool(catalog, {
    platform: "netease",
    kind: "square",
    remoteKey: "华语",
    name: "华语",
  }, NOW);
  linkPoolPlaylist(catalog, pool, square, 0, NOW);
  const a = upsertSong(catalog, song("netease", "10"), NOW);
  const b = upsertSong(catalog, song("netease", "11"), NOW);
  const c = upsertSong(catalog, song("qq", "12"), NOW);
  replacePlaylistSongs(catalog, square, [b, a]);
  replacePlaylistSongs(catalog, other, [b]);
  replacePlaylistSongs(catalog, qq, [c]);
  return { catalog, square, other, qq, songs: { a, b, c } };
}

Deno.test("playlistsToSync() selects unsynced playlists, stale ones on request, by pool kind, up to a limit", () => {
  const { catalog, square, other, qq } = smallCatalog();
  using _ = catalog;
  const ids = (filter: Partial<Parameters<typeof playlistsToSync>[1]>) =>
    playlistsToSync(catalog, {
      platforms: ["netease", "qq"],
      pools: [],
      syncedBefore: undefined,
      limit: 0,
      ...filter,
    }).map((p) => p.id);
  assert.deepEqual(ids({}), [square, other, qq]);
  assert.deepEqual(ids({ platforms: ["qq"] }), [qq]);
  assert.deepEqual(ids({ pools: ["square"] }), [square]);
  assert.deepEqual(ids({ pools: ["toplist"] }), []);
  assert.deepEqual(ids({ limit: 2 }), [square, other]);
  markPlaylistSynced(catalog, square, 2, NOW);
  assert.deepEqual(ids({}), [other, qq]);
  assert.deepEqual(ids({ syncedBefore: NOW }), [other, qq]);
  assert.deepEqual(ids({ syncedBefore: NOW + 1 }), [square, other, qq]);
});

Deno.test("findSyncedPlaylist() and syncedPlaylists() see only synced playlists", () => {
  const { catalog, square, qq } = smallCatalog();
  using _ = catalog;
  assert.equal(findSyncedPlaylist(catalog, "netease", "1"), undefined);
  assert.equal(findPlaylist(catalog, "netease", "1")?.id, square);
  markPlaylistSynced(catalog, square, 2, NOW);
  markPlaylistSynced(catalog, qq, 1, NOW);
  assert.equal(findSyncedPlaylist(catalog, "netease", "1")?.id, square);
  assert.deepEqual(
    syncedPlaylists(catalog, ["netease", "qq"]).map((p) => p.id),
    [square, qq],
  );
  assert.deepEqual(syncedPlaylists(catalog, ["qq"]).map((p) => p.id), [qq]);
});

Deno.test("ensurePlaylist() returns a known playlist and adds an unknown one under its remote id", () => {
  const { catalog, square } = smallCatalog();
  using _ = catalog;
  assert.equal(
    ensurePlaylist(catalog, { platform: "netease", remoteId: "1" }, NOW).id,
    square,
  );
  const added = ensurePlaylist(
    catalog,
    { platform: "kuwo", remoteId: "77" },
    NOW,
  );
  assert.equal(added.name, "77");
  assert.equal(added.synced_at, null);
  assert.equal(findPlaylist(catalog, "kuwo", "77")?.id, added.id);
  assert.equal(
    ensurePlaylist(catalog, { platform: "kuwo", remoteId: "77" }, NOW).id,
    added.id,
  );
});

Deno.test("recordTrackCount() and countOnPlatforms() keep to their playlist and platforms", () => {
  const { catalog, square } = smallCatalog();
  using _ = catalog;
  recordTrackCount(catalog, square, 5);
  assert.equal(findPlaylist(catalog, "netease", "1")?.track_count, 5);
  assert.equal(findPlaylist(catalog, "netease", "2")?.track_count, null);
  assert.equal(countOnPlatforms(catalog, "songs", ["netease"]), 2);
  assert.equal(countOnPlatforms(catalog, "songs", ["netease", "qq"]), 3);
  assert.equal(countOnPlatforms(catalog, "artists", ["netease"]), 0);
});

Deno.test("downloadCandidates() selects by platform, playlist and pool kind, with each task's state", () => {
  const { catalog, songs } = smallCatalog();
  using _ = catalog;
  const ids = (selection: Partial<Parameters<typeof downloadCandidates>[1]>) =>
    downloadCandidates(catalog, {
      platforms: ["netease", "qq"],
      playlists: [],
      pools: [],
      ...selection,
    }).map((c) => c.id);
  assert.deepEqual(ids({}), [songs.a, songs.b, songs.c]);
  assert.deepEqual(ids({ platforms: ["qq"] }), [songs.c]);
  assert.deepEqual(
    ids({ playlists: [{ platform: "netease", remoteId: "2" }] }),
    [songs.b],
  );
  assert.deepEqual(ids({ pools: ["square"] }), [songs.a, songs.b]);
  planTask(catalog, songs.a, "best", [], NOW);
  claimTask(catalog, songs.a, "me", "best", NOW, 1000);
  assert.deepEqual(
    downloadCandidates(catalog, {
      platforms: ["netease"],
      playlists: [],
      pools: [],
    }).map((c) => ({ ...c })),
    [
      {
        id: songs.a,
        platform: "netease",
        state: "running",
        leaseUntil: NOW + 1000,
        assetQuality: null,
      },
      {
        id: songs.b,
        platform: "netease",
        state: null,
        leaseUntil: null,
        assetQuality: null,
      },
    ],
  );
  assert.equal(songById(catalog, songs.c)?.remote_song_id, "12");
  assert.equal(songById(catalog, 999), undefined);
});

Deno.test("recordDownload() records the file and ends the task only while the lease is held, placing the file last", () => {
  const { catalog, square, songs } = smallCatalog();
  using _ = catalog;
  const backend = activateLocalBackend(catalog, "/library", NOW);
  const location = (locator: string) => ({
    backendId: backend.id,
    containerName: backend.container_name,
    locator,
  });
  planTask(catalog, songs.a, "best", [], NOW);
  claimTask(catalog, songs.a, "me", "best", NOW, 1000);
  // someone else's lease: nothing written, the file not placed
  let placed = 0;
  assert.equal(
    recordDownload(catalog, {
      owner: "other",
      asset: asset(songs.a),
      location: location("a.mp3"),
      now: NOW,
    }, () => placed++),
    false,
  );
  assert.equal(placed, 0);
  // a rename that fails rolls the records back
  assert.throws(
    () =>
      recordDownload(catalog, {
        owner: "me",
        asset: asset(songs.a),
        location: location("a.mp3"),
        now: NOW,
      }, () => {
        throw new Error("rename failed");
      }),
    /rename failed/,
  );
  assert.equal(taskOf(catalog, songs.a)?.state, "running");
  assert.equal(playlistFiles(catalog, square)[1]?.locator, null);
  assert.equal(
    recordDownload(catalog, {
      owner: "me",
      asset: asset(songs.a),
      location: location("a.mp3"),
      now: NOW,
    }, () => placed++),
    true,
  );
  assert.equal(placed, 1);
  assert.equal(taskOf(catalog, songs.a)?.state, "done");
  assert.equal(taskOf(catalog, songs.a)?.achieved_quality, "320k");
  // another song cannot take the same name, whatever its case
  planTask(catalog, songs.b, "best", [], NOW);
  claimTask(catalog, songs.b, "me", "best", NOW, 1000);
  assert.throws(
    () =>
      recordDownload(catalog, {
        owner: "me",
        asset: asset(songs.b),
        location: location("A.MP3"),
        now: NOW,
      }, () => placed++),
    /another song took that name/,
  );
  assert.equal(placed, 1);
});

Deno.test("playlistFiles() lists a playlist's songs in order, with their file's local location", () => {
  const { catalog, square, songs } = smallCatalog();
  using _ = catalog;
  const backend = activateLocalBackend(catalog, "/library", NOW);
  planTask(catalog, songs.a, "best", [], NOW);
  claimTask(catalog, songs.a, "me", "best", NOW, 1000);
  recordDownload(catalog, {
    owner: "me",
    asset: asset(songs.a),
    location: {
      backendId: backend.id,
      containerName: backend.container_name,
      locator: "netease/a.mp3",
    },
    now: NOW,
  }, () => {});
  assert.deepEqual(playlistFiles(catalog, square).map((f) => ({ ...f })), [
    {
      name: "Song 11",
      artist_names: "Artist",
      duration_ms: 200_000,
      container_name: null,
      locator: null,
      remote: 0,
    },
    {
      name: "Song 10",
      artist_names: "Artist",
      duration_ms: 200_000,
      container_name: "/library",
      locator: "netease/a.mp3",
      remote: 0,
    },
  ]);
});

Deno.test("migrate() needs only a MigrationTarget: any wrapper of the catalog will do", () => {
  using catalog = Catalog.open(":memory:", { migrateTo: 1 });
  const statements: string[] = [];
  const target: MigrationTarget = {
    path: catalog.path,
    get schemaVersion() {
      return catalog.schemaVersion;
    },
    exec: (sql) => {
      statements.push(sql);
      catalog.exec(sql);
    },
    run: (sql, ...params) => catalog.run(sql, ...params),
    immediate: (fn) => catalog.immediate(fn),
  };
  const result = migrate(target);
  assert.equal(result.from, 1);
  assert.equal(result.to, catalog.schemaVersion);
  assert.ok(statements.length >= 2 * result.applied.length);
});
