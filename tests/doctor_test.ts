/**
 * `catalogsync doctor` and its stage against the emulation: every path and
 * variant probed once, each modelled behaviour showing as the variant it
 * refuses, a broken or unreachable platform making the exit status 3; the
 * `tag` stage's lyric variants and cover each on its own row.
 */
import assert from "node:assert/strict";
import { Catalog } from "../catalog/database.ts";
import type { Behaviours } from "../emulation/behaviours.ts";
import { createEmulation, type Emulation } from "../emulation/emulation.ts";
import type { Fetch } from "../sources/http.ts";
import { createSources } from "../sources/registry.ts";
import type { Platform, ProbeResult } from "../sources/types.ts";
import { createContext } from "../tasks/context.ts";
import { doctor, type DoctorSummary } from "../tasks/doctor.ts";
import { runCli } from "./_cli.ts";

async function runDoctor(
  emulation: Emulation,
  options: { fetch?: Fetch; platforms?: Platform[] } = {},
): Promise<DoctorSummary> {
  const sources = await createSources({
    fetch: options.fetch ?? emulation.fetch,
    emulation: "http://emu",
    ratePerSecond: 0,
    retries: 0,
    sleep: () => Promise.resolve(),
    ...(options.platforms ? { platforms: options.platforms } : {}),
  });
  using catalog = Catalog.open(":memory:");
  return await doctor(createContext({ catalog, sources }));
}

/** `platform stage path | variant` of each probe with its verdict. */
function verdicts(probes: readonly ProbeResult[]): Record<string, string> {
  return Object.fromEntries(
    probes.map((
      p,
    ) => [`${p.platform} ${p.stage} ${p.path} | ${p.variant}`, p.verdict]),
  );
}

function find(
  probes: readonly ProbeResult[],
  platform: Platform,
  variant: RegExp,
): ProbeResult {
  const found = probes.find((p) =>
    p.platform === platform && variant.test(p.variant)
  );
  assert.ok(found, `no probe ${platform} ${variant}`);
  return found;
}

Deno.test("doctor() probes every path and variant of the three platforms once: all ok on the happy path", async () => {
  const emulation = createEmulation({ size: "tiny", behaviours: "off" });
  const before = emulation.requests;
  const summary = await runDoctor(emulation);
  assert.equal(summary.status, "ok");
  assert.deepEqual(
    summary.platforms.map((p) => [p.platform, p.working, p.broken]),
    [["netease", true, []], ["qq", true, []], ["kuwo", true, []]],
  );
  const all = verdicts(summary.probes);
  assert.deepEqual(
    Object.entries(all).filter(([, verdict]) => verdict !== "ok"),
    [],
  );
  // every stage and path of each platform, and every fallback variant
  for (const platform of ["netease", "qq", "kuwo"] as const) {
    const paths = new Set(
      summary.probes.filter((p) => p.platform === platform).map((p) =>
        `${p.stage}: ${p.path}`
      ),
    );
    for (
      const path of [
        "collect: square categories",
        "collect: charts",
        "sync: playlist page",
        "download: song URL",
        "tag: lyrics",
        "tag: cover",
      ]
    ) {
      assert.ok(paths.has(path), `${platform} ${path}`);
    }
  }
  assert.equal(
    summary.probes.filter((p) => p.platform === "qq" && p.path === "song URL")
      .length,
    3,
    "unsigned, signed, app",
  );
  assert.equal(
    summary.probes.filter((p) => p.platform === "kuwo" && p.path === "song URL")
      .length,
    5,
    "three source strings plain, two KuwoDES",
  );
  assert.deepEqual(
    summary.probes.filter((p) => p.platform === "kuwo" && p.path === "lyrics")
      .map((p) => p.variant),
    ["newlyric", "songinfoandlrc"],
    "each Kuwo lyric endpoint on its own",
  );
  assert.ok(summary.probes.every((p) => p.reason !== ""));
  // one small request per probe, and a few set-up ones (cookie, identity)
  assert.ok(
    emulation.requests - before <= summary.probes.length + 4,
    `${
      emulation.requests - before
    } requests for ${summary.probes.length} probes`,
  );
});

Deno.test("doctor() shows each modelled behaviour as the variant it refuses, and the platforms still work", async () => {
  const behaviours: Partial<Behaviours> = {
    hiddenTracks: 1,
    qqUnsignedVkeyEmpty: 1,
    qqUnsignedVkeyForm: "invalidq",
    kuwoRefusedSources: ["kwplayer_ar_5.1.0.0_B_jiakong_vh.apk"],
    neteaseDownloadRefused: 1,
    neteaseRiskControl: 1,
  };
  const emulation = createEmulation({ size: "tiny", behaviours });
  const summary = await runDoctor(emulation);
  assert.equal(summary.status, "ok", JSON.stringify(summary.platforms));
  const { probes } = summary;
  const unsigned = find(probes, "qq", /^unsigned/);
  assert.equal(unsigned.verdict, "refused");
  assert.match(unsigned.reason, /retcode 104009 \(invalidq\)/);
  assert.equal(find(probes, "qq", /^signed/).verdict, "ok");
  assert.equal(find(probes, "qq", /^app/).verdict, "ok");
  const refused = find(probes, "kuwo", /f=web kwplayer_ar_5/);
  assert.equal(refused.verdict, "refused");
  assert.match(refused.reason, /code 403/);
  assert.equal(find(probes, "kuwo", /f=web jiakong /).verdict, "ok");
  const minimal = find(probes, "netease", /minimal cookies/);
  assert.equal(minimal.verdict, "refused");
  assert.match(minimal.reason, /-460/);
  assert.equal(find(probes, "netease", /anonymous identity/).verdict, "ok");
  const extra = find(probes, "netease", /download\/url\/v1/);
  assert.equal(extra.verdict, "refused");
  // the risk control answers first when both behaviours hit a song
  assert.match(extra.reason, /code (301|-110|-460)/);
  // switched off, the same variants answer
  emulation.setBehaviours("off");
  const after = await runDoctor(emulation);
  assert.ok(after.probes.every((p) => p.verdict === "ok"));
});

Deno.test("doctor() names a path without a working variant: changed shape, refused everywhere", async () => {
  const emulation = createEmulation({ size: "tiny", behaviours: "off" });
  // NetEase's catalogue answers an HTML page; every QQ vkey variant is empty
  emulation.faults.inject({
    kind: "html",
    platform: "netease",
    match: "catalogue",
  });
  emulation.faults.inject({
    kind: "business",
    platform: "qq",
    match: "GetVkey",
    code: 0,
    times: 3,
  });
  const summary = await runDoctor(emulation);
  assert.equal(summary.status, "partial");
  const categories = summary.probes.find((p) =>
    p.platform === "netease" && p.path === "square categories"
  )!;
  assert.equal(categories.verdict, "changed shape");
  assert.match(categories.reason, /HTML page/);
  assert.deepEqual(
    summary.platforms.map((p) => [p.platform, p.working, p.broken]),
    [
      ["netease", false, ["collect: square categories"]],
      ["qq", false, ["download: song URL"]],
      ["kuwo", true, []],
    ],
  );
});

Deno.test("doctor() reports an unreachable platform, and the others as they are", async () => {
  const emulation = createEmulation({ size: "tiny", behaviours: "off" });
  const unreachable: Fetch = (input, init) => {
    const url = new Request(input, init).url;
    if (/\/[a-z0-9.]*kuwo\.cn\//.test(url)) {
      return Promise.reject(new TypeError("error sending request: refused"));
    }
    return emulation.fetch(input, init);
  };
  const summary = await runDoctor(emulation, { fetch: unreachable });
  assert.equal(summary.status, "partial");
  const kuwo = summary.probes.filter((p) => p.platform === "kuwo");
  assert.ok(kuwo.length > 0);
  assert.ok(
    kuwo.every((p) => p.verdict === "unreachable"),
    JSON.stringify(kuwo),
  );
  assert.ok(
    kuwo.some((p) => /not asked: it needs/.test(p.reason)),
    "later paths are not asked",
  );
  const health = summary.platforms.find((p) => p.platform === "kuwo")!;
  assert.equal(health.working, false);
  assert.ok(summary.platforms.filter((p) => p.working).length === 2);
});

Deno.test("catalogsync doctor prints the table and exits 0, or 3 with a broken platform; --json too", async () => {
  const emulation = createEmulation({ size: "tiny" });
  const io = { fetch: emulation.fetch, sleep: () => Promise.resolve() };
  const ok = await runCli(["doctor", "--emulation", "http://emu"], io);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(
    ok.stdout,
    /^doctor ok: 3\/3 platforms have a working path for every stage/,
  );
  assert.match(
    ok.stdout,
    /\n {2}platform +stage +path +variant +verdict +latency +reason\n/,
  );
  assert.match(
    ok.stdout,
    /\n {2}qq +download +song URL +signed .* ok +\d+ ms /,
  );
  assert.match(ok.stdout, /\n {2}kuwo: every stage has a working path\n$/);

  emulation.faults.inject({
    kind: "reset",
    platform: "qq",
    times: 100,
  });
  const broken = await runCli([
    "doctor",
    "--emulation",
    "http://emu",
    "--source",
    "qq",
    "--json",
  ], io);
  assert.equal(broken.code, 3, broken.stderr);
  const summary = JSON.parse(broken.stdout) as DoctorSummary;
  assert.equal(summary.status, "failed");
  assert.deepEqual(summary.platforms.map((p) => p.platform), ["qq"]);
  assert.ok(summary.probes.every((p) => p.verdict === "unreachable"));
  // one attempt each: no retries
  assert.ok(
    emulation.faults.pending()[0]!.times! >= 100 - summary.probes.length,
  );
});

/** A fetch answering `answer()` for requests to `host` (the emulation's `/<host>/` URLs), the emulation else. */
function hostAnswers(
  emulation: Emulation,
  host: RegExp,
  answer: () => Response,
): Fetch {
  return (input, init) => {
    const url = new URL(new Request(input, init).url);
    const requested = url.pathname.split("/")[1] ?? "";
    return host.test(requested)
      ? Promise.resolve(answer())
      : emulation.fetch(input, init);
  };
}

const htmlPage = () =>
  new Response("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", {
    headers: { "content-type": "text/html" },
  });

/** `[platform, path, variant, verdict]` of the tag stage's probes. */
function tagRows(probes: readonly ProbeResult[]): string[][] {
  return probes.filter((p) => p.stage === "tag").map((p) => [
    p.platform,
    p.path,
    p.variant,
    p.verdict,
  ]);
}

Deno.test("doctor() probes the tag stage: each lyric variant and one cover per platform, all ok against the default emulation", async () => {
  const emulation = createEmulation({ size: "tiny" });
  const summary = await runDoctor(emulation);
  assert.equal(summary.status, "ok", JSON.stringify(summary.platforms));
  assert.deepEqual(tagRows(summary.probes), [
    ["netease", "lyrics", "weapi song/lyric", "ok"],
    ["netease", "cover", "p1.music.126.net", "ok"],
    ["qq", "lyrics", "fcg_query_lyric_new CGI", "ok"],
    ["qq", "cover", "y.gtimg.cn", "ok"],
    ["kuwo", "lyrics", "newlyric", "ok"],
    ["kuwo", "lyrics", "songinfoandlrc", "ok"],
    ["kuwo", "cover", "img4.kuwo.cn", "ok"],
  ]);
  for (const p of summary.probes.filter((p) => p.stage === "tag")) {
    assert.match(
      p.reason,
      p.path === "lyrics"
        ? /^song \S+: (\d+ lines|no lyrics|instrumental)/
        : /^album:\S+ at \d+ px: (JPEG|PNG), \d+ bytes$/,
      `${p.platform} ${p.variant}`,
    );
  }
  assert.deepEqual(
    summary.platforms.map((p) => [p.platform, p.broken, p.warnings]),
    [["netease", [], []], ["qq", [], []], ["kuwo", [], []]],
  );
  // the stages in their order, tag last, for every platform
  for (const platform of ["netease", "qq", "kuwo"] as const) {
    const stages = summary.probes.filter((p) => p.platform === platform)
      .map((p) => p.stage);
    assert.deepEqual(
      [...new Set(stages)],
      ["collect", "sync", "download", "tag"],
    );
  }
});

Deno.test("catalogsync doctor with kuwoH5LyricsGone at 1: the songinfoandlrc row is not ok, newlyric's is, and the exit status stays 0", async () => {
  const emulation = createEmulation({ size: "tiny" });
  const config = await emulation.fetch("http://emu/_emulation/config", {
    method: "POST",
    body: JSON.stringify({ behaviours: { kuwoH5LyricsGone: 1 } }),
  });
  assert.equal(config.status, 200, await config.text());
  const io = { fetch: emulation.fetch, sleep: () => Promise.resolve() };
  const run = await runCli(
    ["doctor", "--emulation", "http://emu", "--source", "kuwo", "--json"],
    io,
  );
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as DoctorSummary;
  assert.deepEqual(tagRows(summary.probes), [
    ["kuwo", "lyrics", "newlyric", "ok"],
    ["kuwo", "lyrics", "songinfoandlrc", "changed shape"],
    ["kuwo", "cover", "img4.kuwo.cn", "ok"],
  ]);
  const h5 = summary.probes.find((p) => p.variant === "songinfoandlrc")!;
  assert.match(h5.reason, /songinfoandlrc answered status 301/);
  assert.deepEqual(summary.platforms, [
    { platform: "kuwo", working: true, broken: [], warnings: [] },
  ]);
  // the table shows both rows
  const text = await runCli(
    ["doctor", "--emulation", "http://emu", "--source", "kuwo"],
    io,
  );
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /\n {2}kuwo +tag +lyrics +newlyric +ok +\d+ ms /);
  assert.match(
    text.stdout,
    /\n {2}kuwo +tag +lyrics +songinfoandlrc +changed shape +\d+ ms +kuwo: songinfoandlrc answered status 301/,
  );
  assert.match(text.stdout, /\n {2}kuwo: every stage has a working path\n$/);
});

Deno.test("doctor() and catalogsync doctor: a platform whose every lyric endpoint is broken fails the tag stage, exit 3", async (t) => {
  await t.step("NetEase's song/lyric answers an HTML page", async () => {
    const emulation = createEmulation({ size: "tiny", behaviours: "off" });
    emulation.faults.inject({
      kind: "html",
      platform: "netease",
      match: "song/lyric",
    });
    const summary = await runDoctor(emulation);
    assert.equal(summary.status, "partial");
    const lyrics = summary.probes.find((p) =>
      p.platform === "netease" && p.path === "lyrics"
    )!;
    assert.equal(lyrics.verdict, "changed shape");
    assert.deepEqual(
      summary.platforms.map((p) => [p.platform, p.working, p.broken]),
      [
        ["netease", false, ["tag: lyrics"]],
        ["qq", true, []],
        ["kuwo", true, []],
      ],
    );
  });

  await t.step("both Kuwo lyric hosts answer HTML: exit 3", async () => {
    const emulation = createEmulation({ size: "tiny", behaviours: "off" });
    const io = {
      fetch: hostAnswers(emulation, /^(newlyric|m)\.kuwo\.cn$/, htmlPage),
      sleep: () => Promise.resolve(),
    };
    const run = await runCli(
      ["doctor", "--emulation", "http://emu", "--json"],
      io,
    );
    assert.equal(run.code, 3, run.stderr);
    const summary = JSON.parse(run.stdout) as DoctorSummary;
    assert.deepEqual(
      tagRows(summary.probes).filter(([platform]) => platform === "kuwo"),
      [
        ["kuwo", "lyrics", "newlyric", "changed shape"],
        ["kuwo", "lyrics", "songinfoandlrc", "changed shape"],
        ["kuwo", "cover", "img4.kuwo.cn", "ok"],
      ],
    );
    assert.deepEqual(
      summary.platforms.map((p) => [p.platform, p.working, p.broken]),
      [
        ["netease", true, []],
        ["qq", true, []],
        ["kuwo", false, ["tag: lyrics"]],
      ],
    );
    const text = await runCli(["doctor", "--emulation", "http://emu"], io);
    assert.equal(text.code, 3, text.stderr);
    assert.match(
      text.stdout,
      /\n {2}kuwo: no working variant for tag: lyrics\n$/,
    );
  });
});

Deno.test("doctor(): a cover the host has not is a warning, a cover host answering no picture breaks tag", async (t) => {
  await t.step(
    "QQ's cover host answers 404: refused, still working",
    async () => {
      const emulation = createEmulation({ size: "tiny", behaviours: "off" });
      const summary = await runDoctor(emulation, {
        fetch: hostAnswers(
          emulation,
          /^y\.gtimg\.cn$/,
          () => new Response("not found", { status: 404 }),
        ),
      });
      assert.equal(summary.status, "ok", JSON.stringify(summary.platforms));
      const cover = summary.probes.find((p) =>
        p.platform === "qq" && p.path === "cover"
      )!;
      assert.equal(cover.verdict, "refused");
      assert.match(cover.reason, /no picture there \(404\/403\)/);
      assert.deepEqual(summary.platforms[1], {
        platform: "qq",
        working: true,
        broken: [],
        warnings: ["tag: cover"],
      });
    },
  );

  await t.step(
    "NetEase's cover host answers HTML: changed shape, exit 3",
    async () => {
      const emulation = createEmulation({ size: "tiny", behaviours: "off" });
      const io = {
        fetch: hostAnswers(emulation, /^p\d\.music\.126\.net$/, htmlPage),
        sleep: () => Promise.resolve(),
      };
      const run = await runCli(
        ["doctor", "--emulation", "http://emu", "--source", "netease"],
        io,
      );
      assert.equal(run.code, 3, run.stderr);
      assert.match(
        run.stdout,
        /\n {2}netease +tag +cover +p1\.music\.126\.net +changed shape +\d+ ms +album:\d+ at 300 px: \d+ bytes that are neither JPEG nor PNG/,
      );
      assert.match(
        run.stdout,
        /\n {2}netease: no working variant for tag: cover\n$/,
      );
    },
  );
});
