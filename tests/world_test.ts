import assert from "node:assert/strict";
import { createEmulation } from "../emulation/emulation.ts";
import {
  type GenChart,
  type GenPlaylist,
  World,
  WORLD_SIZES,
  type WorldShape,
  type WorldSize,
} from "../emulation/world.ts";

const SIZES = Object.keys(WORLD_SIZES) as WorldSize[];

/** Odd shapes the layout must still cover. */
const ODD_SHAPES: Record<string, Partial<WorldShape>> = {
  "one playlist": { songs: 50, playlists: 1, bigPlaylistTracks: 10 },
  "two playlists": { songs: 50, playlists: 2, minTracks: 3, maxTracks: 4 },
  "fewer songs than tracks": {
    songs: 3,
    playlists: 4,
    bigPlaylistTracks: 50,
    minTracks: 10,
    maxTracks: 20,
    minChartTracks: 10,
    maxChartTracks: 30,
  },
  "more playlists than songs": {
    songs: 5,
    playlists: 20,
    minTracks: 1,
    maxTracks: 2,
  },
  "a single song": { songs: 1, playlists: 3, artists: 1, charts: 2 },
  "prime song count, short playlists": {
    songs: 997,
    playlists: 7,
    minTracks: 1,
    maxTracks: 1,
    bigPlaylistTracks: 1,
  },
  "more artists than songs": {
    songs: 10,
    artists: 50,
    multiArtistPercent: 80,
  },
  "no charts": { songs: 20, charts: 0 },
};

/**
 * Every case to check the layout on: the presets and the odd shapes. Checks
 * that compute every song leave out `bench`: the 200,000-song test covers it.
 */
function cases(
  { withBench = true }: { withBench?: boolean } = {},
): Array<[string, World]> {
  const sizes = withBench ? SIZES : SIZES.filter((s) => s !== "bench");
  return [
    ...sizes.map((size): [string, World] => [
      size,
      new World({ seed: 3, shape: size }),
    ]),
    ...Object.entries(ODD_SHAPES).map(([name, shape]): [string, World] => [
      name,
      new World({ seed: 5, shape }),
    ]),
  ];
}

function tracks(list: GenPlaylist | GenChart): number[] {
  return Array.from({ length: list.trackCount }, (_, j) => list.track(j));
}

/** Everything a world generates, as plain data. */
function snapshot(world: World): unknown {
  const { shape } = world;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    songs: range(shape.songs).map((i) => world.song(i)),
    artists: range(shape.artists).map((i) => world.artist(i)),
    categories: range(shape.categories).map((i) => world.category(i)),
    categoryPlaylists: range(shape.categories).map((i) =>
      world.categoryPlaylists(i)
    ),
    playlists: range(shape.playlists).map((i) => {
      const { track: _track, ...rest } = world.playlist(i);
      return { ...rest, tracks: tracks(world.playlist(i)) };
    }),
    charts: range(shape.charts).map((i) => {
      const { track: _track, ...rest } = world.chart(i);
      return { ...rest, tracks: tracks(world.chart(i)) };
    }),
    stats: world.stats(),
    token: world.token(32, 1, 2),
  };
}

Deno.test("World gives identical records for the same seed", () => {
  const a = snapshot(new World({ seed: 7, shape: "demo" }));
  const b = snapshot(new World({ seed: 7, shape: "demo" }));
  assert.deepEqual(a, b);
});

Deno.test("World gives different records for a different seed", () => {
  const a = new World({ seed: 7, shape: "demo" });
  const b = new World({ seed: 8, shape: "demo" });
  assert.notDeepEqual(snapshot(a), snapshot(b));
  // not a near-copy: most songs differ in title or id
  let same = 0;
  for (let i = 0; i < a.shape.songs; i++) {
    if (a.song(i).title === b.song(i).title || a.song(i).id === b.song(i).id) {
      same++;
    }
  }
  assert.ok(same < a.shape.songs / 4, `${same} songs alike`);
  assert.notDeepEqual(tracks(a.playlist(1)), tracks(b.playlist(1)));
  assert.notEqual(a.token(32, 1), b.token(32, 1));
});

Deno.test("World playlists together hold every song", async (t) => {
  for (const [name, world] of cases()) {
    await t.step(name, () => {
      const seen = new Uint8Array(world.shape.songs);
      for (let p = 0; p < world.shape.playlists; p++) {
        for (const song of tracks(world.playlist(p))) seen[song] = 1;
      }
      const missing = seen.indexOf(0);
      assert.equal(missing, -1, `song ${missing} is in no playlist`);
    });
  }
});

Deno.test("World playlists and charts hold no song twice", async (t) => {
  for (const [name, world] of cases()) {
    await t.step(name, () => {
      const lists: Array<[string, GenPlaylist | GenChart]> = [];
      for (let p = 0; p < world.shape.playlists; p++) {
        lists.push([`playlist ${p}`, world.playlist(p)]);
      }
      for (let c = 0; c < world.shape.charts; c++) {
        lists.push([`chart ${c}`, world.chart(c)]);
      }
      for (const [label, list] of lists) {
        const songs = tracks(list);
        assert.ok(list.trackCount >= 1, `${label} is empty`);
        assert.ok(list.trackCount <= world.shape.songs, `${label} too long`);
        assert.equal(new Set(songs).size, songs.length, `${label} repeats`);
        for (const song of songs) {
          assert.ok(
            Number.isInteger(song) && song >= 0 &&
              song < world.shape.songs,
            `${label} holds song ${song}`,
          );
        }
      }
    });
  }
});

Deno.test("World playlist 0 has bigPlaylistTracks and is the largest", async (t) => {
  for (const size of SIZES) {
    await t.step(size, () => {
      const world = new World({ shape: size });
      const big = world.playlist(0).trackCount;
      assert.equal(big, WORLD_SIZES[size].bigPlaylistTracks);
      for (let p = 1; p < world.shape.playlists; p++) {
        assert.ok(world.playlist(p).trackCount < big, `playlist ${p}`);
      }
    });
  }
  await t.step("an override", () => {
    const world = new World({
      shape: "demo",
      overrides: { bigPlaylistTracks: 77 },
    });
    assert.equal(world.playlist(0).trackCount, 77);
  });
  await t.step("clamped to the songs there are", () => {
    const world = new World({ shape: ODD_SHAPES["fewer songs than tracks"]! });
    assert.equal(world.playlist(0).trackCount, 3);
  });
  await t.step("the emulation's test size, per platform", () => {
    const { worlds } = createEmulation({ size: "test" });
    assert.equal(worlds.netease.playlist(0).trackCount, 3000);
    assert.equal(worlds.qq.playlist(0).trackCount, 1500);
    assert.equal(worlds.kuwo.playlist(0).trackCount, 1200);
  });
});

Deno.test("World stats() match a brute-force count", async (t) => {
  for (const [name, world] of cases({ withBench: false })) {
    await t.step(name, () => {
      const { shape } = world;
      let vipOnly = 0;
      let unavailable = 0;
      const artists = new Set<number>();
      for (let i = 0; i < shape.songs; i++) {
        const song = world.song(i);
        if (song.access === "vip") vipOnly++;
        if (song.access === "unavailable") unavailable++;
        for (const artist of song.artists) artists.add(artist.index);
      }
      assert.deepEqual(world.stats(), {
        categories: shape.categories,
        charts: shape.charts,
        playlists: shape.playlists,
        songs: shape.songs,
        artists: artists.size,
        vipOnly,
        unavailable,
      });
    });
  }
  await t.step("the demo world has some of each access", () => {
    const world = new World({ shape: "demo" });
    const accesses = new Set(
      Array.from({ length: 240 }, (_, i) => world.song(i).access),
    );
    assert.deepEqual([...accesses].sort(), [
      "free",
      "hq_vip",
      "unavailable",
      "vip",
    ]);
    assert.ok(world.stats().vipOnly > 0 && world.stats().unavailable > 0);
  });
});

Deno.test("World ids are unique, and songs, playlists and artists never share one", async (t) => {
  for (const [name, world] of cases({ withBench: false })) {
    await t.step(name, () => {
      const { shape } = world;
      const ids = <T>(n: number, id: (i: number) => T): T[] =>
        Array.from({ length: n }, (_, i) => id(i));
      const songs = ids(shape.songs, (i) => world.song(i));
      const artists = ids(shape.artists, (i) => world.artist(i));
      const songIds = songs.map((s) => s.id);
      const playlistIds = ids(shape.playlists, (i) => world.playlist(i).id);
      const artistIds = artists.map((a) => a.id);
      const mids = [...songs, ...artists].map((x) => x.mid);
      const kinds: Array<[string, Array<number | string>]> = [
        ["songs", songIds],
        ["playlists", playlistIds],
        ["artists", artistIds],
        ["categories", ids(shape.categories, (i) => world.category(i).id)],
        ["charts", ids(shape.charts, (i) => world.chart(i).id)],
        ["song mids", songs.map((s) => s.mid)],
        ["artist mids", artists.map((a) => a.mid)],
      ];
      for (const [kind, list] of kinds) {
        assert.equal(new Set(list).size, list.length, `${kind} repeat`);
      }
      const all = [...songIds, ...playlistIds, ...artistIds];
      assert.equal(new Set(all).size, all.length);
      for (const mid of mids) assert.match(mid, /^00[0-9A-Za-z]{12}$/);
    });
  }
});

Deno.test("World songs are well formed", () => {
  const world = new World({ shape: "demo" });
  for (let i = 0; i < world.shape.songs; i++) {
    const song = world.song(i);
    assert.equal(song.index, i);
    assert.ok(song.artists.length >= 1 && song.artists.length <= 3);
    assert.equal(song.artists[0]!.index, i % world.shape.artists);
    assert.equal(
      new Set(song.artists.map((a) => a.index)).size,
      song.artists.length,
      `song ${i} credits an artist twice`,
    );
    assert.ok(song.durationMs >= 90_000 && song.durationMs < 421_000);
    assert.equal(song.tiers.at(-2)?.label, "128k");
    for (const tier of song.tiers) {
      assert.ok(Number.isInteger(tier.sizeBytes) && tier.sizeBytes >= 512);
    }
    assert.ok(song.publishTime <= world.epoch);
  }
});

Deno.test("World names hold awkward characters", () => {
  const world = new World({ shape: "test" });
  const titles = Array.from(
    { length: world.shape.songs },
    (_, i) => world.song(i).title,
  );
  const some = (pattern: RegExp) => titles.some((t) => pattern.test(t));
  assert.ok(some(/\//), "a title with a slash");
  assert.ok(some(/\\/), "a title with a backslash");
  // deno-lint-ignore no-control-regex
  assert.ok(some(/[\u0000-\u001f\u007f]/), "a title with a control character");
  assert.ok(some(/\p{Extended_Pictographic}/u), "a title with an emoji");
  assert.ok(some(/\p{Script=Han}/u), "a title in Chinese");
  assert.ok(some(/^\s|\s$/), "a title with leading or trailing blanks");
  assert.ok(titles.some((t) => t.length > 255), "a very long title");
  const names = Array.from(
    { length: world.shape.artists },
    (_, i) => world.artist(i).name,
  );
  assert.ok(names.some((n) => /\p{Extended_Pictographic}/u.test(n)));
  assert.ok(names.some((n) => n.includes("\u200b")));
  const playlists = Array.from(
    { length: world.shape.playlists },
    (_, i) => world.playlist(i).name,
  );
  assert.ok(playlists.some((n) => n !== n.trim() || /[^\p{L}\p{N} ]/u.test(n)));
});

Deno.test("World category lists agree with the playlists' categories", () => {
  const world = new World({ shape: "demo" });
  for (let c = 0; c < world.shape.categories; c++) {
    const expected = [];
    for (let p = 0; p < world.shape.playlists; p++) {
      if (world.playlist(p).categories.includes(c)) expected.push(p);
    }
    assert.deepEqual(world.categoryPlaylists(c), expected);
  }
  for (let p = 0; p < world.shape.playlists; p++) {
    const playlist = world.playlist(p);
    assert.equal(playlist.categories[0], p % world.shape.categories);
    assert.deepEqual(
      playlist.tags,
      playlist.categories.map((c) => world.category(c).name),
    );
    if (p > 0) {
      assert.ok(playlist.updateTime < world.playlist(p - 1).updateTime);
    }
  }
});

Deno.test("World throws RangeError for indexes out of range", () => {
  const world = new World({ shape: "tiny" });
  const { shape } = world;
  const bad = [-1, 1.5, Number.NaN, Infinity];
  const checks: Array<[string, (i: number) => unknown, number]> = [
    ["song", (i) => world.song(i), shape.songs],
    ["artist", (i) => world.artist(i), shape.artists],
    ["playlist", (i) => world.playlist(i), shape.playlists],
    ["chart", (i) => world.chart(i), shape.charts],
    ["category", (i) => world.category(i), shape.categories],
    ["category", (i) => world.categoryPlaylists(i), shape.categories],
    ["track", (i) => world.playlist(0).track(i), world.playlist(0).trackCount],
    ["track", (i) => world.chart(1).track(i), world.chart(1).trackCount],
  ];
  for (const [what, call, size] of checks) {
    call(size - 1);
    for (const index of [...bad, size]) {
      assert.throws(
        () => call(index),
        (e: unknown) =>
          e instanceof RangeError &&
          e.message === `Cannot find ${what} ${index}: the world holds ${size}`,
        `${what} ${index}`,
      );
    }
  }
  const noCharts = new World({ shape: { charts: 0 } });
  assert.throws(() => noCharts.chart(0), RangeError);
  // a world never has more artists than songs: each artist leads a song
  const fewSongs = new World({ shape: { songs: 4, artists: 9 } });
  assert.equal(fewSongs.shape.artists, 4);
  assert.throws(() => fewSongs.artist(4), RangeError);
});

Deno.test("World of 200,000 songs computes stats and a full pass in bounded memory", () => {
  const before = Deno.memoryUsage().rss;
  const world = new World({
    seed: 9,
    shape: "bench",
    overrides: { songs: 200_000, playlists: 2_000 },
  });
  const stats = world.stats();
  assert.equal(stats.songs, 200_000);
  let vipOnly = 0;
  let unavailable = 0;
  let titleChars = 0;
  const ids = new Set<number>();
  const artists = new Set<number>();
  for (let i = 0; i < stats.songs; i++) {
    const song = world.song(i);
    if (song.access === "vip") vipOnly++;
    if (song.access === "unavailable") unavailable++;
    titleChars += song.title.length;
    ids.add(song.id);
    for (const artist of song.artists) artists.add(artist.index);
  }
  assert.equal(vipOnly, stats.vipOnly);
  assert.equal(unavailable, stats.unavailable);
  assert.equal(artists.size, stats.artists);
  assert.equal(ids.size, stats.songs, "song ids repeat");
  // about 10 % VIP-only in a world this large
  assert.ok(Math.abs(vipOnly / stats.songs - 0.10) < 0.01, String(vipOnly));
  assert.ok(titleChars > 0);
  const seen = new Uint8Array(stats.songs);
  for (let p = 0; p < stats.playlists; p++) {
    const playlist = world.playlist(p);
    for (let j = 0; j < playlist.trackCount; j++) seen[playlist.track(j)] = 1;
  }
  assert.equal(seen.indexOf(0), -1);
  const growth = Deno.memoryUsage().rss - before;
  assert.ok(growth < 256 * 1024 * 1024, `rss grew ${growth} bytes`);
});
