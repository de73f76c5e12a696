/**
 * The legacy square (§3 family A): its parsers, its emulation, and the
 * client falling back to it as a whole when musicu family B fails.
 */
import assert from "node:assert/strict";
import { createEmulation, type Emulation } from "../../emulation/emulation.ts";
import {
  createQqEmulator,
  FAMILY_B_SQUARE_MATCH,
  familyBSquareFault,
  LEGACY_ALL_CATEGORY_ID,
  legacyCategoryId,
  legacyPlaylists,
} from "../../emulation/qq/mod.ts";
import type { World, WorldShape } from "../../emulation/world.ts";
import { isSourceError, SourceError } from "../../sources/errors.ts";
import type { Fetch } from "../../sources/http.ts";
import {
  legacyCategoryIdOf,
  legacyPoolKey,
  parseLegacyCategories,
  parseLegacyCategoryPage,
} from "../../sources/qq/_legacy_square.ts";
import { decodeEntities } from "../../sources/qq/_parse.ts";
import { createSources } from "../../sources/registry.ts";
import type { PlaylistCandidate, Source } from "../../sources/types.ts";

const T0 = Date.UTC(2026, 5, 1, 4, 0, 0);
const ORIGIN = "http://emu";
const TAG_CONF =
  `${ORIGIN}/c.y.qq.com/splcloud/fcgi-bin/fcg_get_diss_tag_conf.fcg`;
const BY_TAG = `${ORIGIN}/c.y.qq.com/splcloud/fcgi-bin/fcg_get_diss_by_tag.fcg`;
const REFERER = { referer: "https://y.qq.com/" };
const DATA = new URL("../testdata/qq/", import.meta.url);

// deno-lint-ignore no-explicit-any
type Any = any;

// deno-lint-ignore no-explicit-any
async function load(name: string): Promise<any> {
  return JSON.parse(await Deno.readTextFile(new URL(name, DATA)));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function emulationOf(shape?: Partial<WorldShape>): Emulation {
  return createEmulation({
    size: "tiny",
    now: () => T0,
    emulators: { qq: (world) => createQqEmulator(world, { flakyVkeyRate: 0 }) },
    ...(shape ? { shapes: { qq: shape } } : {}),
  });
}

/** A QQ source on an emulation, logging every request it sends. */
async function setup(shape?: Partial<WorldShape>) {
  const emulation = emulationOf(shape);
  const requests: string[] = [];
  const fetch: Fetch = (input, init) => {
    const request = new Request(input, init);
    if (!request.url.includes("/_emulation/")) requests.push(request.url);
    return emulation.fetch(request);
  };
  const sources = await createSources({
    fetch,
    emulation: ORIGIN,
    platforms: ["qq"],
    ratePerSecond: 0,
    sleep: () => Promise.resolve(),
    now: () => T0,
    random: () => 0.5,
    credentials: {},
  });
  requests.length = 0;
  return {
    qq: sources.get("qq")!,
    emulation,
    world: emulation.worlds.qq,
    requests,
  };
}

/** Which family a logged request spoke to. */
function familyOf(url: string): "A" | "B" | "other" {
  if (url.includes("/c.y.qq.com/splcloud/")) return "A";
  if (url.includes("/u.y.qq.com/")) return "B";
  return "other";
}

/** Scripts a fault through the emulation's HTTP route, as a tool would. */
async function scriptFault(emulation: Emulation, rule: unknown): Promise<void> {
  const response = await emulation.fetch(`${ORIGIN}/_emulation/faults`, {
    method: "POST",
    body: JSON.stringify({ rule }),
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
}

/** Every category of a world, in order. */
function categoriesOf(world: World) {
  return Array.from(
    { length: world.shape.categories },
    (_, i) => world.category(i),
  );
}

async function getJson(url: string, emulation: Emulation, headers = REFERER) {
  const response = await emulation.fetch(url, { headers });
  assert.equal(response.status, 200);
  return await response.json();
}

function byTagUrl(query: Record<string, string | number>): string {
  const search = new URLSearchParams(
    Object.entries({ format: "json", ...query }).map((
      [k, v],
    ) => [k, String(v)]),
  );
  return `${BY_TAG}?${search}`;
}

// ---------------------------------------------------------------- parsing

Deno.test("parseLegacyCategories() keeps usable categories once, keyed legacy:<id>, names decoded", async () => {
  const pools = parseLegacyCategories(await load("diss_tag_conf.json"));
  assert.deepEqual(
    pools.map((p) => [p.kind, p.remoteKey, p.name, p.group]),
    [
      ["square", "legacy:165", "国语", "语种"],
      ["square", "legacy:167", "英语", "语种"],
      ["square", "legacy:6", "R&B", "流派"],
      ["square", "legacy:141", "KTV热歌", "主题 & 场景"],
    ],
  );
  assert.ok(pools.every((p) => p.platform === "qq"));
});

Deno.test("parseLegacyCategories() skips the 全部 placeholder even when flagged usable", () => {
  const pools = parseLegacyCategories({
    code: 0,
    data: {
      categories: [{
        categoryGroupName: "热门",
        usable: 1,
        items: [
          { categoryId: 10000000, categoryName: "全部", usable: 1 },
          { categoryId: 59, categoryName: "经典", usable: 1 },
        ],
      }],
    },
  });
  assert.deepEqual(pools.map((p) => p.remoteKey), ["legacy:59"]);
});

Deno.test("parseLegacyCategoryPage() reads sum and list[] with string dissid, decoded names and no song count", async () => {
  const page = parseLegacyCategoryPage(await load("diss_by_tag.json"));
  assert.equal(page.total, 7576);
  assert.deepEqual(
    page.playlists.map((p) => [p.remoteId, p.name, p.creator, p.playCount]),
    [
      [
        "6999771250",
        '民谣摇滚：与鲍勃迪伦同行 & "朋友" \'s <3',
        "少女心的摇滚狗&猫",
        180288,
      ],
      // decoded once: a literal "&amp;" in the name survives
      ["7039128384", "Tom &amp; Jerry", undefined, 52],
    ],
  );
  const [first, second] = page.playlists;
  assert.equal(first!.coverUrl, "http://p.qpic.cn/music_cover/example/600?n=1");
  assert.equal(first!.updatedAt, Date.parse("2019-05-24T00:00:00+08:00"));
  assert.equal(second!.description, "第一行\n第二行");
  assert.ok(page.playlists.every((p) => !("trackCount" in p)));
});

Deno.test("the legacy parsers reject malformed answers with a malformed error naming the path", () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => parseLegacyCategories("<html>"), /expected an object/],
    [
      () => parseLegacyCategories({ code: 0 }),
      /expected an object at data, got nothing/,
    ],
    [
      () => parseLegacyCategories({ code: 0, data: { categories: {} } }),
      /expected a list at data\.categories/,
    ],
    [
      () =>
        parseLegacyCategories({
          code: 0,
          data: {
            categories: [{
              usable: 1,
              items: [{ usable: 1, categoryName: "x" }],
            }],
          },
        }),
      /at data\.categories\[0\]\.items\[0\]\.categoryId/,
    ],
    [
      () =>
        parseLegacyCategories({
          code: 0,
          data: {
            categories: [{
              usable: 1,
              items: [{ usable: 1, categoryId: "abc", categoryName: "x" }],
            }],
          },
        }),
      /id of digits at data\.categories\[0\]\.items\[0\]\.categoryId/,
    ],
    [
      () =>
        parseLegacyCategoryPage({
          code: 0,
          data: { sum: 1, list: [{ dissid: "x1", dissname: "n" }] },
        }),
      /id of digits at data\.list\[0\]\.dissid/,
    ],
  ];
  for (const [parse, message] of cases) {
    assert.throws(
      parse,
      (error) =>
        isSourceError(error, "malformed") && message.test(error.message),
    );
  }
});

Deno.test("the legacy page parser takes what a page holds: no sum, no name", () => {
  assert.deepEqual(parseLegacyCategoryPage({ code: 0, data: {} }), {
    total: 0,
    playlists: [],
  });
  const page = parseLegacyCategoryPage({
    code: 0,
    data: { list: [{ dissid: 12 }] },
  });
  assert.equal(page.total, 1);
  assert.deepEqual(
    page.playlists.map((p) => [p.remoteId, p.name]),
    [["12", ""]],
  );
});

Deno.test("legacy pool keys round-trip and never read as musicu ids", () => {
  assert.equal(legacyPoolKey("165"), "legacy:165");
  assert.equal(legacyCategoryIdOf("legacy:165"), 165);
  assert.equal(legacyCategoryIdOf("165"), undefined);
  assert.equal(legacyCategoryIdOf("toplist"), undefined);
  assert.throws(() => legacyCategoryIdOf("legacy:abc"), TypeError);
  assert.throws(() => legacyCategoryIdOf("legacy:"), TypeError);
});

Deno.test("decodeEntities() decodes named and numeric entities once", () => {
  assert.equal(
    decodeEntities(
      "a&amp;b &lt;i&gt; &quot;q&quot; &#39;s&apos; &#x4E2D;&#25991;",
    ),
    "a&b <i> \"q\" 's' 中文",
  );
  assert.equal(decodeEntities("&amp;lt;"), "&lt;");
  assert.equal(decodeEntities("&unknown; &#0; & x"), "&unknown; &#0; & x");
});

// ---------------------------------------------------------------- emulation

Deno.test("fcg_get_diss_tag_conf lists the world's categories under legacy ids, behind the 热门/全部 placeholder", async () => {
  const emulation = emulationOf({ categories: 5 });
  const world = emulation.worlds.qq;
  const body = await getJson(`${TAG_CONF}?format=json`, emulation);
  assert.equal(body.code, 0);
  const [hot, ...groups] = body.data.categories;
  assert.equal(hot.categoryGroupName, "热门");
  assert.equal(hot.usable, 0);
  assert.deepEqual(
    hot.items.map((i: Any) => [i.categoryId, i.categoryName, i.usable]),
    [[LEGACY_ALL_CATEGORY_ID, "全部", 0]],
  );
  const items = groups.flatMap((g: Any) =>
    g.items.map((i: Any) => [g.categoryGroupName, i.categoryId, i.usable])
  );
  assert.deepEqual(
    items.sort((a: Any, b: Any) => a[1] - b[1]),
    categoriesOf(world).map((c) => [c.group, legacyCategoryId(c), 1]),
  );
  // the two families' id spaces never meet
  const musicuIds = new Set(categoriesOf(world).map((c) => c.id));
  assert.ok(items.every((i: Any) => !musicuIds.has(i[1])));
});

Deno.test("the legacy CGIs refuse a request without a y.qq.com Referer", async () => {
  const emulation = emulationOf();
  for (
    const url of [
      `${TAG_CONF}?format=json`,
      byTagUrl({ categoryId: 1001, sortId: 5, sin: 0, ein: 9 }),
    ]
  ) {
    for (const headers of [{}, { referer: "https://evil.example/" }]) {
      const body = await getJson(url, emulation, headers as typeof REFERER);
      assert.notEqual(body.code, 0);
      assert.deepEqual(body.data, {});
    }
  }
});

Deno.test("fcg_get_diss_by_tag pages with sin and an inclusive ein, to a short last page", async () => {
  const emulation = emulationOf({ categories: 1, playlists: 25 });
  const world = emulation.worlds.qq;
  const category = world.category(0);
  const id = legacyCategoryId(category);
  const hottest = legacyPlaylists(world, id, 5);
  assert.equal(hottest.length, 25);
  // hottest first
  const plays = hottest.map((p) => world.playlist(p).playCount);
  assert.deepEqual(plays, [...plays].sort((a, b) => b - a));
  const page = async (sin: number, ein: number) =>
    (await getJson(
      byTagUrl({ categoryId: id, sortId: 5, sin, ein }),
      emulation,
    )).data;
  const first = await page(0, 9);
  assert.equal(first.sum, 25);
  assert.equal(first.sin, 0);
  assert.equal(first.ein, 9);
  assert.equal(first.list.length, 10);
  assert.deepEqual(
    first.list.map((d: Any) => d.dissid),
    hottest.slice(0, 10).map((p) => String(world.playlist(p).id)),
  );
  const one = await page(3, 3);
  assert.equal(one.list.length, 1);
  assert.equal(one.list[0].dissid, String(world.playlist(hottest[3]!).id));
  const last = await page(20, 29);
  assert.deepEqual(
    last.list.map((d: Any) => d.dissid),
    hottest.slice(20).map((p) => String(world.playlist(p).id)),
  );
  assert.deepEqual((await page(25, 34)).list, []);
  // the §8 shape: string dissid, no song count anywhere
  const item = first.list[0];
  assert.equal(typeof item.dissid, "string");
  for (const field of ["song_cnt", "songnum", "total_song_num", "song_count"]) {
    assert.ok(!(field in item), field);
  }
  assert.equal(typeof item.creator.name, "string");
});

Deno.test("fcg_get_diss_by_tag sends names with HTML entities", async () => {
  const emulation = emulationOf({ categories: 1, playlists: 60 });
  const world = emulation.worlds.qq;
  const id = legacyCategoryId(world.category(0));
  const body = await getJson(
    byTagUrl({ categoryId: id, sortId: 5, sin: 0, ein: 59 }),
    emulation,
  );
  const names = new Map(
    legacyPlaylists(world, id).map((p) => {
      const playlist = world.playlist(p);
      return [String(playlist.id), playlist.name];
    }),
  );
  const awkward = body.data.list.filter((d: Any) =>
    /[&<>"']/.test(names.get(d.dissid)!)
  );
  assert.ok(awkward.length > 0, "the world should hold names to escape");
  for (const item of awkward) {
    assert.doesNotMatch(item.dissname, /[<>"']/);
    assert.notEqual(item.dissname, names.get(item.dissid));
    assert.equal(decodeEntities(item.dissname), names.get(item.dissid));
  }
});

Deno.test("fcg_get_diss_by_tag refuses what the service refuses and knows 全部 and unknown ids", async () => {
  const emulation = emulationOf({ categories: 2, playlists: 12 });
  const world = emulation.worlds.qq;
  const id = legacyCategoryId(world.category(0));
  const refused: Array<Record<string, string | number>> = [
    { sortId: 5, sin: 0, ein: 9 },
    { categoryId: "abc", sortId: 5, sin: 0, ein: 9 },
    { categoryId: id, sin: 0, ein: 9 },
    { categoryId: id, sortId: 4, sin: 0, ein: 9 },
    { categoryId: id, sortId: 5, ein: 9 },
    { categoryId: id, sortId: 5, sin: -1, ein: 9 },
    { categoryId: id, sortId: 5, sin: 0 },
    { categoryId: id, sortId: 5, sin: 10, ein: 9 },
    { categoryId: id, sortId: 5, sin: "1.5", ein: 9 },
    { categoryId: id, sortId: 5, sin: 0, ein: 100 },
  ];
  for (const query of refused) {
    const body = await getJson(byTagUrl(query), emulation);
    assert.notEqual(body.code, 0, JSON.stringify(query));
  }
  const ok = await getJson(
    byTagUrl({ categoryId: id, sortId: 2, sin: 0, ein: 99 }),
    emulation,
  );
  assert.equal(ok.code, 0);
  // newest first for sortId 2
  assert.deepEqual(
    ok.data.list.map((d: Any) => d.dissid),
    legacyPlaylists(world, id, 2).map((p) => String(world.playlist(p).id)),
  );
  const all = await getJson(
    byTagUrl({
      categoryId: LEGACY_ALL_CATEGORY_ID,
      sortId: 5,
      sin: 0,
      ein: 99,
    }),
    emulation,
  );
  assert.equal(all.data.sum, 12);
  // a musicu id is no legacy id: an empty category, not another's playlists
  const musicu = await getJson(
    byTagUrl({ categoryId: world.category(0).id, sortId: 5, sin: 0, ein: 9 }),
    emulation,
  );
  assert.equal(musicu.code, 0);
  assert.equal(musicu.data.sum, 0);
  assert.deepEqual(musicu.data.list, []);
});

Deno.test("the legacy CGIs answer JSONP on callback", async () => {
  const emulation = emulationOf();
  const response = await emulation.fetch(
    `${TAG_CONF}?format=jsonp&jsonpCallback=cb_2`,
    { headers: REFERER },
  );
  const text = await response.text();
  assert.match(text, /^cb_2\(\{.*\}\)$/s);
  assert.equal(JSON.parse(text.slice(5, -1)).data.categories[0].usable, 0);
});

Deno.test("familyBSquareFault() fails both family B calls of the square and leaves family A alone", async () => {
  const emulation = emulationOf();
  emulation.faults.inject(familyBSquareFault({ times: 2 }));
  const labels = {
    tags: {
      module: "playlist.PlaylistAllCategoriesServer",
      method: "get_all_categories",
      param: { qq: "" },
    },
    content: {
      module: "playlist.PlayListCategoryServer",
      method: "get_category_content",
      param: { category_id: 100, size: 10, page: 0 },
    },
    charts: {
      module: "musicToplist.ToplistInfoServer",
      method: "GetAll",
      param: {},
    },
  };
  const answer = await (await emulation.fetch(
    `${ORIGIN}/u.y.qq.com/cgi-bin/musicu.fcg`,
    { method: "POST", body: JSON.stringify({ comm: { ct: 24 }, ...labels }) },
  )).json();
  assert.notEqual(answer.tags.code, 0);
  assert.notEqual(answer.content.code, 0);
  assert.equal(answer.charts.code, 0);
  assert.equal(
    (await getJson(`${TAG_CONF}?format=json`, emulation)).code,
    0,
  );
  assert.deepEqual(emulation.faults.pending(), []);
  assert.equal(FAMILY_B_SQUARE_MATCH, "#playlist.");
});

// ---------------------------------------------------------------- client

/** Every playlist of every pool, per pool key. */
async function listAll(qq: Source) {
  const pools = await qq.listPools("square");
  const listed = new Map<string, PlaylistCandidate[]>();
  for (const pool of pools) {
    listed.set(pool.remoteKey, await collect(qq.listPlaylists(pool)));
  }
  return { pools, listed };
}

Deno.test("listPools('square') falls back to family A as a whole when family B answers an error code", async () => {
  const { qq, emulation, world, requests } = await setup({
    categories: 4,
    playlists: 40,
  });
  await scriptFault(emulation, familyBSquareFault({ code: 500001, times: 50 }));
  const stats = (await (await emulation.fetch(`${ORIGIN}/_emulation/stats`))
    .json()).qq;
  const { pools, listed } = await listAll(qq);
  // every category of the world, once, under its legacy key
  assert.equal(pools.length, stats.categories);
  assert.deepEqual(
    pools.map((p) => [p.remoteKey, p.name, p.group]).sort(),
    categoriesOf(world).map((c) => [
      `legacy:${legacyCategoryId(c)}`,
      c.name,
      c.group,
    ]).sort(),
  );
  // each category's playlists as the emulation orders them, names exact
  for (const category of categoriesOf(world)) {
    const id = legacyCategoryId(category);
    const got = listed.get(`legacy:${id}`)!;
    assert.deepEqual(
      got.map((p) => [p.remoteId, p.name, p.playCount]),
      legacyPlaylists(world, id, 5).map((i) => {
        const playlist = world.playlist(i);
        return [String(playlist.id), playlist.name, playlist.playCount];
      }),
    );
    assert.ok(got.every((p) => p.trackCount === undefined));
  }
  // every playlist of the square is reached
  const reached = new Set([...listed.values()].flat().map((p) => p.remoteId));
  assert.equal(reached.size, stats.playlists);
  // one failed family B call, then family A only: never a mix
  const families = requests.map(familyOf);
  assert.deepEqual(families.slice(0, 2), ["B", "A"]);
  assert.ok(families.slice(1).every((f) => f === "A"), families.join(","));
  for (const url of requests.slice(2)) {
    assert.match(url, /fcg_get_diss_by_tag\.fcg/);
    const query = new URL(url).searchParams;
    assert.equal(query.get("sortId"), "5");
    assert.ok(
      categoriesOf(world).some((c) =>
        String(legacyCategoryId(c)) === query.get("categoryId")
      ),
      `a musicu id was sent to family A: ${query.get("categoryId")}`,
    );
  }
});

Deno.test("listPools('square') falls back on a malformed family B answer and on an HTML page", async () => {
  for (
    const fault of [
      familyBSquareFault({ code: 0, times: 1 }),
      { kind: "html", platform: "qq", match: "/u.y.qq.com/", times: 20 },
    ]
  ) {
    const { qq, emulation, world, requests } = await setup();
    await scriptFault(emulation, fault);
    const pools = await qq.listPools("square");
    assert.deepEqual(
      pools.map((p) => p.remoteKey).sort(),
      categoriesOf(world).map((c) => `legacy:${legacyCategoryId(c)}`).sort(),
      JSON.stringify(fault),
    );
    assert.equal(requests.map(familyOf).at(-1), "A");
    assert.equal(requests.filter((u) => familyOf(u) === "A").length, 1);
  }
});

Deno.test("listPools('square') stays on family B when it answers, with its own keys", async () => {
  const { qq, world, requests } = await setup();
  const pools = await qq.listPools("square");
  assert.deepEqual(
    pools.map((p) => p.remoteKey),
    categoriesOf(world).map((c) => String(c.id)),
  );
  assert.deepEqual(requests.map(familyOf), ["B"]);
});

Deno.test("listPools('square') does not fall back when family B rate limits or refuses the login", async () => {
  const cases = [[2001, "rate_limited"], [104400, "login"]] as const;
  for (const [code, kind] of cases) {
    const { qq, emulation, requests } = await setup();
    emulation.faults.inject(familyBSquareFault({ code, times: 50 }));
    await assert.rejects(
      qq.listPools("square"),
      (error) => isSourceError(error, kind),
    );
    assert.ok(requests.every((u) => familyOf(u) === "B"), String(code));
  }
});

Deno.test("listPools('square') fails naming both families when family A fails too", async () => {
  const { qq, emulation } = await setup();
  emulation.faults.inject(familyBSquareFault({ code: 500001, times: 5 }));
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "fcg_get_diss_tag_conf",
    code: -7,
  });
  const error = await qq.listPools("square").then(
    () => assert.fail("expected a failure"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof SourceError);
  assert.equal(error.kind, "http");
  assert.equal(error.code, -7);
  assert.match(error.message, /fcg_get_diss_tag_conf\.fcg failed with code -7/);
  assert.match(error.message, /musicu failed: .*code 500001/);
});

Deno.test("listPlaylists() of a legacy pool pages sin/ein by 30 to the last page and honours limit", async () => {
  const { qq, emulation, world, requests } = await setup({
    categories: 1,
    playlists: 70,
  });
  emulation.faults.inject(familyBSquareFault({ times: 50 }));
  const [pool] = await qq.listPools("square");
  const id = legacyCategoryId(world.category(0));
  assert.equal(pool!.remoteKey, `legacy:${id}`);
  requests.length = 0;
  const all = await collect(qq.listPlaylists(pool!));
  assert.equal(all.length, 70);
  assert.deepEqual(
    requests.map((u) => {
      const q = new URL(u).searchParams;
      return [q.get("sin"), q.get("ein")];
    }),
    [["0", "29"], ["30", "59"], ["60", "89"]],
  );
  requests.length = 0;
  const some = await collect(qq.listPlaylists(pool!, { limit: 35 }));
  assert.deepEqual(
    some.map((p) => p.remoteId),
    all.slice(0, 35).map((p) => p.remoteId),
  );
  assert.equal(requests.length, 2);
  // the listed playlists' songs come from getcdinfo as usual
  const songs = await qq.playlistSongs(all[0]!.remoteId);
  const playlist = world.playlist(legacyPlaylists(world, id)[0]!);
  assert.equal(songs.declaredCount, playlist.trackCount);
  assert.equal(songs.songs.length, playlist.trackCount);
});

Deno.test("listPlaylists() refuses a legacy key without a numeric id", async () => {
  const { qq } = await setup();
  await assert.rejects(
    collect(qq.listPlaylists({
      platform: "qq",
      kind: "square",
      remoteKey: "legacy:x",
      name: "x",
    })),
    TypeError,
  );
});
