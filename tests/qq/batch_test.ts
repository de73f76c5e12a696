import assert from "node:assert/strict";
import {
  BEHAVIOUR_SALTS,
  type Behaviours,
  inShare,
  NO_BEHAVIOURS,
} from "../../emulation/behaviours.ts";
import { hashString } from "../../emulation/_hash.ts";
import { createEmulation, type Emulation } from "../../emulation/emulation.ts";
import { createQqEmulator } from "../../emulation/qq/mod.ts";
import {
  MAX_LABELS,
  MAX_VKEY_ENTRIES,
  VKEY_BATCH_SONGS,
} from "../../sources/qq/_constants.ts";
import { createSources } from "../../sources/registry.ts";
import type { DownloadOffer, SongInfo, Source } from "../../sources/types.ts";
import { type UrlRequest, urlRequests } from "../_url_requests.ts";

interface Fixture {
  emulation: Emulation;
  source: Source;
  requests: UrlRequest[];
  /** The world's available songs, as `playlistSongs()` gives them. */
  songs: SongInfo[];
}

async function fixture(behaviours: Partial<Behaviours> = {}): Promise<Fixture> {
  const emulation = createEmulation({
    size: "demo",
    seed: 5,
    behaviours: { ...NO_BEHAVIOURS, ...behaviours },
    emulators: {
      qq: (world) => createQqEmulator(world, { flakyVkeyRate: 0 }),
    },
  });
  const { fetch, requests } = urlRequests(emulation.fetch);
  const sources = await createSources({
    fetch,
    emulation: "http://emu",
    platforms: ["qq"],
    ratePerSecond: 0,
    sleep: async () => {},
    random: () => 0.5,
  });
  const source = sources.get("qq")!;
  const world = emulation.worlds.qq;
  const byId = new Map<string, SongInfo>();
  for (let n = 0; n < world.shape.playlists; n++) {
    const { songs } = await source.playlistSongs(String(world.playlist(n).id));
    for (const song of songs) byId.set(song.remoteId, song);
  }
  requests.length = 0;
  const songs = [...byId.values()].filter((s) =>
    s.availability === "available"
  );
  return { emulation, source, requests, songs };
}

/** Every offer's level, size and extension, or the error's kind. */
async function gists(
  offers: ReadonlyArray<AsyncIterable<DownloadOffer> | undefined>,
): Promise<string[]> {
  const out: string[] = [];
  for (const iterable of offers) {
    try {
      const all = iterable ? await Array.fromAsync(iterable) : undefined;
      out.push(
        all
          ? all.map((o) => `${o.level} ${o.sizeBytes} ${o.extension}`).join()
          : "unsettled",
      );
    } catch (error) {
      out.push(`${(error as { kind?: string }).kind}`);
    }
  }
  return out;
}

/** Each song's offers resolved alone, one after the other, on a fresh source. */
async function alone(
  songs: readonly SongInfo[],
  behaviours: Partial<Behaviours> = {},
): Promise<string[]> {
  const f = await fixture(behaviours);
  const out: string[] = [];
  for (const song of songs) {
    out.push(...await gists([f.source.downloadOffers(song)]));
  }
  return out;
}

Deno.test("a QQ round asks every rung of its songs in one request: labels of at most 100 entries, one envelope", async () => {
  const f = await fixture();
  const songs = f.songs.slice(0, 120);
  assert.equal(songs.length, 120);
  const offers = await f.source.offerBatcher!().round(songs);
  assert.equal(f.requests.length, 1);
  const [request] = f.requests;
  assert.equal(request!.endpoint, "CgiGetVkey unsigned");
  assert.deepEqual(
    [...request!.songs].sort(),
    songs.map((s) => s.remoteId).sort(),
  );
  assert.ok(request!.labels > 1 && request!.labels <= MAX_LABELS);
  assert.ok(request!.entries.length > songs.length, "every rung of each");
  assert.ok(request!.entries.length <= request!.labels * MAX_VKEY_ENTRIES);
  assert.deepEqual(await gists(offers), await alone(songs));
  // the round's cap: a full round of songs of every rung fits one envelope
  assert.ok(VKEY_BATCH_SONGS * 7 <= MAX_LABELS * MAX_VKEY_ENTRIES);
});

Deno.test("QQ songs whose every rung comes back empty unsigned (invalidq) go to the signed variant together in the next round, and the route stays there", async () => {
  const behaviours: Partial<Behaviours> = {
    qqUnsignedVkeyEmpty: 0.4,
    qqUnsignedVkeyForm: "invalidq",
  };
  const f = await fixture(behaviours);
  const seed = f.emulation.worlds.qq.seed;
  const refused = (song: SongInfo) =>
    inShare(
      seed,
      BEHAVIOUR_SALTS.qqUnsignedVkeyEmpty,
      hashString(song.remoteId),
      0.4,
    );
  const first = f.songs.slice(0, 40);
  const expected = first.filter(refused);
  assert.ok(expected.length > 0 && expected.length < first.length);
  const batcher = f.source.offerBatcher!();
  const one = await batcher.round(first);
  // an answer that says invalidq still grants the songs it grants
  assert.deepEqual(
    first.filter((_, i) => one[i] === undefined),
    expected,
  );
  assert.deepEqual(f.requests.map((r) => r.endpoint), ["CgiGetVkey unsigned"]);

  f.requests.length = 0;
  const fresh = f.songs.slice(40).filter((s) => !refused(s)).slice(0, 20);
  const toldAfter: number[] = [];
  const two = await batcher.round(
    [...expected, ...fresh],
    (index) => toldAfter[index] = f.requests.length,
  );
  assert.ok(two.every((o) => o !== undefined));
  // each song goes to the workers when its variant's request settles it
  assert.deepEqual(toldAfter, [
    ...expected.map(() => 2),
    ...fresh.map(() => 1),
  ]);
  assert.deepEqual(
    f.requests.map((r) => [r.endpoint, r.songs.length]),
    [["CgiGetVkey unsigned", fresh.length], [
      "CgiGetVkey signed",
      expected.length,
    ]],
  );
  f.requests.length = 0;
  // fresh songs start at the route's variant now: refused unsigned or not
  const later = f.songs.slice(40).filter((s) => !fresh.includes(s)).slice(
    0,
    20,
  );
  assert.ok(later.some(refused));
  assert.ok((await batcher.round(later)).every((o) => o !== undefined));
  assert.deepEqual(f.requests.map((r) => r.endpoint), ["CgiGetVkey signed"]);
  // what each song got is what it gets alone
  assert.deepEqual(
    [
      ...await gists(two.slice(0, expected.length)),
      ...await gists(one.filter((o) => o !== undefined)),
    ],
    await alone([...expected, ...first.filter((s) => !refused(s))], behaviours),
  );
});

Deno.test("QQ songs the catalog knows are refused ride along in the round once", async () => {
  const f = await fixture();
  const world = f.emulation.worlds.qq;
  const all: SongInfo[] = [];
  for (let n = 0; n < world.shape.playlists; n++) {
    all.push(
      ...(await f.source.playlistSongs(String(world.playlist(n).id))).songs,
    );
  }
  const refused = [
    all.find((s) => s.availability === "vip")!,
    all.find((s) => s.availability === "unavailable")!,
  ];
  f.requests.length = 0;
  const offers = await f.source.offerBatcher!().round([
    ...refused,
    ...f.songs.slice(0, 5),
  ]);
  assert.equal(f.requests.length, 1);
  assert.deepEqual((await gists(offers)).slice(0, 2), ["vip", "unavailable"]);
});

Deno.test("emulation: a vkey label answers several songs' entries, several labels share an envelope, and a label takes at most 100 entries", async () => {
  const emulation = createEmulation({
    size: "demo",
    behaviours: "off",
    emulators: { qq: (w) => createQqEmulator(w, { flakyVkeyRate: 0 }) },
  });
  const world = emulation.worlds.qq;
  const free = Array.from({ length: 60 }, (_, i) => world.song(i)).filter((s) =>
    s.access === "free"
  );
  const label = (songs: typeof free, prefix = "M500") => ({
    module: "vkey.GetVkeyServer",
    method: "CgiGetVkey",
    param: {
      guid: "1234567890",
      songmid: songs.map((s) => s.mid),
      filename: songs.map((s) => `${prefix}${s.mediaMid}.mp3`),
      songtype: songs.map(() => 0),
      uin: "0",
      loginflag: 1,
      platform: "20",
    },
  });
  const ask = async (envelope: Record<string, unknown>) =>
    await (await emulation.fetch("http://emu/u.y.qq.com/cgi-bin/musicu.fcg", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ comm: { ct: 24, cv: 0 }, ...envelope }),
    })).json();
  const answer = await ask({
    req_0: label(free.slice(0, 3)),
    req_1: label(free.slice(3, 5)),
  });
  for (
    const [name, songs] of [["req_0", free.slice(0, 3)], [
      "req_1",
      free.slice(3, 5),
    ]] as const
  ) {
    assert.equal(answer[name].code, 0);
    const entries = answer[name].data.midurlinfo as Array<
      { songmid: string; filename: string; purl: string }
    >;
    assert.deepEqual(entries.map((e) => e.songmid), songs.map((s) => s.mid));
    assert.ok(entries.every((e, i) =>
      e.purl.startsWith(e.filename) &&
      e.filename.includes(songs[i]!.mediaMid)
    ));
  }
  const many = Array.from({ length: 101 }, () => free[0]!);
  const refused = await ask({ req_0: label(many) });
  assert.notEqual(refused.req_0.code, 0);
  assert.equal((await ask({ req_0: label(many.slice(1)) })).req_0.code, 0);
});
