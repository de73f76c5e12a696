import assert from "node:assert/strict";
import { Catalog } from "../catalog/database.ts";
import { NO_BEHAVIOURS } from "../emulation/behaviours.ts";
import {
  createEmulation,
  type EmulationOptions,
} from "../emulation/emulation.ts";
import { createQqEmulator } from "../emulation/qq/mod.ts";
import type { Fetch } from "../sources/http.ts";
import { createSources } from "../sources/registry.ts";
import type { Platform, Source } from "../sources/types.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { download, type DownloadOptions } from "../tasks/download.ts";
import { sync } from "../tasks/sync.ts";
import {
  EXPIRY_MARGIN_MS,
  FIRST_ROUND_SONGS,
} from "../tasks/_offer_batches.ts";
import { fakeClock } from "./_download_bed.ts";
import { requestsOf, type UrlRequest, urlRequests } from "./_url_requests.ts";

/** The source without its batcher: every song resolved alone. */
function unbatched(source: Source): Source {
  return Object.defineProperty(source, "offerBatcher", { value: undefined });
}

interface Run {
  requests: UrlRequest[];
  /** `platform id` → `state quality`, for every planned song. */
  outcomes: Map<string, string>;
  /** Song ids by platform and catalog availability. */
  availability: Map<string, string>;
  /** Statuses the CDNs answered. */
  cdnStatuses: number[];
  /** In order: `file` for each CDN answer, the index of each URL request. */
  events: Array<"file" | number>;
  downloaded: number;
}

/**
 * Collects, syncs and downloads a whole emulated world in process, with or
 * without batches; `afterTransfer` runs after each CDN answer.
 */
async function runAll(
  emulationOptions: EmulationOptions,
  options: {
    batched: boolean;
    platforms?: readonly Platform[];
    download?: DownloadOptions;
    afterTransfer?: (count: number) => void;
    /** Runs before each request of the platforms' APIs. */
    beforeRequest?: () => void;
    clock?: { now(): number };
  },
): Promise<Run> {
  const emulation = createEmulation(emulationOptions);
  const recorded = urlRequests(emulation.fetch);
  const requests = recorded.requests;
  const events: Run["events"] = [];
  const fetch: Fetch = async (input, init) => {
    options.beforeRequest?.();
    const before = requests.length;
    const response = await recorded.fetch(input, init);
    if (requests.length > before) events.push(before);
    return response;
  };
  const cdnStatuses: number[] = [];
  const cdn: Fetch = async (input, init) => {
    const response = await emulation.fetch(input, init);
    cdnStatuses.push(response.status);
    events.push("file");
    options.afterTransfer?.(cdnStatuses.length);
    return response;
  };
  using catalog = Catalog.open(":memory:");
  const now = options.clock?.now ?? Date.now;
  const built = await createSources({
    fetch,
    emulation: "http://emu",
    ratePerSecond: 0,
    sleep: async () => {},
    now,
    ...(options.platforms ? { platforms: options.platforms } : {}),
  });
  const sources = new Map(
    [...built].map(([p, s]) => [p, options.batched ? s : unbatched(s)]),
  );
  const context = createContext({
    catalog,
    sources,
    now,
    sleep: async () => {},
  });
  await collect(context, { limit: 0 });
  await sync(context, {});
  requests.length = 0;
  events.length = 0;
  const library = await Deno.makeTempDir();
  try {
    const summary = await download(context, {
      library,
      minFree: 0,
      fetch: cdn,
      ...options.download,
    });
    const rows = catalog.all<
      { p: string; r: string; state: string; q: string | null; a: string }
    >(
      `SELECT s.platform AS p, s.remote_song_id AS r, t.state,
              t.achieved_quality AS q, s.availability AS a
       FROM download_tasks t JOIN songs s ON s.id = t.song_id`,
    );
    return {
      requests,
      outcomes: new Map(
        rows.map((x) => [`${x.p} ${x.r}`, `${x.state} ${x.q}`]),
      ),
      availability: new Map(rows.map((x) => [`${x.p} ${x.r}`, x.a])),
      cdnStatuses,
      events,
      downloaded: summary.downloaded,
    };
  } finally {
    await Deno.remove(library, { recursive: true });
  }
}

Deno.test("a batched download gets every song the quality it gets alone, under the emulation's behaviours, for a fraction of the URL requests", async () => {
  // default behaviours: QQ's empty unsigned purls, NetEase's 301/-110 of
  // download/url/v1 and its risk control, Kuwo's refused source string and
  // "music not found", and the VIP refusals of every platform
  const world: EmulationOptions = {
    size: "demo",
    seed: 1,
    // unpaced on the real clock, songs alone may outrun QQ's rate window
    // (2001 past 600 requests a second) and stop QQ part-way
    emulators: {
      qq: (w) => createQqEmulator(w, { maxRequestsPerSecond: 1e9 }),
    },
  };
  const alone = await runAll(world, { batched: false });
  const batched = await runAll(world, { batched: true });
  assert.ok(batched.downloaded > 500);
  assert.equal(batched.downloaded, alone.downloaded);
  assert.deepEqual(batched.outcomes, alone.outcomes);

  const count = (run: Run, platform: Platform, endpoint?: string) =>
    requestsOf(run.requests, platform, endpoint).length;
  const planned = (platform: Platform) =>
    [...batched.outcomes.keys()].filter((k) => k.startsWith(platform)).length;
  // NetEase: a player request per round and rung, not per song and rung
  assert.ok(count(alone, "netease", "player/url/v1") >= planned("netease") / 2);
  assert.ok(count(batched, "netease", "player/url/v1") <= 6);
  // download/url/v1 takes one song: as many as alone (one more when its
  // risk control met the anonymous identity there first)
  assert.ok(
    Math.abs(
      count(batched, "netease", "download/url/v1") -
        count(alone, "netease", "download/url/v1"),
    ) <= 1,
  );
  // QQ: a request per round and variant
  assert.ok(count(alone, "qq") >= planned("qq"));
  assert.ok(count(batched, "qq") <= 12);
  // Kuwo resolves alone either way (the refused source string is asked by
  // as many of the four workers as start before one learns the next), and
  // never asks for a song its own signals refuse (paid, taken down)
  assert.ok(Math.abs(count(batched, "kuwo") - count(alone, "kuwo")) < 4);
  const asked = new Set(
    requestsOf(batched.requests, "kuwo").flatMap((r) => r.songs),
  );
  for (const [key, availability] of batched.availability) {
    const [platform, id] = key.split(" ");
    if (platform !== "kuwo") continue;
    assert.equal(asked.has(id!), availability === "available", key);
  }
});

/** A NetEase world of songs free at low quality: no extras, no refusals. */
function plainNetease(
  clock: { now(): number },
  songs?: number,
): EmulationOptions {
  return {
    size: songs ? "demo" : "tiny",
    seed: 2,
    now: clock.now,
    behaviours: NO_BEHAVIOURS,
    shapes: {
      netease: {
        vipPercent: 0,
        hqVipPercent: 100,
        unavailablePercent: 0,
        ...(songs ? { songs } : {}),
      },
    },
    emulators: { qq: (w) => createQqEmulator(w, { flakyVkeyRate: 0 }) },
  };
}

/** How often each song was asked of player/url/v1. */
function timesAsked(requests: readonly UrlRequest[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const request of requestsOf(requests, "netease", "player/url/v1")) {
    for (const id of request.songs) times.set(id, (times.get(id) ?? 0) + 1);
  }
  return times;
}

Deno.test("a prepared URL that expired before its transfer is resolved again alone", async () => {
  const clock = fakeClock();
  const run = await runAll(plainNetease(clock), {
    batched: true,
    platforms: ["netease"],
    download: { concurrency: 1 },
    // after the third file, the clock jumps past every URL's lifetime
    afterTransfer: (n) => n === 3 && clock.advance(1300_000),
    clock,
  });
  assert.equal(run.downloaded, 12);
  assert.ok(run.cdnStatuses.every((s) => s === 200), `${run.cdnStatuses}`);
  const players = requestsOf(run.requests, "netease", "player/url/v1");
  assert.deepEqual(
    players.map((r) => r.songs.length),
    [12, ...Array(9).fill(1)],
  );
  // the nine alone are the nine songs after the jump
  const times = timesAsked(run.requests);
  assert.equal([...times.values()].filter((n) => n === 2).length, 9);
});

Deno.test("rounds after the first ask as many songs as the workers start within half a URL's lifetime, so none expires", async () => {
  const clock = fakeClock();
  const lifetimeS = 1200; // the emulation's URL lifetime
  const perSongS = 60;
  const songs = 90;
  const run = await runAll({ ...plainNetease(clock, songs) }, {
    batched: true,
    platforms: ["netease"],
    download: { concurrency: 1 },
    afterTransfer: () => clock.advance(perSongS * 1000),
    clock,
  });
  assert.equal(run.downloaded, songs);
  assert.ok(run.cdnStatuses.every((s) => s === 200));
  const players = requestsOf(run.requests, "netease", "player/url/v1");
  assert.equal(players[0]!.songs.length, FIRST_ROUND_SONGS);
  // the first round's songs that waited longer than their URLs lived were
  // resolved again alone; no song of a later round was
  const fresh = Math.ceil((lifetimeS - EXPIRY_MARGIN_MS / 1000) / perSongS);
  const times = timesAsked(run.requests);
  const first = new Set(players[0]!.songs);
  const again = [...times].filter(([, n]) => n > 1).map(([id]) => id);
  assert.equal(again.length, FIRST_ROUND_SONGS - fresh);
  assert.ok(again.every((id) => first.has(id)));
  const later = players.filter((r) => r.songs.length > 1).slice(1);
  assert.ok(later.length >= 2);
  for (const round of later) {
    assert.ok(
      round.songs.length <= (lifetimeS / 2) / perSongS + 1,
      `a round of ${round.songs.length}`,
    );
  }
});

Deno.test("the next round starts while the workers still have as many songs as they take during a round", async () => {
  const clock = fakeClock();
  const perRequestMs = 10_000;
  const run = await runAll({ ...plainNetease(clock, 90) }, {
    batched: true,
    platforms: ["netease"],
    // no lyrics or cover requests: the songs' only requests are their URLs
    download: { concurrency: 1, cover: false, lyrics: false },
    // a slow platform: each request takes ten seconds, each file one
    beforeRequest: () => clock.advance(perRequestMs),
    afterTransfer: () => clock.advance(1000),
    clock,
  });
  assert.equal(run.downloaded, 90);
  const players = requestsOf(run.requests, "netease", "player/url/v1");
  assert.equal(players[0]!.songs.length, FIRST_ROUND_SONGS);
  // the second round was asked while the first still had about ten songs
  // (ten seconds of one-second files) left to transfer
  const second = run.events.indexOf(run.requests.indexOf(players[1]!));
  const filesBefore = run.events.slice(0, second).filter((e) => e === "file");
  assert.ok(
    filesBefore.length <= FIRST_ROUND_SONGS - perRequestMs / 1000,
    `${filesBefore.length} files before the second round`,
  );
});
