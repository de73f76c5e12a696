import assert from "node:assert/strict";
import type { Behaviours } from "../../emulation/behaviours.ts";
import { declaredList } from "../../emulation/_hidden.ts";
import type { World, WorldShape } from "../../emulation/world.ts";
import { normalizeName } from "../../sources/artist_names.ts";
import { isSourceError } from "../../sources/errors.ts";
import type { Fetch } from "../../sources/http.ts";
import { kuwoDesDecrypt } from "../../sources/kuwo/_kuwo_des.ts";
import type { DownloadOffer, SongInfo, Source } from "../../sources/types.ts";
import {
  Clock,
  findSong,
  kuwoEmulation,
  kuwoSource,
  ORIGIN,
  recording,
  songInfoOf,
} from "./_helpers.ts";

const isHome = (url: URL) => /^\/www\.kuwo\.cn\/?$/.test(url.pathname);
const isIllegal = (body: string | undefined) =>
  body?.includes("The request is illegal!") ?? false;

async function setup(
  options: {
    clock?: Clock;
    offerPath?: "plain" | "des";
    cookieTtlMinutes?: number;
    sleeps?: number[];
    retries?: number;
    wrap?: (fetch: Fetch) => Fetch;
    behaviours?: Partial<Behaviours>;
    shape?: Partial<WorldShape>;
  } = {},
) {
  const clock = options.clock ?? new Clock();
  const emulation = kuwoEmulation(clock, {
    ...(options.cookieTtlMinutes === undefined
      ? {}
      : { cookieTtlMinutes: options.cookieTtlMinutes }),
    ...(options.behaviours ? { behaviours: options.behaviours } : {}),
    ...(options.shape ? { shapes: { kuwo: options.shape } } : {}),
  });
  const recorder = recording(emulation.fetch);
  const fetch = options.wrap ? options.wrap(recorder.fetch) : recorder.fetch;
  const source = await kuwoSource(fetch, clock, {
    ...(options.offerPath ? { offerPath: options.offerPath } : {}),
    ...(options.sleeps ? { sleeps: options.sleeps } : {}),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
  });
  return {
    clock,
    emulation,
    world: emulation.worlds.kuwo,
    source,
    ...recorder,
  };
}

function json(body: string): Promise<Response> {
  return Promise.resolve(
    new Response(body, { headers: { "content-type": "application/json" } }),
  );
}

/** The ids of a list's tracks, in order. */
function trackIds(
  world: World,
  list: { trackCount: number; track(i: number): number },
): string[] {
  return Array.from(
    { length: list.trackCount },
    (_, i) => String(world.song(list.track(i)).id),
  );
}

async function rejects(
  promise: Promise<unknown>,
  kind: string,
  message?: RegExp,
) {
  await assert.rejects(promise, (error) => {
    assert.ok(isSourceError(error), `not a SourceError: ${error}`);
    assert.equal(error.kind, kind, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

function first(
  source: Source,
  song: SongInfo,
  top?: SongInfo["qualities"][0]["label"],
) {
  return (async () => {
    for await (
      const offer of source.downloadOffers(song, top ? { top } : {})
    ) return offer;
    throw new Error("no offer");
  })();
}

Deno.test("listPools() gives every tag plus the recommended pool, and one toplist pool", async () => {
  const { source, world } = await setup();
  const square = await source.listPools("square");
  assert.deepEqual(
    square.map((p) => p.remoteKey),
    [
      ...Array.from(
        { length: world.shape.categories },
        (_, i) => String(world.category(i).id),
      ),
      "rcm",
    ],
  );
  assert.equal(square[0]!.name, world.category(0).name);
  assert.equal(square[0]!.group, world.category(0).group);
  const toplist = await source.listPools("toplist");
  assert.deepEqual(
    toplist.map((p) => [p.kind, p.remoteKey]),
    [["toplist", "toplist"]],
  );
});

Deno.test("listPlaylists() pages a tag to its total and honours limit", async () => {
  const { source, world, log } = await setup();
  const [pool] = await source.listPools("square");
  const all = await Array.fromAsync(source.listPlaylists(pool!));
  assert.deepEqual(
    all.map((p) => p.remoteId),
    world.categoryPlaylists(0).map((i) => String(world.playlist(i).id)),
  );
  const playlist = world.playlist(world.categoryPlaylists(0)[0]!);
  assert.equal(all[0]!.name, playlist.name);
  assert.equal(all[0]!.trackCount, playlist.trackCount);
  assert.ok(
    log.some((r) =>
      r.url.pathname.endsWith("/getTagPlayList") &&
      r.url.searchParams.get("pn") === "1"
    ),
    "pages count from 1",
  );
  const limited = await Array.fromAsync(
    source.listPlaylists(pool!, { limit: 2 }),
  );
  assert.equal(limited.length, 2);
  const rcm = await Array.fromAsync(
    source.listPlaylists({ ...pool!, remoteKey: "rcm" }),
  );
  assert.equal(new Set(rcm.map((p) => p.remoteId)).size, world.shape.playlists);
});

Deno.test("listPlaylists() lists the charts as chart:<sourceid> playlists", async () => {
  const { source, world } = await setup();
  const [pool] = await source.listPools("toplist");
  const charts = await Array.fromAsync(source.listPlaylists(pool!));
  assert.deepEqual(
    charts.map((c) => c.remoteId).sort(),
    Array.from(
      { length: world.shape.charts },
      (_, i) => `chart:${world.chart(i).id}`,
    ).sort(),
  );
});

Deno.test("playlistSongs() reads a chart through the signed bang/musicList in pages of 30", async () => {
  const { source, world, log } = await setup();
  const chart = world.chart(0);
  const { songs, declaredCount } = await source.playlistSongs(
    `chart:${chart.id}`,
  );
  assert.equal(declaredCount, chart.trackCount);
  assert.deepEqual(songs.map((s) => s.remoteId), trackIds(world, chart));
  const pages = log.filter((r) => r.url.pathname.endsWith("/musicList"));
  assert.ok(pages.every((r) => r.url.searchParams.get("rn") === "30"));
  assert.ok(pages.every((r) => r.headers.get("secret")));
  assert.equal(pages.length, Math.ceil(chart.trackCount / 30));
});

Deno.test("playlistSongs() takes what a chart's pages hold when num counts hidden songs", async () => {
  const { source, world, log } = await setup({
    behaviours: { hiddenTracks: 1 },
    shape: { charts: 1, minChartTracks: 80, maxChartTracks: 80 },
  });
  const chart = world.chart(0);
  const list = declaredList(world.seed, chart, { hiddenTracks: 1 });
  assert.ok(
    list.hidden.some((slot) => slot >= 30 && slot < 60),
    "page 2 short",
  );
  const { songs, declaredCount } = await source.playlistSongs(
    `chart:${chart.id}`,
  );
  assert.equal(declaredCount, list.declared);
  assert.deepEqual(songs.map((s) => s.remoteId), trackIds(world, chart));
  const pages = log.filter((r) => r.url.pathname.endsWith("/musicList"));
  assert.deepEqual(pages.map((r) => r.url.searchParams.get("pn")), [
    "1",
    "2",
    "3",
  ]);
});

Deno.test("playlistSongs() takes what playListInfo pages hold: a short page in the middle ends nothing", async () => {
  const { source, world, log } = await setup({
    behaviours: { hiddenTracks: 1 },
    shape: { songs: 400, bigPlaylistTracks: 250 },
  });
  const playlist = world.playlist(0);
  const list = declaredList(world.seed, playlist, { hiddenTracks: 1 });
  assert.ok(list.hidden.some((slot) => slot >= 100 && slot < 200));
  const result = await source.playlistSongs(String(playlist.id));
  assert.equal(result.declaredCount, list.declared);
  assert.deepEqual(
    result.songs.map((s) => s.remoteId),
    Array.from(
      { length: 250 },
      (_, i) => String(world.song(playlist.track(i)).id),
    ),
  );
  const pages = log.filter((r) => r.url.pathname.endsWith("/playListInfo"));
  assert.deepEqual(pages.map((r) => r.url.searchParams.get("pn")), [
    "1",
    "2",
    "3",
  ]);
  assert.equal(
    log.filter((r) => r.url.pathname.endsWith("/pl.svc")).length,
    0,
    "never nplserver for a short page",
  );
});

Deno.test("playlistSongs() reads every track of a playlist with decoded names", async () => {
  const { source, world } = await setup();
  const playlist = world.playlist(0);
  const result = await source.playlistSongs(String(playlist.id));
  assert.equal(result.declaredCount, playlist.trackCount);
  assert.equal(result.songs.length, playlist.trackCount);
  assert.equal(result.playlist?.name, playlist.name);
  result.songs.forEach((song, i) => {
    const gen = world.song(playlist.track(i));
    assert.equal(song.remoteId, String(gen.id));
    assert.equal(song.title, gen.title);
    assert.equal(song.artists[0]!.remoteId, String(gen.artists[0]!.id));
    assert.equal(song.artists[0]!.name, normalizeName(gen.artists[0]!.name));
    assert.ok(song.artists.slice(1).every((a) => a.remoteId === undefined));
    assert.equal(song.durationMs, Math.floor(gen.durationMs / 1000) * 1000);
    assert.equal(
      song.availability,
      gen.access === "vip"
        ? "vip"
        : gen.access === "unavailable"
        ? "unavailable"
        : "available",
    );
  });
});

Deno.test("playlistSongs() refuses a page of another playlist, from either path", async () => {
  const { source, world, log } = await setup({
    retries: 1,
    wrap: (inner) => async (input, init) => {
      const response = await inner(input, init);
      const url = String(new Request(input).url);
      if (!url.includes("playListInfo") && !url.includes("pl.svc")) {
        return response;
      }
      // pages of another playlist from both paths: the web one and nplserver
      const body = await response.json();
      if (body.data) body.data.id = 42;
      if (body.musiclist) body.id = "42";
      return new Response(JSON.stringify(body), {
        headers: { "content-type": "application/json" },
      });
    },
  });
  await rejects(
    source.playlistSongs(String(world.playlist(0).id)),
    "malformed",
    /nplserver answered playlist 42 for \d+ .*playListInfo answered playlist 42 for/,
  );
  assert.ok(log.some((r) => r.url.pathname.endsWith("/pl.svc")));
});

Deno.test("playlistSongs() reports an unknown playlist as not_found", async () => {
  const { source } = await setup();
  await rejects(source.playlistSongs("42"), "not_found");
  await rejects(source.playlistSongs("chart:1"), "not_found");
  await rejects(source.playlistSongs("abc"), "not_found");
});

Deno.test("the session refreshes an expired cookie once on 'The request is illegal!'", async () => {
  const { source, world, log, clock } = await setup({ cookieTtlMinutes: 20 });
  const id = `chart:${world.chart(0).id}`;
  await source.playlistSongs(id);
  assert.equal(log.filter((r) => isHome(r.url)).length, 1);
  clock.advance(21); // the server forgot the cookie; the client still trusts it
  await source.playlistSongs(id);
  assert.equal(log.filter((r) => isHome(r.url)).length, 2);
  assert.equal(log.filter((r) => isIllegal(r.body)).length, 1);
  clock.advance(26); // older than the client's own refresh age
  await source.playlistSongs(id);
  assert.equal(log.filter((r) => isHome(r.url)).length, 3);
  assert.equal(
    log.filter((r) => isIllegal(r.body)).length,
    1,
    "refreshed first",
  );
});

Deno.test("the session retries only once: a second refusal is a sign error", async () => {
  const { source, world, emulation, log } = await setup();
  emulation.faults.inject({
    kind: "business",
    platform: "kuwo",
    match: "musicList",
    code: "illegal",
    times: 2,
  });
  await rejects(
    source.playlistSongs(`chart:${world.chart(0).id}`),
    "sign",
    /illegal/,
  );
  assert.equal(log.filter((r) => isHome(r.url)).length, 2);
});

Deno.test("the session keeps a cookie set by an error page and fails without one", async () => {
  const { source, world, emulation } = await setup();
  emulation.faults.inject({
    kind: "business",
    platform: "kuwo",
    match: "/www.kuwo.cn/",
    code: 403,
  });
  const chart = await source.playlistSongs(`chart:${world.chart(0).id}`);
  assert.equal(chart.songs.length, world.chart(0).trackCount);

  const stripped = await setup({
    wrap: (inner) => async (input, init) => {
      const response = await inner(input, init);
      const headers = new Headers(response.headers);
      headers.delete("set-cookie");
      return new Response(response.body, { status: response.status, headers });
    },
  });
  await rejects(
    stripped.source.playlistSongs(`chart:${stripped.world.chart(0).id}`),
    "sign",
    /no Hm_Iuvt_ cookie/,
  );
});

Deno.test("HTML pages and malformed bodies become typed errors", async () => {
  const { source, emulation } = await setup();
  emulation.faults.inject({
    kind: "html",
    platform: "kuwo",
    match: "bang/list",
    times: 5,
  });
  const [pool] = await source.listPools("toplist");
  await rejects(Array.fromAsync(source.listPlaylists(pool!)), "html");

  const broken = await setup({
    wrap: (inner) => (input, init) => {
      const url = new Request(input).url;
      if (url.includes("getTagList")) {
        return json('{"code":200,"data":[{"name":"x","data":[{}]}]}');
      }
      if (url.includes("bang/list")) {
        return json('{"child": [');
      }
      return inner(input, init);
    },
  });
  await rejects(
    broken.source.listPools("square"),
    "malformed",
    /expected an id at data\[0\]\.data\[0\]\.id/,
  );
  await rejects(
    Array.fromAsync(broken.source.listPlaylists(pool!)),
    "malformed",
  );
});

Deno.test("downloadOffers() walks the ladder through the plain convert_url_with_sign call", async () => {
  const { source, world, log, emulation } = await setup();
  const gen = findSong(
    world,
    (s) => s.access === "free" && s.tiers[0]!.label === "hires",
  );
  const song = songInfoOf(world, gen);
  const offers = await Array.fromAsync(source.downloadOffers(song));
  assert.deepEqual(offers.map((o) => [o.quality, o.level]), [
    ["hires", "4000kflac"],
    ["lossless", "2000kflac"],
    ["320k", "320kmp3"],
    ["192k", "192kmp3"],
    ["128k", "128kmp3"],
  ]);
  const asks = log.filter((r) => r.url.pathname === "/mobi.kuwo.cn/mobi.s");
  assert.deepEqual(
    asks.map((r) => r.url.searchParams.get("br")),
    ["4000kflac", "2000kflac", "320kmp3", "192kmp3", "128kmp3"],
  );
  assert.ok(asks.every((r) => r.url.searchParams.get("f") === "web"));
  assert.ok(asks.every((r) => r.headers.get("user-agent") === "okhttp/3.10.0"));
  await checkOffer(emulation.fetch, offers[0]!, gen.tiers[0]!.sizeBytes);
});

Deno.test("downloadOffers() asks the KuwoDES convert_url2 form by format, with no br, and gets the song", async () => {
  const { source, world, log, emulation } = await setup({ offerPath: "des" });
  const gen = findSong(
    world,
    (s) => s.access === "free" && s.tiers[0]!.label === "lossless",
  );
  const offers = await Array.fromAsync(
    source.downloadOffers(songInfoOf(world, gen)),
  );
  // one request per format: the best tier of each
  assert.deepEqual(offers.map((o) => o.level), ["2000kflac", "320kmp3"]);
  const asks = log.filter((r) => r.url.pathname === "/mobi.kuwo.cn/mobi.s");
  assert.ok(asks.every((r) => r.url.searchParams.get("f") === "kuwo"));
  const queries = asks.map((r) =>
    // decodeURIComponent keeps "+": the Base64 survives
    new URLSearchParams(
      kuwoDesDecrypt(
        decodeURIComponent(/[?&]q=([^&]*)/.exec(r.url.search)![1]!),
      ),
    )
  );
  // a br inside the query gets an error tone (MusicDownload PR #35)
  assert.ok(queries.every((q) => !q.has("br")));
  assert.deepEqual(queries.map((q) => q.get("format")), ["flac", "mp3"]);
  assert.ok(queries.every((q) => q.get("type") === "convert_url2"));
  assert.ok(queries.every((q) => q.get("rid") === String(gen.id)));
  // the file is the song, not a tone
  await checkOffer(emulation.fetch, offers[0]!, gen.tiers[0]!.sizeBytes);
});

/** The `source` of each `mobi.s` request of a log, with its host. */
function sourcesAsked(log: { url: URL }[]): string[] {
  return log.filter((r) => r.url.pathname.endsWith("/mobi.s")).map((r) =>
    `${r.url.pathname.split("/")[1]} ${r.url.searchParams.get("source")}`
  );
}

Deno.test("downloadOffers() moves on to the next source string when mobi.s refuses one, and starts there for the next song", async () => {
  const { source, world, log, emulation } = await setup({
    behaviours: {
      kuwoRefusedSources: ["kwplayer_ar_5.1.0.0_B_jiakong_vh.apk"],
    },
  });
  const [a, b] = [0, 1].map((n) => {
    let seen = 0;
    return findSong(
      world,
      (s) =>
        s.access === "free" && s.tiers[0]!.label === "320k" && seen++ === n,
    );
  });
  const first = await Array.fromAsync(
    source.downloadOffers(songInfoOf(world, a!), { top: "320k" }),
  );
  assert.equal(first[0]!.level, "320kmp3");
  assert.deepEqual(sourcesAsked(log).slice(0, 2), [
    "mobi.kuwo.cn kwplayer_ar_5.1.0.0_B_jiakong_vh.apk",
    "mobi.kuwo.cn jiakong",
  ]);
  await checkOffer(emulation.fetch, first[0]!, a!.tiers[0]!.sizeBytes);
  log.length = 0;
  const second = await Array.fromAsync(
    source.downloadOffers(songInfoOf(world, b!), { top: "320k" }),
  );
  assert.equal(second[0]!.level, "320kmp3");
  assert.ok(
    sourcesAsked(log).every((asked) => asked === "mobi.kuwo.cn jiakong"),
    sourcesAsked(log).join(", "),
  );
  // the car app's string, on nmobi, when both others are refused
  emulation.setBehaviours({
    kuwoRefusedSources: ["kwplayer_ar_5.1.0.0_B_jiakong_vh.apk", "jiakong"],
  });
  log.length = 0;
  const third = await Array.fromAsync(
    source.downloadOffers(songInfoOf(world, a!), { top: "320k" }),
  );
  assert.equal(third[0]!.level, "320kmp3");
  assert.equal(
    sourcesAsked(log).at(-1),
    "nmobi.kuwo.cn kwplayer_ar_1.1.9_oppo_118980_320.apk",
  );
});

/** A song whose catalog signals went stale: it looks free and online. */
function staleFree(song: SongInfo): SongInfo {
  return {
    ...song,
    availability: "available",
    raw: {
      ...song.raw as object,
      isListenFee: false,
      pay: "0",
      payInfo: {},
      online: 1,
    },
  };
}

Deno.test("downloadOffers() ends a 'music not found' song as unavailable without asking lower rungs", async () => {
  const { source, world, log } = await setup({
    behaviours: { kuwoNotFound: 1 },
  });
  const gen = findSong(world, (s) => s.access === "unavailable");
  // taken down by its own signals: no request at all
  await rejects(
    Array.fromAsync(source.downloadOffers(songInfoOf(world, gen))),
    "unavailable",
    /taken down/,
  );
  assert.equal(sourcesAsked(log).length, 0);
  // signals gone stale: one request, and "music not found" ends it
  await rejects(
    Array.fromAsync(source.downloadOffers(staleFree(songInfoOf(world, gen)))),
    "unavailable",
    /not found/,
  );
  assert.equal(sourcesAsked(log).length, 1);
});

async function checkOffer(fetch: Fetch, offer: DownloadOffer, size: number) {
  assert.equal(offer.sizeBytes, size);
  assert.equal(offer.headers?.["User-Agent"], "okhttp/3.10.0");
  assert.equal(offer.headers?.["Referer"], "https://www.kuwo.cn/");
  assert.ok(offer.url.startsWith(`${ORIGIN}/kw-er.kuwo.cn/`));
  assert.ok(offer.expiresAt! > 0);
  const response = await fetch(offer.url, { headers: offer.headers! });
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.equal(bytes.length, size);
  const magic = offer.container === "flac" ? "fLaC" : "ID3";
  assert.equal(
    new TextDecoder().decode(bytes.subarray(0, magic.length)),
    magic,
  );
}

Deno.test("downloadOffers() records a downgraded tier as the tier achieved", async () => {
  const { source, world } = await setup();
  const gen = findSong(
    world,
    (s) => s.access === "hq_vip" && s.tiers[0]!.label === "lossless",
  );
  const offer = await first(source, songInfoOf(world, gen));
  assert.deepEqual([offer.quality, offer.level, offer.extension], [
    "320k",
    "320kmp3",
    "mp3",
  ]);
});

Deno.test("downloadOffers() skips the encrypted premium tier", async () => {
  const { source, world, log } = await setup();
  const gen = findSong(
    world,
    (s) => s.access === "free" && s.tiers[0]!.label === "master",
  );
  const offer = await first(source, songInfoOf(world, gen));
  assert.equal(offer.level, "2000kflac");
  assert.deepEqual(
    log.filter((r) => r.url.pathname.endsWith("mobi.s")).map((r) =>
      r.url.searchParams.get("br")
    ),
    ["4000kflac", "2000kflac"],
  );
});

Deno.test("downloadOffers() never yields a preview stub: VIP-only songs end the ladder", async () => {
  for (const offerPath of ["plain", "des"] as const) {
    const { source, world, log } = await setup({ offerPath });
    const gen = findSong(world, (s) => s.access === "vip");
    const song = songInfoOf(world, gen);
    const seen: DownloadOffer[] = [];
    // paid by its own signals: refused without a request (§9.6 step 2)
    await rejects(
      (async () => {
        for await (const offer of source.downloadOffers(song)) seen.push(offer);
      })(),
      "vip",
      /paid track/,
    );
    assert.deepEqual(seen, []);
    assert.equal(
      log.filter((r) => r.url.pathname.endsWith("mobi.s")).length,
      0,
    );
    // the same song flagged free by stale metadata is still not taken:
    // one request, a preview stub, the end
    await rejects(first(source, staleFree(song)), "vip", /preview stub/);
    assert.equal(
      log.filter((r) => r.url.pathname.endsWith("mobi.s")).length,
      1,
    );
  }
});

Deno.test("downloadOffers() ends on code -1 as unavailable and on 407 as a region lock", async () => {
  const { source, world, emulation } = await setup();
  // a song taken down after the catalog saw it online
  const gone = staleFree(songInfoOf(
    world,
    findSong(world, (s) => s.access === "unavailable"),
  ));
  await rejects(first(source, gone), "unavailable", /code -1/);
  const free = songInfoOf(world, findSong(world, (s) => s.access === "free"));
  emulation.faults.inject({
    kind: "business",
    platform: "kuwo",
    match: "mobi.s",
    code: 407,
  });
  await rejects(first(source, free), "region", /region lock/);
  emulation.faults.inject({
    kind: "business",
    platform: "kuwo",
    match: "mobi.s",
    code: -1001,
  });
  await rejects(first(source, free), "unavailable", /-1001/);
  assert.ok(await first(source, free));
});

Deno.test("downloadOffers() backs off on 429 and goes on", async () => {
  const sleeps: number[] = [];
  const { source, world, emulation } = await setup({ sleeps });
  const free = songInfoOf(world, findSong(world, (s) => s.access === "free"));
  emulation.faults.inject({ kind: "429", platform: "kuwo", match: "mobi.s" });
  assert.ok(await first(source, free));
  assert.ok(sleeps.some((ms) => ms >= 1000), `sleeps: ${sleeps}`);
});

Deno.test("downloadOffers() honours top and follows MINFO rungs", async () => {
  const { source, world, log } = await setup();
  const gen = findSong(
    world,
    (s) => s.access === "free" && s.tiers[0]!.label === "hires",
  );
  const song = songInfoOf(world, gen);
  assert.equal((await first(source, song, "320k")).level, "320kmp3");
  assert.equal((await first(source, song, "master")).level, "4000kflac");
  await rejects(first(source, song, "96k"), "unavailable", /no tier/);
  log.length = 0;
  const minfo = {
    ...song,
    raw: {
      ...song.raw as object,
      MINFO:
        "level:p,bitrate:320,format:mp3,size:3.1Mb;level:h,bitrate:128,format:mp3,size:1.2Mb",
    },
  };
  const offers = await Array.fromAsync(source.downloadOffers(minfo));
  assert.deepEqual(offers.map((o) => o.level), ["320kmp3", "128kmp3"]);
  assert.equal(log.filter((r) => r.url.pathname.endsWith("mobi.s")).length, 2);
});

Deno.test("downloadOffers() works from a SongInfo rebuilt from stored raw JSON", async () => {
  const { source, world } = await setup();
  const gen = findSong(
    world,
    (s) => s.access === "free" && s.tiers[0]!.label === "lossless",
  );
  const stored = JSON.parse(JSON.stringify(songInfoOf(world, gen)));
  assert.equal((await first(source, stored)).level, "2000kflac");
  const bare: SongInfo = {
    platform: "kuwo",
    remoteId: String(gen.id),
    title: "",
    artists: [],
    artistNames: "",
    qualities: [],
    availability: "available",
    raw: stored.raw,
  };
  assert.equal((await first(source, bare)).level, "2000kflac");
});

Deno.test("downloadOffers() is lazy: one mobi.s request per rung consumed", async () => {
  const { source, world, log } = await setup();
  const gen = findSong(
    world,
    (s) => s.access === "free" && s.tiers[0]!.label === "lossless",
  );
  const iterator = source.downloadOffers(songInfoOf(world, gen))[
    Symbol.asyncIterator
  ]();
  const asks = () => log.filter((r) => r.url.pathname.endsWith("mobi.s"));
  assert.equal(asks().length, 0);
  await iterator.next();
  assert.equal(asks().length, 1);
  await iterator.next();
  assert.equal(asks().length, 2);
  await iterator.return?.();
});

Deno.test("artistDetail() reads the signed artist route", async () => {
  const { source, world } = await setup();
  const artist = world.artist(3);
  const detail = await source.artistDetail(String(artist.id));
  assert.equal(detail.remoteId, String(artist.id));
  assert.equal(detail.name, artist.name);
  assert.equal(detail.songCount, artist.songCount);
  await rejects(source.artistDetail("1"), "not_found");
});
