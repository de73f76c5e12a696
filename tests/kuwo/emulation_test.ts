import assert from "node:assert/strict";
import { KuwoCatalog } from "../../emulation/kuwo/_catalog.ts";
import { COOKIE_NAME } from "../../sources/kuwo/_constants.ts";
import { kuwoDesEncrypt } from "../../sources/kuwo/_kuwo_des.ts";
import { decodeEntities } from "../../sources/kuwo/_parse.ts";
import { secret } from "../../sources/kuwo/_secret.ts";
import {
  Clock,
  findSong,
  homeCookie,
  kuwoEmulation,
  ORIGIN,
  signedGet,
} from "./_helpers.ts";

const ILLEGAL = { success: false, message: "The request is illegal!" };

type Body = Record<string, unknown> & {
  code?: number;
  data?: Record<string, unknown> & { musicList?: Record<string, unknown>[] };
};

Deno.test("emulation: the home page sets a 32-alphanumeric Hm_Iuvt cookie", async () => {
  const emulation = kuwoEmulation(new Clock());
  const response = await emulation.fetch(`${ORIGIN}/www.kuwo.cn/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /text\/html/);
  await response.body?.cancel();
  assert.match(
    response.headers.get("set-cookie")!,
    new RegExp(`^${COOKIE_NAME}=[A-Za-z0-9]{32}; Path=/`),
  );
  // on demand, an error status that still sets the cookie (§15.1)
  emulation.faults.inject({
    kind: "business",
    platform: "kuwo",
    match: "/www.kuwo.cn/",
    code: 403,
  });
  const refused = await emulation.fetch(`${ORIGIN}/www.kuwo.cn/`);
  await refused.body?.cancel();
  assert.equal(refused.status, 403);
  assert.match(refused.headers.get("set-cookie")!, /Hm_Iuvt_/);
});

Deno.test("emulation: signed routes refuse a missing cookie, a wrong Secret or a foreign cookie", async () => {
  const emulation = kuwoEmulation(new Clock());
  const chart = emulation.worlds.kuwo.chart(0);
  const path = `/api/www/bang/bang/musicList?bangId=${chart.id}&pn=1&rn=30`;
  assert.deepEqual(await signedGet(emulation, path, undefined), ILLEGAL);
  const cookie = await homeCookie(emulation);
  const good = secret(cookie, COOKIE_NAME, 12345678)!;
  assert.equal((await signedGet(emulation, path, cookie) as Body).code, 200);
  const wrong = good.slice(0, 10) + (good[10] === "0" ? "1" : "0") +
    good.slice(11);
  assert.deepEqual(
    await signedGet(emulation, path, cookie, { secret: wrong }),
    ILLEGAL,
  );
  assert.deepEqual(
    await signedGet(emulation, path, cookie, { secret: "" }),
    ILLEGAL,
  );
  // a cookie the server never issued, even with its matching Secret
  assert.deepEqual(
    await signedGet(emulation, path, "A".repeat(32)),
    ILLEGAL,
  );
  // any nonce works when the Secret matches it
  for (const nonce of [0, 7, 99_999_999]) {
    assert.equal(
      (await signedGet(emulation, path, cookie, { nonce }) as Body).code,
      200,
    );
  }
});

Deno.test("emulation: cookies expire after cookieTtlMinutes of the emulation's clock", async () => {
  const clock = new Clock();
  const emulation = kuwoEmulation(clock, { cookieTtlMinutes: 20 });
  const path = `/api/www/bang/bang/musicList?bangId=${
    emulation.worlds.kuwo.chart(0).id
  }&pn=1&rn=10`;
  const cookie = await homeCookie(emulation);
  clock.advance(19.9);
  assert.equal((await signedGet(emulation, path, cookie) as Body).code, 200);
  clock.advance(0.1);
  assert.deepEqual(await signedGet(emulation, path, cookie), ILLEGAL);
  const fresh = await homeCookie(emulation);
  assert.equal((await signedGet(emulation, path, fresh) as Body).code, 200);
});

Deno.test("emulation: bang/musicList refuses rn > 30 with code -1 and sends num as a string", async () => {
  const emulation = kuwoEmulation(new Clock());
  const chart = emulation.worlds.kuwo.chart(0);
  const cookie = await homeCookie(emulation);
  const refused = await signedGet(
    emulation,
    `/api/www/bang/bang/musicList?bangId=${chart.id}&pn=1&rn=31`,
    cookie,
  ) as Body;
  assert.equal(refused.code, -1);
  assert.deepEqual(refused.data?.musicList, []);
  const page = await signedGet(
    emulation,
    `/api/www/bang/bang/musicList?bangId=${chart.id}&pn=1&rn=30`,
    cookie,
  ) as Body;
  assert.equal(page.code, 200);
  assert.equal(page.data?.num, String(chart.trackCount));
  assert.equal(page.data?.musicList?.length, Math.min(30, chart.trackCount));
  const unknown = await signedGet(
    emulation,
    `/api/www/bang/bang/musicList?bangId=1&pn=1&rn=30`,
    cookie,
  ) as Body;
  assert.equal(unknown.code, -1);
});

Deno.test("emulation: playListInfo caps pages at 100 and serves min(rn, total − (pn−1)·rn) items", async () => {
  const emulation = kuwoEmulation(new Clock(), {
    shapes: { kuwo: { songs: 400, bigPlaylistTracks: 250 } },
  });
  const playlist = emulation.worlds.kuwo.playlist(0);
  assert.equal(playlist.trackCount, 250);
  const cookie = await homeCookie(emulation);
  const page = async (pn: number, rn: number) =>
    await signedGet(
      emulation,
      `/api/www/playlist/playListInfo?pid=${playlist.id}&pn=${pn}&rn=${rn}`,
      cookie,
    ) as Body;
  assert.equal((await page(1, 150)).data?.musicList?.length, 100);
  assert.equal((await page(3, 100)).data?.musicList?.length, 50);
  assert.equal((await page(4, 100)).data?.musicList?.length, 0);
  assert.equal((await page(9, 30)).data?.musicList?.length, 10);
  const first = await page(1, 100);
  assert.equal(first.data?.total, 250);
  assert.equal(first.data?.id, playlist.id);
  const unknown = await signedGet(
    emulation,
    `/api/www/playlist/playListInfo?pid=42&pn=1&rn=100`,
    cookie,
  ) as Body;
  assert.equal(unknown.code, -1);
});

Deno.test("emulation: song items carry MUSIC_ ids, &-joined artists and entity-encoded names", async () => {
  const emulation = kuwoEmulation(new Clock());
  const world = emulation.worlds.kuwo;
  const chart = world.chart(0);
  const cookie = await homeCookie(emulation);
  const items: Record<string, unknown>[] = [];
  for (let pn = 1; items.length < chart.trackCount; pn++) {
    const body = await signedGet(
      emulation,
      `/api/www/bang/bang/musicList?bangId=${chart.id}&pn=${pn}&rn=30`,
      cookie,
    ) as Body;
    items.push(...body.data!.musicList!);
  }
  items.forEach((item, i) => {
    const song = world.song(chart.track(i));
    assert.equal(item.musicrid, `MUSIC_${song.id}`);
    assert.equal(decodeEntities(item.name as string), song.title);
    const names = song.artists.map((a) => a.name);
    if (song.nameOnlyCredit) names.push(song.nameOnlyCredit);
    assert.deepEqual(
      (item.artist as string).split("&").map(decodeEntities),
      names,
    );
    assert.equal(item.artistid, song.artists[0]!.id);
    assert.equal(item.albumid, song.album?.id ?? 0);
  });
  // a raw "&" only ever separates artists: names arrive encoded
  const awkward = findSong(world, (s) => s.title.includes("&"));
  const encoded = new KuwoCatalog(world).songItem(awkward, 1);
  assert.equal(decodeEntities(encoded.name as string), awkward.title);
  assert.ok(!(encoded.name as string).match(/&(?!amp;|lt;|gt;|quot;|apos;)/));
});

Deno.test("emulation: the square takes pn=0 and pn=1 as the first page and sends numbers as strings", async () => {
  const emulation = kuwoEmulation(new Clock());
  const world = emulation.worlds.kuwo;
  const tag = world.category(0);
  const get = async (query: string) =>
    await (await emulation.fetch(
      `${ORIGIN}/wapi.kuwo.cn/api/pc/classify/playlist/getTagPlayList?loginUid=0&loginSid=0&appUid=76039576&${query}`,
    )).json();
  const zero = await get(`pn=0&id=${tag.id}&rn=2`);
  const one = await get(`pn=1&id=${tag.id}&rn=2`);
  assert.deepEqual(zero.data.data, one.data.data);
  assert.equal(one.data.total, world.categoryPlaylists(0).length);
  const item = one.data.data[0];
  const playlist = world.playlist(world.categoryPlaylists(0)[0]!);
  assert.equal(item.id, String(playlist.id));
  assert.equal(item.total, String(playlist.trackCount));
  assert.equal(item.listencnt, String(playlist.playCount));
  assert.equal(decodeEntities(item.name), playlist.name);
  const tags = await (await emulation.fetch(
    `${ORIGIN}/wapi.kuwo.cn/api/pc/classify/playlist/getTagList?cmd=rcm_keyword_playlist`,
  )).json();
  const ids = tags.data.flatMap((g: { data: { id: string }[] }) =>
    g.data.map((t) => t.id)
  );
  assert.equal(ids.length, world.shape.categories);
  assert.ok(ids.every((id: unknown) => typeof id === "string"));
});

Deno.test("emulation: bang/list names every chart by sourceid", async () => {
  const emulation = kuwoEmulation(new Clock());
  const world = emulation.worlds.kuwo;
  const body = await (await emulation.fetch(
    `${ORIGIN}/wapi.kuwo.cn/api/pc/bang/list`,
  )).json();
  const ids = body.child.flatMap((g: { child: { sourceid: string }[] }) =>
    g.child.map((c) => c.sourceid)
  ).sort();
  assert.deepEqual(
    ids,
    Array.from(
      { length: world.shape.charts },
      (_, i) => String(world.chart(i).id),
    ).sort(),
  );
});

/** Asks mobi.s in its plain form. */
async function mobi(
  emulation: ReturnType<typeof kuwoEmulation>,
  rid: number | string,
  br: string,
): Promise<Record<string, unknown> & { data?: Record<string, unknown> }> {
  const format = br.endsWith("flac") ? "flac" : "mp3";
  const response = await emulation.fetch(
    `${ORIGIN}/mobi.kuwo.cn/mobi.s?f=web&user=0&source=kwplayer_ar_5.1.0.0_B_jiakong_vh.apk&type=convert_url_with_sign&rid=${rid}&br=${br}&format=${format}&sig=0&network=WIFI`,
  );
  return await response.json();
}

Deno.test("emulation: mobi.s serves a tier the song has", async () => {
  const emulation = kuwoEmulation(new Clock());
  const song = findSong(
    emulation.worlds.kuwo,
    (s) => s.access === "free" && s.tiers[0]!.label === "lossless",
  );
  const body = await mobi(emulation, song.id, "2000kflac");
  assert.equal(body.code, 200);
  assert.equal(body.data!.bitrate, 2000);
  assert.equal(body.data!.format, "flac");
  assert.equal(String(body.data!.rid), String(song.id));
  assert.equal(Number(body.data!.type), 0);
  assert.equal(body.data!.duration, Math.floor(song.durationMs / 1000));
  assert.match(
    body.data!.url as string,
    /^http:\/\/emu\/kw-er\.kuwo\.cn\/[0-9a-f]{32}\/[0-9a-f]{8}\/resource\/.+\.flac\?bitrate\$2000&format\$flac/,
  );
});

Deno.test("emulation: mobi.s downgrades a tier the song lacks, and hq_vip above 320k", async () => {
  const emulation = kuwoEmulation(new Clock());
  const world = emulation.worlds.kuwo;
  const mp3Only = findSong(
    world,
    (s) => s.access === "free" && s.tiers[0]!.label === "320k",
  );
  const down = await mobi(emulation, mp3Only.id, "2000kflac");
  assert.deepEqual([down.data!.bitrate, down.data!.format], [320, "mp3"]);
  const hq = findSong(
    world,
    (s) => s.access === "hq_vip" && s.tiers[0]!.label === "lossless",
  );
  const capped = await mobi(emulation, hq.id, "2000kflac");
  assert.deepEqual([capped.data!.bitrate, capped.data!.format], [320, "mp3"]);
  const low = await mobi(emulation, hq.id, "128kmp3");
  assert.equal(low.data!.bitrate, 128);
});

Deno.test("emulation: mobi.s answers a VIP-only song with the preview stub", async () => {
  const emulation = kuwoEmulation(new Clock());
  const song = findSong(emulation.worlds.kuwo, (s) => s.access === "vip");
  for (const br of ["2000kflac", "128kmp3"]) {
    const body = await mobi(emulation, song.id, br);
    assert.equal(body.code, 200);
    assert.notEqual(String(body.data!.rid), String(song.id));
    assert.equal(body.data!.bitrate, 1);
    assert.equal(body.data!.duration, 11);
    assert.equal(Number(body.data!.type), 1);
  }
});

Deno.test("emulation: mobi.s answers code -1 for a song without copyright or unknown", async () => {
  const emulation = kuwoEmulation(new Clock());
  const song = findSong(
    emulation.worlds.kuwo,
    (s) => s.access === "unavailable",
  );
  assert.equal((await mobi(emulation, song.id, "128kmp3")).code, -1);
  assert.equal((await mobi(emulation, 1, "128kmp3")).code, -1);
});

Deno.test("emulation: mobi.s answers 407 on demand and the encrypted tier for master songs", async () => {
  const emulation = kuwoEmulation(new Clock());
  const world = emulation.worlds.kuwo;
  const song = findSong(world, (s) => s.access === "free");
  emulation.faults.inject({
    kind: "business",
    platform: "kuwo",
    match: "mobi.s",
    code: 407,
  });
  const region = await mobi(emulation, song.id, "128kmp3");
  assert.equal(region.code, 407);
  assert.deepEqual(region.data, { format: "None", sig: "None", url: "None" });
  assert.match(region.msg as string, /region/);
  assert.equal((await mobi(emulation, song.id, "128kmp3")).code, 200);
  const master = findSong(
    world,
    (s) => s.access === "free" && s.tiers[0]!.label === "master",
  );
  const encrypted = await mobi(emulation, master.id, "4000kflac");
  assert.deepEqual([encrypted.data!.bitrate, encrypted.data!.format], [
    20900,
    "mflac",
  ]);
  const plain = await mobi(emulation, master.id, "2000kflac");
  assert.deepEqual([plain.data!.bitrate, plain.data!.format], [2000, "flac"]);
});

Deno.test("emulation: mobi.s f=kuwo decrypts q raw with + kept, or percent-encoded", async () => {
  const emulation = kuwoEmulation(new Clock());
  const world = emulation.worlds.kuwo;
  // a free song whose encrypted query carries a "+"
  let rid = 0;
  let q = "";
  for (let i = 0; i < world.shape.songs && !q.includes("+"); i++) {
    const song = world.song(i);
    if (song.access !== "free") continue;
    rid = song.id;
    q = kuwoDesEncrypt(
      `user=0&corp=kuwo&source=kwplayer_ar_5.1.0.0_B_jiakong_vh.apk&p2p=1&type=convert_url2&sig=0&format=mp3&rid=${rid}&br=128kmp3`,
    );
  }
  assert.ok(q.includes("+"), "no query with a + in the world");
  for (const sent of [q, encodeURIComponent(q)]) {
    const response = await emulation.fetch(
      `${ORIGIN}/mobi.kuwo.cn/mobi.s?f=kuwo&q=${sent}`,
    );
    const text = await response.text();
    assert.match(text, /^format=mp3\r\nbitrate=128\r\nurl=http:\/\/emu\/kw-er/);
    assert.match(text, new RegExp(`\\r\\nrid=${rid}\\r\\n`));
  }
  // "+" read as a space (form decoding) breaks the ciphertext
  const broken = await emulation.fetch(
    `${ORIGIN}/mobi.kuwo.cn/mobi.s?f=kuwo&q=${q.replaceAll("+", "%20")}`,
  );
  assert.equal((await broken.json()).code, -1);
});

Deno.test("emulation: mobi.s refuses unknown and refused source strings, answers 'music not found', and a br in the KuwoDES query gets a tone", async () => {
  const emulation = kuwoEmulation(new Clock(), {
    behaviours: {
      kuwoRefusedSources: ["kwplayer_ar_5.1.0.0_B_jiakong_vh.apk"],
      kuwoNotFound: 1,
    },
  });
  const world = emulation.worlds.kuwo;
  const song = findSong(
    world,
    (s) => s.access === "free" && s.tiers.some((t) => t.label === "128k"),
  );
  const ask = async (host: string, source: string, rid = song.id) =>
    await (await emulation.fetch(
      `${ORIGIN}/${host}/mobi.s?f=web&source=${source}&type=convert_url_with_sign&rid=${rid}&br=128kmp3`,
    )).json();
  const refused = await ask(
    "mobi.kuwo.cn",
    "kwplayer_ar_5.1.0.0_B_jiakong_vh.apk",
  );
  assert.equal(refused.code, 403);
  assert.equal((await ask("mobi.kuwo.cn", "kwplayer_pc_9.0.5.0")).code, 403);
  assert.equal((await ask("mobi.kuwo.cn", "jiakong")).code, 200);
  const car = await ask(
    "nmobi.kuwo.cn",
    "kwplayer_ar_1.1.9_oppo_118980_320.apk",
  );
  assert.equal(car.code, 200);
  assert.match(car.data.url, /source\$kwplayer_ar_1\.1\.9_oppo/);
  const gone = findSong(world, (s) => s.access === "unavailable");
  const missing = await ask("mobi.kuwo.cn", "jiakong", gone.id);
  assert.deepEqual([missing.code, missing.msg], [404, "music not found"]);
  // switched off: the first source works and no-copyright is code -1 again
  emulation.setBehaviours("off");
  assert.equal(
    (await ask("mobi.kuwo.cn", "kwplayer_ar_5.1.0.0_B_jiakong_vh.apk")).code,
    200,
  );
  assert.equal((await ask("mobi.kuwo.cn", "jiakong", gone.id)).code, -1);
  // a br inside the KuwoDES query: the URL serves a short tone, not the song
  const des = async (query: string) => {
    const text = await (await emulation.fetch(
      `${ORIGIN}/mobi.kuwo.cn/mobi.s?f=kuwo&q=${
        encodeURIComponent(kuwoDesEncrypt(query))
      }`,
    )).text();
    const url = /url=(\S+)/.exec(text)![1]!;
    return (await (await emulation.fetch(url)).arrayBuffer()).byteLength;
  };
  const base =
    `user=0&corp=kuwo&source=kwplayer_ar_5.1.0.0_B_jiakong_vh.apk&p2p=1&type=convert_url2&sig=0&format=mp3&rid=${song.id}`;
  const tier = song.tiers.find((t) => t.label === "128k")!;
  assert.notEqual(await des(`${base}&br=128kmp3`), tier.sizeBytes);
  const best = song.tiers.find((t) => t.bitrateKbps <= 320)!;
  assert.equal(await des(base), best.sizeBytes);
});

Deno.test("emulation: the CDN serves Range and refuses expired or tampered URLs", async () => {
  const clock = new Clock();
  const emulation = kuwoEmulation(clock);
  const song = findSong(
    emulation.worlds.kuwo,
    (s) => s.access === "free" && s.tiers[0]!.label === "lossless",
  );
  const body = await mobi(emulation, song.id, "2000kflac");
  const url = body.data!.url as string;
  const expiry = parseInt(/\/([0-9a-f]{8})\/resource\//.exec(url)![1]!, 16);
  assert.ok(expiry * 1000 > clock.ms);
  assert.ok(expiry * 1000 - clock.ms <= 600_000, "short-lived");
  const size = song.tiers.find((t) => t.label === "lossless")!.sizeBytes;
  const whole = await emulation.fetch(url);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get("content-length"), String(size));
  const bytes = new Uint8Array(await whole.arrayBuffer());
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), "fLaC");
  const ranged = await emulation.fetch(url, {
    headers: { Range: "bytes=4-9" },
  });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get("content-range"), `bytes 4-9/${size}`);
  assert.deepEqual(
    new Uint8Array(await ranged.arrayBuffer()),
    bytes.subarray(4, 10),
  );
  const tampered = url.replace(/\/resource\/n\d/, "/resource/n9");
  const refused = await emulation.fetch(tampered);
  assert.equal(refused.status, 403);
  await refused.body?.cancel();
  clock.ms = expiry * 1000;
  const expired = await emulation.fetch(url);
  assert.equal(expired.status, 403);
  await expired.body?.cancel();
});
