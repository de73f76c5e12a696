/**
 * The measurement of issue 15, as a test: the demo world of the three
 * platforms (720 songs) served on 127.0.0.1, downloaded once without
 * faults and once with 5 % of the requests answered an HTML page with
 * status 200, cut off (a reset) or answered 503. Transient faults must
 * not change how any song ends: the same state, the same quality.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import type { FaultRates } from "../emulation/faults.ts";
import { serveEmulation } from "../emulation/serve.ts";
import { createSources } from "../sources/registry.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { download, type DownloadSummary } from "../tasks/download.ts";
import { sync } from "../tasks/sync.ts";

interface Ending {
  state: string;
  quality: string | null;
}

/** Collects, syncs and downloads the demo world with `rates` on the downloads. */
async function downloadDemo(
  rates: FaultRates,
): Promise<
  { endings: Map<string, Ending>; summary: DownloadSummary; faults: number }
> {
  const emulation = createEmulation({ size: "demo", seed: 3 });
  await using server = serveEmulation(emulation);
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-soak-" });
  try {
    using catalog = Catalog.open(join(dir, "catalog.db"));
    const noSleep = () => Promise.resolve();
    const sources = await createSources({
      emulation: server.url,
      ratePerSecond: 0,
      sleep: noSleep,
    });
    const context = createContext({ catalog, sources, sleep: noSleep });
    await collect(context, { limit: 0 });
    await sync(context, {});
    emulation.faults.setRates(rates);
    const summary = await download(context, {
      library: join(dir, "library"),
      minFree: 0,
    });
    const faults = Object.values(emulation.faults.injected).reduce(
      (a, b) => a + b,
      0,
    );
    emulation.faults.setRates({});
    const endings = new Map(
      catalog.all<{ song: string; state: string; quality: string | null }>(
        `SELECT s.platform || ':' || s.remote_song_id AS song, t.state, t.achieved_quality AS quality
         FROM download_tasks t JOIN songs s ON s.id = t.song_id`,
      ).map((r) => [r.song, { state: r.state, quality: r.quality }]),
    );
    return { endings, summary, faults };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("download(): 5 % HTML pages, resets and 5xx over 720 songs change no song's state or quality", async (t) => {
  const clean = await downloadDemo({});
  assert.equal(clean.summary.status, "ok");
  assert.equal(clean.endings.size, 720);
  assert.ok(clean.summary.downloaded > 500);
  const modes: Array<[string, FaultRates]> = [
    ["HTML pages with status 200", { html: 0.05 }],
    ["resets and 503s", { reset: 0.05, error5xx: 0.05 }],
    ["all three", { html: 0.05, reset: 0.05, error5xx: 0.05 }],
  ];
  for (const [name, rates] of modes) {
    await t.step(name, async () => {
      const faulty = await downloadDemo(rates);
      assert.ok(faulty.faults > 50, `${faulty.faults} faults injected`);
      const changed: string[] = [];
      for (const [song, ending] of clean.endings) {
        const now = faulty.endings.get(song);
        if (
          now?.state !== ending.state || now?.quality !== ending.quality
        ) {
          changed.push(
            `${song}: ${ending.state} ${ending.quality} -> ${now?.state} ${now?.quality}`,
          );
        }
      }
      assert.deepEqual(
        changed,
        [],
        faulty.summary.failures.map((f) =>
          `${f.platform}:${f.remoteId} ${f.state} ${f.error}`
        ).join("\n"),
      );
      assert.equal(faulty.summary.status, "ok");
      assert.equal(faulty.summary.fallbacks, 0);
      assert.equal(faulty.summary.failed, 0);
      assert.deepEqual(faulty.summary.byQuality, clean.summary.byQuality);
    });
  }
});
