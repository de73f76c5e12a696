import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Catalog } from "../catalog/database.ts";
import { LATEST_VERSION, migrate, MIGRATIONS } from "../catalog/migrations.ts";
import {
  linkPoolPlaylist,
  refreshArtistPool,
  upsertPool,
} from "../catalog/pools.ts";
import { replacePlaylistSongs, upsertPlaylist } from "../catalog/playlists.ts";
import { replaceSongArtists, upsertArtist } from "../catalog/artists.ts";
import {
  prepareSong,
  SONG_COLUMNS,
  songInfoFromRow,
  type SongRow,
  upsertSong,
  writeSong,
} from "../catalog/songs.ts";
import type {
  PlaylistCandidate,
  PoolCandidate,
  SongInfo,
} from "../sources/types.ts";

const NOW = Date.UTC(2026, 10, 25);

function song(id: string, overrides: Partial<SongInfo> = {}): SongInfo {
  return {
    platform: "netease",
    remoteId: id,
    title: `Song ${id}`,
    artists: [{ remoteId: "1", name: "Artist" }],
    artistNames: "Artist",
    album: { remoteId: "9", name: "Album" },
    durationMs: 200_000,
    qualities: [{ label: "320k", level: "exhigh", sizeBytes: 8_000_000 }],
    availability: "available",
    raw: { id: Number(id) },
    ...overrides,
  };
}

const POOL: PoolCandidate = {
  platform: "netease",
  kind: "square",
  remoteKey: "华语",
  name: "华语",
  group: "语种",
};

const PLAYLIST: PlaylistCandidate = {
  platform: "netease",
  remoteId: "3778678",
  name: "热歌榜",
  trackCount: 2,
  tags: ["华语"],
  raw: { id: 3778678 },
};

/** Names, kinds and SQL of every schema object, for comparisons. */
function schemaOf(
  catalog: Catalog,
): Array<{ type: string; name: string; sql: string | null }> {
  return catalog.all<{ type: string; name: string; sql: string | null }>(
    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
  );
}

/** The columns of a table, as `PRAGMA table_xinfo` lists them. */
function columnsOf(catalog: Catalog, table: string): string[] {
  return catalog.all<
    { name: string; type: string; notnull: number; dflt_value: string | null }
  >(
    `PRAGMA table_xinfo(${table})`,
  ).map((c) => `${c.name} ${c.type} ${c.notnull} ${c.dflt_value}`);
}

Deno.test("Catalog.open() creates the full schema in an empty file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    using catalog = Catalog.open(join(dir, "catalog.db"));
    assert.equal(catalog.schemaVersion, LATEST_VERSION);
    const tables = catalog.all<{ name: string; strict: number }>(
      "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    assert.deepEqual(tables.map((t) => t.name), [
      "artist_pools",
      "artist_songs",
      "artists",
      "covers",
      "download_tasks",
      "file_assets",
      "file_locations",
      "playlist_pools",
      "playlist_songs",
      "playlists",
      "pool_artists",
      "pool_playlists",
      "replicate_tasks",
      "schema_migrations",
      "song_lyrics",
      "songs",
      "storage_backends",
    ]);
    assert.ok(tables.every((t) => t.strict === 1), "every table is STRICT");
    assert.equal(
      catalog.get<{ journal_mode: string }>("PRAGMA journal_mode")
        ?.journal_mode,
      "wal",
    );
    assert.equal(
      catalog.get<{ page_size: number }>("PRAGMA page_size")?.page_size,
      16384,
    );
    assert.equal(
      catalog.get<{ foreign_keys: number }>("PRAGMA foreign_keys")
        ?.foreign_keys,
      1,
    );
    assert.ok(
      catalog.get<{ timeout: number }>("PRAGMA busy_timeout")!.timeout >= 1000,
    );
    assert.deepEqual(
      catalog.all<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY version",
      )
        .map((r) => r.version),
      MIGRATIONS.map((m) => m.version),
    );
    // the view of stored files exists and is queryable
    assert.deepEqual(catalog.all("SELECT * FROM files"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the schema enforces natural keys, foreign keys and checks", () => {
  using catalog = Catalog.open(":memory:");
  upsertSong(catalog, song("1"), NOW);
  assert.throws(
    () =>
      catalog.run(
        `INSERT INTO songs (platform, remote_song_id, name, artist_names, availability, qualities,
           raw_json, first_seen_at, updated_at) VALUES ('netease', '1', 'x', 'y', 'available', '[]', '{}', 0, 0)`,
      ),
    /UNIQUE/,
  );
  assert.throws(
    () =>
      catalog.run(
        "INSERT INTO playlist_songs (playlist_id, position, song_id) VALUES (999, 0, 1)",
      ),
    /FOREIGN KEY/,
  );
  assert.throws(
    () =>
      upsertSong(catalog, song("2", { availability: "maybe" as "vip" }), NOW),
    /CHECK/,
  );
  assert.throws(
    () =>
      upsertSong(catalog, { ...song("3"), platform: "spotify" as "qq" }, NOW),
    /CHECK/,
  );
  // two artists may not share a remote id; two name-only artists may not share a match key
  catalog.run(
    `INSERT INTO artists (platform, remote_artist_id, name, match_key, first_seen_at, updated_at)
     VALUES ('qq', 'A', 'x', 'x', 0, 0)`,
  );
  assert.throws(
    () =>
      catalog.run(
        `INSERT INTO artists (platform, remote_artist_id, name, match_key, first_seen_at, updated_at)
         VALUES ('qq', 'A', 'y', 'y', 0, 0)`,
      ),
    /UNIQUE/,
  );
  // only one active backend per kind
  catalog.run(
    `INSERT INTO storage_backends (kind, name, container_name, is_active, created_at, updated_at)
     VALUES ('local', 'a', '/a', 1, 0, 0)`,
  );
  assert.throws(
    () =>
      catalog.run(
        `INSERT INTO storage_backends (kind, name, container_name, is_active, created_at, updated_at)
         VALUES ('local', 'b', '/b', 1, 0, 0)`,
      ),
    /UNIQUE/,
  );
});

Deno.test("migrate() brings every earlier version to the same schema as a fresh catalog, keeping data", async (t) => {
  using fresh = Catalog.open(":memory:");
  const expected = schemaOf(fresh);
  // every version a catalog can be at (the numbers may have gaps)
  const versions = [0, ...MIGRATIONS.map((m) => m.version)].slice(0, -1);
  for (const start of versions) {
    await t.step(`from version ${start}`, () => {
      using catalog = Catalog.open(":memory:", { migrateTo: start });
      assert.equal(catalog.schemaVersion, start);
      if (start >= 1) {
        // data written at this version survives the upgrade
        catalog.run(
          `INSERT INTO songs (platform, remote_song_id, name, artist_names, availability, qualities,
             raw_json, first_seen_at, updated_at) VALUES ('kuwo', '42', 'old', 'a', 'available', '[]', '{}', 1, 1)`,
        );
        catalog.run(
          `INSERT INTO artists (platform, remote_artist_id, name, match_key, first_seen_at, updated_at)
           VALUES ('kuwo', NULL, 'Name Only', 'name only', 1, 1), ('kuwo', '7', 'With Id', 'with id', 1, 1)`,
        );
        catalog.run(
          `INSERT INTO artist_songs (artist_id, song_id, credit_order)
           SELECT a.id, s.id, a.id - 1 FROM artists a, songs s`,
        );
      }
      const result = migrate(catalog);
      assert.equal(result.from, start);
      assert.equal(result.to, LATEST_VERSION);
      assert.equal(
        result.applied.length,
        MIGRATIONS.filter((m) => m.version > start).length,
      );
      assert.deepEqual(schemaOf(catalog), expected);
      for (
        const table of [
          "songs",
          "artists",
          "artist_songs",
          "download_tasks",
          "file_locations",
        ]
      ) {
        assert.deepEqual(columnsOf(catalog, table), columnsOf(fresh, table));
      }
      if (start >= 1) {
        assert.equal(
          catalog.get<{ name: string }>(
            "SELECT name FROM songs WHERE remote_song_id = '42'",
          )?.name,
          "old",
        );
        assert.deepEqual(
          catalog.all<{ name: string; enrich_status: string }>(
            "SELECT name, enrich_status FROM artists ORDER BY id",
          ).map((r) => ({ ...r })),
          [
            // rows from before v3 are marked skipped by the v3 migration
            {
              name: "Name Only",
              enrich_status: start < 3 ? "skipped" : "pending",
            },
            { name: "With Id", enrich_status: "pending" },
          ],
        );
        assert.deepEqual(
          catalog.all<{ name: string; credit_order: number }>(
            `SELECT a.name, x.credit_order FROM artist_songs x JOIN artists a ON a.id = x.artist_id
             ORDER BY x.credit_order`,
          ).map((r) => ({ ...r })),
          [{ name: "Name Only", credit_order: 0 }, {
            name: "With Id",
            credit_order: 1,
          }],
        );
      }
      // migrating again is a no-op
      assert.deepEqual(migrate(catalog).applied, []);
    });
  }
});

Deno.test("migration 7 adds the lease holder's host, pid and start to download tasks, keeping the leases", () => {
  using catalog = Catalog.open(":memory:", { migrateTo: 6 });
  upsertSong(catalog, song("1"), NOW);
  catalog.run(
    `INSERT INTO download_tasks (song_id, state, lease_owner, lease_until, created_at, updated_at)
     SELECT id, 'running', 'old-run', 99, 1, 1 FROM songs`,
  );
  migrate(catalog, 7);
  const task = catalog.get<Record<string, unknown>>(
    "SELECT state, lease_owner, lease_until, lease_host, lease_pid, lease_started FROM download_tasks",
  );
  assert.deepEqual({ ...task }, {
    state: "running",
    lease_owner: "old-run",
    lease_until: 99,
    lease_host: null,
    lease_pid: null,
    lease_started: null,
  });
});

Deno.test("Catalog.open() refuses a catalog from a newer version", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "future.db");
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    assert.throws(() => Catalog.open(path), /newer catalogsync/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("transaction() commits on return, rolls back on throw, nests with savepoints", () => {
  using catalog = Catalog.open(":memory:");
  const count = () =>
    catalog.get<{ n: number }>("SELECT count(*) AS n FROM songs")!.n;
  catalog.transaction(() => upsertSong(catalog, song("1"), NOW));
  assert.equal(count(), 1);
  assert.throws(() =>
    catalog.transaction(() => {
      upsertSong(catalog, song("2"), NOW);
      throw new Error("boom");
    }), /boom/);
  assert.equal(count(), 1);
  catalog.immediate(() => {
    upsertSong(catalog, song("3"), NOW);
    assert.throws(() =>
      catalog.transaction(() => {
        upsertSong(catalog, song("4"), NOW);
        throw new Error("inner");
      })
    );
    assert.equal(catalog.inTransaction, true);
  });
  assert.deepEqual(
    catalog.all<{ remote_song_id: string }>(
      "SELECT remote_song_id FROM songs ORDER BY 1",
    ).map((r) => r.remote_song_id),
    ["1", "3"],
  );
  assert.equal(catalog.inTransaction, false);
});

Deno.test("transaction() refuses an async function and rolls back", () => {
  using catalog = Catalog.open(":memory:");
  assert.throws(
    () =>
      catalog.transaction(async () => {
        upsertSong(catalog, song("1"), NOW);
        await Promise.resolve();
      }),
    TypeError,
  );
  assert.equal(
    catalog.get<{ n: number }>("SELECT count(*) AS n FROM songs")!.n,
    0,
  );
  assert.equal(catalog.inTransaction, false);
});

Deno.test("immediate() takes the write lock: a second connection waits, then fails after its busy timeout", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "c.db");
    using first = Catalog.open(path);
    using second = Catalog.open(path, { busyTimeoutMs: 50 });
    first.exec("BEGIN IMMEDIATE");
    assert.throws(
      () => second.immediate(() => upsertSong(second, song("1"), NOW)),
      /locked|busy/i,
    );
    first.exec("COMMIT");
    second.immediate(() => upsertSong(second, song("1"), NOW));
    assert.equal(
      first.get<{ n: number }>("SELECT count(*) AS n FROM songs")!.n,
      1,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("upsertSong() is idempotent and moves updated_at only on change", () => {
  using catalog = Catalog.open(":memory:");
  const id = upsertSong(catalog, song("1"), NOW);
  const before = catalog.get<Record<string, unknown>>(
    "SELECT * FROM songs WHERE id = ?",
    id,
  );
  assert.equal(upsertSong(catalog, song("1"), NOW + 1000), id);
  assert.deepEqual(catalog.get("SELECT * FROM songs WHERE id = ?", id), before);
  assert.equal(
    upsertSong(catalog, song("1", { title: "Renamed" }), NOW + 2000),
    id,
  );
  const after = catalog.get<
    { name: string; updated_at: number; first_seen_at: number }
  >(
    "SELECT name, updated_at, first_seen_at FROM songs WHERE id = ?",
    id,
  )!;
  assert.deepEqual({ ...after }, {
    name: "Renamed",
    updated_at: NOW + 2000,
    first_seen_at: NOW,
  });
  assert.equal(
    catalog.get<{ n: number }>("SELECT count(*) AS n FROM songs")!.n,
    1,
  );
});

Deno.test("songInfoFromRow() gives back what the source produced (but artists)", () => {
  using catalog = Catalog.open(":memory:");
  const original = song("5", {
    raw: { id: 5, privilege: { maxBrLevel: "lossless" } },
  });
  const id = upsertSong(catalog, original, NOW);
  const row = catalog.get<SongRow>(
    `SELECT ${SONG_COLUMNS} FROM songs WHERE id = ?`,
    id,
  )!;
  assert.deepEqual(songInfoFromRow(row), { ...original, artists: [] });
});

Deno.test("upsertPool(), upsertPlaylist() and linkPoolPlaylist() are idempotent and keep history", () => {
  using catalog = Catalog.open(":memory:");
  const pool = upsertPool(catalog, POOL, NOW);
  const playlist = upsertPlaylist(catalog, PLAYLIST, NOW);
  linkPoolPlaylist(catalog, pool, playlist, 0, NOW);
  const snapshot = () => ({
    pools: catalog.all("SELECT * FROM playlist_pools"),
    playlists: catalog.all("SELECT * FROM playlists"),
    links: catalog.all("SELECT * FROM pool_playlists"),
  });
  const first = snapshot();
  assert.equal(upsertPool(catalog, POOL, NOW), pool);
  assert.equal(upsertPlaylist(catalog, PLAYLIST, NOW), playlist);
  linkPoolPlaylist(catalog, pool, playlist, 0, NOW);
  assert.deepEqual(snapshot(), first);
  // seen again later at another position: position and last_seen_at move, first_seen_at stays
  linkPoolPlaylist(catalog, pool, playlist, 3, NOW + 5000);
  assert.deepEqual(
    {
      ...catalog.get<Record<string, number>>(
        "SELECT position, first_seen_at, last_seen_at FROM pool_playlists",
      ),
    },
    { position: 3, first_seen_at: NOW, last_seen_at: NOW + 5000 },
  );
  // a candidate without optional fields keeps what the catalog knew
  upsertPlaylist(catalog, {
    platform: "netease",
    remoteId: "3778678",
    name: "热歌榜",
    raw: null,
  }, NOW + 1);
  assert.equal(
    catalog.get<{ track_count: number }>("SELECT track_count FROM playlists")
      ?.track_count,
    2,
  );
});

Deno.test("upsertArtist() never duplicates an artist by id or by normalized name", () => {
  using catalog = Catalog.open(":memory:");
  const a = upsertArtist(catalog, "qq", { name: "  ＤＪ Ｍｉｋａ " }, NOW);
  assert.equal(a.created, true);
  // the same name, spelt differently: the same row
  assert.deepEqual(upsertArtist(catalog, "qq", { name: "dj   mika" }, NOW), {
    id: a.id,
    created: false,
  });
  // an id arrives for that name: the name-only row is upgraded, not duplicated
  assert.deepEqual(
    upsertArtist(catalog, "qq", { name: "DJ Mika", remoteId: "M1" }, NOW),
    {
      id: a.id,
      created: false,
    },
  );
  assert.equal(
    catalog.get<{ remote_artist_id: string }>(
      "SELECT remote_artist_id FROM artists WHERE id = ?",
      a.id,
    )
      ?.remote_artist_id,
    "M1",
  );
  // name-only credits now resolve to the row with the id
  assert.equal(upsertArtist(catalog, "qq", { name: "DJ MIKA" }, NOW).id, a.id);
  // a homonym with another id is another artist
  const homonym = upsertArtist(catalog, "qq", {
    name: "DJ Mika",
    remoteId: "M2",
  }, NOW);
  assert.notEqual(homonym.id, a.id);
  assert.equal(homonym.created, true);
  // the same id renamed: renamed in place
  assert.equal(
    upsertArtist(catalog, "qq", { name: "DJ Mika 2", remoteId: "M2" }, NOW).id,
    homonym.id,
  );
  // other platforms are separate
  assert.notEqual(
    upsertArtist(catalog, "kuwo", { name: "DJ Mika" }, NOW).id,
    a.id,
  );
  assert.equal(
    catalog.get<{ n: number }>("SELECT count(*) AS n FROM artists")!.n,
    3,
  );
});

Deno.test("replacePlaylistSongs() and replaceSongArtists() write only on change", () => {
  using catalog = Catalog.open(":memory:");
  const playlist = upsertPlaylist(catalog, PLAYLIST, NOW);
  const s1 = upsertSong(catalog, song("1"), NOW);
  const s2 = upsertSong(catalog, song("2"), NOW);
  assert.equal(replacePlaylistSongs(catalog, playlist, [s1, s2]), true);
  assert.equal(replacePlaylistSongs(catalog, playlist, [s1, s2]), false);
  assert.equal(replacePlaylistSongs(catalog, playlist, [s2, s1, s2]), true);
  assert.deepEqual(
    catalog.all<{ song_id: number }>(
      "SELECT song_id FROM playlist_songs ORDER BY position",
    ).map((r) => r.song_id),
    [s2, s1, s2],
  );
  const a1 =
    upsertArtist(catalog, "netease", { name: "A", remoteId: "1" }, NOW).id;
  const a2 =
    upsertArtist(catalog, "netease", { name: "B", remoteId: "2" }, NOW).id;
  assert.equal(replaceSongArtists(catalog, s1, [a1, a2, a1]), true);
  assert.equal(replaceSongArtists(catalog, s1, [a1, a2]), false);
  assert.deepEqual(
    catalog.all<{ artist_id: number }>(
      "SELECT artist_id FROM artist_songs WHERE song_id = ? ORDER BY credit_order",
      s1,
    )
      .map((r) => r.artist_id),
    [a1, a2],
  );
});

Deno.test("refreshArtistPool() counts each artist's distinct songs across the pool's playlists", () => {
  using catalog = Catalog.open(":memory:");
  const pool = upsertPool(catalog, POOL, NOW);
  const p1 = upsertPlaylist(catalog, PLAYLIST, NOW);
  const p2 = upsertPlaylist(catalog, { ...PLAYLIST, remoteId: "2" }, NOW);
  linkPoolPlaylist(catalog, pool, p1, 0, NOW);
  linkPoolPlaylist(catalog, pool, p2, 1, NOW);
  const [s1, s2, s3] = ["1", "2", "3"].map((id) =>
    upsertSong(catalog, song(id), NOW)
  );
  const a =
    upsertArtist(catalog, "netease", { name: "A", remoteId: "1" }, NOW).id;
  const b = upsertArtist(catalog, "netease", { name: "B" }, NOW).id;
  replaceSongArtists(catalog, s1!, [a]);
  replaceSongArtists(catalog, s2!, [a, b]);
  replaceSongArtists(catalog, s3!, [b]);
  replacePlaylistSongs(catalog, p1, [s1!, s2!]);
  replacePlaylistSongs(catalog, p2, [s2!, s3!]); // s2 is in both playlists: counted once
  assert.equal(refreshArtistPool(catalog, pool, NOW), 2);
  assert.deepEqual(
    catalog.all<{ name: string; song_count: number }>(
      `SELECT a.name, pa.song_count FROM pool_artists pa JOIN artists a ON a.id = pa.artist_id ORDER BY a.name`,
    ).map((r) => ({ ...r })),
    [{ name: "A", song_count: 2 }, { name: "B", song_count: 2 }],
  );
  const artistPool = catalog.get<
    { derived_from_pool_id: number; name: string }
  >(
    "SELECT derived_from_pool_id, name FROM artist_pools",
  );
  assert.deepEqual({ ...artistPool }, {
    derived_from_pool_id: pool,
    name: "华语",
  });
  // refreshing twice gives the same rows
  refreshArtistPool(catalog, pool, NOW);
  assert.equal(
    catalog.get<{ n: number }>("SELECT count(*) AS n FROM artist_pools")!.n,
    1,
  );
  assert.equal(
    catalog.get<{ n: number }>("SELECT count(*) AS n FROM pool_artists")!.n,
    2,
  );
});

Deno.test("upsertArtist() forgets ids a rolled-back transaction wrote", () => {
  using catalog = Catalog.open(":memory:");
  assert.throws(() =>
    catalog.transaction(() => {
      upsertArtist(catalog, "qq", { name: "Ghost", remoteId: "G" }, NOW);
      upsertArtist(catalog, "qq", { name: "Ghost Name Only" }, NOW);
      throw new Error("rolled back");
    })
  );
  // the rows are gone; the ids must not be served from memory
  const again = upsertArtist(
    catalog,
    "qq",
    { name: "Ghost", remoteId: "G" },
    NOW,
  );
  assert.equal(again.created, true);
  assert.ok(catalog.get("SELECT id FROM artists WHERE id = ?", again.id));
  const nameOnly = upsertArtist(
    catalog,
    "qq",
    { name: "Ghost Name Only" },
    NOW,
  );
  assert.equal(nameOnly.created, true);
  assert.equal(
    catalog.get<{ n: number }>("SELECT count(*) AS n FROM artists")!.n,
    2,
  );
});

Deno.test("writeSong() takes a song prepared before the transaction and writes the same row", () => {
  using direct = Catalog.open(":memory:");
  using prepared = Catalog.open(":memory:");
  const songs = [song("7"), song("8", { availability: "vip" })];
  const ready = songs.map((s) => prepareSong(s));
  for (let i = 0; i < songs.length; i++) {
    assert.deepEqual(
      prepared.transaction(() => writeSong(prepared, ready[i]!, NOW)),
      writeSong(direct, songs[i]!, NOW),
    );
  }
  const rows = (catalog: Catalog) =>
    catalog.all<SongRow>("SELECT * FROM songs ORDER BY id").map((r) => ({
      ...r,
    }));
  assert.equal(rows(prepared).length, 2);
  assert.deepEqual(rows(prepared), rows(direct));
  // a prepared song is a snapshot: writing it again changes nothing
  const again = prepared.transaction(() =>
    writeSong(prepared, ready[0]!, NOW + 1)
  );
  assert.equal(again.created, false);
  assert.deepEqual(rows(prepared), rows(direct));
});

Deno.test("writeSong() inserts once, rewrites only on change, and says which", () => {
  using catalog = Catalog.open(":memory:");
  const first = writeSong(catalog, song("7"), NOW);
  assert.equal(first.created, true);
  const changes = () =>
    catalog.get<{ n: number }>("SELECT total_changes() AS n")!.n;
  const before = changes();
  assert.deepEqual(writeSong(catalog, song("7"), NOW + 1), {
    id: first.id,
    created: false,
  });
  assert.equal(changes(), before, "an unchanged song is not written");
  assert.deepEqual(
    writeSong(catalog, song("7", { availability: "vip" }), NOW + 2),
    {
      id: first.id,
      created: false,
    },
  );
  assert.equal(changes(), before + 1);
  assert.equal(
    catalog.get<{ updated_at: number }>(
      "SELECT updated_at FROM songs WHERE id = ?",
      first.id,
    )?.updated_at,
    NOW + 2,
  );
});
