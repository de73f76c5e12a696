import assert from "node:assert/strict";
import {
  downloadLevelOf,
  levelWeight,
  offerFromItem,
  refusalOf,
  topLevelOf,
} from "../../sources/netease/_offers.ts";
import {
  availabilityOf,
  parseArtistHead,
  parseArtistV1,
  parseSong,
  privilegeOf,
} from "../../sources/netease/_parse.ts";
import {
  parseCatalogue,
  parsePlaylistDetail,
  parsePlaylistPage,
  parseSongDetail,
  parseToplist,
} from "../../sources/netease/_parse_lists.ts";
import {
  parseDownloadUrlItem,
  parseUrlItem,
} from "../../sources/netease/_parse_offers.ts";
import { type Level, LEVELS } from "../../sources/netease/_constants.ts";
import { isSourceError } from "../../sources/errors.ts";

/** Whether `error` is a `malformed` SourceError whose message matches. */
function isMalformed(error: unknown, message: RegExp): boolean {
  return isSourceError(error, "malformed") && message.test(error.message);
}

async function payload(name: string): Promise<unknown> {
  return JSON.parse(
    await Deno.readTextFile(
      new URL(`../testdata/netease/${name}.json`, import.meta.url),
    ),
  );
}

Deno.test("parseCatalogue() makes one square pool per sub item, grouped", async () => {
  const pools = parseCatalogue(await payload("catalogue"));
  assert.deepEqual(
    pools.map((p) => [p.kind, p.remoteKey, p.name, p.group]),
    [
      ["square", "华语", "华语", "语种"],
      ["square", "摇滚", "摇滚", "风格"],
      ["square", "ACG", "ACG", "主题"],
    ],
  );
  assert.equal((pools[0]!.raw as { resourceCount: number }).resourceCount, 951);
  assert.throws(
    () => parseCatalogue({ code: 200 }),
    (error) =>
      isMalformed(error, /netease: expected a list at sub, got nothing/),
  );
});

Deno.test("parsePlaylistPage() reads playlists, more and total", async () => {
  const page = parsePlaylistPage(await payload("playlist_list"));
  assert.equal(page.more, true);
  assert.equal(page.total, 1298);
  assert.equal(page.playlists.length, 2);
  const [first, second] = page.playlists;
  assert.deepEqual({ ...first!, raw: undefined }, {
    platform: "netease",
    remoteId: "5291457135",
    name: "深夜 · 一个人的城市",
    coverUrl: "http://p4.music.126.net/abcDEF/109951165404568200.jpg",
    trackCount: 42,
    playCount: 289718,
    creator: "夜行者",
    tags: ["华语", "流行"],
    updatedAt: 1603891987230,
    raw: undefined,
  });
  // empty strings and nulls are left out rather than kept as values
  assert.equal(second!.coverUrl, undefined);
  assert.equal(second!.creator, undefined);
  assert.equal(second!.description, "short");
});

Deno.test("parsePlaylistPage() takes the high-quality cursor from the last item", async () => {
  const page = parsePlaylistPage(await payload("highquality_list"));
  assert.equal(page.lasttime, 1603891987230);
  assert.equal(page.more, true);
  assert.equal(page.total, 820);
});

Deno.test("parseToplist() keeps ToplistType in raw", async () => {
  const charts = parseToplist(await payload("toplist"));
  assert.deepEqual(charts.map((c) => c.remoteId), ["19723756", "991319590"]);
  assert.equal((charts[0]!.raw as { ToplistType?: string }).ToplistType, "S");
  assert.equal(
    (charts[1]!.raw as { ToplistType?: string }).ToplistType,
    undefined,
  );
  assert.equal(charts[0]!.trackCount, 100);
});

Deno.test("parsePlaylistDetail() reads all trackIds and only the included tracks", async () => {
  const detail = parsePlaylistDetail(await payload("playlist_detail"));
  assert.deepEqual(detail.trackIds, ["1234301", "3781876"]);
  assert.equal(detail.declaredCount, 2);
  assert.deepEqual([...detail.tracks.keys()], ["1234301"]);
  assert.deepEqual([...detail.privileges.keys()], ["1234301"]);
  assert.equal(detail.playlist.remoteId, "3778678");
  assert.equal(detail.playlist.creator, "网易云音乐");
  // the candidate's raw is the metadata, without the track lists
  assert.equal(
    (detail.playlist.raw as Record<string, unknown>).trackIds,
    undefined,
  );
});

Deno.test("parseSong() maps artists, album, duration, qualities and availability", async () => {
  const detail = parseSongDetail(await payload("song_detail"));
  const song = (id: string) =>
    parseSong(detail.songs.get(id), detail.privileges.get(id));

  const roof = song("298317");
  assert.equal(roof.title, "屋顶");
  assert.deepEqual(roof.artists, [
    { remoteId: "9612", name: "温岚" },
    { remoteId: "6452", name: "周杰伦" },
  ]);
  assert.equal(roof.artistNames, "温岚/周杰伦");
  assert.deepEqual(roof.album, { remoteId: "29597", name: "有点野" });
  assert.equal(roof.durationMs, 319039);
  assert.deepEqual(roof.qualities.map((q) => [q.label, q.level, q.sizeBytes]), [
    ["lossless", "lossless", 64579972],
    ["320k", "exhigh", 12764517],
  ]);
  // st -100 on the privilege wins over the song's st 0
  assert.equal(roof.availability, "unavailable");
  assert.equal(privilegeOf(roof.raw)?.st, -100);

  const jam = song("298318");
  // id 0 is a name-only credit: no remoteId
  assert.deepEqual(jam.artists, [
    { remoteId: "9612", name: "温岚" },
    { name: "现场乐队" },
  ]);
  assert.equal(jam.album, undefined);
  assert.equal(jam.availability, "vip");

  const free = song("298319");
  assert.equal(free.availability, "available");
  assert.deepEqual(free.qualities.map((q) => q.label), [
    "master",
    "hires",
    "lossless",
    "320k",
    "128k",
  ]);
  assert.equal(free.qualities[1]!.bitrateKbps, 1999);
  assert.equal(topLevelOf(privilegeOf(free.raw)), "jymaster");
});

Deno.test("parseSong() keeps the privilege in raw so offers can be rebuilt from stored JSON", async () => {
  const detail = parseSongDetail(await payload("song_detail"));
  const info = parseSong(
    detail.songs.get("298319"),
    detail.privileges.get("298319"),
  );
  const stored = JSON.parse(JSON.stringify(info.raw));
  assert.equal(stored.id, 298319);
  assert.equal(stored.privilege.maxBrLevel, "jymaster");
  assert.equal(stored.privilege.plLevel, "lossless");
});

Deno.test("availabilityOf() decides from the privilege", () => {
  assert.equal(availabilityOf({ st: -200 }, undefined), "unavailable");
  assert.equal(availabilityOf({ st: 0 }, undefined), "available");
  assert.equal(
    availabilityOf({ st: 0 }, { st: -200, plLevel: "none" }),
    "unavailable",
  );
  assert.equal(
    availabilityOf({ st: -1 }, { st: 0, plLevel: "standard" }),
    "available",
  );
  assert.equal(availabilityOf({}, { st: 0, plLevel: "none" }), "vip");
});

Deno.test("parseUrlItem() and refusalOf() tell usable, trial, VIP and unavailable apart", async () => {
  const body = await payload("player_url");
  const full = parseUrlItem(body, "431259256");
  assert.equal(refusalOf(full), undefined);
  assert.equal(refusalOf(parseUrlItem(body, "431259257")), "vip");
  assert.equal(refusalOf(parseUrlItem(body, "316429")), "trial");
  assert.equal(refusalOf(parseUrlItem(body, "298317")), "unavailable");
  assert.throws(
    () => parseUrlItem(body, "1"),
    (error) => isMalformed(error, /the URL item of song 1 at data/),
  );
});

Deno.test("offerFromItem() records the served level, br, size, md5, type and expiry", async () => {
  const item = parseUrlItem(await payload("player_url"), "431259256");
  const offer = offerFromItem(item, "lossless", 1_000_000);
  assert.deepEqual({ ...offer }, {
    platform: "netease",
    songRemoteId: "431259256",
    quality: "320k",
    level: "exhigh",
    url: item.url,
    extension: "mp3",
    container: "mp3",
    sizeBytes: 8296533,
    md5: "10d3ef9dfe6eebd5d119e2d6ce3c1e06",
    bitrateKbps: 320,
    expiresAt: 1_000_000 + 1_200_000,
  });
});

Deno.test("offerFromItem() reads the download endpoint's object data", async () => {
  const item = parseUrlItem(await payload("download_url"), "347230");
  const offer = offerFromItem(item, "hires", 0);
  assert.equal(offer.level, "lossless");
  assert.equal(offer.quality, "lossless");
  assert.equal(offer.container, "flac");
  assert.equal(offer.md5, "abcdef0123456789abcdef0123456789");
  assert.equal(offer.bitrateKbps, 1000);
});

Deno.test("parseDownloadUrlItem() reads the object-shaped data of download/url/v1", async () => {
  const body = await payload("download_url");
  const item = parseDownloadUrlItem(body, "347230");
  assert.equal(item.id, "347230");
  assert.equal(
    item.url,
    "http://m801.music.126.net/20220903195028/c2/xxxx.flac",
  );
  assert.equal(item.code, 200);
  assert.equal(item.level, "lossless");
  assert.equal(item.size, 30000000);
  assert.equal(item.freeTrialInfo, null);
  assert.equal(refusalOf(item), undefined);
  const offer = offerFromItem(item, "lossless", 0);
  assert.deepEqual([offer.level, offer.quality, offer.extension], [
    "lossless",
    "lossless",
    "flac",
  ]);
  // a refusal is still an item: url null, or a preview
  const data = (body as { data: Record<string, unknown> }).data;
  const refused = parseDownloadUrlItem(
    { code: 200, data: { ...data, url: null, code: 404, fee: 0 } },
    "347230",
  );
  assert.equal(refusalOf(refused), "unavailable");
  const preview = parseDownloadUrlItem(
    { code: 200, data: { ...data, freeTrialInfo: { start: 0, end: 30 } } },
    "347230",
  );
  assert.equal(refusalOf(preview), "trial");
});

Deno.test("parseDownloadUrlItem() refuses malformed answers with a malformed error naming the path", async () => {
  const body = await payload("download_url") as {
    data: Record<string, unknown>;
  };
  const data = body.data;
  const cases: Array<[unknown, RegExp]> = [
    // the player's array shape is not the download endpoint's
    [{ code: 200, data: [data] }, /an object at data, got a list/],
    [{ code: 200, data: null }, /an object at data, got null/],
    [{ code: 200 }, /an object at data, got nothing/],
    ["nope", /an object at the top level, got the string "nope"/],
    [{ code: 200, data: { ...data, id: 1 } }, /song 347230 at data\.id/],
    [{ code: 200, data: { ...data, id: "x" } }, /an id of digits at data\.id/],
    [
      { code: 200, data: { ...data, code: "ok" } },
      /a number at data\.code/,
    ],
    [
      { code: 200, data: { ...data, url: 7 } },
      /a URL or null at data\.url, got number 7/,
    ],
  ];
  for (const [answer, message] of cases) {
    assert.throws(
      () => parseDownloadUrlItem(answer, "347230"),
      (error: unknown) => isMalformed(error, message),
      JSON.stringify(answer).slice(0, 60),
    );
  }
  // numbers as strings are taken
  assert.equal(
    parseDownloadUrlItem(
      { code: 200, data: { ...data, id: "347230", code: "200" } },
      "347230",
    ).code,
    200,
  );
});

Deno.test("downloadLevelOf() picks the rung above plLevel at or below dlLevel, only when dlLevel outweighs plLevel", () => {
  const ladder = LEVELS;
  const of = (
    plLevel: unknown,
    dlLevel: unknown,
    rungs: readonly Level[] = ladder,
  ) => downloadLevelOf({ plLevel, dlLevel }, rungs);
  assert.equal(of("exhigh", "lossless"), "lossless");
  assert.equal(of("none", "hires"), "hires");
  assert.equal(of("standard", "jymaster"), "jymaster");
  // sky outweighs hires but is no rung: the best rung below it
  assert.equal(of("lossless", "sky"), "hires");
  assert.equal(of("hires", "sky"), undefined);
  // the ladder is already capped by top/maxBrLevel
  assert.equal(of("exhigh", "lossless", ladder.slice(3)), undefined);
  assert.equal(of("standard", "lossless", ladder.slice(3)), "exhigh");
  // equal, lower, missing or unknown levels: the player endpoint alone
  assert.equal(of("lossless", "lossless"), undefined);
  assert.equal(of("lossless", "exhigh"), undefined);
  assert.equal(of(undefined, "lossless"), undefined);
  assert.equal(of("exhigh", "dolby"), undefined);
  assert.equal(downloadLevelOf(undefined, ladder), undefined);
  assert.deepEqual(
    [
      "jymaster",
      "sky",
      "jyeffect",
      "hires",
      "lossless",
      "exhigh",
      "higher",
      "standard",
      "none",
      "vivid",
    ]
      .map(levelWeight),
    [8, 7, 6, 5, 4, 3, 2, 1, 0, undefined],
  );
});

Deno.test("parseArtistHead() and parseArtistV1() read artist details", async () => {
  const head = parseArtistHead(await payload("artist_head"));
  assert.equal(head.remoteId, "11972054");
  assert.equal(head.name, "Billie Eilish");
  assert.equal(
    head.avatarUrl,
    "http://p1.music.126.net/x/109951169487080985.jpg",
  );
  assert.deepEqual(head.aliases, ["碧梨", "比莉·艾利什"]);
  assert.equal(head.songCount, 3007);
  assert.equal(head.albumCount, 43);
  assert.equal(head.description, "An American singer-songwriter.");

  const v1 = parseArtistV1(await payload("artist_v1"));
  assert.equal(v1.remoteId, "6452");
  assert.deepEqual(v1.aliases, ["Jay Chou"]);
  assert.equal(v1.songCount, 556);
  assert.throws(
    () => parseArtistHead({ code: 200, data: null }),
    (error) => isMalformed(error, /an object at data, got null/),
  );
});
