import assert from "node:assert/strict";
import { isSourceError } from "../../sources/errors.ts";
import {
  availabilityOf,
  decodeEntities,
  minfoSizeBytes,
  parseArtist,
  parseMinfo,
  parseSong,
  qualitiesFromMinfo,
  qualitiesOf,
  stripMusicPrefix,
} from "../../sources/kuwo/_parse.ts";
import {
  parseBangList,
  parseChartPage,
  parsePlaylistPage,
  parseSquarePage,
  parseTagList,
} from "../../sources/kuwo/_parse_lists.ts";
import {
  offerRungs,
  parseMobiJson,
  parseMobiText,
} from "../../sources/kuwo/_parse_offers.ts";

const DATA = new URL("../testdata/kuwo/", import.meta.url);

function load(name: string): Record<string, unknown> {
  return JSON.parse(Deno.readTextFileSync(new URL(name, DATA)));
}

function rankItems(): Record<string, unknown>[] {
  const body = load("rank_music.json") as {
    data: { musicList: Record<string, unknown>[] };
  };
  return body.data.musicList;
}

Deno.test("decodeEntities() decodes Kuwo's entities in one pass", () => {
  assert.equal(decodeEntities("Tom &amp; Jerry"), "Tom & Jerry");
  assert.equal(decodeEntities("Tom &amp;amp; Jerry"), "Tom &amp; Jerry");
  assert.equal(
    decodeEntities("&quot;a&quot;&nbsp;&apos;b&#39; &#x27;c&#x27; &lt;d&gt;"),
    `"a" 'b' 'c' <d>`,
  );
  assert.equal(decodeEntities("&#128512;"), "😀");
  assert.equal(decodeEntities("&unknown; & &amp"), "&unknown; & &amp");
});

Deno.test("stripMusicPrefix() drops MUSIC_ in any case", () => {
  assert.equal(stripMusicPrefix("MUSIC_228908"), "228908");
  assert.equal(stripMusicPrefix("music_228908"), "228908");
  assert.equal(stripMusicPrefix("228908"), "228908");
});

Deno.test("parseMinfo() reads the captured MINFO string", () => {
  const item = load("search_item.json");
  assert.deepEqual(parseMinfo(item.MINFO as string), [
    { level: "ff", bitrateKbps: 2000, format: "flac", size: "52.83Mb" },
    { level: "p", bitrateKbps: 320, format: "mp3", size: "10.29Mb" },
    { level: "h", bitrateKbps: 128, format: "mp3", size: "4.12Mb" },
    { level: "s", bitrateKbps: 48, format: "aac", size: "1.57Mb" },
  ]);
  assert.deepEqual(parseMinfo("garbage;level:x,bitrate:1"), []);
  assert.equal(minfoSizeBytes("52.83Mb"), Math.round(52.83 * 1024 * 1024));
  assert.equal(minfoSizeBytes("812Kb"), 812 * 1024);
  assert.equal(minfoSizeBytes("??"), undefined);
});

Deno.test("qualitiesFromMinfo() takes the union and ignores encrypted tiers", () => {
  const item = load("search_item.json");
  const qualities = qualitiesFromMinfo(item.MINFO, item.N_MINFO);
  assert.deepEqual(qualities.map((q) => [q.label, q.level]), [
    ["hires", "4000kflac"],
    ["lossless", "2000kflac"],
    ["320k", "320kmp3"],
    ["128k", "128kmp3"],
  ]);
  // the 20900 mflac and 25000 mmp4 tiers (DRM) and the aac tier are gone
  assert.ok(qualities.every((q) => (q.bitrateKbps ?? 0) <= 4000));
  assert.equal(qualities[1]!.sizeBytes, Math.round(52.83 * 1024 * 1024));
  assert.equal(qualities[1]!.extension, "flac");
});

Deno.test("qualitiesOf() reads hasLossless when an item has no MINFO", () => {
  const [flac, mp3] = rankItems();
  assert.deepEqual(qualitiesOf(flac!).map((q) => q.level), [
    "2000kflac",
    "128kmp3",
  ]);
  assert.deepEqual(qualitiesOf(mp3!).map((q) => q.level), ["128kmp3"]);
});

Deno.test("offerRungs() follows MINFO, else the ladder from what hasLossless says", () => {
  assert.deepEqual(offerRungs(load("search_item.json")).map((r) => r.br), [
    "4000kflac",
    "2000kflac",
    "320kmp3",
    "128kmp3",
  ]);
  const [flac, mp3] = rankItems();
  assert.deepEqual(offerRungs(flac!).map((r) => r.br), [
    "4000kflac",
    "2000kflac",
    "320kmp3",
    "192kmp3",
    "128kmp3",
  ]);
  assert.deepEqual(offerRungs(mp3!).map((r) => r.br), [
    "320kmp3",
    "192kmp3",
    "128kmp3",
  ]);
});

Deno.test("availabilityOf() reads the VIP and unavailable signals", () => {
  const [free, paid, gone] = rankItems();
  // feeType.vip "1" on a free song is not a VIP signal
  assert.equal(availabilityOf(free!), "available");
  assert.equal(availabilityOf(paid!), "vip");
  assert.equal(availabilityOf(gone!), "unavailable");
  assert.equal(availabilityOf({ pay: "16711935" }), "vip");
  assert.equal(availabilityOf({ pay: "16515324" }), "available");
  assert.equal(availabilityOf({ payInfo: { listen_fragment: "1" } }), "vip");
  assert.equal(availabilityOf({ tpay: 1 }), "vip");
  assert.equal(
    availabilityOf({ payInfo: { cannotOnlinePlay: "2" } }),
    "unavailable",
    "anything but 0/1 fails closed",
  );
  assert.equal(availabilityOf({ ONLINE: "0" }), "unavailable");
});

Deno.test("parseSong() normalizes a captured web item", () => {
  const song = parseSong(rankItems()[0]);
  assert.equal(song.platform, "kuwo");
  assert.equal(song.remoteId, "205722508");
  assert.equal(song.title, "My Only");
  assert.deepEqual(song.artists, [{ remoteId: "195793", name: "周深" }]);
  assert.equal(song.artistNames, "周深");
  assert.deepEqual(song.album, { remoteId: "25492919", name: "My Only" });
  assert.equal(song.durationMs, 219_000);
  assert.equal(song.availability, "available");
  assert.deepEqual(song.raw, rankItems()[0]);
});

Deno.test("parseSong() splits &-joined artists: the lead gets artistid, the rest are name-only", () => {
  const song = parseSong(rankItems()[1]);
  assert.equal(song.remoteId, "228908");
  assert.equal(song.artistNames, "周杰伦&费玉清&DJ Mika");
  assert.deepEqual(song.artists, [
    { remoteId: "336", name: "周杰伦" },
    { name: "费玉清" },
    { name: "DJ Mika" },
  ]);
  // albumid "0" means no album id; numbers as strings are read
  assert.deepEqual(song.album, { name: "叶惠美" });
  assert.equal(song.durationMs, 269_000);
});

Deno.test("parseSong() pairs allartistid with the names when they align", () => {
  const song = parseSong({
    rid: 1,
    name: "x",
    artist: "A&B&C",
    artistid: 7,
    allartistid: "7&8&9",
  });
  assert.deepEqual(song.artists, [
    { remoteId: "7", name: "A" },
    { remoteId: "8", name: "B" },
    { remoteId: "9", name: "C" },
  ]);
  const misaligned = parseSong({
    rid: 1,
    name: "x",
    artist: "A&B",
    artistid: 7,
    allartistid: "7",
  });
  assert.deepEqual(misaligned.artists, [{ remoteId: "7", name: "A" }, {
    name: "B",
  }]);
});

Deno.test("parseSong() reads the mobile shape with MINFO", () => {
  const song = parseSong(load("search_item.json"));
  assert.equal(song.remoteId, "228908");
  assert.equal(song.title, "晴天");
  assert.deepEqual(song.artists, [{ remoteId: "336", name: "周杰伦" }]);
  assert.deepEqual(song.album, { remoteId: "1293", name: "叶惠美" });
  assert.equal(song.qualities[0]!.label, "hires");
  assert.equal(song.availability, "vip");
});

Deno.test("parseSong() rejects an item without a usable id", () => {
  assert.throws(
    () => parseSong({ rid: "MUSIC_abc", name: "x" }),
    (error) => isSourceError(error, "malformed"),
  );
  assert.throws(
    () => parseSong("not an item"),
    (error) => isSourceError(error, "malformed"),
  );
});

Deno.test("parseTagList() keeps playlist tags with string ids and skips zone lists", () => {
  const pools = parseTagList(load("tag_list.json"));
  assert.deepEqual(
    pools.map((p) => [p.kind, p.remoteKey, p.name, p.group]),
    [
      ["square", "2189", "抖音", "主题"],
      ["square", "1848", "翻唱", "主题"],
      ["square", "146", "伤感", "心情"],
    ],
  );
});

Deno.test("parseSquarePage() reads string numbers, decodes names and skips non-playlists", () => {
  const page = parseSquarePage(load("square_page.json"));
  assert.equal(page.total, 1000);
  assert.equal(page.received, 3);
  assert.deepEqual(
    page.playlists.map((p) => [p.remoteId, p.name, p.trackCount, p.playCount]),
    [
      ["3567349593", "夜晚&星空 '治愈'", 100, 202705390],
      ["2891238463", "Rock Classics", 40, 77],
    ],
  );
  assert.equal(page.playlists[0]!.description, '一些"歌"');
  // a page without its total counts as the last one
  assert.equal(parseSquarePage({ code: 200, data: { data: [] } }).total, 0);
  assert.throws(
    () => parseSquarePage({ code: 200, data: { data: [null] } }),
    (error) =>
      isSourceError(error, "malformed") &&
      /expected an object at data\.data\[0\], got null/.test(error.message),
  );
});

Deno.test("parseBangList() makes charts of sourceid with the chart: prefix", () => {
  const charts = parseBangList(load("bang_list.json"));
  assert.deepEqual(
    charts.map((c) => [c.remoteId, c.name, c.coverUrl, c.tags]),
    [
      ["chart:93", "飙升榜", "https://img1.kuwo.cn/a5.png", ["官方榜"]],
      ["chart:17", "新歌榜", "https://img1.kuwo.cn/b.png", ["官方榜"]],
      ["chart:12", "Billboard榜", "https://img1.kuwo.cn/c2.png", ["全球榜"]],
    ],
  );
});

Deno.test("parseChartPage() reads num as a string", () => {
  const page = parseChartPage(load("rank_music.json"));
  assert.equal(page.num, 300);
  assert.equal(page.items.length, 3);
});

Deno.test("parsePlaylistPage() reads the playlist header and its songs", () => {
  const page = parsePlaylistPage(load("playlist_info.json"));
  assert.equal(page.id, "2374346296");
  assert.equal(page.total, 41);
  assert.equal(page.items.length, 1);
  assert.equal(page.playlist.name, "粤语l不得不听的经典粤曲");
  assert.equal(page.playlist.description, "经典&粤语");
  assert.deepEqual(page.playlist.tags, ["经典", "粤语", "80年代"]);
  assert.equal(page.playlist.creator, "深丿海");
  assert.equal(page.playlist.trackCount, 41);
  assert.ok(!("musicList" in (page.playlist.raw as object)));
});

Deno.test("parseMobiJson() reads a convert_url_with_sign answer with string drift", () => {
  assert.deepEqual(parseMobiJson(load("mobi_convert_url_with_sign.json")), {
    code: 200,
    url:
      "http://kw-er.kuwo.cn/0123456789abcdef0123456789abcdef/6a1b2c3d/resource/n3/12/34/M800228908.mp3?bitrate$320&format$mp3&source$kwplayer_ar_5.1.0.0_B_jiakong_vh.apk&type$convert_url_with_sign&user$0&loginUid$",
    bitrateKbps: 320,
    format: "mp3",
    rid: "228908",
    durationS: 269,
    type: 0,
  });
  const region = parseMobiJson(load("mobi_region.json"));
  assert.equal(region.code, 407);
  assert.equal(region.url, "None");
  assert.throws(
    () => parseMobiJson({ data: {} }),
    (error) => isSourceError(error, "malformed"),
  );
});

Deno.test("parseMobiText() reads the captured convert_url2 lines", () => {
  const text = Deno.readTextFileSync(new URL("mobi_convert_url2.txt", DATA));
  assert.deepEqual(parseMobiText(text), {
    format: "flac",
    bitrateKbps: 2000,
    url:
      "http://eo.sycdn.kuwo.cn/91b3c1ed58f4046aa7fc0f8995ab7f6b/5ebe612c/resource/s1/18/60/1816646012.flac",
  });
  // split on the first "=" only; LF works as well as CRLF
  assert.equal(
    parseMobiText("url=http://a/b?x=1\nrid=MUSIC_5\n").url,
    "http://a/b?x=1",
  );
  assert.equal(parseMobiText("url=http://a/b?x=1\nrid=MUSIC_5\n").rid, "5");
  assert.equal(parseMobiText('{"code":-1,"msg":"no"}').code, -1);
});

Deno.test("parseArtist() reads name, picture and counts", () => {
  const artist = parseArtist({
    code: 200,
    data: {
      id: 336,
      name: "周杰伦",
      pic300: "https://img1.kuwo.cn/p.jpg",
      info: "&quot;Jay&quot;",
      aartist: "Jay Chou",
      musicNum: "1200",
      albumNum: 40,
    },
  }, "336");
  assert.equal(artist.remoteId, "336");
  assert.equal(artist.name, "周杰伦");
  assert.equal(artist.avatarUrl, "https://img1.kuwo.cn/p.jpg");
  assert.equal(artist.description, '"Jay"');
  assert.deepEqual(artist.aliases, ["Jay Chou"]);
  assert.equal(artist.songCount, 1200);
  assert.equal(artist.albumCount, 40);
});
