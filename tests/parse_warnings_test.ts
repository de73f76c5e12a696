/**
 * A song without an id in a real answer is skipped with a warning that
 * reaches the sync summary and the log; the playlist's other songs are
 * synced. Each platform's playlist answer is taken from the emulation and
 * the id of its first song removed on the way.
 */
import assert from "node:assert/strict";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import type { Fetch } from "../sources/http.ts";
import { createSources } from "../sources/registry.ts";
import type { Platform } from "../sources/types.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { sync } from "../tasks/sync.ts";
import { memoryUi } from "../tasks/ui.ts";

type Body = Record<string, unknown>;

/** Per platform: which answers hold a playlist's songs, and how to take the id of the first. */
const PLAYLIST_ANSWERS: Record<
  Platform,
  { url: RegExp; dropFirstId(body: Body): boolean; path: RegExp }
> = {
  netease: {
    url: /\/weapi\/v6\/playlist\/detail/,
    dropFirstId: (body) => {
      const ids = (body.playlist as Body | undefined)?.trackIds as
        | Body[]
        | undefined;
      if (!ids?.[0]) return false;
      delete ids[0].id;
      return true;
    },
    path: /netease: skipped the song at playlist\.trackIds\[0\]/,
  },
  qq: {
    url: /fcg_ucc_getcdinfo_byids_cp/,
    dropFirstId: (body) => {
      const list = ((body.cdlist as Body[] | undefined)?.[0]?.songlist) as
        | Body[]
        | undefined;
      if (!list?.[0]) return false;
      delete list[0].mid;
      return true;
    },
    path: /qq: skipped the song at cdlist\[0\]\.songlist\[0\]/,
  },
  kuwo: {
    url: /\/api\/www\/playlist\/playListInfo/,
    dropFirstId: (body) => {
      const list = (body.data as Body | undefined)?.musicList as
        | Body[]
        | undefined;
      if (!list?.[0]) return false;
      for (const key of ["rid", "musicrid", "MUSICRID", "id"]) {
        delete list[0][key];
      }
      return true;
    },
    path: /kuwo: skipped the song at data\.musicList\[0\]/,
  },
};

for (const platform of ["netease", "qq", "kuwo"] as const) {
  Deno.test(`sync() skips a ${platform} song without an id with a warning in its summary and log, and keeps the rest`, async () => {
    const emulation = createEmulation({ size: "tiny", seed: 5 });
    const answers = PLAYLIST_ANSWERS[platform];
    let dropped = 0;
    const fetch: Fetch = async (input, init) => {
      const response = await emulation.fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (!answers.url.test(url) || dropped > 0) return response;
      const body = await response.json() as Body;
      if (answers.dropFirstId(body)) dropped++;
      return new Response(JSON.stringify(body), {
        status: response.status,
        headers: response.headers,
      });
    };
    using catalog = Catalog.open(":memory:");
    const ui = memoryUi();
    const context = createContext({
      catalog,
      log: ui.log,
      sources: await createSources({
        fetch,
        emulation: "http://emu",
        ratePerSecond: 0,
        platforms: [platform],
      }),
    });
    await collect(context, { pools: ["square"], limit: 1 });
    const summary = await sync(context, { limit: 1 });
    assert.equal(dropped, 1, "no playlist answer was changed");
    assert.equal(summary.status, "ok");
    assert.equal(summary.synced, 1);
    assert.equal(summary.warnings.length, 1, summary.warnings.join("\n"));
    assert.match(summary.warnings[0]!, answers.path);
    assert.match(summary.warnings[0]!, /it has no id.*\(playlist \S+\)$/);
    assert.ok(ui.lines.some((line) => answers.path.test(line)));
    // the playlist's other songs are synced
    const { n } = catalog.get<{ n: number }>(
      "SELECT count(*) AS n FROM playlist_songs",
    )!;
    assert.equal(n, summary.songs);
  });
}
