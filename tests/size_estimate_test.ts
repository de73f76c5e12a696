import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { upsertSong } from "../catalog/songs.ts";
import { activateLocalBackend } from "../catalog/storage.ts";
import { formatDownloadSummary } from "../cli/download.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { parseSong as parseKuwoSong } from "../sources/kuwo/_parse.ts";
import { parseSong as parseNeteaseSong } from "../sources/netease/_parse.ts";
import { parseSong as parseQqSong } from "../sources/qq/_parse.ts";
import { createSources } from "../sources/registry.ts";
import type { Platform, SongInfo, Source } from "../sources/types.ts";
import { createContext } from "../tasks/context.ts";
import { download } from "../tasks/download.ts";
import { SizeEstimator, UNKNOWN_SIZE } from "../tasks/_size_estimate.ts";
import { SpaceController } from "../tasks/_space_policy.ts";
import { memoryUi } from "../tasks/ui.ts";

const MB = 1_000_000;

async function sourcesOf(
  credentials: { qqUin?: string; qqMusicKey?: string } = {},
): Promise<Map<Platform, Source>> {
  const emulation = createEmulation({ size: "tiny" });
  return await createSources({
    fetch: emulation.fetch,
    emulation: "http://emulation",
    ratePerSecond: 0,
    credentials,
  });
}

/** A Kuwo web playlist item (§7.1): no sizes, only `hasLossless`. */
function kuwoWebItem(rid: number, extra: Record<string, unknown> = {}) {
  return {
    rid,
    musicrid: `MUSIC_${rid}`,
    name: `Song ${rid}`,
    artist: "Someone",
    artistid: 7,
    album: "An album",
    albumid: 9,
    duration: 240,
    hasLossless: true,
    isListenFee: false,
    pay: "16515324",
    online: 1,
    ...extra,
  };
}

Deno.test("SizeEstimator: a Kuwo song without sizes is estimated at the rung an anonymous client gets, at its typical bit rate", async () => {
  using catalog = Catalog.open(":memory:");
  const estimator = new SizeEstimator(catalog, await sourcesOf(), undefined);
  // web item: flac exists; 240 s of 2000kflac at a typical 1,000 kbit/s
  // (it used to be 2,000 kbit/s: 60 MB)
  const web = estimator.estimate(parseKuwoSong(kuwoWebItem(1)));
  assert.deepEqual(web, { bytes: 30 * MB, estimated: true, refusal: false });
  // nplserver item naming a hi-res tier: hi-res is mostly VIP (§9.1), so
  // the estimate is lossless, not 4,000 kbit/s (it used to be 120 MB; the
  // issue's 99.7 MiB file was such a song)
  const hires = estimator.estimate(parseKuwoSong({
    id: "2",
    name: "Song 2",
    artist: "Someone",
    duration: "240",
    formats: "WMA96|MP3128|MP3H|ALFLAC|HIRFLAC",
  }));
  assert.deepEqual(hires, { bytes: 30 * MB, estimated: true, refusal: false });
  // no flac: the client asks 320k mp3 first
  const mp3 = estimator.estimate(
    parseKuwoSong(kuwoWebItem(3, { hasLossless: false })),
  );
  assert.deepEqual(mp3, { bytes: 9_600_000, estimated: true, refusal: false });
  // a size the song advertises (MINFO) is taken as it is
  const sized = estimator.estimate(parseKuwoSong(kuwoWebItem(4, {
    MINFO:
      "level:ff,bitrate:2000,format:flac,size:52.83Mb;level:p,bitrate:320,format:mp3,size:10.29Mb",
  })));
  assert.deepEqual(sized, {
    bytes: Math.round(52.83 * 1024 * 1024),
    estimated: false,
    refusal: false,
  });
  // a paid song answers a preview stub: expected to be refused
  const paid = estimator.estimate(parseKuwoSong(
    kuwoWebItem(5, { isListenFee: true, pay: "16711935" }),
  ));
  assert.deepEqual(paid, { bytes: 0, estimated: true, refusal: true });
});

Deno.test("SizeEstimator: NetEase and QQ estimate the rung the account is entitled to", async () => {
  using catalog = Catalog.open(":memory:");
  const song = (privilege: Record<string, unknown>): SongInfo =>
    parseNeteaseSong({
      id: 11,
      name: "N",
      ar: [{ id: 1, name: "A" }],
      dt: 200_000,
      sq: { size: 25 * MB, br: 900_000 },
      h: { size: 8 * MB, br: 320_000 },
      l: { size: 3 * MB, br: 128_000 },
    }, { id: 11, st: 0, maxBrLevel: "lossless", ...privilege });
  const estimator = new SizeEstimator(catalog, await sourcesOf(), undefined);
  // plays 320k only: the lossless size would be 3x what comes
  assert.equal(
    estimator.estimate(song({ plLevel: "exhigh", dlLevel: "exhigh" })).bytes,
    8 * MB,
  );
  // downloads better than it plays: the download endpoint gives lossless
  assert.equal(
    estimator.estimate(song({ plLevel: "exhigh", dlLevel: "lossless" })).bytes,
    25 * MB,
  );
  assert.deepEqual(
    estimator.estimate(song({ plLevel: "none", dlLevel: "none" })),
    { bytes: 0, estimated: true, refusal: true },
  );

  const qqSong = (pay: number) =>
    parseQqSong({
      mid: "0039MnYb0qxYhV",
      name: "Q",
      interval: 200,
      singer: [{ mid: "s1", name: "S" }],
      file: {
        media_mid: "0039MnYb0qxYhV",
        size_flac: 25 * MB,
        size_320mp3: 8 * MB,
        size_128mp3: 3 * MB,
      },
      pay: { pay_play: pay },
    });
  // anonymous: the 128k class
  assert.equal(estimator.estimate(qqSong(0)).bytes, 3 * MB);
  assert.equal(estimator.estimate(qqSong(1)).refusal, true);
  // a login: up to lossless
  const loggedIn = new SizeEstimator(
    catalog,
    await sourcesOf({ qqUin: "12345", qqMusicKey: "Q_H_L_x" }),
    undefined,
  );
  assert.equal(loggedIn.estimate(qqSong(0)).bytes, 25 * MB);
  assert.equal(loggedIn.estimate(qqSong(1)).bytes, 25 * MB);
  // without a source: the best size the song advertises
  const bare = new SizeEstimator(catalog, new Map(), undefined);
  assert.equal(bare.estimate(qqSong(0)).bytes, 25 * MB);
  const { durationMs: _, ...noDuration } = parseKuwoSong(kuwoWebItem(6));
  assert.equal(bare.estimate(noDuration).bytes, UNKNOWN_SIZE);
});

Deno.test("SizeEstimator falls back to the median real size of the rung in the catalog, per second of the song", async () => {
  using catalog = Catalog.open(":memory:");
  const sources = await sourcesOf();
  const now = Date.UTC(2026, 11, 1);
  // files of Kuwo lossless the platform really served: 100, 200 and
  // 9,000 bytes per second (the outlier does not move a median)
  [[240, 24_000], [100, 20_000], [300, 2_700_000]].forEach(
    ([seconds, size], i) => {
      const song = parseKuwoSong(
        kuwoWebItem(100 + i, { duration: seconds }),
      );
      const songId = upsertSong(catalog, song, now);
      catalog.run(
        `INSERT INTO file_assets (song_id, quality, platform_quality, extension, size_bytes, sha256, created_at)
         VALUES (?, 'lossless', '2000kflac', 'flac', ?, ?, ?)`,
        songId,
        size!,
        "0".repeat(64),
        now,
      );
    },
  );
  const estimator = new SizeEstimator(catalog, sources, undefined);
  // 240 s at the median 200 bytes per second, where the nominal rate
  // would say 30 MB
  assert.deepEqual(estimator.estimate(parseKuwoSong(kuwoWebItem(1))), {
    bytes: 48_000,
    estimated: true,
    refusal: false,
  });
  // no duration: the median size
  const { durationMs: _, ...noDuration } = parseKuwoSong(kuwoWebItem(2));
  assert.equal(estimator.estimate(noDuration).bytes, 24_000);
  // other rungs have no files yet: the nominal rate
  assert.equal(
    estimator.estimate(parseKuwoSong(kuwoWebItem(3, { hasLossless: false })))
      .bytes,
    9_600_000,
  );
});

Deno.test("download --dry-run says how much of its total is estimated", async () => {
  using catalog = Catalog.open(":memory:");
  const sources = await sourcesOf();
  const now = Date.UTC(2026, 11, 1);
  // advertised: 3 MB (QQ, anonymous 128k); estimated: 30 MB (Kuwo, no size);
  // refused: a paid Kuwo song
  upsertSong(
    catalog,
    parseQqSong({
      mid: "001",
      name: "Q",
      interval: 200,
      singer: [{ mid: "s1", name: "S" }],
      file: { media_mid: "001", size_128mp3: 3 * MB },
    }),
    now,
  );
  upsertSong(catalog, parseKuwoSong(kuwoWebItem(1)), now);
  upsertSong(
    catalog,
    parseKuwoSong(kuwoWebItem(2, { isListenFee: true, pay: "16711935" })),
    now,
  );
  const context = createContext({ catalog, sources, now: () => now });
  const dir = await Deno.makeTempDir();
  try {
    const summary = await download(context, {
      library: join(dir, "library"),
      dryRun: true,
      minFree: 0,
    });
    assert.deepEqual(
      summary.plan.map((p) => [p.platform, p.expectedBytes, p.estimated]),
      [["qq", 3 * MB, false], ["kuwo", 30 * MB, true], ["kuwo", 0, true]],
    );
    assert.equal(summary.estimatedBytes, 30 * MB);
    assert.equal(summary.refusalsExpected, 1);
    assert.match(
      formatDownloadSummary(summary),
      /^ {2}31\.5 MiB expected, 28\.6 MiB of it estimated \(2 songs without an advertised size; 1 expected to be refused, counted as 0\)$/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** What a promise settled to within a hundred turns of the microtask queue. */
async function settled<T>(
  promise: Promise<T>,
): Promise<{ done: true; value: T } | { done: false; value?: never }> {
  let out: { done: true; value: T } | undefined;
  promise.then((value) => out = { done: true, value });
  for (let i = 0; i < 100 && !out; i++) await Promise.resolve();
  return out ?? { done: false };
}

Deno.test("SpaceController counts the remaining bytes of running files, not their estimates", async () => {
  using catalog = Catalog.open(":memory:");
  const active = activateLocalBackend(catalog, "/library", 0);
  let free = 100 * MB;
  const questions: string[] = [];
  const ui = memoryUi();
  const space = new SpaceController({
    catalog,
    active,
    freeSpace: () => Promise.resolve(free),
    prompt: (question) => {
      questions.push(question);
      return Promise.resolve(null);
    },
    log: ui.log,
    now: () => 0,
    minFree: 0,
    nextDirs: [],
  });
  // a file estimated at 60 MB is being resolved: its estimate is not
  // counted against the next file (a size the platform advertises would be)
  const first = (await space.acquire(60 * MB, true))!;
  assert.ok(first);
  const other = await settled(space.acquire(60 * MB, true));
  assert.ok(other.done && other.value);
  space.release(other.value);
  // it starts; the CDN says 50 MB, 40 MB are written
  space.progress(first, 40 * MB, 50 * MB);
  free = 60 * MB;
  // 60 MB free, 10 MB of the running file to come: a 45 MB file fits
  // (counting the running file's 60 MB estimate, it would not)
  const second = await settled(space.acquire(45 * MB, true));
  assert.deepEqual(ui.lines, []);
  assert.ok(second.done && second.value);
  // both running: 10 + 45 MB to come of 60 MB free, a 10 MB file does not
  space.progress(second.value, 0, 45 * MB);
  const third = space.acquire(10 * MB, true);
  // it finds the disk low at once, and asks when the running files end
  for (let i = 0; i < 100 && ui.lines.length === 0; i++) {
    await Promise.resolve();
  }
  assert.match(ui.lines[0] ?? "", /low disk space in \/library/);
  assert.deepEqual(questions, []);
  // the running files write their last 55 MB and end
  free = 5 * MB;
  space.release(first);
  space.release(second.value);
  assert.equal(await third, undefined);
  assert.equal(questions.length, 1);
  assert.match(questions[0]!, /Low disk space/);
});
