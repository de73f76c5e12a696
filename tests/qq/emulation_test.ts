import assert from "node:assert/strict";
import { type Behaviours, NO_BEHAVIOURS } from "../../emulation/behaviours.ts";
import { createEmulation, type Emulation } from "../../emulation/emulation.ts";
import {
  chartPeriod,
  createQqEmulator,
  type QqAccount,
  type QqEmulatorOptions,
} from "../../emulation/qq/mod.ts";
import type { GenSong } from "../../emulation/world.ts";
import { gTk, zzcSign } from "../../sources/qq/_sign.ts";

const T0 = Date.UTC(2026, 5, 1, 4, 0, 0);
const ORIGIN = "http://emu";
const MUSICU = `${ORIGIN}/u.y.qq.com/cgi-bin/musicu.fcg`;
const MUSICS = `${ORIGIN}/u.y.qq.com/cgi-bin/musics.fcg`;
const CDINFO =
  `${ORIGIN}/c.y.qq.com/qzone/fcg-bin/fcg_ucc_getcdinfo_byids_cp.fcg`;

// deno-lint-ignore no-explicit-any
type Any = any;

/** An emulation on a clock the test moves. */
function setup(
  options: QqEmulatorOptions & {
    songs?: number;
    big?: number;
    /** The modelled behaviours of real answers: off unless given. */
    behaviours?: Partial<Behaviours>;
  } = {},
) {
  const clock = { now: T0 };
  const emulation = createEmulation({
    size: "tiny",
    now: () => clock.now,
    behaviours: options.behaviours
      ? { ...NO_BEHAVIOURS, ...options.behaviours }
      : "off",
    emulators: {
      qq: (world) => createQqEmulator(world, { flakyVkeyRate: 0, ...options }),
    },
    ...(options.songs === undefined ? {} : {
      shapes: {
        qq: { songs: options.songs, bigPlaylistTracks: options.big ?? 8 },
      },
    }),
  });
  return { emulation, clock, world: emulation.worlds.qq };
}

interface CallOptions {
  account?: QqAccount;
  gTkOverride?: number;
}

function envelope(
  labels: Record<string, unknown>,
  options: CallOptions = {},
): string {
  const key = options.account?.key ?? "";
  const gtk = options.gTkOverride ?? gTk(key);
  return JSON.stringify({
    comm: {
      ct: 24,
      cv: 0,
      uin: Number(options.account?.uin ?? 0),
      g_tk: gtk,
      g_tk_new_20200303: gtk,
    },
    ...labels,
  });
}

function cookieOf(account: QqAccount | undefined): Record<string, string> {
  return account
    ? { cookie: `uin=${account.uin}; qm_keyst=${account.key}` }
    : {};
}

async function post(
  emulation: Emulation,
  url: string,
  body: string,
  account?: QqAccount,
): Promise<Any> {
  const response = await emulation.fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...cookieOf(account) },
  });
  assert.equal(response.status, 200);
  return await response.json();
}

async function call(
  emulation: Emulation,
  labels: Record<string, unknown>,
  options: CallOptions = {},
): Promise<Any> {
  return await post(
    emulation,
    MUSICU,
    envelope(labels, options),
    options.account,
  );
}

async function accounts(
  emulation: Emulation,
): Promise<Record<"vip" | "svip" | "expired", QqAccount>> {
  const config = await (await emulation.fetch(`${ORIGIN}/_emulation/config`))
    .json();
  return config.platforms.qq.accounts;
}

const GET_ALL = {
  module: "musicToplist.ToplistInfoServer",
  method: "GetAll",
  param: {},
};
const CATEGORIES = {
  module: "playlist.PlaylistAllCategoriesServer",
  method: "get_all_categories",
  param: { qq: "" },
};

function vkeyCall(song: GenSong, prefixes: string[], filenames?: string[]) {
  const ext: Record<string, string> = {
    AI00: "flac",
    RS01: "flac",
    F000: "flac",
    M800: "mp3",
    C600: "m4a",
    M500: "mp3",
    C400: "m4a",
  };
  const names = filenames ??
    prefixes.map((p) => `${p}${song.mediaMid}.${ext[p]}`);
  return {
    module: "vkey.GetVkeyServer",
    method: "CgiGetVkey",
    param: {
      guid: "1234567890",
      songmid: names.map(() => song.mid),
      filename: names,
      songtype: names.map(() => 0),
      uin: "0",
      loginflag: 1,
      platform: "20",
    },
  };
}

function findSong(
  world: { shape: { songs: number }; song(i: number): GenSong },
  test: (song: GenSong) => boolean,
): GenSong {
  for (let i = 0; i < world.shape.songs; i++) {
    const song = world.song(i);
    if (test(song)) return song;
  }
  throw new Error("no such song in the world");
}

const hasLabel = (song: GenSong, label: string) =>
  song.tiers.some((t) => t.label === label);

/** `prefix -> [purl non-empty, result]` of a vkey answer. */
function grants(answer: Any): Record<string, [boolean, number]> {
  const out: Record<string, [boolean, number]> = {};
  for (const entry of answer.data.midurlinfo) {
    out[entry.filename.slice(0, 4)] = [entry.purl !== "", entry.result];
  }
  return out;
}

Deno.test("musicu.fcg dispatches labels by module and method and echoes them", async () => {
  const { emulation } = setup();
  const body = await call(emulation, {
    tags: CATEGORIES,
    charts: GET_ALL,
    nonsense: { module: "no.Such", method: "x", param: {} },
  });
  assert.equal(body.code, 0);
  assert.equal(typeof body.ts, "number");
  assert.match(body.traceid, /^[0-9a-f]{16}$/);
  assert.equal(body.tags.code, 0);
  assert.equal(body.tags.data.v_group.flatMap((g: Any) => g.v_item).length, 2);
  assert.equal(body.charts.code, 0);
  assert.notEqual(body.nonsense.code, 0);
});

Deno.test("musicu.fcg answers GET ?data= like POST", async () => {
  const { emulation } = setup();
  const data = envelope({ req_0: CATEGORIES });
  const response = await emulation.fetch(
    `${MUSICU}?format=json&g_tk=5381&data=${encodeURIComponent(data)}`,
  );
  const body = await response.json();
  assert.equal(body.req_0.code, 0);
  assert.deepEqual(
    body.req_0,
    (await call(emulation, { req_0: CATEGORIES })).req_0,
  );
});

Deno.test("musicu.fcg refuses a body that is not an envelope", async () => {
  const { emulation } = setup();
  const body = await post(emulation, MUSICU, "{not json");
  assert.notEqual(body.code, 0);
});

Deno.test("musics.fcg answers 2000 to a bad sign and 0 to the zzc of the raw body", async () => {
  const { emulation } = setup();
  const body = envelope({ a: CATEGORIES, b: GET_ALL });
  const good = await post(emulation, `${MUSICS}?sign=${zzcSign(body)}`, body);
  assert.equal(good.a.code, 0);
  assert.equal(good.b.code, 0);
  const bad = await post(emulation, `${MUSICS}?sign=zzc0000`, body);
  assert.equal(bad.a.code, 2000);
  assert.equal(bad.b.code, 2000);
  // the sign covers the exact bytes: the same JSON spaced differently fails
  const spaced = JSON.stringify(JSON.parse(body), null, 1);
  const moved = await post(
    emulation,
    `${MUSICS}?sign=${zzcSign(body)}`,
    spaced,
  );
  assert.equal(moved.a.code, 2000);
  const missing = await post(emulation, MUSICS, body);
  assert.equal(missing.a.code, 2000);
});

Deno.test("modules marked sign-required answer 2000 on the unsigned gateway", async () => {
  const { emulation } = setup({
    signRequired: ["musicToplist.ToplistInfoServer.GetAll"],
  });
  const unsigned = await call(emulation, { a: GET_ALL, b: CATEGORIES });
  assert.equal(unsigned.a.code, 2000);
  assert.equal(unsigned.b.code, 0);
  const body = envelope({ a: GET_ALL });
  const signed = await post(emulation, `${MUSICS}?sign=${zzcSign(body)}`, body);
  assert.equal(signed.a.code, 0);
});

Deno.test("get_category_content pages by size and 0-based page", async () => {
  const { emulation, world } = setup();
  const category = world.category(0);
  const all = world.categoryPlaylists(0);
  const page = (size: number, p: number) => ({
    module: "playlist.PlayListCategoryServer",
    method: "get_category_content",
    param: {
      titleid: category.id,
      caller: "0",
      category_id: category.id,
      size,
      page: p,
      use_page: 1,
    },
  });
  const body = await call(emulation, {
    p0: page(1, 0),
    p1: page(1, 1),
    big: page(101, 0),
  });
  assert.equal(body.p0.data.content.total_cnt, all.length);
  assert.equal(
    body.p0.data.content.v_item[0].basic.tid,
    world.playlist(all[0]!).id,
  );
  assert.equal(
    body.p1.data.content.v_item[0].basic.tid,
    world.playlist(all[1]!).id,
  );
  assert.notEqual(body.big.code, 0);
});

Deno.test("getcdinfo refuses a request without Referer", async () => {
  const { emulation, world } = setup();
  const url =
    `${CDINFO}?type=1&json=1&utf8=1&onlysong=0&new_format=1&format=json&disstid=${
      world.playlist(0).id
    }&song_begin=0&song_num=5`;
  const refused = await (await emulation.fetch(url)).json();
  assert.notEqual(refused.code, 0);
  assert.deepEqual(refused.cdlist, []);
  const ok = await (await emulation.fetch(url, {
    headers: { referer: "https://y.qq.com/n/yqq/playlist" },
  })).json();
  assert.equal(ok.code, 0);
  assert.equal(ok.cdlist[0].songlist.length, 5);
});

Deno.test("getcdinfo pages with song_begin/song_num and caps a page at 1000", async () => {
  const { emulation, world } = setup({ songs: 1200, big: 1100 });
  const playlist = world.playlist(0);
  assert.equal(playlist.trackCount, 1100);
  const get = async (query: string) =>
    await (await emulation.fetch(
      `${CDINFO}?type=1&json=1&utf8=1&onlysong=0&new_format=1&format=json&disstid=${playlist.id}${query}`,
      { headers: { referer: "https://y.qq.com/" } },
    )).json();
  const page = await get("&song_begin=100&song_num=100");
  const cd = page.cdlist[0];
  assert.equal(cd.total_song_num, 1100);
  assert.equal(cd.song_begin, 100);
  assert.equal(cd.cur_song_num, 100);
  assert.equal(cd.songlist[0].mid, world.song(playlist.track(100)).mid);
  const unpaged = await get("");
  assert.equal(unpaged.cdlist[0].songlist.length, 1000);
  const tail = await get("&song_begin=1050&song_num=100");
  assert.equal(tail.cdlist[0].songlist.length, 50);
  const missing = await (await emulation.fetch(
    `${CDINFO}?type=1&json=1&utf8=1&new_format=1&disstid=1`,
    { headers: { referer: "https://y.qq.com/" } },
  )).json();
  assert.notEqual(missing.code, 0);
});

Deno.test("getcdinfo answers JSONP on callback", async () => {
  const { emulation, world } = setup();
  const response = await emulation.fetch(
    `${CDINFO}?type=1&json=1&utf8=1&new_format=1&disstid=${
      world.playlist(1).id
    }&callback=cb_1`,
    { headers: { referer: "https://y.qq.com/" } },
  );
  const body = await response.text();
  assert.match(body, /^cb_1\(\{.*\}\)$/s);
  assert.equal(JSON.parse(body.slice(5, -1)).code, 0);
});

Deno.test("GetDetail accepts topId and topid, pages with offset/num and corrects a wrong period", async () => {
  const { emulation, world, clock } = setup();
  const chart = world.chart(0);
  const period = chartPeriod(chart, clock.now);
  const detail = (param: Record<string, unknown>) => ({
    module: "musicToplist.ToplistInfoServer",
    method: "GetDetail",
    param,
  });
  const body = await call(emulation, {
    lower: detail({ topid: chart.id, offset: 1, num: 2, period }),
    upper: detail({ topId: chart.id, offset: 0, num: 100, period }),
    stale: detail({
      topid: chart.id,
      offset: 0,
      num: 100,
      period: "2001-01-01",
    }),
    unknown: detail({ topid: 99999, offset: 0, num: 10, period }),
  });
  assert.equal(body.lower.data.data.totalNum, chart.trackCount);
  assert.deepEqual(
    body.lower.data.songInfoList.map((s: Any) => s.mid),
    [world.song(chart.track(1)).mid, world.song(chart.track(2)).mid],
  );
  assert.equal(body.upper.data.songInfoList.length, chart.trackCount);
  assert.equal(body.stale.data.data.period, period);
  assert.deepEqual(body.stale.data.songInfoList, []);
  assert.notEqual(body.unknown.code, 0);
  // GetAll names the same period
  const all = await call(emulation, { all: GET_ALL });
  const listed = all.all.data.group.flatMap((g: Any) => g.toplist)
    .find((t: Any) => t.topId === chart.id);
  assert.equal(listed.period, period);
  assert.match(
    period,
    chart.cadence === "daily" ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}_\d{1,2}$/,
  );
});

Deno.test("chartPeriod() names daily and weekly periods in China time", () => {
  const { world } = setup();
  const daily = { ...world.chart(0), cadence: "daily" as const };
  const weekly = { ...world.chart(0), cadence: "weekly" as const };
  // 2019-12-02 17:00 UTC is 2019-12-03 01:00 in China: ISO week 49
  const at = Date.UTC(2019, 11, 2, 17, 0, 0);
  assert.equal(chartPeriod(daily, at), "2019-12-03");
  assert.equal(chartPeriod(weekly, at), "2019_49");
  assert.equal(chartPeriod(weekly, Date.UTC(2021, 0, 2, 0, 0, 0)), "2020_53");
});

Deno.test("CgiGetVkey grants rungs by account tier", async () => {
  const { emulation, world } = setup({ songs: 400 });
  const { vip, svip } = await accounts(emulation);
  const song = findSong(
    world,
    (s) =>
      (s.access === "free" || s.access === "hq_vip") && hasLabel(s, "master"),
  );
  const ask = ["AI00", "F000", "M800", "C600", "M500", "C400"];
  const anonymous = grants(
    (await call(emulation, { v: vkeyCall(song, ask) })).v,
  );
  assert.deepEqual(anonymous, {
    AI00: [false, 104003],
    F000: [false, 104003],
    M800: [false, 104003],
    C600: [false, 104003],
    M500: [true, 0],
    C400: [true, 0],
  });
  const asVip = grants(
    (await call(emulation, { v: vkeyCall(song, ask) }, { account: vip })).v,
  );
  assert.deepEqual(asVip.AI00, [false, 104003]);
  assert.deepEqual(asVip.F000, [true, 0]);
  assert.deepEqual(asVip.M800, [true, 0]);
  const asSvip = grants(
    (await call(emulation, { v: vkeyCall(song, ask) }, { account: svip })).v,
  );
  assert.ok(Object.values(asSvip).every(([granted]) => granted));
});

Deno.test("CgiGetVkey refuses VIP-only songs to anonymous users and unavailable songs to all", async () => {
  const { emulation, world } = setup({ songs: 400 });
  const { vip, svip } = await accounts(emulation);
  const vipOnly = findSong(world, (s) => s.access === "vip");
  const gone = findSong(world, (s) => s.access === "unavailable");
  const anonymous = grants(
    (await call(emulation, { v: vkeyCall(vipOnly, ["M500", "C400"]) })).v,
  );
  assert.deepEqual(anonymous, { M500: [false, 104003], C400: [false, 104003] });
  const asVip = grants(
    (await call(emulation, { v: vkeyCall(vipOnly, ["M500"]) }, {
      account: vip,
    })).v,
  );
  assert.deepEqual(asVip, { M500: [true, 0] });
  const unavailable = grants(
    (await call(emulation, { v: vkeyCall(gone, ["M500"]) }, {
      account: svip,
    })).v,
  );
  assert.deepEqual(unavailable, { M500: [false, 104003] });
});

Deno.test("CgiGetVkey answers 1000 to an expired key or a g_tk that is not the key's", async () => {
  const { emulation, world } = setup();
  const { vip, expired } = await accounts(emulation);
  const song = world.song(0);
  const stale = await call(emulation, { v: vkeyCall(song, ["M500"]) }, {
    account: expired,
  });
  assert.equal(stale.v.code, 1000);
  const wrongGtk = await call(emulation, { v: vkeyCall(song, ["M500"]) }, {
    account: vip,
    gTkOverride: 5381,
  });
  assert.equal(wrongGtk.v.code, 1000);
});

Deno.test("CgiGetVkey echoes filenames in form 1 and refuses unknown rungs", async () => {
  const { emulation, world } = setup({ songs: 200 });
  const song = findSong(
    world,
    (s) => s.mediaMid !== s.mid && s.access === "free",
  );
  const body = await call(emulation, {
    v: vkeyCall(song, [], [
      `M500${song.mid}${song.mid}.mp3`,
      `C400${song.mid}${song.mediaMid}.m4a`,
      `M500${song.mid}.mp3`,
      `F0M0${song.mediaMid}.mflac`,
    ]),
  });
  const entries = body.v.data.midurlinfo;
  assert.equal(entries[0].filename, `M500${song.mediaMid}.mp3`);
  assert.notEqual(entries[0].purl, "");
  assert.equal(entries[1].filename, `C400${song.mediaMid}.m4a`);
  assert.notEqual(entries[1].purl, "");
  assert.equal(entries[2].purl, "");
  assert.equal(entries[3].purl, "");
  assert.equal(entries[3].result, 104003);
});

Deno.test("CgiGetVkey's seeded empty purl comes once per song, with result 0", async () => {
  const { emulation, world } = setup({ flakyVkeyRate: 1 });
  const song = findSong(world, (s) => s.access === "free");
  const first = grants(
    (await call(emulation, { v: vkeyCall(song, ["M500"]) })).v,
  );
  assert.deepEqual(first, { M500: [false, 0] });
  const second = grants(
    (await call(emulation, { v: vkeyCall(song, ["M500"]) })).v,
  );
  assert.deepEqual(second, { M500: [true, 0] });
});

/** An envelope with the Android app's `comm` (L-1124/QQMusicApi versioning.py). */
function appEnvelope(labels: Record<string, unknown>): string {
  return JSON.stringify({
    comm: {
      ct: 11,
      cv: 14090008,
      v: 14090008,
      tmeAppID: "qqmusic",
      QIMEI36: "6c9d3cd110abca9b16311cee10001e717614",
    },
    ...labels,
  });
}

function appVkeyCall(song: GenSong, prefixes: string[]) {
  const web = vkeyCall(song, prefixes);
  return {
    module: "music.vkey.GetVkey",
    method: "UrlGetVkey",
    param: { ...web.param, guid: "0123456789abcdef0123456789abcdef", ctx: 0 },
  };
}

Deno.test("unsigned CgiGetVkey empties every purl of a seeded share of songs; musics.fcg and the app's UrlGetVkey grant them", async () => {
  const { emulation, world } = setup({
    songs: 60,
    behaviours: { qqUnsignedVkeyEmpty: 1, qqUnsignedVkeyForm: "invalidq" },
  });
  const song = findSong(
    world,
    (s) => s.access === "free" && hasLabel(s, "128k"),
  );
  const unsigned = (await call(emulation, { v: vkeyCall(song, ["M500"]) })).v;
  assert.deepEqual(grants(unsigned), { M500: [false, 0] });
  assert.equal(unsigned.data.retcode, 104009);
  assert.match(unsigned.data.msg, /invalidq/);
  const body = envelope({ v: vkeyCall(song, ["M500"]) });
  const signed =
    (await post(emulation, `${MUSICS}?sign=${zzcSign(body)}`, body))
      .v;
  assert.deepEqual(grants(signed), { M500: [true, 0] });
  assert.equal(signed.data.retcode, 0);
  const app = (await post(
    emulation,
    MUSICU,
    appEnvelope({ v: appVkeyCall(song, ["M500"]) }),
  )).v;
  assert.deepEqual(grants(app), { M500: [true, 0] });
  const [entry] = app.data.midurlinfo;
  assert.equal(entry.wifiurl, entry.purl);
  assert.equal(app.data.sip, undefined, "the app names no CDN");
  // the app module with the web comm is the web call
  const webComm = (await call(emulation, { v: appVkeyCall(song, ["M500"]) }))
    .v;
  assert.deepEqual(grants(webComm), { M500: [false, 0] });

  // the signed call may refuse too: then only the app answers
  emulation.setBehaviours({
    qqSignedVkeyAnswers: false,
    qqUnsignedVkeyForm: "empty",
  });
  const refused = (await post(
    emulation,
    `${MUSICS}?sign=${zzcSign(body)}`,
    body,
  )).v;
  assert.deepEqual(grants(refused), { M500: [false, 0] });
  assert.equal(refused.data.retcode, 0);
  assert.deepEqual(
    grants(
      (await post(
        emulation,
        MUSICU,
        appEnvelope({ v: appVkeyCall(song, ["M500"]) }),
      )).v,
    ),
    { M500: [true, 0] },
  );
  // switched off, the unsigned call grants again
  emulation.setBehaviours({ qqUnsignedVkeyEmpty: 0 });
  assert.deepEqual(
    grants((await call(emulation, { v: vkeyCall(song, ["M500"]) })).v),
    { M500: [true, 0] },
  );
});

Deno.test("the CDN checks the vkey, honours Range and refuses an expired vkey", async () => {
  const { emulation, world, clock } = setup();
  const song = findSong(world, (s) => s.access === "free");
  const body = await call(emulation, { v: vkeyCall(song, ["M500"]) });
  const url = body.v.data.sip[0] + body.v.data.midurlinfo[0].purl;
  assert.ok(url.startsWith(`${ORIGIN}/dl.stream.qqmusic.qq.com/M500`));
  const size = world.song(song.index).tiers.find((t) => t.label === "128k")!
    .sizeBytes;
  const ranged = await emulation.fetch(url, {
    headers: { range: "bytes=0-2" },
  });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get("content-range"), `bytes 0-2/${size}`);
  assert.deepEqual([...new Uint8Array(await ranged.arrayBuffer())], [
    0x49,
    0x44,
    0x33,
  ]);
  const head = await emulation.fetch(url, { method: "HEAD" });
  assert.equal(head.headers.get("content-length"), String(size));
  const tampered = url.replace(
    /vkey=([0-9A-F])/,
    (_: string, c: string) => `vkey=${c === "0" ? "1" : "0"}`,
  );
  const forged = await emulation.fetch(tampered);
  assert.equal(forged.status, 403);
  await forged.body?.cancel();
  const otherFile = url.replace("/M500", "/C400").replace(".mp3", ".m4a");
  const moved = await emulation.fetch(otherFile);
  assert.equal(moved.status, 403);
  await moved.body?.cancel();
  clock.now += (emulation.urlTtlSeconds + 1) * 1000;
  const late = await emulation.fetch(url);
  assert.equal(late.status, 403);
  await late.body?.cancel();
});

Deno.test("the gateway answers 2001 with a feedbackURL above the request rate", async () => {
  const { emulation, clock } = setup({ maxRequestsPerSecond: 3 });
  for (let i = 0; i < 3; i++) {
    clock.now += 10;
    assert.equal((await call(emulation, { a: CATEGORIES })).a.code, 0);
  }
  clock.now += 10;
  const limited = await call(emulation, { a: CATEGORIES, b: GET_ALL });
  assert.equal(limited.code, 0);
  assert.equal(limited.a.code, 2001);
  assert.equal(limited.b.code, 2001);
  assert.match(limited.a.data.feedbackURL, /^https:\/\/y\.qq\.com\//);
  clock.now += 1000;
  assert.equal((await call(emulation, { a: CATEGORIES })).a.code, 0);
});

Deno.test("the gateway's rate limit measures nothing on a clock that stands still", async () => {
  const { emulation } = setup({ maxRequestsPerSecond: 3 });
  for (let i = 0; i < 10; i++) {
    assert.equal((await call(emulation, { a: CATEGORIES })).a.code, 0);
  }
});

Deno.test("a scripted business fault fails one label and not the others", async () => {
  const { emulation } = setup();
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "GetAll",
    code: 104400,
  });
  const body = await call(emulation, { a: CATEGORIES, b: GET_ALL });
  assert.equal(body.a.code, 0);
  assert.equal(body.b.code, 104400);
  assert.equal((await call(emulation, { b: GET_ALL })).b.code, 0);
});

Deno.test("publicConfig() publishes VIP and SVIP test accounts", async () => {
  const { emulation } = setup();
  const published = await accounts(emulation);
  for (const account of Object.values(published)) {
    assert.match(account.uin, /^\d+$/);
    assert.match(account.key, /^Q_H_L_/);
  }
  assert.notEqual(published.vip.key, published.svip.key);
});
