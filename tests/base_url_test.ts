import assert from "node:assert/strict";
import { createEmulation } from "../emulation/emulation.ts";
import { emulatedBaseUrls, REAL_BASE_URLS } from "../sources/base_url.ts";
import { standIns } from "./_emulators.ts";

const BASE = "http://127.0.0.1:8080";

/** Real URLs that must survive `real(to(url))`, as `new URL()` writes them. */
const REAL_URLS = [
  "https://music.163.com/weapi/v6/playlist/detail",
  "https://music.163.com/weapi/v6/playlist/detail?csrf_token=",
  "https://interface3.music.163.com/eapi/song/enhance/player/url/v1?a=1&b=2",
  "https://u.y.qq.com/cgi-bin/musicu.fcg?data=%7B%22req%22%3A1%7D&sign=zzb1a2b",
  "https://y.qq.com/n/ryqq/",
  "https://y.qq.com/n/ryqq/playlist/",
  "https://www.kuwo.cn/api/www/bang/bang/musicList?bangId=93&pn=1&rn=30",
  "https://music.163.com/",
  "https://music.163.com/?id=1",
  "https://cdn.example.test:8443/m/%E4%B8%AD%20x.flac?vkey=ABC&guid=1",
  "https://cdn.example.test/a//b/./c",
];

Deno.test("emulatedBaseUrls().to() puts the real host first on the emulation", () => {
  const urls = emulatedBaseUrls(BASE);
  assert.equal(
    urls.to("https://music.163.com/weapi/toplist?csrf_token=x"),
    `${BASE}/music.163.com/weapi/toplist?csrf_token=x`,
  );
  assert.equal(
    urls.to("https://y.qq.com/n/ryqq/"),
    `${BASE}/y.qq.com/n/ryqq/`,
  );
  // a bare host: no slash after it, the query kept
  assert.equal(urls.to("https://music.163.com/"), `${BASE}/music.163.com`);
  assert.equal(urls.to("https://music.163.com"), `${BASE}/music.163.com`);
  assert.equal(
    urls.to("https://music.163.com/?a=1"),
    `${BASE}/music.163.com?a=1`,
  );
  // the port stays with the host
  assert.equal(
    urls.to("https://cdn.example.test:8443/x"),
    `${BASE}/cdn.example.test:8443/x`,
  );
});

Deno.test("emulatedBaseUrls() round-trips real URLs through to() and real()", async (t) => {
  for (
    const base of [
      BASE,
      `${BASE}/`,
      `${BASE}///`,
      `${BASE}/emulation`,
      `${BASE}/emulation/`,
    ]
  ) {
    await t.step(base, () => {
      const urls = emulatedBaseUrls(base);
      const trimmed = base.replace(/\/+$/, "");
      for (const real of REAL_URLS) {
        const emulated = urls.to(real);
        assert.ok(emulated.startsWith(`${trimmed}/`), emulated);
        assert.ok(!emulated.includes("https://"), emulated);
        const back = urls.real(emulated);
        assert.equal(new URL(back).href, new URL(real).href, real);
      }
    });
  }
});

Deno.test("emulatedBaseUrls().real() keeps URLs that are not on the emulation", () => {
  const urls = emulatedBaseUrls(`${BASE}/emulation`);
  for (
    const url of [
      "https://music.163.com/weapi/x?y=1",
      "http://127.0.0.1:9090/music.163.com/x",
      "http://127.0.0.1:8080/emulationx/music.163.com/x",
      "http://127.0.0.1:8080/other/music.163.com/x",
    ]
  ) {
    assert.equal(urls.real(url), url);
  }
  assert.equal(
    urls.real(`${BASE}/emulation/music.163.com/x?y=1`),
    "https://music.163.com/x?y=1",
  );
});

Deno.test("REAL_BASE_URLS calls real URLs as they are", () => {
  for (const url of REAL_URLS) {
    assert.equal(REAL_BASE_URLS.to(url), url);
    assert.equal(REAL_BASE_URLS.real(url), url);
  }
});

Deno.test("emulatedBaseUrls().to() URLs route to the real host's emulator", async () => {
  const { emulators, seen } = standIns();
  const emulation = createEmulation({ emulators });
  const urls = emulatedBaseUrls("http://emu.test/");
  const cases: Array<[string, string, string]> = [
    ["https://test.example/weapi/x?id=1&k=v", "/weapi/x", "?id=1&k=v"],
    ["https://test.example/", "/", ""],
    ["https://test.example/?id=2", "/", "?id=2"],
    [
      "https://qq.test.example/cgi-bin/musicu.fcg?data=%7B%7D",
      "/cgi-bin/musicu.fcg",
      "?data=%7B%7D",
    ],
  ];
  for (const [real, path, search] of cases) {
    const response = await emulation.fetch(urls.to(real));
    assert.equal(response.status, 200, real);
    await response.body?.cancel();
    const last = seen.at(-1)!;
    assert.equal(last.host, new URL(real).host);
    assert.equal(last.path, path);
    assert.equal(last.search, search);
  }
});
