/**
 * Every pure parser of the three platforms, fed the example answers of the
 * protocol pages and recorded answers of other eras (tests/testdata/*, see
 * tests/testdata/SOURCES.md), then every mutation of them
 * (`tests/_mutations.ts`): no `TypeError` ever escapes; a song without an
 * id is skipped with a warning; a change to any other field of a song
 * never drops the song; anything else parses, or fails as a `malformed`
 * `SourceError` naming the field's path.
 */
import assert from "node:assert/strict";
import { isSourceError } from "../sources/errors.ts";
import type { SongInfo } from "../sources/types.ts";
import {
  parseArtistHead,
  parseArtistV1,
  readSong as readNeteaseSong,
} from "../sources/netease/_parse.ts";
import {
  parseCatalogue,
  parsePlaylistDetail,
  parsePlaylistPage as parseNeteasePlaylistPage,
  parseSongDetail,
  parseToplist,
} from "../sources/netease/_parse_lists.ts";
import {
  parseDownloadUrlItem,
  parseUrlItem,
} from "../sources/netease/_parse_offers.ts";
import { parseSingerDetail } from "../sources/qq/_parse.ts";
import {
  parseCategories,
  parseCategoryPage,
  parseCdInfo,
  parseToplistDetail,
  parseToplists,
} from "../sources/qq/_parse_lists.ts";
import { parseVkey, songMedia } from "../sources/qq/_parse_offers.ts";
import {
  parseLegacyCategories,
  parseLegacyCategoryPage,
} from "../sources/qq/_legacy_square.ts";
import {
  parseArtist as parseKuwoArtist,
  parseSongs as parseKuwoSongs,
  songIdOf as kuwoSongIdOf,
} from "../sources/kuwo/_parse.ts";
import {
  parseBangList,
  parseChartPage,
  parsePlaylistPage as parseKuwoPlaylistPage,
  parseSquarePage,
  parseTagList,
} from "../sources/kuwo/_parse_lists.ts";
import {
  offerRungs,
  parseMobiJson,
  parseMobiText,
} from "../sources/kuwo/_parse_offers.ts";
import {
  parseNplserverPage,
  parseNplserverSongs,
} from "../sources/kuwo/_nplserver.ts";
import { isObject } from "../sources/_json.ts";
import {
  mutations,
  type ParserCase,
  pathText,
  runCase,
  type SongList,
} from "./_mutations.ts";

function load(name: string): unknown {
  return JSON.parse(
    Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url)),
  );
}

/** The songs and warnings a composed parse gives. */
interface Songs {
  songs: readonly SongInfo[];
  warnings: readonly string[];
}

const ids = (result: Songs) => result.songs.map((s) => s.remoteId);
const warnings = (result: Songs) => result.warnings;

// ----------------------------------------------------------------- netease

const neteaseId = (song: unknown) =>
  isObject(song) ? String(song.id) : String(song);

/** v6 (or legacy) detail, each included track parsed as the source does. */
function neteaseDetail(body: unknown) {
  const detail = parsePlaylistDetail(body);
  const songs = [...detail.tracks].map(([id, track]) =>
    readNeteaseSong(track, detail.privileges.get(id))!
  );
  return { ...detail, songs };
}

/** v3 song detail, each song parsed as the source does. */
function neteaseSongDetail(body: unknown): Songs {
  const detail = parseSongDetail(body);
  return {
    songs: [...detail.songs].map(([id, song]) =>
      readNeteaseSong(song, detail.privileges.get(id))!
    ),
    warnings: detail.warnings,
  };
}

type Detail = ReturnType<typeof neteaseDetail>;

function detailLists(key: "playlist" | "result"): SongList<Detail>[] {
  return [
    {
      at: new RegExp(`^(${key}\\.trackIds\\[\\d+\\])`),
      idFields: ["id"],
      idOf: neteaseId,
      ids: (r) => r.trackIds,
    },
    {
      at: new RegExp(`^(${key}\\.tracks\\[\\d+\\])`),
      idFields: ["id"],
      idOf: neteaseId,
      ids: (r) => r.songs.map((s) => s.remoteId),
    },
  ];
}

const NETEASE: ParserCase[] = [
  {
    name: "netease playlist/catalogue",
    answer: load("netease/catalogue.json"),
    parse: parseCatalogue,
  },
  {
    name: "netease playlist/list",
    answer: load("netease/playlist_list.json"),
    parse: parseNeteasePlaylistPage,
  },
  {
    name: "netease playlist/highquality/list",
    answer: load("netease/highquality_list.json"),
    parse: parseNeteasePlaylistPage,
  },
  {
    name: "netease toplist",
    answer: load("netease/toplist.json"),
    parse: parseToplist,
  },
  {
    name: "netease v6/playlist/detail",
    answer: load("netease/playlist_detail.json"),
    parse: neteaseDetail,
    songs: detailLists("playlist"),
    warnings: (r: Detail) => r.warnings,
  } as ParserCase<Detail>,
  {
    name: "netease playlist/detail, 2018 legacy shape",
    answer: load("netease/playlist_detail_legacy_2018.json"),
    parse: neteaseDetail,
    songs: detailLists("result").slice(1),
    warnings: (r: Detail) => r.warnings,
  } as ParserCase<Detail>,
  {
    name: "netease v3/song/detail",
    answer: load("netease/song_detail.json"),
    parse: neteaseSongDetail,
    songs: [{
      at: /^(songs\[\d+\])/,
      idFields: ["id"],
      idOf: neteaseId,
      ids,
    }],
    warnings,
  } as ParserCase<Songs>,
  {
    name: "netease song/enhance/player/url/v1",
    answer: load("netease/player_url.json"),
    parse: (body) => parseUrlItem(body, "431259256"),
  },
  {
    name: "netease song/enhance/download/url/v1",
    answer: load("netease/download_url.json"),
    parse: (body) => parseDownloadUrlItem(body, "347230"),
  },
  {
    name: "netease artist/head/info/get",
    answer: load("netease/artist_head.json"),
    parse: parseArtistHead,
  },
  {
    name: "netease v1/artist",
    answer: load("netease/artist_v1.json"),
    parse: parseArtistV1,
  },
];

// ---------------------------------------------------------------------- qq

const qqMid = (song: unknown) =>
  isObject(song) ? String(song.mid ?? song.songmid) : "";

/** A page of songs and what `downloadOffers` reads of each (`songMedia`). */
function withMedia<T extends Songs>(page: T): T {
  for (const song of page.songs) songMedia(song.raw, song.remoteId);
  return page;
}

const cdlistSongs: SongList<Songs> = {
  at: /^(cdlist\[0\]\.songlist\[\d+\])/,
  idFields: ["mid", "songmid"],
  idOf: qqMid,
  ids,
};

const QQ: ParserCase[] = [
  {
    name: "qq get_all_categories",
    answer: load("qq/square.json"),
    pick: ["tags", "data"],
    prefix: "data",
    parse: parseCategories,
  },
  {
    name: "qq get_category_content",
    answer: load("qq/square.json"),
    pick: ["playlist", "data"],
    prefix: "data",
    parse: parseCategoryPage,
  },
  {
    name: "qq toplist GetAll",
    answer: load("qq/get_all.json"),
    pick: ["topList", "data"],
    prefix: "data",
    parse: parseToplists,
  },
  {
    name: "qq toplist GetDetail",
    answer: load("qq/get_detail.json"),
    pick: ["detail", "data"],
    prefix: "data",
    parse: (data) => withMedia(parseToplistDetail(data)),
    songs: [{
      at: /^(songInfoList\[\d+\])/,
      idFields: ["mid"],
      idOf: qqMid,
      ids,
    }],
    warnings,
  } as ParserCase<Songs>,
  {
    name: "qq getcdinfo, new format",
    answer: load("qq/getcdinfo.json"),
    parse: (body) => withMedia(parseCdInfo(body)),
    songs: [cdlistSongs],
    warnings,
  } as ParserCase<Songs>,
  {
    name: "qq getcdinfo, old song format (2018-2019 captures)",
    answer: load("qq/getcdinfo_old_format.json"),
    parse: (body) => withMedia(parseCdInfo(body)),
    songs: [cdlistSongs],
    warnings,
  } as ParserCase<Songs>,
  {
    name: "qq CgiGetVkey",
    answer: load("qq/vkey.json"),
    pick: ["req_0", "data"],
    prefix: "data",
    parse: parseVkey,
  },
  {
    name: "qq GetSingerDetail",
    answer: load("qq/singer_and_rate_limit.json"),
    pick: ["req_1", "data"],
    prefix: "data",
    parse: parseSingerDetail,
  },
  {
    name: "qq fcg_get_diss_tag_conf",
    answer: load("qq/diss_tag_conf.json"),
    parse: parseLegacyCategories,
  },
  {
    name: "qq fcg_get_diss_by_tag",
    answer: load("qq/diss_by_tag.json"),
    parse: parseLegacyCategoryPage,
  },
];

// -------------------------------------------------------------------- kuwo

const kuwoId = (item: unknown) =>
  isObject(item) ? kuwoSongIdOf(item) ?? "" : "";

const KUWO_ID_FIELDS = ["rid", "musicrid", "MUSICRID", "id"];

/** Songs of a list, and the rungs `downloadOffers` would ask for each. */
function kuwoSongs(items: readonly unknown[], path: string): Songs {
  const page = parseKuwoSongs(items, path);
  for (const song of page.songs) {
    offerRungs(song.raw as Record<string, unknown>);
  }
  return page;
}

function kuwoList(at: RegExp): SongList<Songs> {
  return { at, idFields: KUWO_ID_FIELDS, idOf: kuwoId, ids };
}

const KUWO: ParserCase[] = [
  {
    name: "kuwo getTagList",
    answer: load("kuwo/tag_list.json"),
    parse: parseTagList,
  },
  {
    name: "kuwo getTagPlayList",
    answer: load("kuwo/square_page.json"),
    parse: parseSquarePage,
  },
  {
    name: "kuwo bang/list",
    answer: load("kuwo/bang_list.json"),
    parse: parseBangList,
  },
  {
    name: "kuwo bang/musicList",
    answer: load("kuwo/rank_music.json"),
    parse: (body) => kuwoSongs(parseChartPage(body).items, "data.musicList"),
    songs: [kuwoList(/^(data\.musicList\[\d+\])/)],
    warnings,
  } as ParserCase<Songs>,
  {
    name: "kuwo playListInfo",
    answer: load("kuwo/playlist_info.json"),
    parse: (body) =>
      kuwoSongs(parseKuwoPlaylistPage(body).items, "data.musicList"),
    songs: [kuwoList(/^(data\.musicList\[\d+\])/)],
    warnings,
  } as ParserCase<Songs>,
  {
    name: "kuwo www search, 2020 capture",
    answer: load("kuwo/search_www_2020.json"),
    parse: (body) => {
      const root = isObject(body) ? body : {};
      const data = isObject(root.data) ? root.data : {};
      return kuwoSongs(
        Array.isArray(data.list) ? data.list : [],
        "data.list",
      );
    },
    songs: [kuwoList(/^(data\.list\[\d+\])/)],
    warnings,
  } as ParserCase<Songs>,
  {
    name: "kuwo mobile search item",
    answer: load("kuwo/search_item.json"),
    parse: (item) => kuwoSongs([item], "abslist"),
    songs: [kuwoList(/^()/)],
    warnings,
  } as ParserCase<Songs>,
  {
    name: "kuwo nplserver pl.svc",
    answer: load("kuwo/nplserver_page.json"),
    parse: (body) => parseNplserverSongs(parseNplserverPage(body).items),
    songs: [kuwoList(/^(musiclist\[\d+\])/)],
    warnings,
  } as ParserCase<Songs>,
  {
    name: "kuwo artist/artist",
    answer: load("kuwo/artist.json"),
    parse: (body) => parseKuwoArtist(body, "336"),
  },
  {
    name: "kuwo mobi.s convert_url_with_sign",
    answer: load("kuwo/mobi_convert_url_with_sign.json"),
    parse: parseMobiJson,
  },
  {
    name: "kuwo mobi.s preview stub",
    answer: load("kuwo/mobi_preview.json"),
    parse: parseMobiJson,
  },
  {
    name: "kuwo mobi.s region refusal",
    answer: load("kuwo/mobi_region.json"),
    parse: parseMobiJson,
  },
];

const CASES: ParserCase[] = [...NETEASE, ...QQ, ...KUWO];

for (const test of CASES) {
  Deno.test(`${test.name}: every mutation parses, skips a song with a warning, or fails as malformed naming the path`, () => {
    const report = runCase(test);
    assert.deepEqual(report.failures, [], test.name);
    assert.ok(report.mutations > 0, "no mutation ran");
  });
}

Deno.test("the mutation table covers parsers that yield songs, skip songs and refuse answers", () => {
  let skipped = 0;
  let malformed = 0;
  let mutationCount = 0;
  for (const test of CASES) {
    const report = runCase(test);
    skipped += report.skipped;
    malformed += report.malformed;
    mutationCount += report.mutations;
  }
  // the rules above are exercised, not vacuous
  assert.ok(skipped >= 20, `only ${skipped} songs skipped`);
  assert.ok(malformed >= 50, `only ${malformed} malformed answers`);
  assert.ok(mutationCount >= 3000, `only ${mutationCount} mutations`);
});

Deno.test("mutations() removes, nulls, swaps types and adds fields, one change at a time", () => {
  const root = { a: 1, b: "2", c: "x", d: [true], e: { f: null } };
  const seen = [...mutations(root)].map((m) =>
    `${m.kind} at ${pathText(m.path) || "root"}`
  );
  assert.deepEqual(seen, [
    "extra field at root",
    "removed at a",
    "null at a",
    "number as string at a",
    "removed at b",
    "null at b",
    "numeric string as number at b",
    "removed at c",
    "null at c",
    "removed at d",
    "null at d",
    "list as object at d",
    "null at d[0]",
    "boolean as string at d[0]",
    "removed at e",
    "null at e",
    "object as list at e",
    "extra field at e",
    "removed at e.f",
  ]);
  const [first] = mutations(root);
  assert.notEqual(first!.apply(root), root);
  assert.deepEqual(root, { a: 1, b: "2", c: "x", d: [true], e: { f: null } });
});

Deno.test("runCase() catches a parser that lets a TypeError out or drops a song for a non-id field", () => {
  const answer = { list: [{ id: 1, name: "a" }, { id: 2, name: "b" }] };
  const fragile: ParserCase<Songs> = {
    name: "fragile",
    answer,
    parse: (body) => {
      const list = (body as { list: Array<{ id: number; name: string }> })
        .list;
      return {
        // reads name.length: a TypeError when the name is null
        songs: list.filter((s) => s.name.length > 0).map((s) => ({
          platform: "kuwo",
          remoteId: String(s.id),
          title: s.name,
          artists: [],
          artistNames: "",
          qualities: [],
          availability: "available",
          raw: s,
        })),
        warnings: [],
      };
    },
    songs: [{
      at: /^(list\[\d+\])/,
      idFields: ["id"],
      idOf: (s) => String((s as { id: number }).id),
      ids,
    }],
    warnings,
  };
  const report = runCase(fragile);
  assert.ok(
    report.failures.some((f) =>
      /null at list\[0\]\.name: threw TypeError/.test(f)
    ),
    report.failures.join("\n"),
  );
});

Deno.test("parseMobiText() reads convert_url2 text and any line of it removed", () => {
  const text = Deno.readTextFileSync(
    new URL("./testdata/kuwo/mobi_convert_url2.txt", import.meta.url),
  );
  assert.equal(parseMobiText(text).format, "flac");
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const answer = parseMobiText(lines.filter((_, k) => k !== i).join("\n"));
    assert.equal(typeof answer, "object");
  }
  assert.throws(
    () => parseMobiText('{"code": '),
    (error) => isSourceError(error, "malformed"),
  );
});

Deno.test("recorded answers of other eras parse as they are", () => {
  const legacy = neteaseDetail(
    load("netease/playlist_detail_legacy_2018.json"),
  );
  assert.equal(legacy.playlist.remoteId, "2020100989");
  assert.equal(legacy.declaredCount, 48);
  assert.deepEqual(legacy.trackIds, ["515796410", "186046", "208887"]);
  const [sofa] = legacy.songs;
  assert.deepEqual(
    { ...sofa!, raw: undefined },
    {
      platform: "netease",
      remoteId: "515796410",
      title: "沙发",
      artists: [{ remoteId: "893259", name: "金玟岐" }],
      artistNames: "金玟岐",
      album: { remoteId: "36813160", name: "大七电台" },
      durationMs: 242146,
      qualities: [
        {
          label: "320k",
          level: "exhigh",
          sizeBytes: 9688338,
          bitrateKbps: 320,
          extension: "mp3",
        },
        {
          label: "192k",
          level: "higher",
          sizeBytes: 5813020,
          bitrateKbps: 192,
          extension: "mp3",
        },
        {
          label: "128k",
          level: "standard",
          sizeBytes: 3875361,
          bitrateKbps: 128,
          extension: "mp3",
        },
      ],
      availability: "available",
      raw: undefined,
    },
  );

  const old = parseCdInfo(load("qq/getcdinfo_old_format.json"));
  assert.deepEqual(old.warnings, []);
  assert.deepEqual(
    old.songs.map((s) => [s.remoteId, s.title, s.album?.name, s.durationMs]),
    [
      ["003OUlho2HcRHC", "告白气球", "周杰伦的床边故事", 215000],
      ["000wocYU11tSzS", "差不多姑娘", "差不多姑娘", 230000],
      ["00091kkc2SZTOw", "断了的弦", undefined, 41000],
    ],
  );
  assert.deepEqual(
    old.songs[0]!.qualities.map((q) => q.level),
    ["F000", "M800", "M500"],
  );
  assert.equal(old.songs[0]!.availability, "available");
  assert.equal(old.songs[2]!.availability, "vip");
  const media = songMedia(old.songs[0]!.raw, "x");
  assert.deepEqual(
    { mid: media.mid, mediaMid: media.mediaMid },
    { mid: "003OUlho2HcRHC", mediaMid: "003OUlho2HcRHC" },
  );

  const search = load("kuwo/search_www_2020.json") as {
    data: { total: string; list: unknown[] };
  };
  const kuwo = kuwoSongs(search.data.list, "data.list");
  assert.equal(kuwo.songs.length, 5);
  assert.equal(kuwo.songs[3]!.album, undefined);
  assert.equal(kuwo.songs[2]!.availability, "vip");
});

Deno.test("a list with a song without an id keeps the others and warns, naming the path", () => {
  const body = load("qq/getcdinfo.json") as {
    cdlist: Array<{ songlist: Array<Record<string, unknown>> }>;
  };
  delete body.cdlist[0]!.songlist[1]!.mid;
  const page = parseCdInfo(body);
  assert.equal(page.received, body.cdlist[0]!.songlist.length);
  assert.equal(page.songs.length, page.received - 1);
  assert.equal(page.warnings.length, 1);
  assert.match(
    page.warnings[0]!,
    /qq: skipped the song at cdlist\[0\]\.songlist\[1\]/,
  );
});
