/**
 * Tags, covers and lyrics as readers we did not write see them: songs of
 * the three platforms downloaded from the emulation (FLAC and MP3 from
 * NetEase, M4A from QQ, MP3 from Kuwo), read back with ffprobe and
 * music-metadata, and compared with the catalog and with the cover bytes
 * the emulation serves.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { songById, songInfoFromRow } from "../catalog/songs.ts";
import { creditedNames, recordedLyrics } from "../catalog/tags.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { emulatedBaseUrls } from "../sources/base_url.ts";
import { lrcText } from "../sources/lyrics.ts";
import { createSources } from "../sources/registry.ts";
import type { Platform, QualityLabel } from "../sources/types.ts";
import { lrcPaths } from "../storage/lyric_files.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { download } from "../tasks/download.ts";
import { sync } from "../tasks/sync.ts";
import { tag } from "../tasks/tag.ts";
import { readWithFfprobe, readWithMusicMetadata } from "./_readers.ts";

const EMULATION = "http://emulation";

/** Each platform and the quality that gets the container wanted of it. */
const RUNS: Array<[Platform, QualityLabel | "best"]> = [
  ["netease", "best"], // FLAC, and MP3 where lossless is VIP-only
  ["qq", "96k"], // M4A (C400)
  ["kuwo", "128k"], // MP3
];

interface Library {
  catalog: Catalog;
  dir: string;
  emulation: ReturnType<typeof createEmulation>;
  context: ReturnType<typeof createContext>;
  files: RecordedFile[];
  [Symbol.asyncDispose](): Promise<void>;
}

interface RecordedFile {
  song_id: number;
  platform: Platform;
  extension: string;
  path: string;
  sha256: string;
  stored_sha256: string;
  stored_size_bytes: number;
  tag_state: string;
}

async function sha256Of(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

/** Collects, syncs and downloads (tags as given) from an emulation. */
async function library(tags: boolean): Promise<Library> {
  const emulation = createEmulation({
    size: "tiny",
    seed: 7,
    // several artists on most songs, and more albums than tiny has
    shape: { songs: 40, artists: 12, multiArtistPercent: 70 },
  });
  const catalog = Catalog.open(":memory:");
  const sources = await createSources({
    fetch: emulation.fetch,
    emulation: EMULATION,
    ratePerSecond: 0,
  });
  const context = createContext({ catalog, sources });
  await collect(context, { pools: ["toplist"], limit: 0 });
  await sync(context);
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-tags-" });
  for (const [platform, quality] of RUNS) {
    await download(context, {
      platforms: [platform],
      quality,
      library: dir,
      minFree: 0,
      fetch: emulation.fetch,
      tags,
      cover: tags,
      lyrics: tags,
    });
  }
  const files = catalog.all<RecordedFile>(
    `SELECT song_id, platform, extension, path, sha256, stored_sha256, stored_size_bytes, tag_state
     FROM files WHERE state = 'active' ORDER BY song_id`,
  ).map((f) => ({ ...f }));
  return {
    catalog,
    dir,
    emulation,
    context,
    files,
    async [Symbol.asyncDispose]() {
      catalog.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** What the file should hold, from the catalog and the source. */
async function expected(lib: Library, file: RecordedFile) {
  const row = songById(lib.catalog, file.song_id)!;
  const source = lib.context.sources.get(file.platform)!;
  const info = source.tagInfo!(songInfoFromRow(row), { coverSize: 800 });
  let cover: Uint8Array | undefined;
  if (info.cover) {
    const response = await lib.emulation.fetch(
      emulatedBaseUrls(EMULATION).to(info.cover.url),
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    cover = response.ok ? bytes : undefined;
  }
  const lyrics = recordedLyrics(lib.catalog, file.song_id);
  return {
    title: row.name,
    artists: creditedNames(lib.catalog, file.song_id),
    album: row.album_name ?? undefined,
    catalogId: `${row.platform}:${row.remote_song_id}`,
    sourceUrl: info.pageUrl,
    track: info.trackNumber,
    date: info.date,
    cover,
    lyrics,
  };
}

Deno.test("downloaded files carry every tag, the served cover and the lyrics, as ffprobe and music-metadata read them", async () => {
  await using lib = await library(true);
  const containers = new Set(lib.files.map((f) => f.extension));
  assert.deepEqual([...containers].sort(), ["flac", "m4a", "mp3"]);
  let withCover = 0;
  let withLyrics = 0;
  let withTranslation = 0;
  let severalArtists = 0;
  let nonAscii = 0;
  for (const file of lib.files) {
    const where = `${file.platform} ${file.path}`;
    assert.equal(file.tag_state, "tagged", where);
    assert.equal(await sha256Of(file.path), file.stored_sha256, where);
    assert.equal((await Deno.stat(file.path)).size, file.stored_size_bytes);
    const want = await expected(lib, file);
    if (want.artists.length > 1) severalArtists++;
    // deno-lint-ignore no-control-regex
    if (/[^\x00-\x7f]/.test(want.title + want.artists.join(""))) nonAscii++;
    const mm = await readWithMusicMetadata(file.path);
    const ff = await readWithFfprobe(file.path);
    for (
      const [reader, got] of [["music-metadata", mm], ["ffprobe", ff]] as const
    ) {
      const label = `${where} (${reader})`;
      assert.equal(got.title, want.title, label);
      assert.equal(got.album, want.album, label);
      assert.equal(got.albumArtist, want.artists[0], label);
      assert.equal(got.catalogId, want.catalogId, label);
      assert.equal(got.sourceUrl, want.sourceUrl, label);
      assert.equal(got.track, want.track, label);
      assert.equal(got.date, want.date, label);
      if (reader === "ffprobe" && file.extension !== "flac") {
        // ffmpeg 5.1 reports the first value of a multi-valued frame or item
        assert.equal(got.artists[0], want.artists[0], label);
      } else {
        assert.deepEqual(got.artists, want.artists, label);
      }
      if (want.cover) {
        assert.ok(got.cover, `${label}: a cover`);
        assert.ok(
          Buffer.from(got.cover).equals(Buffer.from(want.cover)),
          `${label}: the cover's bytes are the served bytes`,
        );
      } else {
        assert.equal(got.cover, undefined, `${label}: no cover`);
      }
      if (want.lyrics?.state === "lyrics") {
        assert.equal(got.lyrics, lrcText(want.lyrics.lrc!).join("\n"), label);
      } else {
        assert.equal(got.lyrics, undefined, label);
      }
    }
    if (want.cover) withCover++;
    const lrc = lrcPaths(file.path);
    if (want.lyrics?.state === "lyrics") {
      withLyrics++;
      const asFile = (text: string) => text.endsWith("\n") ? text : `${text}\n`;
      assert.equal(
        await Deno.readTextFile(lrc.lrc),
        asFile(want.lyrics.lrc!),
        where,
      );
      if (want.lyrics.translation) {
        withTranslation++;
        assert.equal(
          await Deno.readTextFile(lrc.translation),
          asFile(want.lyrics.translation),
        );
      }
    } else {
      await assert.rejects(Deno.stat(lrc.lrc), Deno.errors.NotFound);
    }
  }
  // the files cover what the issue asks to see
  assert.ok(lib.files.length >= 12, `${lib.files.length} files`);
  assert.ok(
    withCover > 0 && withCover < lib.files.length,
    `${withCover} covers`,
  );
  assert.ok(
    withLyrics > 0 && withLyrics < lib.files.length,
    `${withLyrics} lyrics`,
  );
  assert.ok(withTranslation > 0, "some translations");
  assert.ok(severalArtists > 0, "some songs with several artists");
  assert.ok(nonAscii > 0, "Chinese, Japanese or emoji text");
  // songs without lyrics and instrumentals are recorded, not asked again
  const states = lib.catalog.all<{ state: string; n: number }>(
    "SELECT state, count(*) AS n FROM song_lyrics GROUP BY state ORDER BY state",
  ).map((r) => r.state);
  assert.ok(states.includes("lyrics"));
  assert.ok(
    states.includes("none") || states.includes("instrumental"),
    states.join(),
  );
});

Deno.test("tag after a tagged download changes no byte, and a second tag run changes none either", async () => {
  await using lib = await library(true);
  const before = await Promise.all(lib.files.map((f) => sha256Of(f.path)));
  const first = await tag(lib.context);
  assert.equal(first.status, "ok");
  assert.equal(first.rewritten, 0);
  assert.equal(first.unchanged, lib.files.length);
  const second = await tag(lib.context);
  assert.equal(second.rewritten, 0);
  assert.deepEqual(
    await Promise.all(lib.files.map((f) => sha256Of(f.path))),
    before,
  );
  assert.equal(
    first.coversFetched + first.lyricsFetched,
    0,
    "all from the catalog",
  );
});

Deno.test("tag writes tags into files downloaded without them, records their new size and SHA-256, and a second run changes no byte", async () => {
  await using lib = await library(false);
  for (const file of lib.files) {
    assert.equal(file.tag_state, "untagged");
    assert.equal(file.stored_sha256, file.sha256);
    assert.equal((await readWithMusicMetadata(file.path)).catalogId, undefined);
  }
  const first = await tag(lib.context);
  assert.equal(first.status, "ok");
  assert.equal(first.rewritten, lib.files.length);
  assert.ok(first.coversFetched > 0 && first.lyricsFetched > 0);
  const after = lib.catalog.all<RecordedFile>(
    "SELECT song_id, path, sha256, stored_sha256, stored_size_bytes, tag_state FROM files ORDER BY song_id",
  );
  for (const file of after) {
    assert.equal(file.tag_state, "tagged");
    assert.notEqual(
      file.stored_sha256,
      file.sha256,
      "the served body's hash is kept",
    );
    assert.equal(await sha256Of(file.path), file.stored_sha256);
    assert.equal((await Deno.stat(file.path)).size, file.stored_size_bytes);
    const read = await readWithMusicMetadata(file.path);
    assert.equal(read.title, songById(lib.catalog, file.song_id)!.name);
  }
  const hashes = await Promise.all(after.map((f) => sha256Of(f.path)));
  const lrcBefore = await Array.fromAsync(
    Deno.readDir(join(lib.dir, "netease")),
  );
  const second = await tag(lib.context);
  assert.equal(second.rewritten, 0);
  assert.equal(second.unchanged, lib.files.length);
  assert.equal(second.lrcFiles, 0);
  assert.equal(second.coversFetched + second.lyricsFetched, 0);
  assert.deepEqual(
    await Promise.all(after.map((f) => sha256Of(f.path))),
    hashes,
  );
  assert.equal(
    (await Array.fromAsync(Deno.readDir(join(lib.dir, "netease")))).length,
    lrcBefore.length,
  );
});

Deno.test("covers are fetched once per album; --cover-size fetches them again at the new size, and --no-cover keeps them", async () => {
  await using lib = await library(false);
  const imageRequests: string[] = [];
  const counting = lib.context;
  for (const source of counting.sources.values()) {
    const original = source.fetchCover!.bind(source);
    source.fetchCover = (cover, options) => {
      imageRequests.push(cover.key);
      return original(cover, options);
    };
  }
  await tag(counting, { lyrics: false });
  assert.ok(imageRequests.length > 0);
  assert.equal(
    new Set(imageRequests).size,
    imageRequests.length,
    "once per album",
  );
  const albums =
    lib.catalog.get<{ n: number }>("SELECT count(*) AS n FROM covers")!.n;
  assert.equal(albums, imageRequests.length);
  imageRequests.length = 0;
  const resized = await tag(counting, { lyrics: false, coverSize: 300 });
  assert.ok(resized.rewritten > 0, "smaller covers change the files");
  assert.ok(imageRequests.length > 0);
  const kept = await tag(counting, {
    cover: false,
    lyrics: false,
    coverSize: 800,
  });
  assert.equal(kept.rewritten, 0, "--no-cover keeps the covers the files have");
});
