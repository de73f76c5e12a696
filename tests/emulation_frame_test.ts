import assert from "node:assert/strict";
import { audioBytes } from "../emulation/audio.ts";
import {
  type Behaviours,
  DEFAULT_BEHAVIOURS,
  NO_BEHAVIOURS,
} from "../emulation/behaviours.ts";
import {
  createEmulation,
  type EmulationOptions,
  RESET_MARKER,
} from "../emulation/emulation.ts";
import { type FaultRates, Faults } from "../emulation/faults.ts";
import { HttpClient } from "../sources/http.ts";
import { AUDIO, standIns } from "./_emulators.ts";
import { drain, recordingSleep } from "./_fakes.ts";

const ORIGIN = "http://emu.test";
const API = `${ORIGIN}/test.example`;
const QQ = `${ORIGIN}/qq.test.example`;

function setup(options: EmulationOptions = {}) {
  const { emulators, seen } = standIns();
  const emulation = createEmulation({ emulators, ...options });
  return { emulation, seen, fetch: emulation.fetch };
}

async function getJson(
  fetch: (url: string, init?: RequestInit) => Promise<Response>,
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

/** The status of each of `n` requests (a reset counts as 0). */
async function statuses(
  fetch: (url: string) => Promise<Response>,
  url: string,
  n: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      out.push(response.status);
    } catch {
      out.push(0);
    }
  }
  return out;
}

// ---------------------------------------------------------------- routing

Deno.test("Emulation routes a request by the real host in its first path segment", async () => {
  const { fetch, seen } = setup();
  const { status, body } = await getJson(
    fetch,
    `${API}/weapi/v6/playlist/detail?id=7&csrf=x`,
    { method: "POST" },
  );
  assert.equal(status, 200);
  assert.deepEqual(body, {
    platform: "netease",
    host: "test.example",
    path: "/weapi/v6/playlist/detail",
    songs: 12,
    origin: ORIGIN,
  });
  assert.deepEqual(seen, [{
    platform: "netease",
    host: "test.example",
    path: "/weapi/v6/playlist/detail",
    search: "?id=7&csrf=x",
    method: "POST",
  }]);
  // a second host of the same platform, and the bare host
  await getJson(fetch, `${ORIGIN}/cdn.test.example/a/b.flac`);
  await getJson(fetch, `${ORIGIN}/test.example`);
  await getJson(fetch, `${QQ}/cgi-bin/musicu.fcg`);
  assert.deepEqual(
    seen.slice(1).map((s) => [s.platform, s.host, s.path]),
    [
      ["netease", "cdn.test.example", "/a/b.flac"],
      ["netease", "test.example", "/"],
      ["qq", "qq.test.example", "/cgi-bin/musicu.fcg"],
    ],
  );
});

Deno.test("Emulation answers an unknown host with an HTML 404", async () => {
  const { fetch, seen } = setup();
  for (const url of [`${ORIGIN}/nowhere.example/api`, `${ORIGIN}/`]) {
    const response = await fetch(url);
    assert.equal(response.status, 404);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    const text = await response.text();
    assert.match(text, /^<!DOCTYPE html>/);
    assert.match(text, /<title>404 Not Found<\/title>/);
  }
  assert.deepEqual(seen, []);
});

Deno.test("Emulation answers an emulator's exception with an HTML 500", async () => {
  const { fetch } = setup();
  const response = await fetch(`${API}/boom`);
  assert.equal(response.status, 500);
  assert.match(
    await response.text(),
    /Internal Server Error: Error: emulator bug/,
  );
});

Deno.test("Emulation counts every request it answers", async () => {
  const { emulation, fetch } = setup();
  assert.equal(emulation.requests, 0);
  await (await fetch(`${API}/a`)).body?.cancel();
  await (await fetch(`${ORIGIN}/unknown.example/`)).body?.cancel();
  await (await fetch(`${ORIGIN}/_emulation/stats`)).body?.cancel();
  emulation.faults.inject({ kind: "reset" });
  await assert.rejects(fetch(`${API}/a`), TypeError);
  await emulation.handler(new Request(`${API}/b`));
  assert.equal(emulation.requests, 5);
});

// ------------------------------------------------------------ frame routes

Deno.test("GET /_emulation/stats answers each platform's world stats and what it served", async () => {
  const { emulation, fetch } = setup({
    seed: 4,
    size: "demo",
    shapes: { qq: { songs: 30, playlists: 5 } },
  });
  const { status, body } = await getJson(fetch, `${ORIGIN}/_emulation/stats`);
  assert.equal(status, 200);
  assert.deepEqual(body, emulation.stats());
  assert.deepEqual(Object.keys(body as object), ["netease", "qq", "kuwo"]);
  for (const platform of ["netease", "qq", "kuwo"] as const) {
    const entry: Record<string, unknown> = {
      ...(body as Record<string, object>)[platform],
    };
    assert.deepEqual(entry.served, emulation.stats()[platform].served);
    delete entry.served;
    // lists whose declared totals count hidden songs (a seeded share)
    assert.ok(typeof entry.shortLists === "number" && entry.shortLists >= 0);
    delete entry.shortLists;
    assert.deepEqual(entry, emulation.worlds[platform].stats());
  }
  const { qq, netease } = body as Record<
    string,
    { songs: number; playlists: number }
  >;
  assert.equal(qq!.songs, 30);
  assert.equal(qq!.playlists, 5);
  assert.equal(netease!.songs, 240);
});

Deno.test("Emulation worlds are seeded per platform and per seed", () => {
  const a = createEmulation({ seed: 1 });
  const b = createEmulation({ seed: 1 });
  const c = createEmulation({ seed: 2 });
  assert.deepEqual(a.worlds.qq.song(3), b.worlds.qq.song(3));
  assert.notDeepEqual(a.worlds.qq.song(3), c.worlds.qq.song(3));
  assert.notEqual(a.worlds.netease.seed, a.worlds.qq.seed);
  assert.notEqual(a.worlds.qq.seed, a.worlds.kuwo.seed);
});

Deno.test("GET /_emulation/config answers the origin and each platform's public config", async () => {
  const { fetch } = setup();
  const { status, body } = await getJson(
    fetch,
    "http://127.0.0.1:9999/_emulation/config",
  );
  assert.equal(status, 200);
  assert.deepEqual(body, {
    origin: "http://127.0.0.1:9999",
    platforms: {
      netease: { account: "netease-test" },
      qq: { account: "qq-test" },
      kuwo: { account: "kuwo-test" },
    },
    behaviours: DEFAULT_BEHAVIOURS,
  });
});

Deno.test("POST and PUT /_emulation/config switch the behaviours every request then sees", async () => {
  const { emulation, fetch } = setup();
  const send = (method: string, body: unknown) =>
    getJson(fetch, `${ORIGIN}/_emulation/config`, {
      method,
      body: JSON.stringify(body),
    });
  const on = await send("POST", {
    behaviours: { hiddenTracks: 1, kuwoRefusedSources: [] },
  });
  assert.equal(on.status, 200);
  const answered = (on.body as { behaviours: Behaviours }).behaviours;
  assert.equal(answered.hiddenTracks, 1);
  assert.deepEqual(answered.kuwoRefusedSources, []);
  assert.equal(
    answered.neteaseRiskControl,
    DEFAULT_BEHAVIOURS.neteaseRiskControl,
  );
  assert.deepEqual(emulation.behaviours, answered);
  // every list of every platform now counts hidden songs
  const stats = emulation.stats();
  assert.equal(stats.qq.shortLists, stats.qq.playlists + stats.qq.charts);
  const off = await send("PUT", { behaviours: "off" });
  assert.deepEqual(
    (off.body as { behaviours: Behaviours }).behaviours,
    NO_BEHAVIOURS,
  );
  assert.equal(emulation.stats().qq.shortLists, 0);
  for (
    const bad of [
      { behaviours: { hiddenTracks: 2 } },
      { behaviours: { noSuchThing: true } },
      { behaviours: { qqUnsignedVkeyForm: "loud" } },
      { rates: {} },
    ]
  ) {
    const refused = await send("POST", bad);
    assert.equal(refused.status, 400, JSON.stringify(bad));
    assert.match((refused.body as { error: string }).error, /^[Cc]annot/);
  }
  assert.deepEqual(emulation.behaviours, NO_BEHAVIOURS, "nothing half-set");
  const back = await send("POST", { behaviours: "default" });
  assert.deepEqual(
    (back.body as { behaviours: Behaviours }).behaviours,
    DEFAULT_BEHAVIOURS,
  );
});

Deno.test("Emulation answers an unknown frame route with a JSON 404", async () => {
  const { fetch } = setup();
  const { status, body } = await getJson(fetch, `${ORIGIN}/_emulation/nope`);
  assert.equal(status, 404);
  assert.deepEqual(body, { error: "no route /_emulation/nope" });
  assert.equal(
    (await fetch(`${ORIGIN}/_emulation/stats`, { method: "POST" })).status,
    404,
  );
});

Deno.test("/_emulation/faults scripts, shows and clears faults over HTTP", async (t) => {
  const { emulation, fetch } = setup();
  const post = (body: unknown) =>
    getJson(fetch, `${ORIGIN}/_emulation/faults`, {
      method: "POST",
      body: JSON.stringify(body),
    });
  const state = async () =>
    (await getJson(fetch, `${ORIGIN}/_emulation/faults`)).body as {
      rates: FaultRates;
      pending: unknown[];
      injected: Record<string, number>;
    };

  await t.step("POST a rule: it is pending, then applied", async () => {
    assert.deepEqual(
      await post({
        rule: { kind: "5xx", status: 502, match: "/list", times: 2 },
      }),
      { status: 200, body: { ok: true } },
    );
    assert.deepEqual((await state()).pending, [
      { kind: "5xx", status: 502, match: "/list", times: 2 },
    ]);
    assert.deepEqual(await statuses(fetch, `${API}/other`, 1), [200]);
    assert.deepEqual(await statuses(fetch, `${API}/list`, 3), [502, 502, 200]);
    const after = await state();
    assert.deepEqual(after.pending, []);
    assert.equal(after.injected["5xx"], 2);
  });

  await t.step("POST rates: they are shown and applied", async () => {
    await post({ rates: { rateLimit: 1 } });
    assert.deepEqual((await state()).rates, { rateLimit: 1 });
    assert.deepEqual(await statuses(fetch, `${API}/x`, 2), [429, 429]);
    assert.equal((await state()).injected["429"], 2);
  });

  await t.step("frame routes are never faulted", async () => {
    await post({ rates: { error5xx: 1, reset: 1 } });
    assert.equal((await fetch(`${ORIGIN}/_emulation/stats`)).status, 200);
  });

  await t.step("DELETE clears rules and rates", async () => {
    await post({ rule: { kind: "reset", times: 5 } });
    const deleted = await getJson(fetch, `${ORIGIN}/_emulation/faults`, {
      method: "DELETE",
    });
    assert.deepEqual(deleted, { status: 200, body: { ok: true } });
    const cleared = await state();
    assert.deepEqual(cleared.rates, {});
    assert.deepEqual(cleared.pending, []);
    assert.deepEqual(await statuses(fetch, `${API}/x`, 3), [200, 200, 200]);
    assert.deepEqual(emulation.faults.pending(), []);
  });

  await t.step("a body that is not JSON is a 400", async () => {
    const response = await fetch(`${ORIGIN}/_emulation/faults`, {
      method: "POST",
      body: "kind=5xx",
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: "expected a JSON body" });
  });

  await t.step("an invalid rule is a 400, not a crash", async () => {
    for (const body of [{ rule: { kind: "5xx", times: 0 } }, null]) {
      const response = await fetch(`${ORIGIN}/_emulation/faults`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match((await response.json()).error, /./);
    }
    assert.deepEqual(emulation.faults.pending(), []);
  });
});

// ------------------------------------------------------ scripted faults

Deno.test("A scripted 5xx fault answers an HTML 503, or its own status", async () => {
  const { emulation, fetch, seen } = setup();
  emulation.faults.inject({ kind: "5xx" });
  emulation.faults.inject({ kind: "5xx", status: 500 });
  const first = await fetch(`${API}/a`);
  assert.equal(first.status, 503);
  assert.match(first.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(await first.text(), /<title>503 Service Unavailable<\/title>/);
  const second = await fetch(`${API}/a`);
  assert.equal(second.status, 500);
  assert.match(await second.text(), /^<!DOCTYPE html>/);
  assert.equal((await fetch(`${API}/a`)).status, 200);
  assert.equal(emulation.faults.injected["5xx"], 2);
  // a faulted request never reaches the platform
  assert.equal(seen.length, 1);
});

Deno.test("A scripted 429 fault answers 429 with Retry-After", async () => {
  const { emulation, fetch } = setup();
  emulation.faults.inject({ kind: "429" });
  const response = await fetch(`${API}/a`);
  assert.equal(response.status, 429);
  assert.equal(response.headers.get("retry-after"), "1");
  assert.equal(await response.text(), "Too Many Requests");
  assert.equal(emulation.faults.injected["429"], 1);
});

Deno.test("A scripted html fault answers 200 with an HTML error page", async () => {
  const { emulation, fetch } = setup();
  emulation.faults.inject({ kind: "html" });
  const response = await fetch(`${API}/a`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(await response.text(), /^<!DOCTYPE html>[\s\S]*502 Bad Gateway/);
  assert.equal(emulation.faults.injected.html, 1);
});

Deno.test("A scripted reset fault makes the in-process fetch throw a TypeError", async () => {
  const { emulation, fetch, seen } = setup();
  emulation.faults.inject({ kind: "reset" });
  await assert.rejects(fetch(`${API}/a`), TypeError);
  assert.equal(seen.length, 1, "the platform answered; the answer was lost");
  assert.equal(emulation.faults.injected.reset, 1);
  // the handler itself marks the answer for a server to cut
  emulation.faults.inject({ kind: "reset" });
  const marked = await emulation.handler(new Request(`${API}/a`));
  assert.equal(marked.headers.get(RESET_MARKER), "1");
  assert.equal((await fetch(`${API}/a`)).status, 200);
});

Deno.test("A scripted truncate fault breaks the body off half-way", async (t) => {
  await t.step("a body of unknown length", async () => {
    const { emulation, fetch } = setup();
    const whole = await (await fetch(`${API}/some/long/path/name`)).text();
    emulation.faults.inject({ kind: "truncate" });
    const response = await fetch(`${API}/some/long/path/name`);
    assert.equal(response.status, 200);
    const declared = Number(response.headers.get("content-length"));
    assert.equal(declared, new TextEncoder().encode(whole).length);
    const { bytes, error } = await drain(response.body!);
    assert.ok(error instanceof Error, "reading the body fails");
    assert.equal(bytes.length, Math.floor(declared / 2));
    assert.equal(new TextDecoder().decode(bytes), whole.slice(0, bytes.length));
    assert.equal(emulation.faults.injected.truncate, 1);
  });
  await t.step("a body with a Content-Length (audio)", async () => {
    const { emulation, fetch } = setup();
    emulation.faults.inject({ kind: "truncate", match: "/audio" });
    const response = await fetch(`${ORIGIN}/cdn.test.example/audio`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-length"), "20000");
    const { bytes, error } = await drain(response.body!);
    assert.ok(error instanceof Error);
    assert.deepEqual(bytes, audioBytes(AUDIO, 0, 10_000));
  });
  await t.step("through HttpClient: a network SourceError", async () => {
    const { emulation, fetch } = setup();
    emulation.faults.inject({ kind: "truncate", times: 2 });
    const http = new HttpClient({
      platform: "netease",
      fetch,
      retries: 1,
      ratePerSecond: 0,
      sleep: recordingSleep().sleep,
      timeoutSignal: () => new AbortController().signal,
    });
    await assert.rejects(
      http.json(`${API}/x`),
      (e: unknown) => e instanceof Error && "kind" in e && e.kind === "network",
    );
  });
});

Deno.test("A scripted slow fault delays the answer with the emulation's sleep", async () => {
  const { sleep, delays } = recordingSleep();
  const { emulation, fetch, seen } = setup({ sleep });
  emulation.faults.inject({ kind: "slow", delayMs: 2500 });
  emulation.faults.inject({ kind: "slow" });
  assert.equal((await fetch(`${API}/a`)).status, 200);
  assert.equal((await fetch(`${API}/a`)).status, 200);
  assert.equal((await fetch(`${API}/a`)).status, 200);
  assert.deepEqual(delays, [2500, 1000]);
  assert.equal(seen.length, 3, "a slow answer is still answered");
  assert.equal(emulation.faults.injected.slow, 2);
});

Deno.test("Scripted faults are scoped by match, platform and times", async (t) => {
  await t.step("match: only paths containing the text", async () => {
    const { emulation, fetch } = setup();
    emulation.faults.inject({ kind: "5xx", match: "/playlist/detail" });
    assert.deepEqual(await statuses(fetch, `${API}/toplist`, 2), [200, 200]);
    // the match sees the host too
    emulation.faults.inject({ kind: "429", match: "cdn.test.example/" });
    assert.deepEqual(await statuses(fetch, `${API}/playlist/detail?id=1`, 2), [
      503,
      200,
    ]);
    assert.deepEqual(
      await statuses(fetch, `${ORIGIN}/cdn.test.example/x`, 2),
      [429, 200],
    );
  });
  await t.step("platform: only requests to that platform", async () => {
    const { emulation, fetch } = setup();
    emulation.faults.inject({ kind: "html", platform: "qq" });
    const neteaseAnswer = await fetch(`${API}/a`);
    assert.match(neteaseAnswer.headers.get("content-type") ?? "", /json/);
    await neteaseAnswer.body?.cancel();
    const qqAnswer = await fetch(`${QQ}/a`);
    assert.match(qqAnswer.headers.get("content-type") ?? "", /^text\/html/);
    await qqAnswer.body?.cancel();
    assert.deepEqual(emulation.faults.pending(), []);
  });
  await t.step(
    "times: that many requests, counted down in pending()",
    async () => {
      const { emulation, fetch } = setup();
      emulation.faults.inject({ kind: "5xx", times: 3 });
      assert.deepEqual(emulation.faults.pending(), [{ kind: "5xx", times: 3 }]);
      assert.deepEqual(await statuses(fetch, `${API}/a`, 1), [503]);
      assert.deepEqual(emulation.faults.pending(), [{ kind: "5xx", times: 2 }]);
      assert.deepEqual(await statuses(fetch, `${API}/a`, 3), [503, 503, 200]);
      assert.deepEqual(emulation.faults.pending(), []);
      assert.equal(emulation.faults.injected["5xx"], 3);
    },
  );
  await t.step("rules apply in the order they were scripted", async () => {
    const { emulation, fetch } = setup();
    emulation.faults.inject({ kind: "429", match: "/a" });
    emulation.faults.inject({ kind: "5xx" });
    assert.deepEqual(await statuses(fetch, `${API}/a`, 3), [429, 503, 200]);
  });
  await t.step("times below 1 is refused", () => {
    const faults = new Faults();
    for (const times of [0, -1, Number.NaN]) {
      assert.throws(() => faults.inject({ kind: "5xx", times }), RangeError);
    }
    assert.deepEqual(faults.pending(), []);
  });
});

Deno.test("Business faults are left to the platform, not applied by the router", async () => {
  const { emulation, fetch, seen } = setup();
  emulation.faults.inject({ kind: "business", code: -460, match: "/business" });
  emulation.faults.inject({ kind: "business", code: 2001, platform: "qq" });
  // an ordinary call goes through untouched and leaves the rules pending
  assert.deepEqual(await statuses(fetch, `${API}/business-like/other`, 1), [
    200,
  ]);
  assert.equal(emulation.faults.pending().length, 2);
  assert.equal(emulation.faults.injected.business, 0);
  // the platform takes it when it asks for it
  assert.deepEqual((await getJson(fetch, `${API}/business`)).body, {
    code: -460,
  });
  assert.deepEqual((await getJson(fetch, `${API}/business`)).body, {
    code: 200,
  });
  assert.deepEqual((await getJson(fetch, `${QQ}/business`)).body, {
    code: 2001,
  });
  assert.equal(emulation.faults.injected.business, 2);
  assert.equal(seen.length, 4);
  // and a transport rule is never handed to the platform
  const faults = new Faults();
  faults.inject({ kind: "5xx" });
  assert.equal(faults.business("netease", "/x"), undefined);
  assert.deepEqual(faults.transport("netease", "/x"), { kind: "5xx" });
});

Deno.test("Faults.clear() drops rules and rates", () => {
  const faults = new Faults(1, { error5xx: 1 });
  faults.inject({ kind: "reset", times: 4 });
  faults.inject({ kind: "business", code: 1 });
  faults.clear();
  assert.deepEqual(faults.pending(), []);
  assert.deepEqual(faults.rates, {});
  for (let i = 0; i < 20; i++) {
    assert.equal(faults.transport("netease", "/x"), undefined);
  }
  assert.equal(faults.business("netease", "/x"), undefined);
});

// ------------------------------------------------------------ fault rates

Deno.test("Each fault rate at 1 faults every request its way", async (t) => {
  const cases: Array<[keyof FaultRates, (r: Response | Error) => void]> = [
    ["error5xx", (r) => assert.equal((r as Response).status, 503)],
    ["rateLimit", (r) => {
      assert.equal((r as Response).status, 429);
      assert.equal((r as Response).headers.get("retry-after"), "1");
    }],
    ["html", (r) => {
      assert.equal((r as Response).status, 200);
      assert.match((r as Response).headers.get("content-type")!, /text\/html/);
    }],
    ["reset", (r) => assert.ok(r instanceof TypeError)],
  ];
  for (const [rate, check] of cases) {
    await t.step(rate, async () => {
      const { emulation, fetch } = setup({ faults: { [rate]: 1 } });
      for (let i = 0; i < 5; i++) {
        const result = await fetch(`${API}/a`).catch((e: Error) => e);
        check(result);
        if (result instanceof Response) await result.body?.cancel();
      }
      const injected = Object.values(emulation.faults.injected);
      assert.equal(injected.reduce((a, b) => a + b, 0), 5);
    });
  }
  await t.step("truncate", async () => {
    const { emulation, fetch } = setup({ faults: { truncate: 1 } });
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${API}/a`);
      await assert.rejects(response.text());
    }
    assert.equal(emulation.faults.injected.truncate, 5);
  });
});

Deno.test("Fault rates are deterministic for a seed", async () => {
  const rates: FaultRates = { error5xx: 0.2, rateLimit: 0.2, reset: 0.2 };
  const run = (seed: number) =>
    statuses(setup({ seed, faults: rates }).fetch, `${API}/a`, 200);
  const a = await run(11);
  const b = await run(11);
  const c = await run(12);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(new Set(a).size === 4, `kinds seen: ${[...new Set(a)]}`);
});

Deno.test("Fault rates are roughly proportional over many requests", () => {
  const n = 4000;
  const share = (rates: FaultRates) => {
    const faults = new Faults(3, rates);
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const kind = faults.transport("netease", "/x")?.kind ?? "none";
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    assert.deepEqual(
      Object.fromEntries(Object.entries(faults.injected).filter(([, v]) => v)),
      Object.fromEntries(Object.entries(counts).filter(([k]) => k !== "none")),
    );
    return (kind: string) => (counts[kind] ?? 0) / n;
  };
  const near = (actual: number, expected: number, label: string) =>
    assert.ok(Math.abs(actual - expected) < 0.03, `${label}: ${actual}`);
  for (
    const [rate, kind] of [
      ["error5xx", "5xx"],
      ["rateLimit", "429"],
      ["html", "html"],
      ["reset", "reset"],
      ["truncate", "truncate"],
    ] as const
  ) {
    near(share({ [rate]: 0.25 })(kind), 0.25, rate);
    near(share({ [rate]: 0.05 })(kind), 0.05, rate);
  }
  // combined, earlier kinds take precedence: 429 gets 10 % of the other 90 %
  const combined = share({ error5xx: 0.1, rateLimit: 0.1 });
  near(combined("5xx"), 0.1, "5xx of two");
  near(combined("429"), 0.09, "429 of two");
  near(share({})("none"), 1, "no rates");
});

Deno.test("Fault rates with match only fault matching paths", async () => {
  const { emulation, fetch } = setup({
    faults: { error5xx: 1, match: "/weapi/" },
  });
  assert.deepEqual(await statuses(fetch, `${API}/api/x`, 3), [200, 200, 200]);
  assert.deepEqual(await statuses(fetch, `${API}/weapi/x`, 2), [503, 503]);
  assert.equal(emulation.faults.injected["5xx"], 2);
});

Deno.test("Scripted rules take precedence over rates", async () => {
  const { fetch, emulation } = setup({ faults: { error5xx: 1 } });
  emulation.faults.inject({ kind: "429" });
  assert.deepEqual(await statuses(fetch, `${API}/x`, 2), [429, 503]);
  emulation.faults.setRates({});
  assert.deepEqual(await statuses(fetch, `${API}/x`, 1), [200]);
});

Deno.test("The latencyMs rate delays every answer with the emulation's sleep", async () => {
  const { sleep, delays } = recordingSleep();
  const { fetch } = setup({
    sleep,
    faults: { latencyMs: 40, match: "test.example/api" },
  });
  assert.deepEqual(await statuses(fetch, `${API}/api/a`, 3), [200, 200, 200]);
  assert.deepEqual(await statuses(fetch, `${API}/other`, 1), [200]);
  assert.equal((await fetch(`${ORIGIN}/_emulation/stats`)).status, 200);
  assert.deepEqual(delays, [40, 40, 40]);
});
