import assert from "node:assert/strict";
import { isSourceError, SourceError } from "../../sources/errors.ts";
import type { Fetch } from "../../sources/http.ts";
import {
  nplserverMayCure,
  nplserverPlaylist,
  parseNplserverPage,
  parseNplserverSong,
} from "../../sources/kuwo/_nplserver.ts";
import { decodeEntities, minfoSizeBytes } from "../../sources/kuwo/_parse.ts";
import { offerRungs } from "../../sources/kuwo/_parse_offers.ts";
import { kuwoTiers } from "../../emulation/kuwo/_catalog.ts";
import type { Emulation } from "../../emulation/emulation.ts";
import { declaredList } from "../../emulation/_hidden.ts";
import {
  Clock,
  homeCookie,
  kuwoEmulation,
  kuwoSource,
  ORIGIN,
  recording,
  signedGet,
} from "./_helpers.ts";

type Answer = Record<string, unknown> & {
  result?: string;
  total?: number;
  pn?: number;
  rn?: number;
  musiclist?: Record<string, unknown>[];
};

/** A `pl.svc` answer shaped like the captures lx and MusicFree read (§7.2). */
function capturedAnswer(): Answer {
  return {
    abstime: 1589774001,
    ctime: 1514647518,
    id: "2374346296",
    info: "粤语 &amp; 经典",
    ispub: true,
    musiclist: [
      {
        id: "4681151",
        name: "真的爱你",
        artist: "Beyond",
        artistid: "1250",
        album: "Beyond IV",
        albumid: "204214",
        duration: "275",
        formats: "WMA96|WMA128|MP3128|MP3192|MP3H|AAC48|ALFLAC",
        N_MINFO:
          "level:zply,bitrate:20900,format:mflac,size:30.12Mb;level:ff,bitrate:2000,format:flac,size:31.56Mb;level:p,bitrate:320,format:mp3,size:10.51Mb;level:h,bitrate:128,format:mp3,size:4.20Mb;level:s,bitrate:48,format:aac,size:1.58Mb",
      },
      {
        id: "228908",
        name: "晴天",
        artist: "周杰伦&杨瑞代",
        artistid: "336",
        album: "叶惠美",
        albumid: "1293",
        duration: "269",
        formats: "MP3128|MP3H|ALFLAC",
        N_MINFO:
          "level:ff,bitrate:2000,format:flac,size:52.83Mb;level:p,bitrate:320,format:mp3,size:10.29Mb",
        payInfo: {
          play: "1111",
          listen_fragment: "1",
          cannotOnlinePlay: "0",
          feeType: { song: "1", vip: "1" },
        },
      },
      {
        id: "1234567",
        name: "Rock &amp; Roll &quot;Live&quot;",
        artist: "Tom &amp; Jerry",
        artistid: "0",
        album: "",
        albumid: "0",
        duration: "200",
        formats: "WMA96|MP3128|MP3H",
      },
    ],
    pic:
      "http://img1.kwcdn.kuwo.cn/star/userpl2015/7/57/1514647518275_167324907_150.jpg",
    playnum: 4208671,
    pn: 0,
    result: "ok",
    rn: 100,
    title: "粤语l不得不听的经典粤曲",
    total: 3,
    uid: "167324907",
    uname: "深丿海",
  };
}

function malformedError(error: unknown): boolean {
  assert.ok(isSourceError(error, "malformed"), String(error));
  return true;
}

Deno.test("parseNplserverPage() reads a pl.svc answer: counts, header and musiclist", () => {
  const page = parseNplserverPage(capturedAnswer());
  assert.deepEqual(
    [page.id, page.total, page.pn, page.rn, page.items.length],
    ["2374346296", 3, 0, 100, 3],
  );
  const playlist = nplserverPlaylist(page.meta, "2374346296");
  assert.equal(playlist.name, "粤语l不得不听的经典粤曲");
  assert.equal(playlist.description, "粤语 & 经典");
  assert.equal(playlist.creator, "深丿海");
  assert.equal(playlist.playCount, 4208671);
  assert.equal(playlist.trackCount, 3);
  assert.match(playlist.coverUrl!, /_150\.jpg$/);
  assert.equal("musiclist" in (playlist.raw as object), false);
});

Deno.test("parseNplserverSong() maps string ids, entities and N_MINFO to a SongInfo", () => {
  const items = capturedAnswer().musiclist!;
  const first = parseNplserverSong(items[0]);
  assert.equal(first.remoteId, "4681151");
  assert.equal(first.title, "真的爱你");
  assert.deepEqual(first.artists, [{ remoteId: "1250", name: "Beyond" }]);
  assert.deepEqual(first.album, { remoteId: "204214", name: "Beyond IV" });
  assert.equal(first.durationMs, 275_000);
  assert.equal(first.availability, "available");
  assert.equal(first.raw, items[0]);
  // N_MINFO: the encrypted tier and aac dropped, sizes from the entries
  assert.deepEqual(
    first.qualities.map((q) => [q.label, q.level, q.sizeBytes]),
    [
      ["lossless", "2000kflac", minfoSizeBytes("31.56Mb")],
      ["320k", "320kmp3", minfoSizeBytes("10.51Mb")],
      ["128k", "128kmp3", minfoSizeBytes("4.20Mb")],
    ],
  );
  assert.deepEqual(offerRungs(items[0]!).map((r) => r.br), [
    "2000kflac",
    "320kmp3",
    "128kmp3",
  ]);

  const paid = parseNplserverSong(items[1]);
  assert.equal(paid.availability, "vip");
  assert.deepEqual(paid.artists.map((a) => [a.remoteId, a.name]), [
    ["336", "周杰伦"],
    [undefined, "杨瑞代"],
  ]);

  // no N_MINFO: `formats` names the tiers, without sizes
  const bare = parseNplserverSong(items[2]);
  assert.equal(bare.title, 'Rock & Roll "Live"');
  assert.equal(bare.artistNames, "Tom & Jerry");
  assert.equal(bare.album, undefined);
  assert.deepEqual(
    bare.qualities.map((q) => [q.level, q.sizeBytes]),
    [["320kmp3", undefined], ["128kmp3", undefined]],
  );
  assert.deepEqual(offerRungs(items[2]!).map((r) => r.br), [
    "320kmp3",
    "128kmp3",
  ]);
});

Deno.test("parseNplserverPage() refuses a result other than ok as a retryable error", () => {
  assert.throws(
    () => parseNplserverPage({ result: "error", msg: "no such playlist" }),
    (error) => {
      assert.ok(error instanceof SourceError);
      assert.equal(error.kind, "http");
      assert.equal(error.code, "error");
      assert.equal(error.retryable, true);
      return true;
    },
  );
});

Deno.test("parseNplserverPage() refuses malformed pages; parseNplserverSong() takes any song with an id", () => {
  const broken: Array<(answer: Answer) => unknown> = [
    () => "not json",
    () => ["result", "ok"],
    ({ result: _result, ...rest }) => rest,
    ({ musiclist, ...rest }) => ({ ...rest, musicList: musiclist }),
    (answer) => ({ ...answer, total: "many" }),
    (answer) => ({ ...answer, total: -1 }),
    ({ pn: _pn, ...rest }) => rest,
    (answer) => ({ ...answer, rn: 1.5 }),
    (answer) => ({ ...answer, id: "pl-1" }),
  ];
  for (const change of broken) {
    assert.throws(() => parseNplserverPage(change(capturedAnswer())), (e) => {
      assert.ok(isSourceError(e, "malformed"), `${change}: ${e}`);
      return true;
    });
  }
  const item = capturedAnswer().musiclist![0]!;
  const withoutId: unknown[] = [
    "4681151",
    null,
    { ...item, id: undefined },
    { ...item, id: "abc" },
    { ...item, id: "" },
  ];
  for (const bad of withoutId) {
    assert.throws(() => parseNplserverSong(bad), malformedError);
  }
  // every other field is taken when present, in whatever type it comes
  const odd: unknown[] = [
    { ...item, name: 42 },
    { ...item, duration: undefined },
    { ...item, duration: "4:35" },
    { ...item, N_MINFO: 7 },
    { ...item, formats: ["MP3H"] },
    { ...item, artist: { name: "Beyond" } },
  ];
  for (const song of odd) {
    assert.equal(parseNplserverSong(song).remoteId, "4681151");
  }
  assert.equal(parseNplserverSong({ ...item, name: 42 }).title, "42");
  assert.equal(
    parseNplserverSong({ ...item, duration: "4:35" }).durationMs,
    undefined,
  );
});

Deno.test("nplserverMayCure() falls back only on failures that are not the playlist's", () => {
  const error = (kind: SourceError["kind"]) =>
    new SourceError("x", { platform: "kuwo", kind });
  for (
    const kind of [
      "sign",
      "antibot",
      "login",
      "html",
      "malformed",
      "http",
    ] as const
  ) {
    assert.equal(nplserverMayCure(error(kind)), true, kind);
  }
  for (
    const kind of ["not_found", "network", "timeout", "rate_limited"] as const
  ) {
    assert.equal(nplserverMayCure(error(kind)), false, kind);
  }
  assert.equal(
    nplserverMayCure(new DOMException("aborted", "AbortError")),
    false,
  );
});

/** One pl.svc answer of the emulation. */
async function plSvc(emulation: Emulation, query: string): Promise<Answer> {
  const response = await emulation.fetch(
    `${ORIGIN}/nplserver.kuwo.cn/pl.svc?${query}&encode=utf8&keyset=pl2012&identity=kuwo`,
  );
  assert.equal(response.status, 200);
  return await response.json();
}

Deno.test("emulation: pl.svc pages from pn=0 with string ids, musiclist and entities", async () => {
  const emulation = kuwoEmulation(new Clock());
  const world = emulation.worlds.kuwo;
  const playlist = world.playlist(0);
  const rn = 7;
  const ids: string[] = [];
  let pages = 0;
  for (let pn = 0; ids.length < playlist.trackCount; pn++) {
    const answer = await plSvc(
      emulation,
      `op=getlistinfo&pid=${playlist.id}&pn=${pn}&rn=${rn}`,
    );
    pages++;
    assert.equal(answer.result, "ok");
    assert.deepEqual(
      [answer.id, answer.total, answer.pn, answer.rn],
      [String(playlist.id), playlist.trackCount, pn, rn],
    );
    assert.equal("musicList" in answer, false);
    const expected = Math.min(rn, playlist.trackCount - pn * rn);
    assert.equal(answer.musiclist!.length, expected, `page ${pn}`);
    answer.musiclist!.forEach((item, k) => {
      const song = world.song(playlist.track(pn * rn + k));
      assert.equal(item.id, String(song.id));
      assert.equal(item.duration, String(Math.floor(song.durationMs / 1000)));
      assert.equal(typeof item.albumid, "string");
      assert.equal(typeof item.artistid, "string");
      assert.equal(decodeEntities(item.name as string), song.title);
      assert.doesNotMatch(
        item.name as string,
        /&(?!amp;|lt;|gt;|quot;|apos;)|["'<>]/,
      );
      // N_MINFO names every plain tier the resolver serves, with its size
      const sizes = new Map(
        kuwoTiers(song).map((t) => [String(t.bitrateKbps), t.sizeBytes]),
      );
      for (
        const [, bitrate, size] of (item.N_MINFO as string).matchAll(
          /bitrate:(\d+),format:\w+,size:([\w.]+)/g,
        )
      ) {
        if (Number(bitrate) > 4000) continue;
        const exact = sizes.get(bitrate!);
        assert.ok(exact !== undefined, `tier ${bitrate} of ${song.id}`);
        assert.ok(Math.abs(minfoSizeBytes(size!)! - exact) <= 6);
        sizes.delete(bitrate!);
      }
      assert.equal(sizes.size, 0, "every tier is in N_MINFO");
    });
    ids.push(...answer.musiclist!.map((item) => item.id as string));
  }
  assert.equal(pages, Math.ceil(playlist.trackCount / rn));
  assert.deepEqual(
    ids,
    Array.from(
      { length: playlist.trackCount },
      (_, i) => String(world.song(playlist.track(i)).id),
    ),
  );
  // past the last page: ok and empty, as playListInfo
  const past = await plSvc(
    emulation,
    `op=getlistinfo&pid=${playlist.id}&pn=${pages}&rn=${rn}`,
  );
  assert.deepEqual([past.result, past.musiclist], ["ok", []]);
});

Deno.test("emulation: pl.svc serves the web playListInfo's songs, in its order", async () => {
  const emulation = kuwoEmulation(new Clock());
  const playlist = emulation.worlds.kuwo.playlist(1);
  const cookie = await homeCookie(emulation);
  const web = await signedGet(
    emulation,
    `/api/www/playlist/playListInfo?pid=${playlist.id}&pn=1&rn=100&httpsStatus=1`,
    cookie,
  ) as { data: { musicList: Record<string, unknown>[] } };
  const npl = await plSvc(
    emulation,
    `op=getlistinfo&pid=${playlist.id}&pn=0&rn=1000`,
  );
  assert.equal(web.data.musicList.length, playlist.trackCount);
  assert.deepEqual(
    npl.musiclist!.map((item) => [item.id, item.name, item.artist]),
    web.data.musicList.map((
      item,
    ) => [String(item.rid), item.name, item.artist]),
  );
});

Deno.test("emulation: pl.svc refuses a bad op, pn or rn and an unknown playlist", async () => {
  const emulation = kuwoEmulation(new Clock());
  const pid = emulation.worlds.kuwo.playlist(0).id;
  const refused = [
    `op=getlist&pid=${pid}&pn=0&rn=10`,
    `pid=${pid}&pn=0&rn=10`,
    `op=getlistinfo&pid=${pid}&pn=-1&rn=10`,
    `op=getlistinfo&pid=${pid}&rn=10`,
    `op=getlistinfo&pid=${pid}&pn=x&rn=10`,
    `op=getlistinfo&pid=${pid}&pn=0&rn=0`,
    `op=getlistinfo&pid=${pid}&pn=0&rn=1001`,
    `op=getlistinfo&pid=${pid}&pn=0`,
    `op=getlistinfo&pid=42&pn=0&rn=10`,
    `op=getlistinfo&pn=0&rn=10`,
  ];
  for (const query of refused) {
    const answer = await plSvc(emulation, query);
    assert.notEqual(answer.result, "ok", query);
    assert.equal(answer.musiclist, undefined, query);
  }
  const widest = await plSvc(
    emulation,
    `op=getlistinfo&pid=${pid}&pn=0&rn=1000`,
  );
  assert.equal(widest.result, "ok");
  assert.equal(widest.rn, 1000);
});

async function setup(
  options: {
    shapes?: boolean;
    wrap?: (fetch: Fetch) => Fetch;
    hidden?: boolean;
  } = {},
) {
  const clock = new Clock();
  const emulation = kuwoEmulation(clock, {
    ...(options.shapes
      ? { shapes: { kuwo: { songs: 1300, bigPlaylistTracks: 1205 } } }
      : {}),
    ...(options.hidden ? { behaviours: { hiddenTracks: 1 } } : {}),
  });
  const recorder = recording(emulation.fetch);
  const fetch = options.wrap ? options.wrap(recorder.fetch) : recorder.fetch;
  const source = await kuwoSource(fetch, clock);
  return { emulation, world: emulation.worlds.kuwo, source, ...recorder };
}

const isWeb = (url: URL) => url.pathname.endsWith("/playListInfo");
const isNpl = (url: URL) => url.pathname === "/nplserver.kuwo.cn/pl.svc";

Deno.test("playlistSongs() falls back to nplserver when the web playListInfo keeps failing", async () => {
  const faults = [
    // "The request is illegal!" on the first try and after the cookie refresh
    { kind: "business", code: "illegal", times: 2 },
    // an HTML page on every try (1 + 4 retries)
    { kind: "html", times: 5 },
    // a platform code other than -1
    { kind: "business", code: 500, times: 1 },
  ] as const;
  for (const fault of faults) {
    const { source, world, emulation, log } = await setup();
    const id = String(world.playlist(2).id);
    const web = await source.playlistSongs(id);
    assert.equal(log.filter((r) => isNpl(r.url)).length, 0, "web first");
    log.length = 0;
    emulation.faults.inject({
      ...fault,
      platform: "kuwo",
      match: "playListInfo",
    });
    const npl = await source.playlistSongs(id);
    assert.deepEqual(emulation.faults.pending(), [], fault.kind);
    const asked = log.filter((r) => isNpl(r.url));
    assert.deepEqual(
      asked.map((r) => [
        r.url.searchParams.get("op"),
        r.url.searchParams.get("pid"),
        r.url.searchParams.get("pn"),
        r.url.searchParams.get("rn"),
        r.headers.get("cookie"),
        r.headers.get("secret"),
      ]),
      [["getlistinfo", id, "0", "1000", null, null]],
    );
    assert.equal(npl.declaredCount, web.declaredCount);
    assert.equal(npl.playlist?.name, web.playlist?.name);
    assert.equal(npl.songs.length, world.playlist(2).trackCount);
    assert.deepEqual(
      npl.songs.map((s) => s.remoteId),
      web.songs.map((s) => s.remoteId),
    );
    npl.songs.forEach((song, i) => {
      const other = web.songs[i]!;
      assert.equal(song.title, other.title);
      assert.equal(song.artistNames, other.artistNames);
      assert.deepEqual(song.artists, other.artists);
      assert.deepEqual(song.album, other.album);
      assert.equal(song.durationMs, other.durationMs);
      assert.equal(song.availability, other.availability, song.remoteId);
      assert.ok(
        song.qualities.every((q) => q.sizeBytes !== undefined),
        "sizes from N_MINFO",
      );
      assert.equal((song.raw as Record<string, unknown>).rid, undefined);
    });
  }
});

Deno.test("playlistSongs() takes every page from nplserver once it falls back", async () => {
  const { source, world, log } = await setup({
    shapes: true,
    // the web path's second page is an HTML page, whatever the retries
    wrap: (inner) => (input, init) => {
      const url = new URL(new Request(input).url);
      if (isWeb(url) && url.searchParams.get("pn") === "2") {
        return Promise.resolve(
          new Response("<html><body>502</body></html>", {
            headers: { "content-type": "text/html" },
          }),
        );
      }
      return inner(input, init);
    },
  });
  const playlist = world.playlist(0);
  assert.equal(playlist.trackCount, 1205);
  const result = await source.playlistSongs(String(playlist.id));
  assert.deepEqual(
    result.songs.map((s) => s.remoteId),
    Array.from(
      { length: 1205 },
      (_, i) => String(world.song(playlist.track(i)).id),
    ),
  );
  assert.equal(result.declaredCount, 1205);
  assert.deepEqual(
    log.filter((r) => isNpl(r.url)).map((r) => r.url.searchParams.get("pn")),
    ["0", "1"],
  );
  // the web's first page was read, then dropped: every song is nplserver's
  assert.ok(
    log.some((r) => isWeb(r.url) && r.url.searchParams.get("pn") === "1"),
  );
  assert.ok(
    result.songs.every((s) =>
      typeof (s.raw as Record<string, unknown>).id === "string"
    ),
  );
});

Deno.test("playlistSongs() takes what nplserver pages hold when the total counts hidden songs", async () => {
  const { source, world, emulation, log } = await setup({
    shapes: true,
    hidden: true,
  });
  const playlist = world.playlist(0);
  const list = declaredList(world.seed, playlist, { hiddenTracks: 1 });
  assert.ok(list.hidden[0]! < 1000, "page 0 of 1000 comes back short");
  // the web path fails for a reason nplserver may cure
  emulation.faults.inject({
    kind: "business",
    platform: "kuwo",
    match: "playListInfo",
    code: 500,
  });
  const result = await source.playlistSongs(String(playlist.id));
  assert.equal(result.declaredCount, list.declared);
  assert.deepEqual(
    result.songs.map((s) => s.remoteId),
    Array.from(
      { length: 1205 },
      (_, i) => String(world.song(playlist.track(i)).id),
    ),
  );
  assert.deepEqual(
    log.filter((r) => isNpl(r.url)).map((r) => r.url.searchParams.get("pn")),
    ["0", "1"],
  );
});

Deno.test("playlistSongs() does not fall back for a playlist that does not exist", async () => {
  const { source, log } = await setup();
  await assert.rejects(source.playlistSongs("42"), (error) => {
    assert.ok(isSourceError(error, "not_found"), String(error));
    return true;
  });
  assert.ok(log.some((r) => isWeb(r.url)));
  assert.equal(log.filter((r) => isNpl(r.url)).length, 0);
});

Deno.test("playlistSongs() does not fall back on a rate limit", async () => {
  const { source, world, emulation, log } = await setup();
  emulation.faults.inject({
    kind: "429",
    platform: "kuwo",
    match: "playListInfo",
    times: 5,
  });
  await assert.rejects(
    source.playlistSongs(String(world.playlist(0).id)),
    (error) => {
      assert.ok(isSourceError(error, "rate_limited"), String(error));
      return true;
    },
  );
  assert.equal(log.filter((r) => isNpl(r.url)).length, 0);
});

Deno.test("playlistSongs() reports nplserver's failure after the web one", async () => {
  const { source, world, emulation, log } = await setup();
  emulation.faults.inject({
    kind: "business",
    platform: "kuwo",
    match: "playListInfo",
    code: "illegal",
    times: 2,
  });
  emulation.faults.inject({
    kind: "business",
    platform: "kuwo",
    match: "pl.svc",
    times: 5,
  });
  await assert.rejects(
    source.playlistSongs(String(world.playlist(0).id)),
    (error) => {
      assert.ok(isSourceError(error, "http"), String(error));
      assert.match(
        error.message,
        /nplserver pl\.svc answered result "error" \(after the web playListInfo failed: .*illegal/,
      );
      return true;
    },
  );
  assert.equal(log.filter((r) => isNpl(r.url)).length, 5);
});
