import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Emulation } from "../../emulation/emulation.ts";
import { downloadsBeyondPlay } from "../../emulation/netease/_rights.ts";
import type { GenSong } from "../../emulation/world.ts";
import {
  BROWSER_USER_AGENT,
  NETEASE_RSA_KEY,
} from "../../sources/netease/_constants.ts";
import {
  eapi,
  eapiDecryptResponse,
  linuxapi,
  weapi,
} from "../../sources/netease/_crypto.ts";
import { anonymousUsername } from "../../sources/netease/_identity.ts";
import {
  Clock,
  eapiCall,
  emulationAt,
  neteaseConfig,
  weapiCall,
} from "./_helpers.ts";

type Json = Record<string, unknown>;

/** A tiny world with enough songs for every access kind. */
function richEmulation(clock = new Clock()): Emulation {
  return emulationAt(clock, {
    shapes: { netease: { songs: 240, playlists: 12, bigPlaylistTracks: 30 } },
  });
}

function songs(
  emulation: Emulation,
  keep: (song: GenSong) => boolean,
): GenSong[] {
  const world = emulation.worlds.netease;
  const out = [];
  for (let i = 0; i < world.shape.songs; i++) {
    const song = world.song(i);
    if (keep(song)) out.push(song);
  }
  return out;
}

async function urlItem(
  emulation: Emulation,
  id: number,
  level: string,
  cookie = "os=pc",
): Promise<Json> {
  const { body } = await eapiCall(
    emulation,
    "/api/song/enhance/player/url/v1",
    { ids: `[${id}]`, level, encodeType: "flac" },
    { cookie },
  );
  assert.equal(body.code, 200);
  return (body.data as Json[])[0]!;
}

Deno.test("the emulation publishes its own 1024-bit RSA key and test accounts", () => {
  const config = neteaseConfig(richEmulation());
  assert.equal(BigInt(`0x${config.rsa.modulus}`).toString(2).length, 1024);
  assert.equal(config.rsa.exponent, "010001");
  assert.notEqual(
    BigInt(`0x${config.rsa.modulus}`),
    BigInt(`0x${NETEASE_RSA_KEY.modulus}`),
  );
  assert.ok(config.accounts.vip && config.accounts.svip);
});

Deno.test("the emulation rejects a body encrypted for NetEase's real key", async () => {
  const emulation = richEmulation();
  const { status, body } = await weapiCall(
    emulation,
    "playlist/catalogue",
    {},
    {
      modulus: NETEASE_RSA_KEY.modulus,
    },
  );
  assert.equal(status, 200);
  assert.equal(body.code, 400);
});

Deno.test("the emulation rejects missing params, bad padding and non-JSON payloads", async () => {
  const emulation = richEmulation();
  const good = await weapiCall(emulation, "playlist/catalogue", {});
  assert.equal(good.body.code, 200);
  const { rsa } = neteaseConfig(emulation);
  const { weapi } = await import("../../sources/netease/_crypto.ts");
  const body = weapi("{}", { key: rsa, secret: "FFFFFFFFFFFFFFFF" });
  const cases: Record<string, Record<string, string>> = {
    "missing params": { encSecKey: body.encSecKey },
    "missing encSecKey": { params: body.params },
    "bad padding": {
      encSecKey: body.encSecKey,
      params: btoa("0123456789abcdef0123456789abcdef"),
    },
    "non-JSON": {
      ...weapi("<xml/>", { key: rsa, secret: "FFFFFFFFFFFFFFFF" }),
    },
    "over-long encSecKey": { ...body, encSecKey: `0${body.encSecKey}` },
  };
  for (const [name, form] of Object.entries(cases)) {
    const answer = await weapiCall(emulation, "playlist/catalogue", {}, {
      form,
    });
    assert.equal(answer.body.code, 400, name);
  }
});

Deno.test("the emulation answers -460 to a caller without a browser User-Agent", async () => {
  const emulation = richEmulation();
  for (const userAgent of [null, "Deno/2.9.6"]) {
    const { body } = await weapiCall(emulation, "toplist", {}, { userAgent });
    assert.equal(body.code, -460);
  }
});

Deno.test("the emulation checks the eapi digest and accepts both hex cases", async () => {
  const emulation = richEmulation();
  const path = "/api/playlist/catalogue";
  const params = eapi(path, {});
  for (const hex of [params, params.toLowerCase()]) {
    const { body } = await eapiCall(emulation, path, {}, {
      form: { params: hex },
    });
    assert.equal(body.code, 200);
  }
  // signed for another path than the one it claims to be: digest mismatch
  const { aesEcbEncrypt, toHex, utf8, eapiDigest } = await import(
    "../../sources/netease/_crypto.ts"
  );
  const forged = toHex(aesEcbEncrypt(
    utf8("e82ckenh8dichen8"),
    utf8(
      `${path}-36cd479b6b5-{}-36cd479b6b5-${eapiDigest("/api/toplist", "{}")}`,
    ),
  ));
  const { body } = await eapiCall(emulation, path, {}, {
    form: { params: forged },
  });
  assert.equal(body.code, 400);
});

Deno.test("the emulation decrypts linuxapi and answers plain api", async () => {
  const emulation = richEmulation();
  const playlist = emulation.worlds.netease.playlist(1);
  const response = await emulation.fetch(
    "http://emu/music.163.com/api/linux/forward",
    {
      method: "POST",
      headers: {
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64)",
        cookie: "os=pc",
      },
      body: new URLSearchParams({
        eparams: linuxapi({
          method: "POST",
          url: "https://music.163.com/api/v3/playlist/detail",
          params: { id: String(playlist.id), n: 100000, s: 8 },
        }),
      }),
    },
  );
  const body = await response.json();
  assert.equal(body.code, 200);
  assert.equal(body.playlist.trackIds.length, playlist.trackCount);
  const plain = await emulation.fetch("http://emu/music.163.com/api/toplist", {
    method: "POST",
    headers: { "user-agent": "Mozilla/5.0" },
    body: "",
  });
  assert.equal((await plain.json()).code, 200);
});

Deno.test("the emulation pages playlist/list by offset with more and total", async () => {
  const emulation = richEmulation();
  const world = emulation.worlds.netease;
  const seen: number[] = [];
  for (let offset = 0;; offset += 5) {
    const { body } = await weapiCall(emulation, "playlist/list", {
      cat: "全部",
      order: "hot",
      limit: 5,
      offset,
      total: true,
    });
    assert.equal(body.code, 200);
    assert.equal(body.total, world.shape.playlists);
    const page = body.playlists as Json[];
    seen.push(...page.map((p) => p.id as number));
    assert.equal(body.more, offset + page.length < world.shape.playlists);
    if (!body.more) break;
  }
  assert.equal(new Set(seen).size, world.shape.playlists);
  const bad = await weapiCall(emulation, "playlist/list", { offset: -1 });
  assert.equal(bad.body.code, 400);
});

Deno.test("the emulation pages the high-quality list by lasttime", async () => {
  const emulation = richEmulation();
  const world = emulation.worlds.netease;
  const expected = Array.from(
    { length: world.shape.playlists },
    (_, i) => world.playlist(i),
  ).filter((p) => p.highQuality).map((p) => p.id);
  const seen: number[] = [];
  let lasttime = 0;
  for (;;) {
    const { body } = await weapiCall(emulation, "playlist/highquality/list", {
      cat: "全部",
      limit: 2,
      lasttime,
      total: true,
    });
    const page = body.playlists as Json[];
    seen.push(...page.map((p) => p.id as number));
    assert.equal(body.total, expected.length);
    if (page.length > 0) {
      assert.equal(body.lasttime, page[page.length - 1]!.updateTime);
    }
    if (!body.more) break;
    lasttime = body.lasttime as number;
  }
  assert.deepEqual(seen, expected);
});

Deno.test("the emulation gives all trackIds but only a prefix of tracks", async () => {
  const emulation = richEmulation();
  const { accounts } = neteaseConfig(emulation);
  const playlist = emulation.worlds.netease.playlist(0);
  const anonymous = await weapiCall(emulation, "v6/playlist/detail", {
    id: String(playlist.id),
    n: 100000,
    s: 8,
  });
  const detail = anonymous.body.playlist as Json;
  assert.equal((detail.trackIds as Json[]).length, playlist.trackCount);
  const prefix = (detail.tracks as Json[]).length;
  assert.ok(prefix > 0 && prefix < playlist.trackCount);
  assert.equal((anonymous.body.privileges as Json[]).length, prefix);
  const vip = await weapiCall(emulation, "v6/playlist/detail", {
    id: playlist.id,
    n: 100000,
  }, { cookie: `os=pc; MUSIC_U=${accounts.vip}` });
  assert.equal(
    ((vip.body.playlist as Json).tracks as Json[]).length,
    playlist.trackCount,
  );
  const missing = await weapiCall(emulation, "v6/playlist/detail", { id: 42 });
  assert.equal(missing.body.code, 404);
});

Deno.test("the emulation refuses more than 1000 ids in song detail", async () => {
  const emulation = emulationAt(new Clock(), {
    shapes: { netease: { songs: 1100 } },
  });
  const world = emulation.worlds.netease;
  const ids = (n: number) =>
    JSON.stringify(
      Array.from({ length: n }, (_, i) => ({ id: world.song(i).id })),
    );
  const ok = await weapiCall(emulation, "v3/song/detail", { c: ids(1000) });
  assert.equal(ok.body.code, 200);
  assert.equal((ok.body.songs as Json[]).length, 1000);
  assert.equal((ok.body.privileges as Json[]).length, 1000);
  const refused = await weapiCall(emulation, "v3/song/detail", {
    c: ids(1001),
  });
  assert.equal(refused.body.code, 400);
  // ids as strings, and L1's `ids` form, are accepted too
  const strings = await weapiCall(emulation, "v3/song/detail", {
    c: JSON.stringify([{ id: String(world.song(3).id) }]),
  });
  assert.equal((strings.body.songs as Json[])[0]!.id, world.song(3).id);
  const l1 = await weapiCall(emulation, "v3/song/detail", {
    ids: `[${world.song(4).id}]`,
  });
  assert.equal((l1.body.songs as Json[])[0]!.id, world.song(4).id);
});

Deno.test("the emulation's privileges follow the world's access", async () => {
  const emulation = richEmulation();
  const world = emulation.worlds.netease;
  const all = Array.from(
    { length: world.shape.songs },
    (_, i) => world.song(i),
  );
  const { body } = await weapiCall(emulation, "v3/song/detail", {
    c: JSON.stringify(all.map((s) => ({ id: s.id }))),
  });
  const privileges = new Map(
    (body.privileges as Json[]).map((p) => [p.id as number, p]),
  );
  let beyondPlay = 0;
  for (const song of all) {
    const p = privileges.get(song.id)!;
    switch (song.access) {
      case "unavailable":
        assert.ok((p.st as number) < 0);
        break;
      case "vip":
        assert.equal(p.st, 0);
        assert.equal(p.plLevel, "none");
        break;
      case "hq_vip":
        assert.equal(p.fee, 8);
        assert.equal(p.plLevel, "standard");
        break;
      case "free":
        // a third of the lossless-or-better free songs download beyond play
        if (downloadsBeyondPlay(world, song.index)) {
          beyondPlay++;
          assert.equal(p.plLevel, "exhigh");
          assert.equal(p.dlLevel, "lossless");
          assert.ok((p.dl as number) > (p.pl as number));
        } else {
          assert.equal(p.plLevel, p.maxBrLevel);
        }
    }
    if (!downloadsBeyondPlay(world, song.index)) {
      assert.equal(p.dlLevel, p.plLevel, `song ${song.id}`);
    }
  }
  assert.ok(beyondPlay > 0);
});

Deno.test("the emulation serves VIP songs to anonymous callers as a preview or no URL", async () => {
  const clock = new Clock();
  const emulation = richEmulation(clock);
  const vip = songs(emulation, (s) => s.access === "vip");
  assert.ok(vip.length >= 4);
  let previews = 0;
  let nulls = 0;
  for (const song of vip) {
    const item = await urlItem(emulation, song.id, "exhigh");
    if (item.url === null) {
      nulls++;
      continue;
    }
    previews++;
    assert.notEqual(item.freeTrialInfo, null);
    // the preview is a different, short file, and its md5 is its own
    const response = await emulation.fetch(item.url as string);
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(bytes.length, item.size);
    assert.ok(bytes.length < song.tiers.at(-1)!.sizeBytes);
    assert.equal(createHash("md5").update(bytes).digest("hex"), item.md5);
  }
  assert.ok(previews > 0 && nulls > 0, `${previews} previews, ${nulls} nulls`);
});

Deno.test("the emulation gives the VIP account full URLs, downgraded to what exists", async () => {
  const emulation = richEmulation();
  const { accounts } = neteaseConfig(emulation);
  const [song] = songs(
    emulation,
    (s) => s.access === "vip" && s.tiers[0]!.label === "320k",
  );
  assert.ok(song);
  const item = await urlItem(
    emulation,
    song.id,
    "jymaster",
    `os=pc; MUSIC_U=${accounts.vip}`,
  );
  assert.equal(item.code, 200);
  assert.equal(item.freeTrialInfo, null);
  assert.equal(item.level, "exhigh");
  assert.equal(item.br, 320000);
  assert.equal(item.size, song.tiers[0]!.sizeBytes);
  // jymaster is SVIP's: a VIP gets hires from a master song
  const [master] = songs(
    emulation,
    (s) => s.tiers[0]!.label === "master" && s.access !== "unavailable",
  );
  assert.ok(master);
  const vipItem = await urlItem(
    emulation,
    master.id,
    "jymaster",
    `os=pc; MUSIC_U=${accounts.vip}`,
  );
  assert.equal(vipItem.level, "hires");
  const svipItem = await urlItem(
    emulation,
    master.id,
    "jymaster",
    `os=pc; MUSIC_U=${accounts.svip}`,
  );
  assert.equal(svipItem.level, "jymaster");
  assert.equal(svipItem.type, "flac");
});

Deno.test("the emulation honours os=pc and marks no-copyright items 404", async () => {
  const emulation = richEmulation();
  const [free] = songs(
    emulation,
    (s) => s.access === "free" && s.tiers[0]!.label === "lossless",
  );
  assert.ok(free);
  assert.equal(
    (await urlItem(emulation, free.id, "lossless")).level,
    "lossless",
  );
  assert.equal(
    (await urlItem(emulation, free.id, "lossless", "")).level,
    "standard",
  );
  const [gone] = songs(emulation, (s) => s.access === "unavailable");
  assert.ok(gone);
  const item = await urlItem(emulation, gone.id, "standard");
  assert.equal(item.code, 404);
  assert.equal(item.url, null);
});

async function downloadAnswer(
  emulation: Emulation,
  params: Json,
  cookie = "os=pc",
): Promise<Json> {
  const { status, body } = await eapiCall(
    emulation,
    "/api/song/enhance/download/url/v1",
    params,
    { cookie },
  );
  assert.equal(status, 200);
  return body;
}

Deno.test("the emulation serves download/url/v1 as one object, granting up to dlLevel", async () => {
  const emulation = richEmulation();
  const world = emulation.worlds.netease;
  const [song] = songs(
    emulation,
    (s) =>
      downloadsBeyondPlay(world, s.index) && s.tiers[0]!.label === "lossless",
  );
  assert.ok(song);
  // the player endpoint stops at plLevel (exhigh) ...
  assert.equal((await urlItem(emulation, song.id, "lossless")).level, "exhigh");
  // ... the download endpoint gives the lossless file, as one object
  const body = await downloadAnswer(emulation, {
    id: String(song.id),
    level: "lossless",
    encodeType: "mp3",
  });
  assert.equal(body.code, 200);
  assert.ok(!Array.isArray(body.data));
  const item = body.data as Json;
  assert.equal(item.id, song.id);
  assert.equal(item.code, 200);
  assert.equal(item.level, "lossless");
  assert.equal(item.type, "flac");
  assert.equal(item.freeTrialInfo, null);
  assert.equal(item.size, song.tiers[0]!.sizeBytes);
  const bytes = new Uint8Array(
    await (await emulation.fetch(item.url as string)).arrayBuffer(),
  );
  assert.equal(bytes.length, item.size);
  assert.equal(createHash("md5").update(bytes).digest("hex"), item.md5);
  // a higher level is downgraded to dlLevel; "<id>_0" is the same song
  const capped = await downloadAnswer(emulation, {
    id: `${song.id}_0`,
    level: "jymaster",
    encodeType: "mp3",
  });
  assert.equal((capped.data as Json).level, "lossless");
  // weapi reaches the same endpoint
  const web = await weapiCall(emulation, "song/enhance/download/url/v1", {
    id: song.id,
    level: "lossless",
  });
  assert.equal((web.body.data as Json).level, "lossless");
  // the SVIP account plays and downloads alike
  const { accounts } = neteaseConfig(emulation);
  const svip = await downloadAnswer(emulation, {
    id: song.id,
    level: "lossless",
  }, `os=pc; MUSIC_U=${accounts.svip}`);
  assert.equal((svip.data as Json).level, "lossless");
});

Deno.test("the emulation's download/url/v1 grants no more than play elsewhere, and never a preview", async () => {
  const emulation = richEmulation();
  const world = emulation.worlds.netease;
  const [free] = songs(
    emulation,
    (s) =>
      s.access === "free" && s.tiers[0]!.label === "lossless" &&
      !downloadsBeyondPlay(world, s.index),
  );
  const [hq] = songs(
    emulation,
    (s) => s.access === "hq_vip" && s.tiers[0]!.label !== "128k",
  );
  assert.ok(free && hq);
  for (const [song, level] of [[free, "lossless"], [hq, "standard"]] as const) {
    const body = await downloadAnswer(emulation, {
      id: song.id,
      level: "lossless",
      encodeType: "mp3",
    });
    assert.equal((body.data as Json).level, level, `song ${song.id}`);
  }
  // a VIP song without VIP: no URL and no preview (the player gives some)
  for (const song of songs(emulation, (s) => s.access === "vip")) {
    const item = (await downloadAnswer(emulation, {
      id: song.id,
      level: "exhigh",
    })).data as Json;
    assert.equal(item.url, null, `song ${song.id}`);
    assert.equal(item.code, 404);
    assert.equal(item.freeTrialInfo, null);
  }
  // a song the service does not know: an object with code 404
  const unknown = (await downloadAnswer(emulation, { id: 1, level: "exhigh" }))
    .data as Json;
  assert.deepEqual([unknown.id, unknown.code, unknown.url], [1, 404, null]);
});

Deno.test("the emulation's download/url/v1 refuses bad parameters with code 400", async () => {
  const emulation = richEmulation();
  const id = emulation.worlds.netease.song(0).id;
  const refused: Json[] = [
    { level: "exhigh" },
    { ids: `[${id}]`, level: "exhigh" },
    { id: `[${id}]`, level: "exhigh" },
    { id: "abc", level: "exhigh" },
    { id, level: "ultra" },
    { id, level: 5 },
    { id, level: "exhigh", encodeType: "wav" },
  ];
  for (const params of refused) {
    const body = await downloadAnswer(emulation, params);
    assert.equal(body.code, 400, JSON.stringify(params));
    assert.equal(body.data, undefined);
  }
  const fine = await downloadAnswer(emulation, { id, level: "exhigh" });
  assert.equal(fine.code, 200);
});

Deno.test("the emulation's download/url/v1 answers 301 or -110 for a seeded share of songs", async () => {
  const emulation = emulationAt(new Clock(), {
    shapes: { netease: { songs: 240, playlists: 12, bigPlaylistTracks: 30 } },
    behaviours: { neteaseDownloadRefused: 1 },
  });
  const world = emulation.worlds.netease;
  const beyond = songs(emulation, (s) => downloadsBeyondPlay(world, s.index));
  assert.ok(beyond.length >= 4);
  const codes = new Set<unknown>();
  for (const song of beyond) {
    const body = await downloadAnswer(emulation, {
      id: String(song.id),
      immerseType: "c51",
      level: "lossless",
    });
    codes.add(body.code);
    assert.equal(body.data ?? null, null);
  }
  assert.deepEqual([...codes].sort(), [-110, 301]);
  // the player is not concerned
  assert.equal((await urlItem(emulation, beyond[0]!.id, "exhigh")).code, 200);
  // a logged-in caller needs no login: -110 only
  const { accounts } = neteaseConfig(emulation);
  const vip = await downloadAnswer(
    emulation,
    { id: String(beyond[0]!.id), level: "lossless" },
    `os=pc; MUSIC_U=${accounts.vip}`,
  );
  assert.equal(vip.code, -110);
});

Deno.test("the emulation issues an anonymous MUSIC_A, and its risk control clears for a caller that presents it", async () => {
  const emulation = emulationAt(new Clock(), {
    behaviours: { neteaseRiskControl: 1 },
  });
  const [song] = songs(emulation, (s) => s.access === "free");
  const ask = (cookie: string, header: Json = {}) =>
    eapiCall(emulation, "/api/song/enhance/player/url/v1", {
      ids: `[${song!.id}]`,
      level: "standard",
      encodeType: "flac",
      header: { os: "pc", ...header },
    }, { cookie });
  assert.equal((await ask("os=pc")).body.code, -460);
  // a username that is not the device id's form is refused
  const bad = await weapiCall(emulation, "register/anonimous", {
    username: btoa("ABCDEF0123 not-the-digest"),
  });
  assert.equal(bad.body.code, 400);
  // the form NeteaseCloudMusicApi sends is answered with a MUSIC_A cookie
  const { rsa } = neteaseConfig(emulation);
  const response = await emulation.fetch(
    "http://emu/music.163.com/weapi/register/anonimous?csrf_token=",
    {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": BROWSER_USER_AGENT,
      },
      body: new URLSearchParams({
        ...weapi(
          {
            username: anonymousUsername("0123456789ABCDEF0123456789ABCDEF"),
            csrf_token: "",
          },
          { key: rsa },
        ),
      }).toString(),
    },
  );
  assert.equal((await response.json()).code, 200);
  const token = /MUSIC_A=([0-9a-f]+)/.exec(
    response.headers.getSetCookie().join("\n"),
  )?.[1];
  assert.ok(token, "a MUSIC_A cookie");
  // presented in the eapi header or as a cookie, it clears the refusal
  assert.equal((await ask("os=pc", { MUSIC_A: token })).body.code, 200);
  assert.equal((await ask(`os=pc; MUSIC_A=${token}`)).body.code, 200);
  assert.equal((await ask("os=pc", { MUSIC_A: "f00" })).body.code, -460);
  // switched off, nobody is refused
  emulation.setBehaviours({ neteaseRiskControl: 0 });
  assert.equal((await ask("os=pc")).body.code, 200);
});

Deno.test("the emulation answers e_r requests with AES-ECB bytes", async () => {
  const emulation = richEmulation();
  const response = await emulation.fetch(
    "http://emu/interface3.music.163.com/eapi/toplist",
    {
      method: "POST",
      headers: {
        "user-agent": "NeteaseMusic 9.0.90/5038 (iPhone; iOS 16.2; zh_CN)",
      },
      body: new URLSearchParams({
        params: eapi("/api/toplist", {
          e_r: true,
          header: '{"os":"iPhone OS"}',
        }),
      }),
    },
  );
  const bytes = new Uint8Array(await response.arrayBuffer());
  const body = JSON.parse(eapiDecryptResponse(bytes));
  assert.equal(body.code, 200);
  assert.equal(body.list.length, emulation.worlds.netease.shape.charts);
});

Deno.test("the emulation's CDN serves Range and refuses expired or forged URLs", async () => {
  const clock = new Clock();
  const emulation = richEmulation(clock);
  const [free] = songs(emulation, (s) => s.access === "free");
  const item = await urlItem(emulation, free!.id, "exhigh");
  const url = item.url as string;
  const full = new Uint8Array(await (await emulation.fetch(url)).arrayBuffer());
  assert.equal(full.length, item.size);
  assert.equal(createHash("md5").update(full).digest("hex"), item.md5);
  const ranged = await emulation.fetch(url, {
    headers: { range: "bytes=100-199" },
  });
  assert.equal(ranged.status, 206);
  assert.equal(
    ranged.headers.get("content-range"),
    `bytes 100-199/${item.size}`,
  );
  assert.deepEqual(
    new Uint8Array(await ranged.arrayBuffer()),
    full.slice(100, 200),
  );
  const head = await emulation.fetch(url, { method: "HEAD" });
  assert.equal(head.headers.get("content-length"), String(item.size));
  const forged = url.replace(
    /\/([0-9a-f]{32})\/obj\//,
    (_, sig: string) =>
      `/${sig.startsWith("0") ? "1" : "0"}${sig.slice(1)}/obj/`,
  );
  assert.equal((await emulation.fetch(forged)).status, 403);
  clock.ms += ((item.expi as number) + 1) * 1000;
  const expired = await emulation.fetch(url);
  await expired.body?.cancel();
  assert.equal(expired.status, 403);
});

Deno.test("the emulation answers scripted business faults in NetEase's shape", async () => {
  const emulation = richEmulation();
  for (const code of [-460, -462, 405, 406, 301, 20001]) {
    emulation.faults.inject({
      kind: "business",
      platform: "netease",
      match: "playlist/catalogue",
      code,
    });
    const { status, body } = await weapiCall(
      emulation,
      "playlist/catalogue",
      {},
    );
    assert.equal(status, 200);
    assert.equal(body.code, code);
  }
  assert.equal(
    (await weapiCall(emulation, "playlist/catalogue", {})).body.code,
    200,
  );
});

Deno.test("the emulation maps every world category, chart and song", async () => {
  const emulation = richEmulation();
  const world = emulation.worlds.netease;
  const catalogue = (await weapiCall(emulation, "playlist/catalogue", {})).body;
  assert.deepEqual(
    (catalogue.sub as Json[]).map((s) => s.name),
    Array.from(
      { length: world.shape.categories },
      (_, i) => world.category(i).name,
    ),
  );
  const toplist = (await weapiCall(emulation, "toplist", {})).body;
  const list = toplist.list as Json[];
  assert.equal(list.length, world.shape.charts);
  assert.equal(list[0]!.ToplistType, "S");
  const unknown = await weapiCall(emulation, "no/such/api", {});
  assert.equal(unknown.status, 404);
});
