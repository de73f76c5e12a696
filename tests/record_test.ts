/**
 * `--record DIR`: every exchange with the platforms written to a folder,
 * secrets redacted (`cli/record.ts`, `cli/_redact.ts`), handed over by the
 * one HTTP layer (`sources/http.ts`).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  redactCookies,
  redactHeaders,
  redactJson,
  redactSetCookies,
  redactUrl,
  scrubSecrets,
} from "../cli/_redact.ts";
import {
  INDEX_FILE,
  type IndexEntry,
  Recording,
  redactExchange,
} from "../cli/record.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { type Exchange, HttpClient } from "../sources/http.ts";
import { runCli } from "./_cli.ts";
import { jsonResponse } from "./_fakes.ts";

Deno.test("redactUrl() redacts vkeys, uins, keys and tokens in a query, and keeps the rest", () => {
  assert.equal(
    redactUrl(
      "http://dl.stream.qqmusic.qq.com/M500001.mp3?guid=123&vkey=BC1B7F00&uin=12345678&fromtag=66",
    ),
    "http://dl.stream.qqmusic.qq.com/M500001.mp3?guid=123&vkey=REDACTED&uin=REDACTED&fromtag=66",
  );
  // the anonymous markers say something and are no secret
  assert.equal(
    redactUrl("https://c.y.qq.com/x.fcg?loginUin=0&g_tk=5381&format=json"),
    "https://c.y.qq.com/x.fcg?loginUin=0&g_tk=5381&format=json",
  );
  assert.equal(
    redactUrl("https://music.163.com/weapi/x?csrf_token=abc123&MUSIC_U=zz"),
    "https://music.163.com/weapi/x?csrf_token=REDACTED&MUSIC_U=REDACTED",
  );
});

Deno.test("cookies, Set-Cookie and the Secret header are redacted, cookie names and os=pc kept", () => {
  assert.equal(
    redactCookies("os=pc; appver=3.0.18; MUSIC_U=abcdef; __csrf=x1; uin=0"),
    "os=pc; appver=3.0.18; MUSIC_U=REDACTED; __csrf=REDACTED; uin=0",
  );
  assert.equal(
    redactSetCookies(
      "Hm_Iuvt_cdb524f42f23cer9b268564v7y735ewrq2324=kEJfnZhZ; Path=/\nMUSIC_A=tok; HttpOnly",
    ),
    "Hm_Iuvt_cdb524f42f23cer9b268564v7y735ewrq2324=REDACTED; Path=/\nMUSIC_A=REDACTED; HttpOnly",
  );
  assert.deepEqual(
    redactHeaders({
      cookie: "qm_keyst=Q_H_L_abc; qqmusic_key=Q_H_L_abc; uin=o0123456789",
      secret: "4815c1c47f7d00",
      referer: "https://y.qq.com/",
      "user-agent": "okhttp/3.10.0",
    }),
    {
      cookie: "qm_keyst=REDACTED; qqmusic_key=REDACTED; uin=REDACTED",
      secret: "REDACTED",
      referer: "https://y.qq.com/",
      "user-agent": "okhttp/3.10.0",
    },
  );
});

Deno.test("redactJson() redacts secret keys at any depth and vkeys inside URL strings", () => {
  const body = {
    comm: {
      ct: 11,
      uin: 12345678,
      authst: "Q_H_L_abc",
      g_tk: 409173652,
      qq: "12345678",
    },
    req_0: {
      data: {
        uin: "",
        login_key: "k",
        midurlinfo: [{
          purl: "M500001.mp3?guid=9&vkey=BC1B7F&uin=0&fromtag=66",
          vkey: "BC1B7F",
          result: 0,
        }],
        testfile2g: "C400003.m4a?guid=9&vkey=ABC&uin=123456&fromtag=3",
      },
    },
    header: { MUSIC_U: "tok", os: "pc" },
  };
  assert.deepEqual(redactJson(body), {
    comm: {
      ct: 11,
      uin: "REDACTED",
      authst: "REDACTED",
      g_tk: "REDACTED",
      qq: "REDACTED",
    },
    req_0: {
      data: {
        uin: "",
        login_key: "REDACTED",
        midurlinfo: [{
          purl: "M500001.mp3?guid=9&vkey=REDACTED&uin=0&fromtag=66",
          vkey: "REDACTED",
          result: 0,
        }],
        testfile2g: "C400003.m4a?guid=9&vkey=REDACTED&uin=REDACTED&fromtag=3",
      },
    },
    header: { MUSIC_U: "REDACTED", os: "pc" },
  });
});

Deno.test("scrubSecrets() removes a given secret wherever it hides, raw or URL-encoded", () => {
  const secret = "emu vip/tok+en=1";
  assert.deepEqual(
    scrubSecrets({
      a: `x ${secret} y`,
      b: [`q=${encodeURIComponent(secret)}`],
      [secret]: 1,
      c: `f=${new URLSearchParams({ s: secret }).toString().slice(2)}`,
    }, [secret, "0"]),
    { a: "x REDACTED y", b: ["q=REDACTED"], REDACTED: 1, c: "f=REDACTED" },
  );
});

Deno.test("an encrypted request is recorded as its plaintext, redacted, never as its ciphertext", () => {
  const exchange: Exchange = {
    platform: "netease",
    method: "POST",
    url: "https://interface3.music.163.com/eapi/song/enhance/player/url/v1",
    requestHeaders: { cookie: "os=pc; MUSIC_U=tok" },
    requestPlaintext: {
      path: "/api/song/enhance/player/url/v1",
      params: { ids: "[1]", header: { os: "pc", MUSIC_U: "tok" } },
    },
    status: 200,
    responseHeaders: { "content-type": "application/json" },
    responseBody: '{"code":200,"data":[{"id":1,"url":null}]}',
    startedAt: 0,
    durationMs: 5,
  };
  const written = redactExchange(exchange, 7) as {
    n: number;
    request: { plaintext: unknown; body: string };
    response: { body: unknown; bodyFormat: string };
  };
  assert.equal(written.n, 7);
  assert.deepEqual(written.request.plaintext, {
    path: "/api/song/enhance/player/url/v1",
    params: { ids: "[1]", header: { os: "pc", MUSIC_U: "REDACTED" } },
  });
  assert.match(written.request.body, /encrypted/);
  assert.equal(written.response.bodyFormat, "json");
  assert.deepEqual(written.response.body, {
    code: 200,
    data: [{ id: 1, url: null }],
  });
});

Deno.test("HttpClient hands the recorder every attempt: bodies read, retries, failures, plaintext in place of the body", async () => {
  const recorded: Exchange[] = [];
  let calls = 0;
  const http = new HttpClient({
    platform: "qq",
    ratePerSecond: 0,
    sleep: () => Promise.resolve(),
    recorder: { record: (exchange) => recorded.push(exchange) },
    fetch: () => {
      calls++;
      if (calls === 1) return Promise.reject(new TypeError("connection reset"));
      if (calls === 2) {
        return Promise.resolve(new Response("busy", { status: 503 }));
      }
      return Promise.resolve(jsonResponse({ code: 0, req_0: { code: 0 } }));
    },
  });
  const body = await http.json("https://u.y.qq.com/cgi-bin/musicu.fcg", {
    method: "POST",
    headers: { cookie: "uin=1" },
    body: '{"comm":{}}',
  });
  assert.deepEqual(body, { code: 0, req_0: { code: 0 } });
  assert.deepEqual(
    recorded.map((e) => [e.status, e.error !== undefined, e.responseBody]),
    [
      [undefined, true, undefined],
      [503, false, undefined],
      [200, false, '{"code":0,"req_0":{"code":0}}'],
    ],
  );
  assert.equal(recorded[2]!.method, "POST");
  assert.equal(recorded[2]!.requestBody, '{"comm":{}}');
  assert.equal(recorded[2]!.requestHeaders.cookie, "uin=1");

  recorded.length = 0;
  await http.text("https://music.163.com/weapi/x", {
    method: "POST",
    body: "params=CIPHER",
    plaintext: { id: 1 },
  });
  assert.equal(recorded[0]!.requestBody, undefined);
  assert.deepEqual(recorded[0]!.requestPlaintext, { id: 1 });

  // a body read as bytes is recorded in base64, and written so
  recorded.length = 0;
  const bytes = new Uint8Array([
    0x74,
    0x70,
    0x3d,
    0x0d,
    0x0a,
    0x78,
    0x9c,
    0xff,
  ]);
  const binary = new HttpClient({
    platform: "kuwo",
    ratePerSecond: 0,
    recorder: { record: (exchange) => recorded.push(exchange) },
    fetch: () => Promise.resolve(new Response(bytes.slice())),
  });
  assert.deepEqual(
    await binary.bytes("http://newlyric.kuwo.cn/newlyric.lrc?x"),
    bytes,
  );
  assert.equal(recorded[0]!.responseBody, undefined);
  assert.equal(recorded[0]!.responseBodyBase64, "dHA9DQp4nP8=");
  const written = redactExchange(recorded[0]!, 1) as {
    response: { bodyFormat: string; body: string };
  };
  assert.equal(written.response.bodyFormat, "base64");
  assert.deepEqual(
    Uint8Array.from(atob(written.response.body), (c) => c.charCodeAt(0)),
    bytes,
  );

  // a recorder that throws never costs the run an answer
  const sturdy = new HttpClient({
    platform: "kuwo",
    ratePerSecond: 0,
    recorder: {
      record: () => {
        throw new Error("disk full");
      },
    },
    fetch: () => Promise.resolve(jsonResponse({ code: 200 })),
  });
  assert.deepEqual(await sturdy.json("https://www.kuwo.cn/x"), { code: 200 });
});

Deno.test("Recording numbers files, indexes them, goes on after an earlier run, and stops with one warning when it cannot write", async () => {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-record-" });
  try {
    const exchange = {
      platform: "kuwo" as const,
      method: "GET",
      url: "https://www.kuwo.cn/api/www/playlist/playListInfo?pid=1&pn=1",
      requestHeaders: {},
      status: 200,
      responseHeaders: {},
      responseBody: "{}",
      startedAt: 0,
      durationMs: 1,
    };
    const first = Recording.open(dir);
    first.record(exchange);
    const { platform: _platform, ...media } = exchange;
    first.record({ ...media, url: "http://emu/a.mp3" });
    const second = Recording.open(dir);
    assert.equal(second.count, 2);
    second.record(exchange);
    const index = readFileSync(join(dir, INDEX_FILE), "utf8").trim().split("\n")
      .map((line) => JSON.parse(line) as IndexEntry);
    assert.deepEqual(index.map((e) => [e.n, e.file, e.platform]), [
      [1, "00001-kuwo-playlist_playListInfo.json", "kuwo"],
      [2, "00002-media-a_mp3.json", "media"],
      [3, "00003-kuwo-playlist_playListInfo.json", "kuwo"],
    ]);
    assert.ok(existsSync(join(dir, "README.txt")));

    const warnings: string[] = [];
    const broken = Recording.open(dir, {
      onError: (error) => warnings.push(error.message),
    });
    await Deno.remove(dir, { recursive: true });
    await Deno.writeTextFile(dir, "a file where the folder was");
    broken.record(exchange);
    broken.record(exchange);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /Cannot write the recording into .*recording stopped/,
    );
    assert.throws(() => Recording.open(join(dir, "sub")), /Cannot record into/);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

/** Every string in a JSON value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  }
  return [];
}

/** Every value under a key, at any depth. */
function valuesOf(value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => valuesOf(v, key));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(k.toLowerCase() === key ? [v] : []),
      ...valuesOf(v, key),
    ]);
  }
  return [];
}

Deno.test("collect, sync and download with --record and logins: every exchange is in DIR, indexed, and no secret is", async () => {
  const emulation = createEmulation({ size: "tiny", seed: 5 });
  const config = await (await emulation.fetch(
    "http://emu/_emulation/config",
  )).json() as {
    platforms: {
      netease: { accounts: { vip: string } };
      qq: { accounts: { vip: { uin: string; key: string } } };
    };
  };
  const musicU = config.platforms.netease.accounts.vip;
  const { uin, key } = config.platforms.qq.accounts.vip;
  const secrets = [musicU, uin, key];
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-record-e2e-" });
  try {
    const record = join(dir, "recording");
    const common = [
      "--db",
      join(dir, "catalog.db"),
      "--emulation",
      "http://emu",
      "--record",
      record,
    ];
    const io = {
      fetch: emulation.fetch,
      envVars: {
        CATALOGSYNC_NETEASE_MUSIC_U: musicU,
        CATALOGSYNC_QQ_UIN: uin,
        CATALOGSYNC_QQ_MUSIC_KEY: key,
      },
    };
    for (
      const args of [
        ["collect", "--limit", "1"],
        // every collected playlist: Kuwo's are read with the signed web calls
        ["sync"],
        [
          "download",
          "--limit",
          "30",
          "--library",
          join(dir, "library"),
          "--min-free",
          "0",
        ],
      ]
    ) {
      const run = await runCli([...args, ...common], io);
      assert.equal(run.code, 0, `${args[0]}: ${run.stderr}`);
    }

    // the index and the files are complete
    const index = readFileSync(join(record, INDEX_FILE), "utf8").trim()
      .split("\n").map((line) => JSON.parse(line) as IndexEntry);
    const files = readdirSync(record).filter((f) => /^\d{5}-/.test(f)).sort();
    assert.deepEqual(index.map((e) => e.file), files);
    assert.deepEqual(index.map((e) => e.n), files.map((_, i) => i + 1));
    assert.deepEqual(
      [...new Set(index.map((e) => e.platform))].sort(),
      ["kuwo", "media", "netease", "qq"],
    );
    const texts = files.map((f) => readFileSync(join(record, f), "utf8"));
    const docs = texts.map((t) => JSON.parse(t) as Record<string, unknown>);
    docs.forEach((doc, i) => {
      const entry = index[i]!;
      assert.equal(doc.n, entry.n);
      const request = doc.request as { method: string; url: string };
      assert.equal(request.url, entry.url);
      assert.equal(request.method, entry.method);
      if (entry.platform !== "media") {
        assert.equal(doc.platform, entry.platform);
      }
      const response = doc.response as { status?: number } | undefined;
      assert.equal(response?.status, entry.status);
    });
    // platform answers are kept whole, as JSON
    assert.ok(
      docs.some((d) =>
        (d.response as { bodyFormat?: string } | undefined)?.bodyFormat ===
          "json"
      ),
    );

    // no secret, in any form
    const everything = [
      readFileSync(join(record, INDEX_FILE), "utf8"),
      ...texts,
    ]
      .join("\n");
    for (const secret of secrets) {
      for (
        const form of [
          secret,
          encodeURIComponent(secret),
          JSON.stringify(secret),
        ]
      ) {
        assert.ok(!everything.includes(form), `the secret ${form} was written`);
      }
    }
    // and nothing named like one: cookies, Secret, vkeys, g_tk, NetEase's encrypted forms
    for (const doc of docs) {
      for (const text of strings(doc)) {
        for (const name of ["vkey", "MUSIC_U", "qm_keyst", "qqmusic_key"]) {
          const pair = new RegExp(`${name}=(?!REDACTED)[^&;\\s"]+`, "i");
          assert.ok(!pair.test(text), `${name} in ${text.slice(0, 120)}`);
        }
      }
      for (const name of ["vkey", "secret", "music_u", "authst", "g_tk"]) {
        for (const value of valuesOf(doc, name)) {
          assert.ok(
            value === "REDACTED" || value === "" || value === "5381",
            `${name}: ${JSON.stringify(value)}`,
          );
        }
      }
    }
    // cookies and Kuwo's Secret, which no credential scrub would catch
    const plain =
      /^(os|appver|osver|channel|versioncode|buildver|resolution|mobilename|WEVNSM|tmeLoginType|login_type)$/i;
    let cookies = 0;
    let secretHeaders = 0;
    for (const doc of docs) {
      for (const side of ["request", "response"]) {
        const headers = (doc[side] as { headers?: Record<string, string> })
          ?.headers ?? {};
        if ("secret" in headers) secretHeaders++;
        for (const name of ["cookie", "set-cookie"]) {
          for (const part of (headers[name] ?? "").split(/[;\n]/)) {
            const [cookie = "", value = ""] = part.trim().split("=");
            if (
              value === "" || /^(path|max-age|expires|domain)$/i.test(cookie)
            ) {
              continue;
            }
            cookies++;
            assert.ok(
              plain.test(cookie) || value === "REDACTED" || value === "0",
              `cookie ${cookie}=${value}`,
            );
          }
        }
      }
    }
    assert.ok(cookies > 20, `only ${cookies} cookies recorded`);
    assert.ok(secretHeaders > 0, "no Kuwo Secret header recorded");
    const eapi = docs.find((d) =>
      valuesOf(d, "header").some((h) =>
        typeof h === "object" && h !== null && "MUSIC_U" in h
      )
    );
    assert.ok(eapi, "a NetEase eapi call with its login was recorded");
    assert.ok(
      valuesOf(eapi, "body").includes("(encrypted: its plaintext is above)"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
