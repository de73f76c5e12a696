import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Behaviours } from "../../emulation/behaviours.ts";
import type { Emulation } from "../../emulation/emulation.ts";
import { decryptEapi } from "../../emulation/netease/_crypto.ts";
import { downloadsBeyondPlay } from "../../emulation/netease/_rights.ts";
import type { GenSong } from "../../emulation/world.ts";
import { emulatedBaseUrls } from "../../sources/base_url.ts";
import { isSourceError, SourceError } from "../../sources/errors.ts";
import { HttpClient } from "../../sources/http.ts";
import { NETEASE_RSA_KEY } from "../../sources/netease/_constants.ts";
import { createNeteaseSource } from "../../sources/netease/source.ts";
import { rsaKeyFrom } from "../../sources/netease/_crypto.ts";
import type {
  DownloadOffer,
  PlaylistCandidate,
  PoolCandidate,
  SongInfo,
  Source,
} from "../../sources/types.ts";
import {
  Clock,
  countingFetch,
  emulationAt,
  neteaseConfig,
  neteaseSource,
  seeded,
  T0,
} from "./_helpers.ts";

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SourceError, `not a SourceError: ${error}`);
    return error;
  }
  assert.fail("expected a SourceError");
}

function count(calls: string[], fragment: string): number {
  return calls.filter((path) => path.includes(fragment)).length;
}

/** A world with songs of every kind, one 1,500-track playlist and 130 playlists. */
function bigEmulation(
  clock = new Clock(),
  behaviours?: Partial<Behaviours>,
): Emulation {
  return emulationAt(clock, {
    ...(behaviours ? { behaviours } : {}),
    shapes: {
      netease: {
        songs: 1600,
        artists: 40,
        categories: 2,
        playlists: 130,
        bigPlaylistTracks: 1500,
      },
    },
  });
}

/** A request the fixture saw. */
interface SeenRequest {
  path: string;
  /** The decrypted eapi parameters, for eapi calls. */
  eapi: Record<string, unknown> | undefined;
  cookie: string;
}

interface Fixture {
  emulation: Emulation;
  source: Source;
  calls: string[];
  clock: Clock;
}

async function fixture(
  options: {
    musicU?: string;
    emulation?: Emulation;
    clock?: Clock;
    rewrite?: Parameters<typeof countingFetch>[1];
    /** Collects the sleeps the source asks for. */
    sleeps?: number[];
    /** Collects each request: its path, eapi params and cookies. */
    requests?: SeenRequest[];
  } = {},
): Promise<Fixture> {
  const clock = options.clock ?? new Clock();
  const emulation = options.emulation ?? emulationAt(clock);
  const seen = options.requests;
  const inner: typeof emulation.fetch = seen
    ? async (input, init) => {
      const request = new Request(input, init);
      const form = new URLSearchParams(await request.clone().text());
      const params = form.get("params");
      const path = new URL(request.url).pathname;
      seen.push({
        path,
        eapi: path.includes("/eapi/") && params
          ? decryptEapi(params).payload
          : undefined,
        cookie: request.headers.get("cookie") ?? "",
      });
      return emulation.fetch(request);
    }
    : emulation.fetch;
  const counting = countingFetch(inner, options.rewrite);
  const sleeps = options.sleeps;
  const source = await neteaseSource(emulation, {
    fetch: counting.fetch,
    now: clock.now,
    ...(sleeps
      ? {
        sleep: (ms: number) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
      }
      : {}),
    ...(options.musicU
      ? { credentials: { neteaseMusicU: options.musicU } }
      : {}),
  });
  counting.calls.length = 0;
  return { emulation, source, calls: counting.calls, clock };
}

/** The SongInfo of a world song, as playlistSongs() gives it. */
async function songInfo(f: Fixture, song: GenSong): Promise<SongInfo> {
  const world = f.emulation.worlds.netease;
  // the small playlists first: playlist 0 is the big one
  for (let n = 1; n <= world.shape.playlists; n++) {
    const playlist = world.playlist(n % world.shape.playlists);
    for (let k = 0; k < playlist.trackCount; k++) {
      if (playlist.track(k) !== song.index) continue;
      const { songs } = await f.source.playlistSongs(String(playlist.id));
      const info = songs.find((s) => s.remoteId === String(song.id));
      assert.ok(info);
      return info;
    }
  }
  throw new Error(`song ${song.id} is in no playlist`);
}

function worldSongs(
  emulation: Emulation,
  keep: (song: GenSong) => boolean,
): GenSong[] {
  const world = emulation.worlds.netease;
  const out = [];
  for (let i = 0; i < world.shape.songs; i++) {
    if (keep(world.song(i))) out.push(world.song(i));
  }
  return out;
}

const square = (f: Fixture) => f.source.listPools("square");

// ---------------------------------------------------------------- pools

Deno.test("listPools() gives the square categories, the high-quality list and one toplist pool", async () => {
  const f = await fixture();
  const world = f.emulation.worlds.netease;
  const pools = await square(f);
  assert.deepEqual(
    pools.map((p) => p.remoteKey),
    [
      ...Array.from(
        { length: world.shape.categories },
        (_, i) => world.category(i).name,
      ),
      "highquality",
    ],
  );
  assert.equal(pools[0]!.group, world.category(0).group);
  assert.deepEqual(await f.source.listPools("toplist"), [{
    platform: "netease",
    kind: "toplist",
    remoteKey: "toplist",
    name: "排行榜",
  }]);
});

Deno.test("listPlaylists() pages a category by offset until more is false", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const world = f.emulation.worlds.netease;
  const [first] = await square(f);
  f.calls.length = 0;
  const playlists = await collect(f.source.listPlaylists(first!));
  const expected = world.categoryPlaylists(0).length;
  assert.ok(expected > 50);
  assert.equal(playlists.length, expected);
  assert.equal(new Set(playlists.map((p) => p.remoteId)).size, expected);
  assert.equal(count(f.calls, "playlist/list"), Math.ceil(expected / 50));
});

Deno.test("listPlaylists() honours limit and stops requesting", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const [first] = await square(f);
  f.calls.length = 0;
  const ten = await collect(f.source.listPlaylists(first!, { limit: 10 }));
  assert.equal(ten.length, 10);
  assert.equal(count(f.calls, "playlist/list"), 1);
  const all = await collect(f.source.listPlaylists(first!, { limit: 0 }));
  assert.ok(all.length > 50);
});

Deno.test("listPlaylists() walks the high-quality list by lasttime", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const world = f.emulation.worlds.netease;
  const pool = (await square(f)).find((p) => p.remoteKey === "highquality")!;
  const playlists = await collect(f.source.listPlaylists(pool));
  const expected = Array.from(
    { length: world.shape.playlists },
    (_, i) => world.playlist(i),
  ).filter((p) => p.highQuality).map((p) => String(p.id));
  assert.deepEqual(playlists.map((p) => p.remoteId), expected);
});

Deno.test("listPlaylists() gives the charts of the toplist pool with ToplistType in raw", async () => {
  const f = await fixture();
  const world = f.emulation.worlds.netease;
  const [pool] = await f.source.listPools("toplist");
  const charts = await collect(f.source.listPlaylists(pool!));
  assert.deepEqual(
    charts.map((c) => c.remoteId),
    Array.from(
      { length: world.shape.charts },
      (_, i) => String(world.chart(i).id),
    ),
  );
  assert.equal((charts[0]!.raw as { ToplistType?: string }).ToplistType, "S");
  assert.ok(charts.every((c) => !c.remoteId.startsWith("chart:")));
});

// ---------------------------------------------------------------- songs

Deno.test("playlistSongs() resolves every track in trackIds order, song detail in batches of 1000", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const world = f.emulation.worlds.netease;
  const big = world.playlist(0);
  assert.equal(big.trackCount, 1500);
  const result = await f.source.playlistSongs(String(big.id));
  assert.equal(result.declaredCount, 1500);
  assert.equal(result.songs.length, 1500);
  assert.deepEqual(
    result.songs.map((s) => s.remoteId),
    Array.from(
      { length: big.trackCount },
      (_, k) => String(world.song(big.track(k)).id),
    ),
  );
  assert.equal(count(f.calls, "v3/song/detail"), 2);
  assert.equal(result.playlist?.remoteId, String(big.id));
});

Deno.test("playlistSongs() maps credits, albums, qualities and availability", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const world = f.emulation.worlds.netease;
  const { songs } = await f.source.playlistSongs(String(world.playlist(0).id));
  const expected = {
    free: "available",
    hq_vip: "available",
    vip: "vip",
    unavailable: "unavailable",
  };
  const byId = new Map(
    worldSongs(f.emulation, () => true).map((s) => [String(s.id), s]),
  );
  for (const info of songs) {
    const song = byId.get(info.remoteId)!;
    assert.equal(info.availability, expected[song.access], info.remoteId);
    assert.equal(info.title, song.title);
    assert.equal(info.durationMs, song.durationMs);
    assert.deepEqual(
      info.artists,
      [
        ...song.artists.map((a) => ({ remoteId: String(a.id), name: a.name })),
        ...(song.nameOnlyCredit ? [{ name: song.nameOnlyCredit }] : []),
      ],
    );
    assert.equal(info.album?.name, song.album?.name);
    assert.equal(info.qualities[0]!.label, song.tiers[0]!.label);
    assert.ok((info.raw as { privilege?: unknown }).privilege);
  }
});

// ---------------------------------------------------------------- offers

Deno.test("downloadOffers() steps down the ladder best first, lazily", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const [song] = worldSongs(
    f.emulation,
    (s) => s.access === "free" && s.tiers[0]!.label === "lossless",
  );
  const info = await songInfo(f, song!);
  f.calls.length = 0;
  const offers = await collect(f.source.downloadOffers(info));
  assert.deepEqual(
    offers.map((o) => [o.level, o.quality, o.container]),
    [
      ["lossless", "lossless", "flac"],
      ["exhigh", "320k", "mp3"],
      ["higher", "192k", "mp3"],
      ["standard", "128k", "mp3"],
    ],
  );
  assert.equal(count(f.calls, "player/url/v1"), 4);
  assert.equal(offers[0]!.expiresAt, T0 + 1200 * 1000);
  assert.equal(offers[0]!.sizeBytes, song!.tiers[0]!.sizeBytes);
  // the consumer stops after the first: no further request
  f.calls.length = 0;
  for await (const _offer of f.source.downloadOffers(info)) break;
  assert.equal(count(f.calls, "player/url/v1"), 1);
  // top caps the ladder
  const capped = await collect(f.source.downloadOffers(info, { top: "320k" }));
  assert.equal(capped[0]!.level, "exhigh");
});

Deno.test("downloadOffers() offers a file whose bytes match its size and md5", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const [song] = worldSongs(f.emulation, (s) => s.access === "free");
  const info = await songInfo(f, song!);
  const [offer] = await collect(f.source.downloadOffers(info)) as [
    DownloadOffer,
  ];
  const bytes = new Uint8Array(
    await (await f.emulation.fetch(offer.url)).arrayBuffer(),
  );
  assert.equal(bytes.length, offer.sizeBytes);
  assert.equal(createHash("md5").update(bytes).digest("hex"), offer.md5);
});

Deno.test("downloadOffers() goes on below a downgraded level", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const [song] = worldSongs(
    f.emulation,
    (s) => s.access === "free" && s.tiers[0]!.label === "320k",
  );
  const info = await songInfo(f, song!);
  // without the privilege the ladder starts at jymaster; the server serves exhigh
  const bare = {
    ...info,
    raw: { ...(info.raw as object), privilege: undefined },
  };
  f.calls.length = 0;
  const offers = await collect(f.source.downloadOffers(bare));
  assert.deepEqual(offers.map((o) => o.level), [
    "exhigh",
    "higher",
    "standard",
  ]);
  assert.equal(count(f.calls, "player/url/v1"), 3);
});

Deno.test("downloadOffers() works on a SongInfo rebuilt from its stored raw JSON", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const [song] = worldSongs(f.emulation, (s) => s.access === "hq_vip");
  const info = await songInfo(f, song!);
  const stored = JSON.parse(JSON.stringify(info)) as SongInfo;
  const offers = await collect(f.source.downloadOffers(stored));
  // hq_vip: free at standard only, for an anonymous caller
  assert.deepEqual(offers.map((o) => o.level), ["standard"]);
});

Deno.test("downloadOffers() ends a VIP song with a vip error, never yielding the preview", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const vip = worldSongs(f.emulation, (s) => s.access === "vip").slice(0, 4);
  for (const song of vip) {
    const info = await songInfo(f, song);
    assert.equal(info.availability, "vip");
    const yielded: DownloadOffer[] = [];
    const error = await rejection((async () => {
      for await (const offer of f.source.downloadOffers(info)) {
        yielded.push(offer);
      }
    })());
    assert.equal(error.kind, "vip");
    assert.deepEqual(yielded, []);
  }
});

Deno.test("downloadOffers() gives the VIP account full offers", async () => {
  const clock = new Clock();
  const emulation = bigEmulation(clock);
  const { accounts } = neteaseConfig(emulation);
  const f = await fixture({ emulation, clock, musicU: accounts.svip });
  const [song] = worldSongs(f.emulation, (s) => s.access === "vip");
  const info = await songInfo(f, song!);
  assert.equal(info.availability, "available");
  const offers = await collect(f.source.downloadOffers(info));
  assert.equal(offers[0]!.quality, song!.tiers[0]!.label);
});

/** Songs of the big world that download beyond play (dlLevel > plLevel), by best tier. */
function beyondPlay(emulation: Emulation, top: string): GenSong[] {
  const world = emulation.worlds.netease;
  return worldSongs(
    emulation,
    (s) => downloadsBeyondPlay(world, s.index) && s.tiers[0]!.label === top,
  );
}

/** The offer levels and the URL endpoints asked, in order. */
async function offersAndCalls(
  f: Fixture,
  info: SongInfo,
  options: Parameters<Source["downloadOffers"]>[1] = {},
): Promise<{ levels: string[]; calls: string[] }> {
  f.calls.length = 0;
  const offers = await collect(f.source.downloadOffers(info, options));
  return {
    levels: offers.map((o) => o.level),
    calls: f.calls.map((path) => path.replace(/^.*\/song\/enhance\//, "")),
  };
}

Deno.test("downloadOffers() asks download/url/v1 first when dlLevel outweighs plLevel", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const [song] = beyondPlay(f.emulation, "lossless");
  const info = await songInfo(f, song!);
  const privilege = (info.raw as { privilege: Record<string, unknown> })
    .privilege;
  assert.deepEqual([privilege.plLevel, privilege.dlLevel], [
    "exhigh",
    "lossless",
  ]);
  f.calls.length = 0;
  const offers = await collect(f.source.downloadOffers(info));
  assert.deepEqual(
    offers.map((o) => [o.level, o.quality, o.container]),
    [
      ["lossless", "lossless", "flac"],
      ["exhigh", "320k", "mp3"],
      ["higher", "192k", "mp3"],
      ["standard", "128k", "mp3"],
    ],
  );
  assert.deepEqual(
    f.calls.map((path) => path.replace(/^.*\/song\/enhance\//, "")),
    ["download/url/v1", "player/url/v1", "player/url/v1", "player/url/v1"],
  );
  // the download endpoint's offer is the whole lossless file
  const first = offers[0]!;
  assert.equal(first.sizeBytes, song!.tiers[0]!.sizeBytes);
  assert.equal(first.expiresAt, T0 + 1200 * 1000);
  const bytes = new Uint8Array(
    await (await f.emulation.fetch(first.url)).arrayBuffer(),
  );
  assert.equal(bytes.length, first.sizeBytes);
  assert.equal(createHash("md5").update(bytes).digest("hex"), first.md5);
  // lazily: a consumer that takes the first offer costs one request
  f.calls.length = 0;
  for await (const _offer of f.source.downloadOffers(info)) break;
  assert.deepEqual(f.calls.map((p) => p.replace(/^.*\/song\/enhance\//, "")), [
    "download/url/v1",
  ]);
  // a cap at what play gives leaves the download endpoint out
  const capped = await offersAndCalls(f, info, { top: "320k" });
  assert.deepEqual(capped.levels, ["exhigh", "higher", "standard"]);
  assert.equal(count(capped.calls, "download/url/v1"), 0);
});

Deno.test("downloadOffers() starts at dlLevel's rung when maxBrLevel is higher", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const [song] = beyondPlay(f.emulation, "hires");
  const info = await songInfo(f, song!);
  const { levels, calls } = await offersAndCalls(f, info);
  // hires exists but neither endpoint grants it to this account
  assert.deepEqual(levels, ["lossless", "exhigh", "higher", "standard"]);
  assert.deepEqual(calls, [
    "download/url/v1",
    "player/url/v1",
    "player/url/v1",
    "player/url/v1",
  ]);
});

Deno.test("downloadOffers() leaves download/url/v1 out when dlLevel does not outweigh plLevel", async () => {
  const clock = new Clock();
  const emulation = bigEmulation(clock);
  const f = await fixture({ emulation, clock });
  const world = emulation.worlds.netease;
  const [free] = worldSongs(
    emulation,
    (s) =>
      s.access === "free" && s.tiers[0]!.label === "lossless" &&
      !downloadsBeyondPlay(world, s.index),
  );
  const [hq] = worldSongs(emulation, (s) => s.access === "hq_vip");
  for (const song of [free!, hq!]) {
    const { levels, calls } = await offersAndCalls(f, await songInfo(f, song));
    assert.ok(levels.length > 0, `song ${song.id}`);
    assert.equal(count(calls, "download/url/v1"), 0, `song ${song.id}`);
  }
  // a VIP song without VIP: pl and dl are both none
  const [vip] = worldSongs(emulation, (s) => s.access === "vip");
  f.calls.length = 0;
  const error = await rejection(
    collect(f.source.downloadOffers(await songInfo(f, vip!))),
  );
  assert.equal(error.kind, "vip");
  assert.equal(count(f.calls, "download/url/v1"), 0);
  // the SVIP account plays what it may download: the player alone
  const { accounts } = neteaseConfig(emulation);
  const svip = await fixture({ emulation, clock, musicU: accounts.svip });
  const [song] = beyondPlay(emulation, "lossless");
  const { levels, calls } = await offersAndCalls(
    svip,
    await songInfo(svip, song!),
  );
  assert.equal(levels[0], "lossless");
  assert.equal(count(calls, "download/url/v1"), 0);
});

Deno.test("downloadOffers() falls to the player when download/url/v1 refuses, and fails clearly on a malformed answer", async () => {
  let mode: "refuse" | "trial" | "low" | "array" = "refuse";
  const f = await fixture({
    emulation: bigEmulation(),
    rewrite: async (url, response) => {
      if (!url.includes("download/url/v1")) return response;
      const body = await response.json();
      const item = body.data;
      body.data = mode === "refuse"
        ? { ...item, url: null, code: 404 }
        : mode === "trial"
        ? { ...item, freeTrialInfo: { start: 0, end: 30 } }
        : mode === "low"
        ? { ...item, level: "exhigh" }
        : [item];
      return Response.json(body);
    },
  });
  const [song] = beyondPlay(f.emulation, "lossless");
  const info = await songInfo(f, song!);
  // refused, a preview, or no better than play (left to the player)
  for (const refusal of ["refuse", "trial", "low"] as const) {
    mode = refusal;
    const { levels, calls } = await offersAndCalls(f, info);
    assert.deepEqual(levels, ["exhigh", "higher", "standard"], refusal);
    // the refused rung goes to the player, which serves plLevel
    assert.deepEqual(calls, [
      "download/url/v1",
      "player/url/v1",
      "player/url/v1",
      "player/url/v1",
    ]);
  }
  // an extra, never a dead end: a shape it cannot read goes to the player
  mode = "array";
  const { levels, calls } = await offersAndCalls(f, info);
  assert.deepEqual(levels, ["exhigh", "higher", "standard"]);
  assert.equal(calls[0], "download/url/v1");
});

Deno.test("downloadOffers() goes on with player/url/v1 at the same level whatever download/url/v1 answers (301, -110, -460)", async () => {
  let code = 301;
  const requests: SeenRequest[] = [];
  const f = await fixture({
    emulation: bigEmulation(),
    requests,
    rewrite: async (url, response) => {
      if (!url.includes("download/url/v1")) return response;
      await response.body?.cancel();
      return Response.json(
        code === -460 ? { code, msg: "Cheating" } : { code, msg: null },
      );
    },
  });
  const [song] = beyondPlay(f.emulation, "lossless");
  const info = await songInfo(f, song!);
  for (const answer of [301, -110, -460]) {
    code = answer;
    requests.length = 0;
    const { levels, calls } = await offersAndCalls(f, info);
    assert.deepEqual(levels, ["exhigh", "higher", "standard"], String(code));
    // a -460 before there is an anonymous identity is met with one first,
    // and the extra asked again (as every call's risk control is)
    const extras = code === -460 ? 2 : 1;
    assert.deepEqual(
      calls.filter((c) => c.endsWith("url/v1")).slice(0, extras + 1),
      [...Array(extras).fill("download/url/v1"), "player/url/v1"],
    );
    assert.equal(
      calls.some((c) => c.includes("register/anonimous")),
      code === -460,
    );
    // the download call as NeteaseCloudMusicApi sends it; the player asked
    // for the same level next
    const [download] = requests.filter((r) => r.eapi);
    const player = requests.find((r) => r.path.includes("player/url/v1"));
    const { header: _h, e_r: _e, ...params } = download!.eapi!;
    assert.deepEqual(params, {
      id: String(song!.id),
      immerseType: "c51",
      level: "lossless",
    });
    assert.equal(player!.eapi!.level, "lossless");
  }
  // the source was not stopped by the -460 of the extra
  assert.ok((await collect(f.source.downloadOffers(info))).length > 0);
});

Deno.test("downloadOffers() meets the emulation's 301 and -110 of download/url/v1 and downloads from the player", async () => {
  const f = await fixture({
    emulation: bigEmulation(new Clock(), { neteaseDownloadRefused: 1 }),
  });
  const songs = beyondPlay(f.emulation, "lossless").slice(0, 4);
  for (const song of songs) {
    const { levels, calls } = await offersAndCalls(
      f,
      await songInfo(f, song),
    );
    assert.deepEqual(levels, ["exhigh", "higher", "standard"], `${song.id}`);
    assert.deepEqual(calls.slice(0, 2), ["download/url/v1", "player/url/v1"]);
  }
});

Deno.test("downloadOffers() refuses a no-copyright song without calling", async () => {
  const f = await fixture({ emulation: bigEmulation() });
  const [song] = worldSongs(f.emulation, (s) => s.access === "unavailable");
  const info = await songInfo(f, song!);
  f.calls.length = 0;
  const error = await rejection(collect(f.source.downloadOffers(info)));
  assert.equal(error.kind, "unavailable");
  assert.equal(f.calls.length, 0);
  // without the privilege it asks, and every rung answers 404
  const bare = { ...info, raw: { id: song!.id } };
  const asked = await rejection(collect(f.source.downloadOffers(bare)));
  assert.equal(asked.kind, "unavailable");
  assert.equal(count(f.calls, "player/url/v1"), 6);
});

// ---------------------------------------------------------------- artists

Deno.test("artistDetail() reads the artist head, and 404 is not_found", async () => {
  const f = await fixture();
  const artist = f.emulation.worlds.netease.artist(0);
  const detail = await f.source.artistDetail(String(artist.id));
  assert.equal(detail.remoteId, String(artist.id));
  assert.equal(detail.name, artist.name);
  assert.equal(detail.songCount, artist.songCount);
  assert.equal(detail.albumCount, artist.albumCount);
  assert.equal(detail.description, artist.description);
  assert.equal((await rejection(f.source.artistDetail("7"))).kind, "not_found");
});

// ----------------------------------------------------------------- errors

Deno.test("a -460 is met with a pause and the anonymous identity, then the call again", async () => {
  const sleeps: number[] = [];
  const requests: SeenRequest[] = [];
  const f = await fixture({
    emulation: bigEmulation(new Clock(), { neteaseRiskControl: 1 }),
    sleeps,
    requests,
  });
  const [song] = worldSongs(
    f.emulation,
    (s) => s.access === "free" && s.tiers[0]!.label === "320k",
  );
  const info = await songInfo(f, song!);
  requests.length = 0;
  f.calls.length = 0;
  let best: DownloadOffer | undefined;
  for await (const offer of f.source.downloadOffers(info)) {
    best = offer;
    break;
  }
  assert.equal(best?.level, "exhigh");
  assert.deepEqual(f.calls.map((p) => p.replace(/^\/[^/]+/, "")), [
    "/eapi/song/enhance/player/url/v1",
    "/weapi/register/anonimous",
    "/eapi/song/enhance/player/url/v1",
  ]);
  assert.ok(sleeps.some((ms) => ms > 0), "a pause before the retry");
  // the retry presents MUSIC_A in the eapi header and the cookies
  const retry = requests.at(-1)!;
  const header = retry.eapi!.header as Record<string, string>;
  assert.match(header.MUSIC_A ?? "", /^[0-9a-f]{96}$/);
  assert.match(retry.cookie, /MUSIC_A=[0-9a-f]{96}/);
  // weapi calls carry the rest of the identity (NCM util/request.js)
  requests.length = 0;
  await square(f);
  const cookie = requests[0]!.cookie;
  for (
    const name of ["NMTID", "_ntes_nuid", "_ntes_nnid", "WNMCID", "MUSIC_A"]
  ) {
    assert.match(cookie, new RegExp(`(^|; )${name}=`), name);
  }
  // one registration per run: the next song goes straight through
  f.calls.length = 0;
  const [other] = worldSongs(
    f.emulation,
    (s) => s.access === "free" && s.id !== song!.id,
  );
  assert.ok(
    (await collect(f.source.downloadOffers(await songInfo(f, other!))))
      .length > 0,
  );
  assert.equal(count(f.calls, "register/anonimous"), 0);
});

Deno.test("a -460 that the anonymous identity does not cure stops NetEase for the run", async () => {
  const f = await fixture();
  f.emulation.faults.inject({
    kind: "business",
    platform: "netease",
    code: -460,
    times: 10,
  });
  const first = await rejection(square(f));
  assert.equal(first.kind, "antibot");
  assert.equal(first.code, -460);
  assert.equal(first.retryable, false);
  assert.match(first.message, /anonymous identity/);
  assert.deepEqual(f.calls.map((p) => p.replace(/^\/[^/]+/, "")), [
    "/weapi/playlist/catalogue",
    "/weapi/register/anonimous",
  ]);
  const second = await rejection(f.source.playlistSongs("1"));
  assert.equal(second.kind, "antibot");
  assert.match(second.message, /stopped/);
  assert.equal(f.calls.length, 2, "no further calls");
});

Deno.test("-462 risk control is met the same way, and cured by the identity", async () => {
  const f = await fixture();
  f.emulation.faults.inject({
    kind: "business",
    platform: "netease",
    code: -462,
  });
  const pools = await square(f);
  assert.ok(pools.length > 0);
  assert.equal(count(f.calls, "register/anonimous"), 1);
});

Deno.test("a 405 is retried with backoff, then given up with a clear message", async () => {
  const f = await fixture();
  f.emulation.faults.inject({
    kind: "business",
    platform: "netease",
    code: 405,
    times: 2,
  });
  assert.ok((await square(f)).length > 0);
  assert.equal(f.calls.length, 3);
  f.calls.length = 0;
  f.emulation.faults.inject({
    kind: "business",
    platform: "netease",
    code: 406,
    times: 50,
  });
  const error = await rejection(square(f));
  assert.equal(error.kind, "rate_limited");
  assert.match(error.message, /still rate limited .* try again later/);
  assert.equal(f.calls.length, 5);
});

Deno.test("301 and 20001 need a login, and the MUSIC_U never shows", async () => {
  const f = await fixture({ musicU: "SECRET-TOKEN-123" });
  for (const code of [301, 20001]) {
    f.emulation.faults.inject({ kind: "business", platform: "netease", code });
    const error = await rejection(square(f));
    assert.equal(error.kind, "login");
    assert.equal(error.code, code);
    assert.doesNotMatch(
      `${error.message} ${error.url} ${String(error.cause)}`,
      /SECRET-TOKEN/,
    );
  }
});

Deno.test("HTML pages are retried, then a typed html error", async () => {
  const f = await fixture();
  f.emulation.faults.inject({ kind: "html", platform: "netease" });
  assert.ok((await square(f)).length > 0);
  f.emulation.faults.inject({ kind: "html", platform: "netease", times: 20 });
  assert.equal((await rejection(square(f))).kind, "html");
});

Deno.test("malformed JSON and unexpected shapes become malformed errors", async () => {
  const clock = new Clock();
  const emulation = emulationAt(clock);
  let mode: "syntax" | "shape" = "syntax";
  const counting = countingFetch(emulation.fetch, (url, response) => {
    if (!url.includes("v6/playlist/detail")) return response;
    return new Response(
      mode === "syntax"
        ? '{"code":200,"playlist":'
        : '{"code":200,"playlist":null}',
      { headers: { "content-type": "application/json" } },
    );
  });
  const source = await neteaseSource(emulation, {
    fetch: counting.fetch,
    now: clock.now,
  });
  const id = String(emulation.worlds.netease.playlist(0).id);
  assert.equal((await rejection(source.playlistSongs(id))).kind, "malformed");
  mode = "shape";
  const shape = await rejection(source.playlistSongs(id));
  assert.equal(shape.kind, "malformed");
  assert.match(shape.message, /playlist/);
});

Deno.test("a missing playlist is not_found; a non-numeric id is refused before calling", async () => {
  const f = await fixture();
  assert.equal(
    (await rejection(f.source.playlistSongs("12345"))).kind,
    "not_found",
  );
  f.calls.length = 0;
  assert.equal(
    (await rejection(f.source.playlistSongs("chart:x"))).kind,
    "not_found",
  );
  assert.equal(f.calls.length, 0);
});

Deno.test("the client uses the emulation's RSA key; NetEase's key is refused there", async () => {
  const clock = new Clock();
  const emulation = emulationAt(clock);
  const config = neteaseConfig(emulation);
  assert.deepEqual(rsaKeyFrom({ rsa: config.rsa }), config.rsa);
  assert.deepEqual(rsaKeyFrom(undefined), NETEASE_RSA_KEY);
  assert.deepEqual(rsaKeyFrom({}), NETEASE_RSA_KEY);
  const source = createNeteaseSource({
    http: new HttpClient({
      platform: "netease",
      fetch: emulation.fetch,
      ratePerSecond: 0,
      sleep: async () => {},
    }),
    urls: emulatedBaseUrls("http://emu"),
    credentials: {},
    emulation: undefined,
    now: clock.now,
    random: seeded(2),
  });
  const error = await rejection(source.listPools("square"));
  assert.equal(error.kind, "sign");
  assert.ok(isSourceError(error, "sign"));
});

Deno.test("listPlaylists() refuses another platform's pool", async () => {
  const f = await fixture();
  const pool: PoolCandidate = {
    platform: "qq",
    kind: "square",
    remoteKey: "x",
    name: "x",
  };
  await assert.rejects(
    collect(f.source.listPlaylists(pool) as AsyncIterable<PlaylistCandidate>),
    RangeError,
  );
});

Deno.test("requests carry the page's headers and cookies (os=pc, appver, browser UA, MUSIC_U)", async () => {
  const clock = new Clock();
  const emulation = emulationAt(clock);
  const seen: Array<{ url: string; headers: Headers; body: string }> = [];
  const capture = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const request = new Request(input, init);
    seen.push({
      url: request.url,
      headers: request.headers,
      body: await request.clone().text(),
    });
    return emulation.fetch(request);
  };
  const source = await neteaseSource(emulation, {
    fetch: capture,
    now: clock.now,
    credentials: { neteaseMusicU: "TOKEN-abc" },
  });
  seen.length = 0;
  await source.listPools("square");
  const [song] = worldSongs(emulation, (s) => s.access === "free");
  const bare: SongInfo = {
    platform: "netease",
    remoteId: String(song!.id),
    title: song!.title,
    artists: [],
    artistNames: "",
    qualities: [],
    availability: "available",
    raw: {},
  };
  for await (const _ of source.downloadOffers(bare)) break;
  const [weapiCall, eapiCall] = seen;
  assert.match(
    weapiCall!.url,
    /\/music\.163\.com\/weapi\/playlist\/catalogue\?csrf_token=$/,
  );
  assert.match(
    weapiCall!.headers.get("user-agent")!,
    /^Mozilla\/5\.0 .*Chrome/,
  );
  assert.equal(weapiCall!.headers.get("referer"), "https://music.163.com");
  assert.equal(
    weapiCall!.headers.get("content-type"),
    "application/x-www-form-urlencoded",
  );
  const weapiCookies = weapiCall!.headers.get("cookie")!;
  assert.match(weapiCookies, /(^|; )os=pc(;|$)/);
  assert.match(weapiCookies, /(^|; )appver=/);
  assert.match(weapiCookies, /(^|; )MUSIC_U=TOKEN-abc(;|$)/);
  assert.match(weapiCall!.body, /^params=.+&encSecKey=[0-9a-f]{256}$/);
  assert.match(
    eapiCall!.url,
    /\/interface3\.music\.163\.com\/eapi\/song\/enhance\/player\/url\/v1$/,
  );
  assert.match(eapiCall!.headers.get("user-agent")!, /NeteaseMusicDesktop/);
  assert.equal(eapiCall!.headers.get("referer"), null);
  assert.match(eapiCall!.headers.get("cookie")!, /(^|; )os=pc(;|$)/);
  assert.match(eapiCall!.body, /^params=[0-9A-F]+$/);
});
