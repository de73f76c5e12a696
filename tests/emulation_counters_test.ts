import assert from "node:assert/strict";
import { servedSince } from "../emulation/counters.ts";
import { serveAudio } from "../emulation/audio.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { createQqEmulator } from "../emulation/qq/mod.ts";
import { Catalog } from "../catalog/database.ts";
import { createSources } from "../sources/registry.ts";
import { PLATFORMS } from "../sources/types.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { download } from "../tasks/download.ts";
import { sync } from "../tasks/sync.ts";
import { AUDIO, standIns } from "./_emulators.ts";

const ORIGIN = "http://emu.test";
const API = `${ORIGIN}/test.example`;

async function read(
  fetch: (url: string, init?: RequestInit) => Promise<Response>,
  url: string,
  init?: RequestInit,
): Promise<{ status: number; bytes: number }> {
  const response = await fetch(url, init);
  let bytes = 0;
  try {
    bytes = (await response.arrayBuffer()).byteLength;
  } catch {
    // a cut body: what arrived is not ours to count here
  }
  return { status: response.status, bytes };
}

Deno.test("/_emulation/stats counts requests, bytes and refusals per platform and endpoint", async (t) => {
  const { emulators } = standIns();
  const emulation = createEmulation({ emulators });
  const fetch = emulation.fetch;

  await t.step("requests and the bytes of their bodies", async () => {
    const a = await read(fetch, `${API}/a`);
    const b = await read(fetch, `${API}/a`);
    const audio = await read(fetch, `${API}/audio`);
    const ranged = await read(fetch, `${API}/audio`, {
      headers: { range: "bytes=0-99" },
    });
    assert.equal(audio.bytes, AUDIO.sizeBytes);
    assert.equal(ranged.bytes, 100);
    const served = emulation.stats().netease.served;
    assert.deepEqual(served.endpoints["test.example/a"], {
      kind: "api",
      requests: 2,
      bytes: a.bytes + b.bytes,
      refusals: {},
    });
    assert.deepEqual(served.endpoints["test.example/audio"], {
      kind: "api",
      requests: 2,
      bytes: AUDIO.sizeBytes + 100,
      refusals: {},
    });
    assert.equal(served.requests, 4);
    assert.equal(served.bytes, a.bytes + b.bytes + AUDIO.sizeBytes + 100);
    assert.equal(emulation.stats().qq.served.requests, 0);
  });

  await t.step("a body read in part counts what was read", async () => {
    const big = 8 * 1024 * 1024;
    const emulation = createEmulation({
      emulators: {
        ...emulators,
        netease: () => ({
          platform: "netease",
          hosts: ["big.example"],
          handle: (request) =>
            serveAudio(request, {
              key: "big",
              container: "mp3",
              sizeBytes: big,
            }),
        }),
      },
    });
    const response = await emulation.fetch(`${ORIGIN}/big.example/file`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    await reader.cancel();
    const served = emulation.stats().netease.served;
    assert.equal(served.requests, 1);
    assert.ok(served.bytes >= first.value!.byteLength);
    assert.ok(served.bytes < big, `${served.bytes} bytes counted`);
  });

  await t.step(
    "refusals by kind: transport faults, business faults, HTTP errors",
    async () => {
      emulation.resetCounters();
      for (const kind of ["5xx", "429", "html", "reset", "truncate"] as const) {
        emulation.faults.inject({ kind, match: "/audio" });
        await read(fetch, `${API}/audio`).catch(() => {});
      }
      emulation.faults.inject({ kind: "slow", delayMs: 0, match: "/audio" });
      await read(fetch, `${API}/audio`);
      emulation.faults.inject({ kind: "business", code: -460 });
      await read(fetch, `${API}/business`);
      await read(fetch, `${API}/audio`, {
        headers: { range: "bytes=99999999-" },
      });
      const served = emulation.stats().netease.served;
      assert.deepEqual(served.endpoints["test.example/audio"]!.refusals, {
        "5xx": 1,
        "429": 1,
        html: 1,
        reset: 1,
        truncate: 1,
        "http 416": 1,
      });
      assert.equal(served.endpoints["test.example/audio"]!.requests, 7);
      assert.deepEqual(served.endpoints["test.example/business"]!.refusals, {
        business: 1,
      });
      assert.equal(served.refusals["5xx"], 1);
      assert.equal(served.byKind.api.refusals.business, 1);
    },
  );

  await t.step(
    "GET answers the counts, DELETE starts them from zero",
    async () => {
      const body = await (await fetch(`${ORIGIN}/_emulation/stats`)).json();
      assert.deepEqual(body, emulation.stats());
      assert.equal(body.netease.served.requests, 8);
      assert.equal(body.netease.songs, emulation.worlds.netease.stats().songs);
      const deleted = await fetch(`${ORIGIN}/_emulation/stats`, {
        method: "DELETE",
      });
      assert.deepEqual(await deleted.json(), { ok: true });
      for (const platform of PLATFORMS) {
        assert.equal(emulation.stats()[platform].served.requests, 0);
        assert.deepEqual(emulation.stats()[platform].served.endpoints, {});
      }
    },
  );
});

/**
 * The client's side of a run, counted in front of the emulation: requests
 * per platform and per kind (`api`, `url` for a song's media URL, `media`),
 * and media bytes. Its own reading of URLs and bodies, not the
 * emulation's.
 */
function countingFetch(inner: typeof fetch) {
  const byHost: Record<string, "netease" | "qq" | "kuwo"> = {};
  const counts: Record<string, number> = {};
  const count = (key: string) => counts[key] = (counts[key] ?? 0) + 1;
  const fetch = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const [, host = "", ...rest] = url.pathname.split("/");
    const path = `/${rest.join("/")}`;
    if (host !== "_emulation") {
      const platform = /163|126/.test(host) ? "netease" : /qq|gtimg/.test(host) // y.gtimg.cn: QQ's album covers
        ? "qq"
        : "kuwo";
      byHost[host] = platform;
      let kind = "api";
      if (/^m\d+\.music\.126\.net$|stream\.qqmusic|^kw-er\./.test(host)) {
        kind = "media";
      } else if (/\/url\/v1$|\/mobi\.s$/.test(path)) kind = "url";
      else if (host === "u.y.qq.com") {
        const body = request.method === "POST"
          ? await request.clone().text()
          : url.searchParams.get("data") ?? "";
        if (body.includes('"vkey.GetVkeyServer"')) kind = "url";
      }
      count(`${platform} ${kind}`);
    }
    return await inner(request);
  };
  return { fetch, counts };
}

Deno.test("/_emulation/stats counts what a collect, sync and download of a tiny world asked, endpoint by endpoint", async () => {
  // the happy path: no modelled refusal (risk control, refused rungs)
  const emulation = createEmulation({ size: "tiny", behaviours: "off" });
  const client = countingFetch(emulation.fetch);
  using catalog = Catalog.open(":memory:");
  const sources = await createSources({
    fetch: client.fetch,
    emulation: ORIGIN,
    ratePerSecond: 0,
  });
  const context = createContext({ catalog, sources });
  const library = await Deno.makeTempDir();
  try {
    const collected = await collect(context, {});
    const afterCollect = emulation.stats();
    const synced = await sync(context, {});
    const afterSync = emulation.stats();
    const downloaded = await download(context, {
      library,
      minFree: 0,
      fetch: client.fetch,
    });
    const stats = emulation.stats();
    assert.equal(collected.status, "ok");
    assert.equal(synced.status, "ok");
    assert.equal(downloaded.status, "ok");

    // the emulation counted exactly what the client sent, kind by kind
    for (const platform of PLATFORMS) {
      const served = stats[platform].served;
      for (const kind of ["api", "url", "media"] as const) {
        assert.equal(
          served.byKind[kind].requests,
          client.counts[`${platform} ${kind}`] ?? 0,
          `${platform} ${kind}`,
        );
      }
      const endpoints = Object.values(served.endpoints);
      assert.equal(
        endpoints.reduce((n, e) => n + e.requests, 0),
        served.requests,
      );
      // a clean run refuses nothing but a cover the album has none of (a
      // 404, recorded as missing)
      for (const [name, endpoint] of Object.entries(served.endpoints)) {
        const expected = name === "images" && endpoint.refusals["http 404"]
          ? { "http 404": endpoint.refusals["http 404"] }
          : {};
        assert.deepEqual(endpoint.refusals, expected, `${platform} ${name}`);
      }
      assert.ok(served.endpoints.images, `${platform}: the covers`);
    }

    // collect: each list once, each page of a pool once
    const net = (s: typeof stats) => s.netease.served.endpoints;
    assert.equal(net(afterCollect)["music.163.com/weapi/toplist"]!.requests, 1);
    assert.equal(
      net(afterCollect)["music.163.com/weapi/playlist/catalogue"]!.requests,
      1,
    );
    assert.equal(
      afterCollect.qq.served.endpoints[
        "u.y.qq.com musicToplist.ToplistInfoServer.GetAll"
      ]!.requests,
      1,
    );
    assert.equal(
      afterCollect.kuwo.served.endpoints["wapi.kuwo.cn/api/pc/bang/list"]!
        .requests,
      1,
    );
    // sync: one detail call per playlist of the tiny world (one page each)
    const syncNetease = servedSince(
      afterCollect.netease.served,
      afterSync.netease.served,
    );
    const neteasePlaylists = catalog.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM playlists WHERE platform = 'netease' AND synced_at IS NOT NULL",
    )!;
    assert.equal(
      syncNetease.endpoints["music.163.com/weapi/v6/playlist/detail"]!
        .requests,
      neteasePlaylists.n,
    );
    assert.equal(syncNetease.byKind.url.requests, 0);
    assert.equal(syncNetease.byKind.media.requests, 0);

    // download: one media request per file (Kuwo probes each offer first:
    // two), and the media bytes are the bytes written (plus Kuwo's 16-byte
    // probes); URL requests: at least one per file for Kuwo (`mobi.s` takes
    // one song), one in all for NetEase and QQ (the tiny world's songs fit
    // in one batch, and a clean run refuses no rung)
    const files = (platform: string) =>
      catalog.get<{ n: number; bytes: number }>(
        "SELECT COUNT(*) AS n, COALESCE(SUM(a.size_bytes), 0) AS bytes FROM file_assets a JOIN songs s ON s.id = a.song_id WHERE s.platform = ?",
        platform,
      )!;
    for (const platform of PLATFORMS) {
      const { n, bytes } = files(platform);
      assert.ok(n > 0, platform);
      const d = servedSince(afterSync[platform].served, stats[platform].served);
      const probes = platform === "kuwo" ? n : 0;
      assert.equal(d.endpoints.cdn!.requests, n + probes, platform);
      assert.equal(d.endpoints.cdn!.bytes, bytes + 16 * probes, platform);
      if (platform === "kuwo") assert.ok(d.byKind.url.requests >= n);
      else assert.equal(d.byKind.url.requests, 1, platform);
    }
  } finally {
    await Deno.remove(library, { recursive: true });
  }
});

Deno.test("/_emulation/stats names refusals in the platforms' own protocols", async () => {
  let clock = 1_000_000;
  const emulation = createEmulation({
    size: "tiny",
    now: () => clock++,
    emulators: {
      qq: (world) => createQqEmulator(world, { maxRequestsPerSecond: 2 }),
    },
  });
  const fetch = emulation.fetch;
  // NetEase: a weapi call from a bot's User-Agent answers -460
  await read(fetch, `${ORIGIN}/music.163.com/weapi/toplist`, {
    method: "POST",
    headers: { "user-agent": "curl/8" },
    body: "params=x&encSecKey=y",
  });
  // QQ: the third gateway call within a second answers 2001
  const envelope = JSON.stringify({
    comm: { ct: 24, cv: 0 },
    req: { module: "musicToplist.ToplistInfoServer", method: "GetAll" },
  });
  for (let i = 0; i < 3; i++) {
    await read(fetch, `${ORIGIN}/u.y.qq.com/cgi-bin/musicu.fcg`, {
      method: "POST",
      body: envelope,
    });
  }
  // Kuwo: a signed route without its cookie and Secret is illegal
  await read(fetch, `${ORIGIN}/www.kuwo.cn/api/www/bang/bang/musicList`);
  const stats = emulation.stats();
  assert.deepEqual(
    stats.netease.served.endpoints["music.163.com/weapi/toplist"]!.refusals,
    { antibot: 1 },
  );
  assert.deepEqual(
    stats.qq.served.endpoints[
      "u.y.qq.com musicToplist.ToplistInfoServer.GetAll"
    ],
    {
      kind: "api",
      requests: 3,
      bytes: stats.qq.served.bytes,
      refusals: { rate: 1 },
    },
  );
  const kuwo = stats.kuwo.served.endpoints[
    "www.kuwo.cn/api/www/bang/bang/musicList"
  ]!;
  assert.equal(kuwo.requests, 1);
  assert.deepEqual(kuwo.refusals, { session: 1 });
});
