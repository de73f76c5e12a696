/**
 * Kuwo lyrics from `newlyric.kuwo.cn`: answers built here by hand (XOR
 * `yeelion`, base64, node:zlib, GB18030 from the platform's decoder) from
 * literal LRC, independent of the client's and the emulation's codecs;
 * the fallback to `songinfoandlrc` and when it is not taken; the
 * emulation's endpoint; and the tag stage recording newlyric's lyrics.
 */
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { Catalog } from "../../catalog/database.ts";
import { songLyrics } from "../../emulation/_song_extras.ts";
import { createEmulation } from "../../emulation/emulation.ts";
import { isSourceError, type SourceError } from "../../sources/errors.ts";
import type { Fetch } from "../../sources/http.ts";
import { LYRIC_URL } from "../../sources/kuwo/_lyrics.ts";
import { newlyricQuery, parseNewlyric } from "../../sources/kuwo/_newlyric.ts";
import { lrcText } from "../../sources/lyrics.ts";
import { createSources } from "../../sources/registry.ts";
import type { SongInfo } from "../../sources/types.ts";
import { lrcPaths } from "../../storage/lyric_files.ts";
import { collect } from "../../tasks/collect.ts";
import { createContext } from "../../tasks/context.ts";
import { download } from "../../tasks/download.ts";
import { sync } from "../../tasks/sync.ts";
import { Clock, kuwoSource, ORIGIN } from "./_helpers.ts";

const KEY = new TextEncoder().encode("yeelion");
const xor = (bytes: Uint8Array) => bytes.map((b, i) => b ^ KEY[i % 7]!);

/** GB18030 of text in the two-byte (GBK) range and ASCII. */
function gbk(text: string): Uint8Array {
  const decoder = new TextDecoder("gb18030");
  const out: number[] = [];
  for (const char of text) {
    if (char.charCodeAt(0) < 0x80) {
      out.push(char.charCodeAt(0));
      continue;
    }
    let found: number[] | undefined;
    search: for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (decoder.decode(new Uint8Array([lead, trail])) === char) {
          found = [lead, trail];
          break search;
        }
      }
    }
    if (!found) throw new Error(`not in GBK: ${char}`);
    out.push(...found);
  }
  return new Uint8Array(out);
}

/** A `newlyric.lrc` answer with `lrcx=1` around a literal lrcx text. */
function answer(
  lrcx: string,
  head = "tp=content\r\npath=1\r\nlrcx=1",
): Uint8Array {
  const bytes = xor(gbk(lrcx));
  const base64 = btoa(String.fromCharCode(...bytes));
  const body = deflateSync(new TextEncoder().encode(base64));
  const header = new TextEncoder().encode(`${head}\r\n\r\n`);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

const ascii = (text: string) => new TextEncoder().encode(text);

const TRANSLATED = [
  "[ver:v1.0]",
  "[ti:樱花]",
  "[kuwo:013]",
  "[00:01.000]<0,0>",
  "[00:01.000]<300,-300>さ<600,0>く<900,300>ら",
  "[00:03.254]<0,0>樱花",
  "[00:03.254]<500,-500>夜<1000,0>空",
  "[00:05.500]<0,0>夜晚的天空",
].join("\r\n");

Deno.test("newlyric: a hand-built lrcx answer gives line-timed lyrics without word tags, and its translation paired to the line before each repeated stamp", () => {
  assert.deepEqual(parseNewlyric(answer(TRANSLATED), "u"), {
    kind: "lyrics",
    lrc: "[00:01.00]さくら\n[00:03.25]夜空\n",
    translation: "[00:01.00]樱花\n[00:03.25]夜晚的天空\n",
  });
  // upper-case TP, three-part tags, entities, no translation
  const plain = parseNewlyric(
    answer(
      "[kuwo:013]\n[00:00.718]<0,100,0>A &amp; B\n[01:02.005]<10,-10>end",
      "TP=content\r\nlrcx=1",
    ),
    "u",
  );
  assert.deepEqual(plain, {
    kind: "lyrics",
    lrc: "[00:00.72]A & B\n[01:02.01]end\n",
  });
});

Deno.test("newlyric: the instrumental marker, tp=none and a content without timed lines are not errors", () => {
  assert.deepEqual(
    parseNewlyric(answer("[kuwo:013]\n[00:00.000]<0,0>纯音乐，请欣赏"), "u"),
    { kind: "instrumental" },
  );
  for (const none of ["tp=none\r\ncand_lrc_count=0\r\n\r\n", "TP=none\r\n"]) {
    assert.deepEqual(parseNewlyric(ascii(none), "u"), { kind: "none" });
  }
  assert.deepEqual(parseNewlyric(answer("[ti:x]\n[ar:y]"), "u"), {
    kind: "none",
  });
});

Deno.test("newlyric: TP=ERROR REQUEST is a rate limit, and other answers it cannot read are malformed, never 'none'", () => {
  let limited: unknown;
  try {
    parseNewlyric(ascii("TP=ERROR REQUEST\r\n"), "u");
  } catch (error) {
    limited = error;
  }
  assert.ok(isSourceError(limited, "rate_limited"), String(limited));
  assert.equal((limited as SourceError).retryAfterSeconds, 30);
  const broken = answer(TRANSLATED);
  for (
    const body of [
      ascii("<html>oops</html>"),
      ascii("tp=list\r\n\r\n"),
      ascii("tp=content\r\nlrcx=1\r\n"),
      ascii("tp=content\r\nlrcx=1\r\n\r\nnot zlib"),
      broken.subarray(0, broken.length - 6),
      (() => { // zlib of something that is not base64
        const head = ascii("tp=content\r\nlrcx=1\r\n\r\n");
        const body = deflateSync(ascii("%%%%"));
        const out = new Uint8Array(head.length + body.length);
        out.set(head);
        out.set(body, head.length);
        return out;
      })(),
    ]
  ) {
    assert.throws(
      () => parseNewlyric(body, "u"),
      (error) => isSourceError(error, "malformed"),
      new TextDecoder().decode(body.subarray(0, 30)),
    );
  }
});

Deno.test("newlyric: the query is base64 of the fixed parameters XORed with yeelion", () => {
  const bytes = Uint8Array.from(
    atob(newlyricQuery("228908")),
    (c) => c.charCodeAt(0),
  );
  assert.equal(
    new TextDecoder().decode(xor(bytes)),
    "user=12345,web,web,web&requester=localhost&req=1&rid=MUSIC_228908&lrcx=1",
  );
});

/** A fake Kuwo answering the two lyric endpoints, counting calls. */
function fakeKuwo(newlyric: () => Response, h5: () => Response) {
  const calls = { newlyric: 0, h5: 0 };
  const emulation = createEmulation({ size: "tiny" });
  const fetch: Fetch = (input, init) => {
    const url = new Request(input).url;
    if (url.includes("/newlyric.kuwo.cn/newlyric.lrc?")) {
      calls.newlyric++;
      return Promise.resolve(newlyric());
    }
    if (url.includes("/m.kuwo.cn/newh5/singles/songinfoandlrc?")) {
      calls.h5++;
      return Promise.resolve(h5());
    }
    return emulation.fetch(input, init);
  };
  return { fetch, calls };
}

const SONG = { platform: "kuwo", remoteId: "MUSIC_42" } as SongInfo;
const H5_OK = () =>
  Response.json({
    status: 200,
    data: { lrclist: [{ lineLyric: "备用", time: "2.5" }] },
  });
const H5_GONE = () => Response.json({ status: 301, msg: "音乐查询失败" });

Deno.test("kuwo lyrics: newlyric first; a malformed answer falls back to songinfoandlrc, a rate limit does not, and both failing is an error", async () => {
  const bytes = (body: Uint8Array) => () =>
    new Response(body.slice(), {
      headers: { "content-type": "application/octet-stream" },
    });
  const lyricsOf = async (fake: ReturnType<typeof fakeKuwo>) =>
    await (await kuwoSource(fake.fetch, new Clock(), { retries: 0 }))
      .lyrics!(SONG);

  const ok = fakeKuwo(bytes(answer(TRANSLATED)), H5_OK);
  const got = await lyricsOf(ok);
  assert.equal(got.kind, "lyrics");
  assert.equal(got.translation, "[00:01.00]樱花\n[00:03.25]夜晚的天空\n");
  assert.deepEqual(ok.calls, { newlyric: 1, h5: 0 });

  const malformed = fakeKuwo(bytes(ascii("tp=content\r\n\r\nxx")), H5_OK);
  assert.deepEqual(await lyricsOf(malformed), {
    kind: "lyrics",
    lrc: "[00:02.50]备用\n",
  });
  assert.deepEqual(malformed.calls, { newlyric: 1, h5: 1 });

  const unreachable = fakeKuwo(
    () => new Response("gone", { status: 503 }),
    H5_OK,
  );
  assert.equal((await lyricsOf(unreachable)).kind, "lyrics");
  assert.deepEqual(unreachable.calls, { newlyric: 1, h5: 1 });

  const limited = fakeKuwo(bytes(ascii("TP=ERROR REQUEST\r\n")), H5_OK);
  await assert.rejects(
    lyricsOf(limited),
    (error) => isSourceError(error, "rate_limited"),
  );
  assert.deepEqual(limited.calls, { newlyric: 1, h5: 0 });

  const both = fakeKuwo(bytes(ascii("tp=what\r\n\r\n")), H5_GONE);
  await assert.rejects(lyricsOf(both), (error) => {
    assert.ok(isSourceError(error, "malformed"));
    assert.match(error.message, /status 301.*after.*newlyric/);
    assert.ok(isSourceError(error.cause, "malformed"));
    return true;
  });
  assert.deepEqual(both.calls, { newlyric: 1, h5: 1 });
  assert.ok(LYRIC_URL.includes("songinfoandlrc"));
});

Deno.test("kuwo lyrics: after TP=ERROR REQUEST newlyric is not asked for 30 s; the songs meanwhile fail as rate limited without a request", async () => {
  let limited = true;
  const fake = fakeKuwo(
    () =>
      new Response(
        limited
          ? ascii("TP=ERROR REQUEST\r\n").slice()
          : answer(TRANSLATED).slice(),
      ),
    H5_OK,
  );
  const clock = new Clock();
  const source = await kuwoSource(fake.fetch, clock, { retries: 0 });
  const limitedError = (error: unknown) => isSourceError(error, "rate_limited");
  await assert.rejects(source.lyrics!(SONG), limitedError);
  await assert.rejects(source.lyrics!(SONG), (error) => {
    assert.ok(limitedError(error));
    assert.match((error as Error).message, /not asked again until/);
    return true;
  });
  assert.deepEqual(fake.calls, { newlyric: 1, h5: 0 });
  limited = false;
  clock.advance(0.4); // 24 s: still paused
  await assert.rejects(source.lyrics!(SONG), limitedError);
  assert.equal(fake.calls.newlyric, 1);
  clock.advance(0.2); // 36 s
  assert.equal((await source.lyrics!(SONG)).kind, "lyrics");
  assert.deepEqual(fake.calls, { newlyric: 2, h5: 0 });
});

function query(text: string): string {
  const bytes = xor(new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...bytes));
}

Deno.test("emulation: newlyric checks its query, answers none, lyrics and a rate limit that comes and goes, and is counted; songinfoandlrc answers 301 for the share asked", async () => {
  const emulation = createEmulation({
    size: "tiny",
    behaviours: { kuwoLyricRateLimit: 1, kuwoH5LyricsGone: 1 },
  });
  const world = emulation.worlds.kuwo;
  const ask = async (q: string) =>
    new Uint8Array(
      await (await emulation.fetch(
        `${ORIGIN}/newlyric.kuwo.cn/newlyric.lrc?${q}`,
      )).arrayBuffer(),
    );
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const fixed = "user=12345,web,web,web&requester=localhost&req=1";
  // a query in clear, or with other fixed values, is refused
  assert.equal(
    text(await ask(`${fixed}&rid=MUSIC_1&lrcx=1`)),
    "TP=ERROR REQUEST\r\n",
  );
  assert.equal(
    text(await ask(query(`user=0&requester=localhost&req=1&rid=MUSIC_1`))),
    "TP=ERROR REQUEST\r\n",
  );
  // an unknown rid (after the rate limit of its first call)
  const unknown = query(`${fixed}&rid=MUSIC_1`);
  assert.equal(text(await ask(unknown)), "TP=ERROR REQUEST\r\n");
  assert.match(text(await ask(unknown)), /^tp=none\r\n/);
  let seen = { synced: 0, translated: 0, instrumental: 0, none: 0 };
  for (let i = 0; i < world.shape.songs; i++) {
    const song = world.song(i);
    const q = query(`${fixed}&rid=MUSIC_${song.id}&lrcx=1`);
    // the rate limit: the first call for the song, not the next
    assert.equal(text(await ask(q)), "TP=ERROR REQUEST\r\n");
    const got = parseNewlyric(await ask(q), "u");
    const want = songLyrics(world, song.index, song.durationMs);
    if (want.kind !== "synced") {
      assert.equal(got.kind, want.kind);
      seen[want.kind]++;
      continue;
    }
    seen.synced++;
    assert.equal(got.kind, "lyrics");
    assert.deepEqual(lrcText(got.lrc!), want.lines.map((l) => l.text));
    if (want.translated) {
      seen.translated++;
      assert.deepEqual(
        lrcText(got.translation!),
        want.lines.map((l) => l.translation),
      );
      assert.deepEqual(
        got.translation!.split("\n").map((l) => l.slice(0, 10)),
        got.lrc!.split("\n").map((l) => l.slice(0, 10)),
      );
    } else {
      assert.equal(got.translation, undefined);
    }
    // the H5 endpoint answers 301 for every song with the share at 1
    const h5 = await (await emulation.fetch(
      `${ORIGIN}/m.kuwo.cn/newh5/singles/songinfoandlrc?musicId=${song.id}&httpsStatus=1`,
    )).json();
    assert.equal(h5.status, 301);
  }
  assert.ok(seen.synced > 0 && seen.translated > 0, JSON.stringify(seen));
  seen = { ...seen };
  const served = emulation.stats().kuwo.served;
  const endpoint = served.endpoints["newlyric.kuwo.cn/newlyric.lrc"];
  assert.ok(endpoint, Object.keys(served.endpoints).join());
  assert.equal(endpoint.requests, 4 + 2 * world.shape.songs);
  assert.equal(endpoint.refusals.rate_limited, 3 + world.shape.songs);
});

Deno.test("tag in the download stage records Kuwo lyrics from newlyric while songinfoandlrc answers 301 for every song", async () => {
  const emulation = createEmulation({
    size: "tiny",
    seed: 7,
    behaviours: { kuwoH5LyricsGone: 1 },
  });
  const catalog = Catalog.open(":memory:");
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-kwlrc-" });
  try {
    const sources = await createSources({
      fetch: emulation.fetch,
      emulation: ORIGIN,
      platforms: ["kuwo"],
      ratePerSecond: 0,
    });
    const context = createContext({ catalog, sources });
    await collect(context, { pools: ["toplist"], limit: 0 });
    await sync(context);
    await download(context, {
      platforms: ["kuwo"],
      quality: "128k",
      library: dir,
      minFree: 0,
      fetch: emulation.fetch,
      tags: true,
      cover: false,
      lyrics: true,
    });
    const world = emulation.worlds.kuwo;
    const rows = catalog.all<{
      remote_song_id: string;
      state: string;
      lrc: string | null;
      translation: string | null;
      path: string | null;
    }>(
      `SELECT s.remote_song_id, l.state, l.lrc, l.translation, f.path
       FROM song_lyrics l JOIN songs s ON s.id = l.song_id
       LEFT JOIN files f ON f.song_id = s.id AND f.state = 'active'
       WHERE s.platform = 'kuwo'`,
    );
    assert.ok(rows.length >= 3, `${rows.length} rows`);
    const states = new Set<string>();
    for (const row of rows) {
      const id = Number(row.remote_song_id.replace(/^MUSIC_/, ""));
      let index = -1;
      for (let i = 0; i < world.shape.songs; i++) {
        if (world.song(i).id === id) index = i;
      }
      const song = world.song(index);
      const want = songLyrics(world, index, song.durationMs);
      const state = want.kind === "synced" ? "lyrics" : want.kind;
      assert.equal(row.state, state, row.remote_song_id);
      states.add(state);
      if (want.kind !== "synced") continue;
      assert.deepEqual(lrcText(row.lrc!), want.lines.map((l) => l.text));
      assert.equal(row.translation !== null, want.translated);
      if (row.path) {
        assert.equal(await Deno.readTextFile(lrcPaths(row.path).lrc), row.lrc);
      }
    }
    assert.ok(states.has("lyrics"), [...states].join());
    const served = emulation.stats().kuwo.served.endpoints;
    assert.ok(served["newlyric.kuwo.cn/newlyric.lrc"]!.requests >= rows.length);
  } finally {
    catalog.close();
    await Deno.remove(dir, { recursive: true });
  }
});
