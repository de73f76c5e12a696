/**
 * `catalogsync doctor` and its stage against the emulation: every path and
 * variant probed once, each modelled behaviour showing as the variant it
 * refuses, a broken or unreachable platform making the exit status 3.
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
