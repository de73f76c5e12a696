/**
 * An invalid or expired login: the first refusal is warned about once and
 * the run goes on anonymously, so every song ends as it would without the
 * login (those that need it `vip_only`), not `failed` one by one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import type { Credentials } from "../sources/config.ts";
import { SourceError } from "../sources/errors.ts";
import { createSources } from "../sources/registry.ts";
import type { Platform, Source } from "../sources/types.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { download, type DownloadSummary } from "../tasks/download.ts";
import { sync } from "../tasks/sync.ts";
import { memoryUi } from "../tasks/ui.ts";
import { downloadBed } from "./_download_bed.ts";
import { goodSong, type TestWorlds } from "./_download_source.ts";

interface Run {
  summary: DownloadSummary;
  endings: Map<string, string>;
  warnings: string[];
  /** The platform's URL requests during the download. */
  urlRequests: number;
}

/** Collects, syncs and downloads one platform of the demo world with `credentials`. */
async function run(
  platform: Platform,
  credentials: Credentials,
): Promise<Run> {
  const emulation = createEmulation({ size: "demo", seed: 7 });
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-login-" });
  try {
    using catalog = Catalog.open(":memory:");
    const noSleep = () => Promise.resolve();
    const sources = await createSources({
      fetch: emulation.fetch,
      emulation: "http://emulation",
      ratePerSecond: 0,
      sleep: noSleep,
      platforms: [platform],
      credentials,
    });
    const ui = memoryUi();
    const context = createContext({
      catalog,
      sources,
      sleep: noSleep,
      log: ui.log,
    });
    await collect(context, { limit: 0 });
    await sync(context, {});
    // only what the download says: sync warns of short playlists
    const before = ui.lines.length;
    const served = emulation.stats()[platform].served.byKind.url.requests;
    const summary = await download(context, {
      library: join(dir, "library"),
      minFree: 0,
      fetch: emulation.fetch,
    });
    const endings = new Map(
      catalog.all<{ song: string; ending: string }>(
        `SELECT s.remote_song_id AS song, t.state || ' ' || coalesce(t.achieved_quality, '') AS ending
         FROM download_tasks t JOIN songs s ON s.id = t.song_id`,
      ).map((r) => [r.song, r.ending]),
    );
    return {
      summary,
      endings,
      warnings: ui.lines.slice(before).filter((l) => l.startsWith("warning:")),
      urlRequests: emulation.stats()[platform].served.byKind.url.requests -
        served,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("download(): a refused QQ Music key is warned about once, and every song ends as without a login", async () => {
  const anonymous = await run("qq", {});
  assert.ok(anonymous.summary.vipOnly > 0, "some songs need VIP");
  const refused = await run("qq", {
    qqUin: "123456789",
    qqMusicKey: "Q_H_L_expiredKey0123456789",
  });
  assert.equal(refused.warnings.length, 1, refused.warnings.join("\n"));
  assert.match(
    refused.warnings[0]!,
    /qq refused the login .*code 1000.*going on anonymously for the rest of the run/,
  );
  assert.doesNotMatch(refused.warnings[0]!, /Q_H_L_/, "the key is not printed");
  assert.equal(refused.summary.failed, 0);
  assert.deepEqual(refused.endings, anonymous.endings);
  assert.equal(refused.summary.vipOnly, anonymous.summary.vipOnly);
  assert.match(refused.summary.loginRefused.qq ?? "", /anonymously/);
  // the refused login costs the refused batch and the songs under way
  // (four workers), not the first batch's songs asked alone one by one
  // (about 70 more requests): they are asked again in a batch
  assert.ok(
    refused.urlRequests <= anonymous.urlRequests + 8,
    `${refused.urlRequests} URL requests, ${anonymous.urlRequests} anonymous`,
  );
});

Deno.test("download(): an unknown NetEase MUSIC_U is served as anonymous, as the platform does: no refusal, no warning", async () => {
  const anonymous = await run("netease", {});
  const unknown = await run("netease", { neteaseMusicU: "0123456789abcdef" });
  assert.deepEqual(unknown.warnings, []);
  assert.deepEqual(unknown.endings, anonymous.endings);
});

Deno.test("download(): after a platform refused the login, songs under way are tried again anonymously; a song refused then needs a login", async () => {
  const worlds: TestWorlds = {
    netease: ["1", "2", "3", "4"].map((id) => goodSong(id)),
  };
  await using t = await downloadBed(worlds);
  const source = t.sources.get("netease")!;
  let loggedIn = true;
  let drops = 0;
  const refusal = () =>
    new SourceError("netease: this needs a login (code 301)", {
      platform: "netease",
      kind: "login",
      code: 301,
    });
  // every song is refused while the login is sent; song 4 needs one anyway
  const wrapper: Source = {
    platform: "netease",
    listPools: () => source.listPools(),
    listPlaylists: () => source.listPlaylists(),
    playlistSongs: () => source.playlistSongs(),
    artistDetail: () => source.artistDetail(),
    async *downloadOffers(song, options) {
      if (loggedIn || song.remoteId === "4") throw refusal();
      yield* source.downloadOffers(song, options);
    },
    dropLogin() {
      drops++;
      const had = loggedIn;
      loggedIn = false;
      return had;
    },
  };
  (t.context.sources as Map<Platform, Source>).set("netease", wrapper);
  const summary = await t.run({ concurrency: 3 });
  assert.equal(drops, 1, "the login is dropped once");
  assert.equal(summary.downloaded, 3);
  assert.equal(summary.vipOnly, 1);
  assert.equal(summary.failed, 0);
  assert.equal(
    t.ui.lines.filter((l) => l.startsWith("warning:")).length,
    1,
    t.ui.lines.join("\n"),
  );
  assert.match(summary.failures[0]!.error, /^needs a login: /);
});
