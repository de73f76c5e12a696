import assert from "node:assert/strict";
import { type Behaviours, NO_BEHAVIOURS } from "../../emulation/behaviours.ts";
import { createEmulation, type Emulation } from "../../emulation/emulation.ts";
import { URL_IDS_LIMIT } from "../../emulation/netease/_urls.ts";
import { LEVELS } from "../../sources/netease/_constants.ts";
import { createSources } from "../../sources/registry.ts";
import type { DownloadOffer, SongInfo, Source } from "../../sources/types.ts";
import {
  type UrlRequest,
  urlRequests,
  type UrlRewrite,
} from "../_url_requests.ts";
import { eapiCall, seeded } from "./_helpers.ts";

interface Fixture {
  emulation: Emulation;
  source: Source;
  requests: UrlRequest[];
  /** Every song of the world, as `playlistSongs()` gives it, by id. */
  songs: Map<string, SongInfo>;
}

async function fixture(
  options: { behaviours?: Partial<Behaviours>; rewrite?: UrlRewrite } = {},
): Promise<Fixture> {
  const emulation = createEmulation({
    size: "demo",
    seed: 3,
    // the modelled behaviours off, but for those named
    behaviours: { ...NO_BEHAVIOURS, ...options.behaviours },
  });
  const { fetch, requests } = urlRequests(emulation.fetch, options.rewrite);
  const sources = await createSources({
    fetch,
    emulation: "http://emu",
    platforms: ["netease"],
    ratePerSecond: 0,
    sleep: async () => {},
    random: seeded(4),
  });
  const source = sources.get("netease")!;
  const world = emulation.worlds.netease;
  const songs = new Map<string, SongInfo>();
  for (let n = 0; n < world.shape.playlists; n++) {
    const { songs: listed } = await source.playlistSongs(
      String(world.playlist(n).id),
    );
    for (const song of listed) songs.set(song.remoteId, song);
  }
  return { emulation, source, requests, songs };
}

type Privilege = Record<string, unknown>;
const privilegeOf = (song: SongInfo) =>
  (song.raw as { privilege: Privilege }).privilege;
const rank = (level: unknown) => LEVELS.indexOf(level as typeof LEVELS[number]);
/** Played as downloaded: no `download/url/v1` extra. */
const plain = (song: SongInfo) =>
  song.availability === "available" &&
  rank(privilegeOf(song).dlLevel) >= rank(privilegeOf(song).plLevel);
const beyondPlay = (song: SongInfo) =>
  song.availability === "available" && !plain(song);

/** The first offer of each iterable (its error, if it has none). */
async function firsts(
  offers: ReadonlyArray<AsyncIterable<DownloadOffer> | undefined>,
): Promise<Array<DownloadOffer | string | undefined>> {
  const out: Array<DownloadOffer | string | undefined> = [];
  for (const iterable of offers) {
    if (!iterable) {
      out.push(undefined);
      continue;
    }
    try {
      const step = await iterable[Symbol.asyncIterator]().next();
      out.push(step.done ? "no offer" : step.value);
    } catch (error) {
      out.push(`${(error as { kind?: string }).kind}`);
    }
  }
  return out;
}

/** What a song's offer is, beyond its signed URL. */
const gist = (offer: DownloadOffer | string | undefined) =>
  typeof offer === "object"
    ? `${offer.level} ${offer.sizeBytes} ${offer.md5}`
    : offer;

/** The first offer of each song resolved alone (on a fresh source). */
async function alone(
  songs: readonly SongInfo[],
  options: { behaviours?: Partial<Behaviours>; rewrite?: UrlRewrite } = {},
): Promise<Array<string | undefined>> {
  const f = await fixture(options);
  return (await firsts(songs.map((s) => f.source.downloadOffers(s)))).map(
    gist,
  );
}

Deno.test("a NetEase round asks player/url/v1 once for songs at the top of their ladders, and each gets what it gets alone", async () => {
  const f = await fixture();
  const songs = [...f.songs.values()].filter(plain).slice(0, 60);
  const tops = new Set(songs.map((s) => privilegeOf(s).maxBrLevel));
  assert.ok(tops.size > 1, `the songs' ladders start at ${[...tops]}`);
  f.requests.length = 0;
  const batcher = f.source.offerBatcher!();
  const offers = await batcher.round(songs);
  assert.equal(f.requests.length, 1);
  const [request] = f.requests;
  assert.equal(request!.endpoint, "player/url/v1");
  // the best of their top levels: the server serves each what it has
  assert.equal(
    request!.level,
    [...tops].sort((a, b) => rank(a) - rank(b))[0],
  );
  assert.deepEqual(
    [...request!.songs].sort(),
    songs.map((s) => s.remoteId).sort(),
  );
  assert.deepEqual((await firsts(offers)).map(gist), await alone(songs));
});

Deno.test("a song whose rung is refused falls to its next rung in the next round, asked with the next songs", async () => {
  const probe = await fixture();
  const all = [...probe.songs.values()].filter(plain);
  const refused = all.find((s) => rank(privilegeOf(s).maxBrLevel) <= 1)!;
  const top = rank(privilegeOf(refused).maxBrLevel);
  // its top rung (or anything above) answers a preview
  const rewrite: UrlRewrite = (request, body) => {
    if (
      request.endpoint !== "player/url/v1" ||
      rank(request.level) > top
    ) return body;
    const data = (body.data as Array<Record<string, unknown>>).map((item) =>
      String(item.id) === refused.remoteId
        ? { ...item, freeTrialInfo: { start: 0, end: 30 } }
        : item
    );
    return { ...body, data };
  };
  const f = await fixture({ rewrite });
  const others = all.filter((s) => s !== refused);
  const batcher = f.source.offerBatcher!();
  f.requests.length = 0;
  const first = await batcher.round([refused, ...others.slice(0, 10)]);
  assert.equal(first[0], undefined, "left for the next round");
  assert.ok(first.slice(1).every((o) => o !== undefined));
  assert.equal(f.requests.length, 1);

  f.requests.length = 0;
  const next = others.slice(10, 20);
  const second = await batcher.round([refused, ...next]);
  assert.ok(second.every((o) => o !== undefined));
  // one request per rung: its next rung, and the new songs' top
  const byLevel = new Map(f.requests.map((r) => [r.level, r.songs]));
  assert.equal(f.requests.length, 2);
  assert.deepEqual(byLevel.get(LEVELS[top + 1]), [refused.remoteId]);
  const [offer] = await firsts([second[0]]);
  assert.equal(gist(offer), (await alone([refused], { rewrite }))[0]);
  assert.equal((offer as DownloadOffer).level, LEVELS[top + 1]);
});

Deno.test("download/url/v1 stays one song per request, after the round's player request has settled the other songs, and a song it refuses joins one more player request", async () => {
  for (const refusedShare of [0, 1]) {
    const behaviours = { neteaseDownloadRefused: refusedShare };
    const f = await fixture({ behaviours });
    const all = [...f.songs.values()];
    const extras = all.filter(beyondPlay).slice(0, 4);
    const songs = [...extras, ...all.filter(plain).slice(0, 10)];
    assert.equal(extras.length, 4);
    f.requests.length = 0;
    // the requests made when each song was told settled
    const toldAfter: number[] = [];
    const offers = await f.source.offerBatcher!().round(
      songs,
      (index) => toldAfter[index] = f.requests.length,
    );
    assert.deepEqual(
      f.requests.map((r) => `${r.endpoint} ${r.songs.join()}`),
      [
        `player/url/v1 ${songs.slice(4).map((s) => s.remoteId).join()}`,
        ...extras.map((s) => `download/url/v1 ${s.remoteId}`),
        ...refusedShare
          ? [`player/url/v1 ${extras.map((s) => s.remoteId).join()}`]
          : [],
      ],
    );
    // the player's songs go to the workers before any extra is asked
    assert.deepEqual(toldAfter.slice(4), Array(10).fill(1));
    assert.ok(toldAfter.slice(0, 4).every((n) => n > 1));
    assert.deepEqual(
      (await firsts(offers)).map(gist),
      await alone(songs, { behaviours }),
    );
  }
});

Deno.test("a VIP song ends at its first refusal, in a round and alone: it may play no level (plLevel none)", async () => {
  const f = await fixture();
  const vip = [...f.songs.values()].filter((s) => s.availability === "vip");
  assert.ok(vip.length >= 3);
  assert.ok(vip.every((s) => privilegeOf(s).plLevel === "none"));
  f.requests.length = 0;
  const offers = await f.source.offerBatcher!().round(vip.slice(0, 3));
  assert.deepEqual(await firsts(offers), ["vip", "vip", "vip"]);
  assert.equal(f.requests.length, 1);
  f.requests.length = 0;
  assert.deepEqual(await firsts([f.source.downloadOffers(vip[0]!)]), ["vip"]);
  assert.equal(f.requests.length, 1);
});

Deno.test("a round whose request fails settles its songs with their ladders walked alone", async () => {
  // every request of more than one song fails (after the HTTP layer's retries)
  const rewrite: UrlRewrite = (request, body) =>
    request.songs.length > 1 ? { code: 503, message: "busy" } : body;
  const f = await fixture({ rewrite });
  const songs = [...f.songs.values()].filter(plain).slice(0, 5);
  f.requests.length = 0;
  const offers = await f.source.offerBatcher!().round(songs);
  assert.ok(offers.every((o) => o !== undefined));
  const batched = f.requests.length;
  assert.ok(batched >= 1 && f.requests.every((r) => r.songs.length === 5));
  assert.deepEqual((await firsts(offers)).map(gist), await alone(songs));
  assert.equal(f.requests.length - batched, 5, "one request per song alone");
});

Deno.test("emulation: player/url/v1 answers a list of ids out of order, and refuses more than 1000", async () => {
  const emulation = createEmulation({ size: "demo", behaviours: "off" });
  const world = emulation.worlds.netease;
  const ids = Array.from({ length: 40 }, (_, i) => world.song(i).id);
  const { body } = await eapiCall(
    emulation,
    "/api/song/enhance/player/url/v1",
    { ids: `[${ids.join(",")}]`, level: "exhigh", encodeType: "flac" },
  );
  assert.equal(body.code, 200);
  const answered = (body.data as Array<{ id: number }>).map((i) => i.id);
  assert.deepEqual([...answered].sort(), [...ids].sort());
  assert.notDeepEqual(answered, ids, "the order asked is not kept");
  const many = Array.from({ length: URL_IDS_LIMIT + 1 }, (_, i) => 400_000 + i);
  const refused = await eapiCall(
    emulation,
    "/api/song/enhance/player/url/v1",
    { ids: `[${many.join(",")}]`, level: "exhigh", encodeType: "flac" },
  );
  assert.equal(refused.body.code, 400);
  assert.match(String(refused.body.message), /at most 1000/);
  // download/url/v1 takes one id, never a list
  const list = await eapiCall(
    emulation,
    "/api/song/enhance/download/url/v1",
    { id: `[${ids.slice(0, 2).join(",")}]`, level: "exhigh" },
  );
  assert.equal(list.body.code, 400);
});

Deno.test("a download/url/v1 extra refused by risk control before there is an identity is asked again with one, as any call is", async () => {
  // risk control on every song: whichever call comes first meets it
  const f = await fixture({ behaviours: { neteaseRiskControl: 1 } });
  const song = [...f.songs.values()].find(beyondPlay)!;
  f.requests.length = 0;
  const [offer] = await firsts([f.source.downloadOffers(song)]);
  assert.equal((offer as DownloadOffer).level, "lossless");
  assert.deepEqual(
    f.requests.map((r) => r.endpoint),
    ["download/url/v1", "download/url/v1"],
  );
  // with the identity, the extra's refusal is the ladder's to judge again
  f.requests.length = 0;
  const [again] = await firsts([f.source.downloadOffers(song)]);
  assert.equal((again as DownloadOffer).level, "lossless");
  assert.equal(f.requests.length, 1);
});
