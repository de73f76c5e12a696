import assert from "node:assert/strict";
import { LADDER } from "../../sources/qq/_constants.ts";
import {
  availabilityOf,
  parseSingerDetail,
  parseSong,
  switchRights,
} from "../../sources/qq/_parse.ts";
import {
  parseCategories,
  parseCategoryPage,
  parseCdInfo,
  parseToplistDetail,
  parseToplists,
} from "../../sources/qq/_parse_lists.ts";
import {
  parseVkey,
  songMedia,
  vkeyFilename,
} from "../../sources/qq/_parse_offers.ts";
import { isSourceError } from "../../sources/errors.ts";

const DATA = new URL("../testdata/qq/", import.meta.url);

// deno-lint-ignore no-explicit-any
async function load(name: string): Promise<any> {
  return JSON.parse(await Deno.readTextFile(new URL(name, DATA)));
}

const songs = await load("songs.json");

Deno.test("switchRights() reads the captured switch values of §6.2", () => {
  const rights = (value: number) => [...switchRights(value)].sort();
  assert.deepEqual(
    rights(17413891),
    ["bgm", "fav", "give", "play_lq", "radio", "share", "sing"],
  );
  assert.deepEqual(
    rights(81683),
    ["bgm", "down_lq", "fav", "play_lq", "radio", "ring", "share", "sing"],
  );
  assert.deepEqual(rights(594177), ["fav", "sing"]);
  assert.deepEqual(rights(65537), []);
});

Deno.test("parseSong() maps a free song of the §8 example", () => {
  const song = parseSong(songs.free_81683);
  assert.equal(song.platform, "qq");
  assert.equal(song.remoteId, "004ROKXE2cZw4J");
  assert.equal(song.title, "HUMBLE.");
  assert.deepEqual(song.artists, [
    { remoteId: "001doCJW3OCmVJ", name: "Kendrick Lamar" },
  ]);
  assert.equal(song.artistNames, "Kendrick Lamar");
  assert.deepEqual(song.album, { remoteId: "002qBUsy22UIcs", name: "HUMBLE." });
  assert.equal(song.durationMs, 176_000);
  assert.equal(song.availability, "available");
  assert.deepEqual(
    song.qualities.map((q) => [q.label, q.level, q.sizeBytes, q.extension]),
    [
      ["lossless", "F000", 19668856, "flac"],
      ["320k", "M800", 7081505, "mp3"],
      ["192k", "C600", 4292430, "m4a"],
      ["128k", "M500", 2832741, "mp3"],
      ["96k", "C400", 2166835, "m4a"],
    ],
  );
  // the numeric id and media_mid stay in the raw record
  const raw = song.raw as { id: number; file: { media_mid: string } };
  assert.equal(raw.id, 201613665);
  assert.equal(raw.file.media_mid, "004bV1pf1URtwA");
});

Deno.test("parseSong() keeps free-low/VIP-high songs available, with master and hi-res", () => {
  const song = parseSong(songs.hq_vip_17413891);
  assert.equal(song.availability, "available");
  assert.deepEqual(
    song.qualities.slice(0, 2).map((q) => [q.label, q.level, q.sizeBytes]),
    [["master", "AI00", 88000000], ["hires", "RS01", 41000000]],
  );
  // Q000 (size_new[1]) is a spatial mix, not a better stereo rung: skipped
  assert.ok(!song.qualities.some((q) => q.level === "Q000"));
  // duplicate credits collapse by mid; a credit without mid has no id
  assert.deepEqual(song.artists, [
    { remoteId: "002crLXV4bAF84", name: "Jeremih" },
    { name: "Guest Voice" },
  ]);
  assert.equal(song.artistNames, "Jeremih/Guest Voice");
  // an album named 空 is no album
  assert.equal(song.album, undefined);
});

Deno.test("parseSong() marks pay_play songs vip and rightless songs unavailable", () => {
  assert.equal(parseSong(songs.vip_only_594177).availability, "vip");
  assert.equal(parseSong(songs.no_rights_65537).availability, "unavailable");
  assert.equal(
    availabilityOf({ ...songs.free_81683, status: 1 }),
    "unavailable",
  );
  const noFiles = structuredClone(songs.free_81683);
  for (const key of Object.keys(noFiles.file)) {
    if (key.startsWith("size_") && key !== "size_new") noFiles.file[key] = 0;
  }
  assert.equal(availabilityOf(noFiles), "unavailable");
});

Deno.test("parseSong() rejects a song without a mid as malformed", () => {
  assert.throws(
    () => parseSong({ ...songs.free_81683, mid: "" }),
    (error) => isSourceError(error, "malformed"),
  );
  assert.throws(
    () => parseSong({ name: "x" }),
    (error) => isSourceError(error, "malformed"),
  );
});

Deno.test("parseCategories() reads v_group as pools, each id once", async () => {
  const body = await load("square.json");
  const pools = parseCategories(body.tags.data);
  assert.deepEqual(
    pools.map((p) => [p.kind, p.remoteKey, p.name, p.group]),
    [
      ["square", "165", "国语", "语种"],
      ["square", "167", "英语", "语种"],
      ["square", "6", "流行", "流派"],
    ],
  );
});

Deno.test("parseCategoryPage() reads total_cnt and v_item[].basic", async () => {
  const body = await load("square.json");
  const page = parseCategoryPage(body.playlist.data);
  assert.equal(page.total, 480);
  assert.equal(page.playlists.length, 1);
  const [playlist] = page.playlists;
  assert.equal(playlist!.remoteId, "7039128384");
  assert.equal(playlist!.name, "周末 & 咖啡");
  assert.equal(playlist!.trackCount, 30);
  assert.equal(playlist!.playCount, 1234567);
  assert.equal(playlist!.creator, "QQ音乐官方");
  assert.equal(playlist!.coverUrl, "https://example.invalid/m");
});

Deno.test("parseToplists() lists each chart once with its period", async () => {
  const body = await load("get_all.json");
  const entries = parseToplists(body.topList.data);
  assert.deepEqual(
    entries.map((e) => [e.topId, e.period, e.candidate.remoteId]),
    [[4, "2019-06-03", "chart:4"], [26, "2019_22", "chart:26"], [
      201,
      "2019_22",
      "chart:201",
    ]],
  );
  const chart = entries[0]!.candidate;
  assert.equal(chart.name, "流行指数榜");
  assert.equal(chart.trackCount, 100);
  assert.equal(chart.description, "每日更新\n榜单说明 & 规则");
  assert.equal(chart.updatedAt, Date.parse("2019-06-03T00:00:00+08:00"));
  assert.equal((chart.raw as { period: string }).period, "2019-06-03");
  assert.equal(
    entries[1]!.candidate.coverUrl,
    "http://y.gtimg.cn/music/photo_new/T003R500x500M000026.jpg",
  );
});

Deno.test("parseToplistDetail() reads the period, totalNum and songInfoList", async () => {
  const body = await load("get_detail.json");
  const page = parseToplistDetail(body.detail.data);
  assert.equal(page.period, "2019-06-03");
  assert.equal(page.totalNum, 2);
  assert.equal(page.chart.remoteId, "chart:4");
  assert.deepEqual(page.songs.map((s) => s.remoteId), [
    "001C1g8J0Tvpg1",
    "004ROKXE2cZw4J",
  ]);
});

Deno.test("parseCdInfo() reads the playlist, its total and its songs", async () => {
  const page = parseCdInfo(await load("getcdinfo.json"));
  assert.equal(page.refused, undefined);
  assert.equal(page.total, 51);
  assert.equal(page.playlist?.remoteId, "2040362185");
  assert.equal(page.playlist?.name, "2016billboard嘻哈榜");
  assert.equal(page.playlist?.description, "说明\n第二行");
  assert.deepEqual(page.playlist?.tags, ["英语"]);
  assert.equal(page.playlist?.updatedAt, 1482312179000);
  assert.deepEqual(page.songs.map((s) => s.availability), ["available", "vip"]);
});

Deno.test("parseCdInfo() reports a refusal or an empty cdlist", () => {
  assert.deepEqual(
    parseCdInfo({ code: -1, subcode: -1, msg: "no", cdlist: [] }).refused,
    { code: -1, subcode: -1, message: "no" },
  );
  assert.deepEqual(
    parseCdInfo({ code: 0, subcode: 0, cdlist: [] }).refused,
    { code: 0, subcode: 0, message: "" },
  );
});

Deno.test("parseVkey() reads sip, expiration and midurlinfo", async () => {
  const body = await load("vkey.json");
  const answer = parseVkey(body.req_0.data);
  assert.equal(answer.expiration, 80400);
  assert.equal(answer.sip.length, 3);
  assert.deepEqual(
    answer.entries.map((e) => [e.filename, e.purl !== "", e.result]),
    [["M500001C1g8J0Tvpg1.mp3", true, 0], [
      "F000001C1g8J0Tvpg1.flac",
      false,
      104003,
    ]],
  );
});

Deno.test("vkeyFilename() uses form 1, and mid+mid without a media mid", () => {
  const f000 = LADDER.find((r) => r.prefix === "F000")!;
  const media = songMedia(songs.free_81683, "x");
  assert.equal(media.mid, "004ROKXE2cZw4J");
  assert.equal(vkeyFilename(f000, media), "F000004bV1pf1URtwA.flac");
  const bare = songMedia({ mid: "004ROKXE2cZw4J", file: {} }, "x");
  assert.equal(
    vkeyFilename(f000, bare),
    "F000004ROKXE2cZw4J004ROKXE2cZw4J.flac",
  );
});

Deno.test("parseSingerDetail() reads basic_info and ex_info", async () => {
  const body = await load("singer_and_rate_limit.json");
  const detail = parseSingerDetail(body.req_1.data);
  assert.equal(detail?.remoteId, "0025NhlN2yWrP4");
  assert.equal(detail?.name, "周杰伦");
  assert.equal(detail?.description, "华语歌手\n词曲作者");
  assert.equal(parseSingerDetail({ singer_list: [] }), undefined);
});
