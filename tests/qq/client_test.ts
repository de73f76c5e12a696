import assert from "node:assert/strict";
import { type Behaviours, NO_BEHAVIOURS } from "../../emulation/behaviours.ts";
import { declaredList } from "../../emulation/_hidden.ts";
import { createEmulation } from "../../emulation/emulation.ts";
import {
  chartPeriod,
  createQqEmulator,
  type QqAccount,
  type QqEmulatorOptions,
} from "../../emulation/qq/mod.ts";
import type { WorldShape } from "../../emulation/world.ts";
import { isSourceError, SourceError } from "../../sources/errors.ts";
import type { Fetch, RetryInfo } from "../../sources/http.ts";
import { parseSong } from "../../sources/qq/_parse.ts";
import { gTk } from "../../sources/qq/_sign.ts";
import type { Credentials } from "../../sources/config.ts";
import { createSources } from "../../sources/registry.ts";
import type { Source } from "../../sources/types.ts";
import { MODULES } from "../../sources/qq/_constants.ts";
import { QqTransport } from "../../sources/qq/_transport.ts";

const T0 = Date.UTC(2026, 5, 1, 4, 0, 0);

// deno-lint-ignore no-explicit-any
type Any = any;

interface Logged {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

interface SetupOptions {
  emulator?: QqEmulatorOptions;
  /** The modelled behaviours of real answers: off (the happy path) unless given. */
  behaviours?: Partial<Behaviours>;
  shape?: Partial<WorldShape>;
  /** Which published account to log in with. */
  account?: "vip" | "svip" | "expired";
  credentials?: Credentials;
  /** Wraps the emulation's fetch (to break answers). */
  wrap?: (fetch: Fetch) => Fetch;
}

async function setup(options: SetupOptions = {}) {
  const clock = { now: T0 };
  const emulation = createEmulation({
    size: "tiny",
    now: () => clock.now,
    behaviours: options.behaviours
      ? { ...NO_BEHAVIOURS, ...options.behaviours }
      : "off",
    emulators: {
      qq: (world) =>
        createQqEmulator(world, { flakyVkeyRate: 0, ...options.emulator }),
    },
    ...(options.shape ? { shapes: { qq: options.shape } } : {}),
  });
  const requests: Logged[] = [];
  const logging: Fetch = async (input, init) => {
    const request = new Request(input, init);
    requests.push({
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: request.method === "POST" ? await request.clone().text() : "",
    });
    return emulation.fetch(request);
  };
  const wrapped = options.wrap ? options.wrap(logging) : logging;
  const fetch: Fetch = (input, init) =>
    String(input instanceof Request ? input.url : input).includes(
        "/_emulation/",
      )
      ? emulation.fetch(input, init)
      : wrapped(input, init);
  const config = await (await emulation.fetch("http://emu/_emulation/config"))
    .json();
  const accounts: Record<string, QqAccount> = config.platforms.qq.accounts;
  const account = options.account ? accounts[options.account]! : undefined;
  const retries: RetryInfo[] = [];
  const sources = await createSources({
    fetch,
    emulation: "http://emu",
    platforms: ["qq"],
    ratePerSecond: 0,
    // the fake sleep moves the fake clock: backoff is seen by the emulation
    sleep: (ms) => {
      clock.now += ms;
      return Promise.resolve();
    },
    now: () => clock.now,
    random: () => 0.5,
    onRetry: (info) => retries.push(info),
    credentials: options.credentials ??
      (account ? { qqUin: account.uin, qqMusicKey: account.key } : {}),
  });
  requests.length = 0;
  return {
    qq: sources.get("qq")!,
    emulation,
    world: emulation.worlds.qq,
    clock,
    requests,
    retries,
    account,
  };
}

/** Labels of the gateway requests logged, as `module.method` lists. */
function gatewayCalls(
  requests: Logged[],
): Array<{ url: string; calls: string[]; body: Record<string, Any> }> {
  return requests.filter((r) => r.url.includes("/u.y.qq.com/")).map((r) => {
    const body = JSON.parse(r.body);
    return {
      url: r.url,
      body,
      calls: Object.entries(body).filter(([k]) => k !== "comm").map((
        [, v]: [string, Any],
      ) => `${v.module}.${v.method}`),
    };
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function songsOf(qq: Source, playlistId: string) {
  return (await qq.playlistSongs(playlistId)).songs;
}

const MANY_SONGS: Partial<WorldShape> = {
  songs: 80,
  bigPlaylistTracks: 80,
  artists: 20,
};

Deno.test("listPools('square') lists every category by its musicu id", async () => {
  const { qq, world, requests } = await setup();
  const pools = await qq.listPools("square");
  assert.deepEqual(
    pools.map((p) => [p.kind, p.remoteKey, p.name, p.group]),
    [0, 1].map((i) => {
      const c = world.category(i);
      return ["square", String(c.id), c.name, c.group];
    }),
  );
  assert.deepEqual(gatewayCalls(requests).map((r) => r.calls), [[
    "playlist.PlaylistAllCategoriesServer.get_all_categories",
  ]]);
});

Deno.test("listPlaylists() pages a category to the end, batching the later pages", async () => {
  const { qq, world, requests } = await setup({
    shape: { categories: 1, playlists: 130 },
  });
  const [pool] = await qq.listPools("square");
  requests.length = 0;
  const playlists = await collect(qq.listPlaylists(pool!));
  assert.deepEqual(
    playlists.map((p) => p.remoteId),
    world.categoryPlaylists(0).map((i) => String(world.playlist(i).id)),
  );
  assert.equal(playlists.length, 130);
  const calls = gatewayCalls(requests);
  assert.equal(calls.length, 2);
  assert.equal(calls[1]!.calls.length, 2);
  assert.deepEqual(
    Object.values(calls[1]!.body).flatMap((v: Any) =>
      v.param ? [v.param.page] : []
    ),
    [1, 2],
  );
});

Deno.test("listPlaylists() honours limit", async () => {
  const { qq, requests } = await setup({
    shape: { categories: 1, playlists: 130 },
  });
  const [pool] = await qq.listPools("square");
  requests.length = 0;
  assert.equal(
    (await collect(qq.listPlaylists(pool!, { limit: 60 }))).length,
    60,
  );
  assert.equal(gatewayCalls(requests).flatMap((r) => r.calls).length, 2);
  assert.equal(
    (await collect(qq.listPlaylists(pool!, { limit: 0 }))).length,
    130,
  );
});

Deno.test("listPlaylists() of the toplist pool yields every chart as chart:<topId>", async () => {
  const { qq, world, clock } = await setup({ shape: { charts: 3 } });
  const [pool] = await qq.listPools("toplist");
  assert.equal(pool!.kind, "toplist");
  assert.equal(pool!.remoteKey, "toplist");
  const charts = await collect(qq.listPlaylists(pool!));
  const byId = (a: unknown[], b: unknown[]) =>
    String(a[0]).localeCompare(String(b[0]));
  assert.deepEqual(
    charts.map((c) => [c.remoteId, c.name, c.trackCount, (c.raw as Any).period])
      .sort(byId),
    [0, 1, 2].map((i) => {
      const chart = world.chart(i);
      return [
        `chart:${chart.id}`,
        chart.name,
        chart.trackCount,
        chartPeriod(chart, clock.now),
      ];
    }).sort(byId),
  );
  assert.equal(
    (await collect(qq.listPlaylists(pool!, { limit: 2 }))).length,
    2,
  );
});

Deno.test("playlistSongs() pages getcdinfo with song_begin/song_num to the declared total", async () => {
  const { qq, world, requests } = await setup({
    shape: { songs: 300, bigPlaylistTracks: 250 },
  });
  const playlist = world.playlist(0);
  const result = await qq.playlistSongs(String(playlist.id));
  assert.equal(result.declaredCount, 250);
  assert.deepEqual(
    result.songs.map((s) => s.remoteId),
    Array.from({ length: 250 }, (_, i) => world.song(playlist.track(i)).mid),
  );
  assert.equal(result.playlist?.name, playlist.name);
  const pages = requests.map((r) => new URL(r.url).searchParams);
  assert.deepEqual(pages.map((q) => q.get("song_begin")), ["0", "100", "200"]);
  assert.ok(
    requests.every((r) =>
      r.headers.get("referer")?.startsWith("https://y.qq.com/")
    ),
  );
});

Deno.test("playlistSongs() takes what the pages hold when the declared total counts hidden songs", async () => {
  const { qq, world, requests } = await setup({
    shape: { songs: 300, bigPlaylistTracks: 250 },
    behaviours: { hiddenTracks: 1 },
  });
  const playlist = world.playlist(0);
  const list = declaredList(world.seed, playlist, { hiddenTracks: 1 });
  // a hidden song in a page in the middle: that page comes back short
  assert.ok(
    list.hidden.some((slot) => slot >= 100 && slot < 200),
    "a short middle page",
  );
  const result = await qq.playlistSongs(String(playlist.id));
  assert.equal(result.declaredCount, list.declared);
  assert.deepEqual(
    result.songs.map((s) => s.remoteId),
    Array.from({ length: 250 }, (_, i) => world.song(playlist.track(i)).mid),
  );
  // the next page by its offset, not by the count received
  const pages = requests.map((r) => new URL(r.url).searchParams);
  assert.deepEqual(pages.map((q) => q.get("song_begin")), ["0", "100", "200"]);
});

Deno.test("playlistSongs() of a chart shorter than declared takes what its pages hold", async () => {
  const { qq, world, requests } = await setup({
    shape: { songs: 300, charts: 1, minChartTracks: 230, maxChartTracks: 230 },
    behaviours: { hiddenTracks: 1 },
  });
  const chart = world.chart(0);
  const list = declaredList(world.seed, chart, { hiddenTracks: 1 });
  assert.ok(list.hidden.length > 0 && list.hidden[0]! < 100);
  const result = await qq.playlistSongs(`chart:${chart.id}`);
  assert.equal(result.declaredCount, list.declared);
  assert.deepEqual(
    result.songs.map((s) => s.remoteId),
    Array.from({ length: 230 }, (_, i) => world.song(chart.track(i)).mid),
  );
  const offsets = gatewayCalls(requests).flatMap((r) =>
    Object.values(r.body).flatMap((v: Any) =>
      v.method === "GetDetail" ? [v.param.offset] : []
    )
  );
  assert.deepEqual(offsets, [0, 100, 200]);
});

Deno.test("playlistSongs() reports a missing playlist as not_found", async () => {
  const { qq } = await setup();
  await assert.rejects(
    qq.playlistSongs("123"),
    (error) => isSourceError(error, "not_found"),
  );
});

Deno.test("playlistSongs() of a chart uses GetAll's period and pages with offset/num", async () => {
  const { qq, world, clock, requests } = await setup({
    shape: { songs: 300, charts: 1, minChartTracks: 230, maxChartTracks: 230 },
  });
  const chart = world.chart(0);
  const result = await qq.playlistSongs(`chart:${chart.id}`);
  assert.equal(result.declaredCount, 230);
  assert.deepEqual(
    result.songs.map((s) => s.remoteId),
    Array.from({ length: 230 }, (_, i) => world.song(chart.track(i)).mid),
  );
  const period = chartPeriod(chart, clock.now);
  assert.equal((result.playlist?.raw as Any).period, period);
  const details = gatewayCalls(requests).flatMap((r) =>
    Object.values(r.body).filter((v: Any) => v.method === "GetDetail")
  ) as Any[];
  assert.deepEqual(
    details.map((d) => [d.param.topid, d.param.offset, d.param.period]),
    [[chart.id, 0, period], [chart.id, 100, period], [chart.id, 200, period]],
  );
});

Deno.test("playlistSongs() of a chart re-requests with the period the platform names", async () => {
  const { qq, world, clock, requests } = await setup({ shape: { charts: 1 } });
  const chart = world.chart(0);
  assert.equal(chart.cadence, "daily");
  clock.now = Date.UTC(2026, 5, 1, 15, 58); // 23:58 in China
  const [pool] = await qq.listPools("toplist");
  await collect(qq.listPlaylists(pool!));
  const old = chartPeriod(chart, clock.now);
  clock.now += 4 * 60_000; // past midnight: the cached GetAll names yesterday
  requests.length = 0;
  const result = await qq.playlistSongs(`chart:${chart.id}`);
  const current = chartPeriod(chart, clock.now);
  assert.notEqual(old, current);
  assert.equal(result.songs.length, chart.trackCount);
  const periods = gatewayCalls(requests).flatMap((r) =>
    Object.values(r.body).flatMap((v: Any) =>
      v.method === "GetDetail" ? [v.param.period] : []
    )
  );
  assert.deepEqual(periods, [old, current]);
});

Deno.test("a module answering 2000 is sent again, signed, to musics.fcg", async () => {
  const { qq, emulation, requests } = await setup();
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "GetAll",
    code: 2000,
  });
  const [pool] = await qq.listPools("toplist");
  assert.ok((pool!.raw as Any).charts > 0);
  const calls = gatewayCalls(requests);
  assert.equal(calls.length, 2);
  assert.match(calls[0]!.url, /\/musicu\.fcg$/);
  assert.match(calls[1]!.url, /\/musics\.fcg\?sign=zzc[0-9a-z]+&_=\d+$/);
  // the module is signed from then on, and the emulation checks the sign
  await qq.listPools("toplist");
  assert.match(gatewayCalls(requests)[2]!.url, /\/musics\.fcg\?sign=zzc/);
});

Deno.test("a signed request the platform still refuses fails with kind sign", async () => {
  const { qq, emulation } = await setup();
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "GetAll",
    code: 2000,
    times: 2,
  });
  await assert.rejects(
    qq.listPools("toplist"),
    (error) => isSourceError(error, "sign") && /signature/.test(error.message),
  );
});

Deno.test("per-label failures in a batched envelope don't fail the other labels", async () => {
  const { qq, emulation, requests } = await setup({
    shape: { categories: 1, playlists: 130 },
  });
  const [pool] = await qq.listPools("square");
  const iterator = qq.listPlaylists(pool!)[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  requests.length = 0;
  // the first label of the batch (page 1) wants a signature; page 2 does not
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "get_category_content",
    code: 2000,
  });
  let count = 1;
  while (!(await iterator.next()).done) count++;
  assert.equal(count, 130);
  const calls = gatewayCalls(requests);
  assert.equal(calls.length, 2);
  assert.equal(calls[0]!.calls.length, 2);
  assert.equal(calls[1]!.calls.length, 1);
  assert.match(calls[1]!.url, /musics\.fcg/);
});

Deno.test("QqTransport.many() returns each label's outcome on its own", async () => {
  const { emulation } = await setup();
  let gateway: QqTransport | undefined;
  const sources = await createSources({
    fetch: emulation.fetch,
    emulation: "http://emu",
    platforms: ["qq"],
    ratePerSecond: 0,
    sleep: async () => {},
    now: () => T0,
    factories: {
      qq: (config) => {
        gateway = new QqTransport(config);
        return {} as Source;
      },
    },
  });
  assert.equal(sources.size, 1);
  assert.ok(gateway);
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "GetAll",
    code: 104400,
  });
  const results = await gateway.many([
    { ...MODULES.toplists, param: {} },
    { ...MODULES.categories, param: { qq: "" } },
    { module: "no.Such", method: "thing", param: {} },
  ]);
  assert.equal(results[0]!.ok, false);
  assert.equal(!results[0]!.ok && results[0]!.error.kind, "login");
  assert.equal(results[1]!.ok, true);
  assert.equal(results[2]!.ok, false);
});

Deno.test("2001 is backed off and retried, then fails with a clear error naming feedbackURL", async () => {
  const { qq, emulation, retries } = await setup();
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "get_all_categories",
    code: 2001,
    times: 2,
  });
  assert.equal((await qq.listPools("square")).length, 2);
  assert.equal(retries.length, 2);
  assert.ok(
    retries.every((r) => r.error.kind === "rate_limited" && r.delayMs >= 2000),
  );
  retries.length = 0;
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "get_all_categories",
    code: 2001,
    times: 50,
  });
  await assert.rejects(
    qq.listPools("square"),
    (error) =>
      isSourceError(error, "rate_limited") && error.code === 2001 &&
      error.message.includes("https://y.qq.com/wk_v17/common_login.html"),
  );
  assert.equal(retries.length, 4);
});

Deno.test("the emulation's own rate limit is backed off with the emulation's clock", async () => {
  const { qq, clock, retries } = await setup({
    emulator: { maxRequestsPerSecond: 1 },
  });
  const start = clock.now;
  await qq.listPools("square");
  clock.now += 1;
  // the second request in the same second is limited until the backoff
  // (a fake sleep that moves the clock) reaches the next second
  assert.equal((await qq.listPools("square")).length, 2);
  assert.equal(retries.length, 1);
  assert.equal(retries[0]!.error.kind, "rate_limited");
  assert.ok(clock.now - start >= 1000);
});

Deno.test("an expired login fails downloads with kind login, without the key in the message", async () => {
  const { qq, world, account } = await setup({ account: "expired" });
  const [song] = await songsOf(qq, String(world.playlist(0).id));
  await assert.rejects(collect(qq.downloadOffers(song!)), (error) => {
    assert.ok(isSourceError(error, "login"));
    assert.equal(error.code, 1000);
    assert.ok(!error.message.includes(account!.key));
    assert.ok(!error.message.includes(account!.uin));
    return true;
  });
});

Deno.test("cookies, uin and g_tk come from the credentials; anonymous sends none", async () => {
  const vip = await setup({ account: "vip" });
  await vip.qq.listPools("square");
  const [logged] = vip.requests;
  const cookie = logged!.headers.get("cookie") ?? "";
  assert.ok(cookie.includes(`qm_keyst=${vip.account!.key}`));
  assert.ok(cookie.includes(`uin=${vip.account!.uin}`));
  const comm = JSON.parse(logged!.body).comm;
  assert.equal(comm.g_tk, gTk(vip.account!.key));
  assert.equal(comm.uin, Number(vip.account!.uin));
  assert.equal(logged!.headers.get("referer"), "https://y.qq.com/");
  assert.equal(logged!.headers.get("origin"), "https://y.qq.com");
  const anonymous = await setup();
  await anonymous.qq.listPools("square");
  assert.equal(anonymous.requests[0]!.headers.get("cookie"), null);
  assert.equal(JSON.parse(anonymous.requests[0]!.body).comm.g_tk, 5381);
});

Deno.test("HTML pages and malformed JSON become typed errors", async () => {
  const { qq, emulation } = await setup();
  emulation.faults.inject({ kind: "html", platform: "qq", times: 1 });
  assert.equal((await qq.listPools("square")).length, 2);
  emulation.faults.inject({ kind: "html", platform: "qq", times: 20 });
  await assert.rejects(
    qq.listPools("square"),
    (error) => isSourceError(error, "html"),
  );
  emulation.faults.clear();
  const broken = await setup({
    wrap: (fetch) => async (input, init) => {
      const response = await fetch(input, init);
      await response.body?.cancel();
      return new Response('{"code":0,"req_0":', {
        headers: { "content-type": "application/json" },
      });
    },
  });
  await assert.rejects(
    broken.qq.listPools("square"),
    (error) => isSourceError(error, "malformed"),
  );
  const notEnvelope = await setup({
    wrap: (fetch) => async (input, init) => {
      const response = await fetch(input, init);
      await response.body?.cancel();
      return Response.json([1, 2]);
    },
  });
  await assert.rejects(
    notEnvelope.qq.listPools("square"),
    (error) => isSourceError(error, "malformed"),
  );
});

Deno.test("downloadOffers() asks every rung in one vkey call and yields usable offers best first", async () => {
  const { qq, world, clock, emulation, requests } = await setup({
    shape: MANY_SONGS,
  });
  const songs = await songsOf(qq, String(world.playlist(0).id));
  const song = songs.find((s) =>
    s.availability === "available" && s.qualities[0]!.label === "lossless"
  )!;
  requests.length = 0;
  const offers = await collect(qq.downloadOffers(song));
  assert.deepEqual(offers.map((o) => [o.quality, o.level, o.container]), [
    ["128k", "M500", "mp3"],
    ["96k", "C400", "m4a"],
  ]);
  const calls = gatewayCalls(requests);
  assert.equal(calls.length, 1);
  const param =
    (Object.values(calls[0]!.body).find((v: Any) =>
      v.method === "CgiGetVkey"
    ) as Any).param;
  const media = (song.raw as Any).file.media_mid;
  assert.deepEqual(
    param.filename,
    song.qualities.map((q) => `${q.level}${media}.${q.extension}`),
  );
  assert.deepEqual(param.songmid, song.qualities.map(() => song.remoteId));
  assert.deepEqual(param.songtype, song.qualities.map(() => 0));
  const [best] = offers;
  assert.equal(
    best!.sizeBytes,
    song.qualities.find((q) => q.level === "M500")!.sizeBytes,
  );
  assert.equal(best!.expiresAt, clock.now + emulation.urlTtlSeconds * 1000);
  assert.equal(best!.headers?.["Referer"], "http://y.qq.com");
  const audio = await emulation.fetch(best!.url);
  assert.equal(audio.status, 200);
  assert.equal((await audio.arrayBuffer()).byteLength, best!.sizeBytes);
});

Deno.test("downloadOffers() for a VIP account starts higher, and top caps the ladder", async () => {
  const { qq, world } = await setup({ shape: MANY_SONGS, account: "vip" });
  const songs = await songsOf(qq, String(world.playlist(0).id));
  const song = songs.find((s) =>
    s.availability === "available" && s.qualities[0]!.label === "lossless"
  )!;
  const offers = await collect(qq.downloadOffers(song));
  assert.deepEqual(offers.map((o) => o.level), [
    "F000",
    "M800",
    "C600",
    "M500",
    "C400",
  ]);
  const capped = await collect(qq.downloadOffers(song, { top: "320k" }));
  assert.deepEqual(capped.map((o) => o.level), [
    "M800",
    "C600",
    "M500",
    "C400",
  ]);
});

Deno.test("downloadOffers() retries a transient empty purl and then gives up", async () => {
  const { qq, world, emulation, requests } = await setup({ shape: MANY_SONGS });
  const songs = await songsOf(qq, String(world.playlist(0).id));
  const song = songs.find((s) => s.availability === "available")!;
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "CgiGetVkey",
    code: 0,
  });
  requests.length = 0;
  const offers = await collect(qq.downloadOffers(song));
  assert.equal(offers[0]!.level, "M500");
  assert.equal(gatewayCalls(requests).length, 2);
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "GetVkey",
    code: 0,
    times: 10,
  });
  requests.length = 0;
  await assert.rejects(
    collect(qq.downloadOffers(song)),
    (error) => isSourceError(error, "unavailable"),
  );
  // each variant asked once: unsigned, signed, the app's
  assert.equal(gatewayCalls(requests).length, 3);
});

/** Where each vkey request of a log went: `musicu`/`musics` and its module. */
function vkeyRequests(requests: Logged[]): string[] {
  return gatewayCalls(requests).flatMap((r) =>
    r.calls.filter((c) => c.includes("GetVkey")).map((c) =>
      `${r.url.includes("/musics.fcg") ? "signed" : "unsigned"} ${c}`
    )
  );
}

Deno.test("downloadOffers() asks musics.fcg signed when every rung comes back empty unsigned, and starts there for the next song", async () => {
  const { qq, world, emulation, requests } = await setup({
    shape: MANY_SONGS,
    behaviours: { qqUnsignedVkeyEmpty: 1, qqUnsignedVkeyForm: "empty" },
  });
  const songs = (await songsOf(qq, String(world.playlist(0).id)))
    .filter((s) => s.availability === "available");
  requests.length = 0;
  const first = await collect(qq.downloadOffers(songs[0]!));
  assert.equal(first[0]!.level, "M500");
  assert.deepEqual(vkeyRequests(requests), [
    "unsigned vkey.GetVkeyServer.CgiGetVkey",
    "signed vkey.GetVkeyServer.CgiGetVkey",
  ]);
  const audio = await emulation.fetch(first[0]!.url);
  assert.equal(audio.status, 200);
  await audio.body?.cancel();
  // the run remembers the variant that answered
  requests.length = 0;
  assert.equal((await collect(qq.downloadOffers(songs[1]!)))[0]!.level, "M500");
  assert.deepEqual(vkeyRequests(requests), [
    "signed vkey.GetVkeyServer.CgiGetVkey",
  ]);
});

Deno.test("downloadOffers() reads retcode 104009 (invalidq) and goes on to the app's UrlGetVkey with the Android comm", async () => {
  const { qq, world, emulation, requests } = await setup({
    shape: MANY_SONGS,
    behaviours: {
      qqUnsignedVkeyEmpty: 1,
      qqUnsignedVkeyForm: "invalidq",
      qqSignedVkeyAnswers: false,
    },
  });
  const songs = (await songsOf(qq, String(world.playlist(0).id)))
    .filter((s) => s.availability === "available");
  requests.length = 0;
  const offers = await collect(qq.downloadOffers(songs[0]!));
  assert.equal(offers[0]!.level, "M500");
  assert.deepEqual(vkeyRequests(requests), [
    "unsigned vkey.GetVkeyServer.CgiGetVkey",
    "signed vkey.GetVkeyServer.CgiGetVkey",
    "unsigned music.vkey.GetVkey.UrlGetVkey",
  ]);
  const app = gatewayCalls(requests).at(-1)!.body;
  assert.equal(app.comm.ct, 11);
  assert.match(app.comm.QIMEI36, /^[0-9a-f]{36}$/);
  assert.equal(app.comm.tmeAppID, "qqmusic");
  // the app's answer names no CDN: the default one serves the file
  const audio = await emulation.fetch(offers[0]!.url);
  assert.equal(audio.status, 200);
  assert.equal((await audio.arrayBuffer()).byteLength, offers[0]!.sizeBytes);
  requests.length = 0;
  await collect(qq.downloadOffers(songs[1]!));
  assert.deepEqual(vkeyRequests(requests), [
    "unsigned music.vkey.GetVkey.UrlGetVkey",
  ]);
});

Deno.test("downloadOffers() says vip_only only when the variants agree", async () => {
  // the unsigned call refuses every rung with 104003; the others grant
  const refusing: (fetch: Fetch) => Fetch = (inner) => async (input, init) => {
    const request = new Request(input, init);
    const response = await inner(request);
    if (!request.url.includes("/musicu.fcg")) return response;
    const body = await response.json();
    for (const label of Object.values(body) as Any[]) {
      for (const entry of label?.data?.midurlinfo ?? []) {
        Object.assign(entry, { purl: "", vkey: "", result: 104003 });
      }
    }
    return Response.json(body);
  };
  const { qq, world, requests } = await setup({
    shape: MANY_SONGS,
    wrap: refusing,
  });
  const songs = await songsOf(qq, String(world.playlist(0).id));
  const song = songs.find((s) => s.availability === "available")!;
  requests.length = 0;
  const offers = await collect(qq.downloadOffers(song));
  assert.equal(offers[0]!.level, "M500", "the signed call granted it");
  assert.deepEqual(vkeyRequests(requests), [
    "unsigned vkey.GetVkeyServer.CgiGetVkey",
    "signed vkey.GetVkeyServer.CgiGetVkey",
  ]);
  // a pay_play song without a login is VIP-only at the first refusal
  const paid = songs.find((s) => s.availability === "vip")!;
  requests.length = 0;
  await assert.rejects(
    collect(qq.downloadOffers(paid)),
    (error) => isSourceError(error, "vip") && error.code === 104003,
  );
  assert.equal(vkeyRequests(requests).length, 1);
});

Deno.test("downloadOffers() throws vip for VIP-only songs and unavailable for songs without rights", async () => {
  const anonymous = await setup({ shape: MANY_SONGS });
  const songs = await songsOf(
    anonymous.qq,
    String(anonymous.world.playlist(0).id),
  );
  const vipOnly = songs.find((s) => s.availability === "vip")!;
  const gone = songs.find((s) => s.availability === "unavailable")!;
  await assert.rejects(
    collect(anonymous.qq.downloadOffers(vipOnly)),
    (error) => isSourceError(error, "vip") && error.code === 104003,
  );
  await assert.rejects(
    collect(anonymous.qq.downloadOffers(gone)),
    (error) => isSourceError(error, "unavailable"),
  );
  const svip = await setup({ shape: MANY_SONGS, account: "svip" });
  assert.ok((await collect(svip.qq.downloadOffers(vipOnly))).length > 0);
  await assert.rejects(
    collect(svip.qq.downloadOffers(gone)),
    (error) => isSourceError(error, "unavailable"),
  );
});

Deno.test("downloadOffers() works from a song rebuilt from its stored raw JSON", async () => {
  const { qq, world } = await setup({ shape: MANY_SONGS, account: "svip" });
  const songs = await songsOf(qq, String(world.playlist(0).id));
  const song = songs.find((s) =>
    s.availability === "available" &&
    (s.raw as Any).file.media_mid !== s.remoteId
  )!;
  const rebuilt = parseSong(JSON.parse(JSON.stringify(song.raw)));
  assert.deepEqual(rebuilt, song);
  const offers = await collect(qq.downloadOffers(rebuilt));
  assert.equal(offers[0]!.level, song.qualities[0]!.level);
  assert.ok(offers[0]!.url.includes((song.raw as Any).file.media_mid));
});

Deno.test("artistDetail() reads a singer by mid; an unknown mid is not_found", async () => {
  const { qq, world } = await setup();
  const artist = world.artist(0);
  const detail = await qq.artistDetail(artist.mid);
  assert.equal(detail.remoteId, artist.mid);
  assert.equal(detail.name, artist.name);
  assert.equal(detail.description, artist.description);
  await assert.rejects(
    qq.artistDetail("00nobody"),
    (error) => error instanceof SourceError && error.kind === "not_found",
  );
});
