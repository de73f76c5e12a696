/**
 * Tag writing inside the download stage, the head built while a body
 * streams, migration 6, and the emulation's cover and lyric endpoints.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { migrate } from "../catalog/migrations.ts";
import { activeLocations } from "../catalog/storage.ts";
import { audioBytes } from "../emulation/audio.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { SourceError } from "../sources/errors.ts";
import { parseKuwoLyrics } from "../sources/kuwo/_lyrics.ts";
import { parseQqLyrics } from "../sources/qq/_lyrics.ts";
import { parseLyrics } from "../sources/netease/_lyrics.ts";
import type { Container } from "../sources/types.ts";
import { reserveFor, TaggedHead, taggerFor } from "../storage/tags/head.ts";
import { pictureOf, type TagSet } from "../storage/tags/tag_set.ts";
import { coverImage } from "../emulation/images.ts";
import {
  downloadBed,
  expectedSha,
  fileSha256,
  listFiles,
  recordedFiles,
} from "./_download_bed.ts";
import { goodSong, type TestWorlds } from "./_download_source.ts";
import { readWithMusicMetadata } from "./_readers.ts";

const TAGS: TagSet = {
  fields: {
    title: "夜空 ✨ さくら",
    artists: ["周深", "Beyond"],
    album: "有点野",
    albumArtist: "周深",
    trackNumber: 2,
    date: "2024-05-06",
    catalogId: "netease:1",
    sourceUrl: "https://music.163.com/song?id=1",
  },
  cover: pictureOf(coverImage("test", "jpeg", 64))!,
  lyrics: "夜空\nさくら 🎵",
};

const sha256 = (bytes: Uint8Array) =>
  createHash("sha256").update(bytes).digest("hex");

Deno.test("TaggedHead: the head built while the body streams, written over the room, gives a file with the SHA-256 it computed, and readers parse it", async (t) => {
  for (const container of ["flac", "mp3", "m4a"] as Container[]) {
    await t.step(container, async () => {
      const body = audioBytes({
        key: `k-${container}`,
        container,
        sizeBytes: 300_000,
      });
      const reserve = reserveFor(container, TAGS);
      const head = new TaggedHead(container, TAGS, reserve);
      // in chunks that split the body's own head
      for (let at = 0; at < body.length; at += 7_001) {
        head.update(body.subarray(at, at + 7_001));
      }
      const result = head.finish();
      assert.equal(result.kind, "ready");
      if (result.kind !== "ready") return;
      const file = new Uint8Array(reserve + body.length);
      file.set(body, reserve);
      file.set(result.head, 0);
      assert.equal(result.sizeBytes, file.length);
      assert.equal(sha256(file), result.sha256);
      // the body after its own head did not move
      const tail = body.length - (result.head.length - reserve);
      assert.deepEqual(
        file.subarray(file.length - tail),
        body.subarray(body.length - tail),
      );
      const path = await Deno.makeTempFile({ suffix: `.${container}` });
      try {
        await Deno.writeFile(path, file);
        const read = await readWithMusicMetadata(path);
        assert.equal(read.title, TAGS.fields!.title);
        assert.deepEqual(read.artists, TAGS.fields!.artists);
        assert.equal(read.lyrics, TAGS.lyrics);
        assert.deepEqual(read.cover, TAGS.cover!.data);
      } finally {
        await Deno.remove(path);
      }
      if (container === "m4a") {
        // the chunk offset still points at the first sample in mdat
        const mdat = indexOf(file, "mdat") - 4;
        const stco = indexOf(file, "stco");
        const offset = new DataView(file.buffer).getUint32(stco + 12);
        assert.equal(offset, mdat + 8);
      }
    });
  }
  await t.step("a head larger than the room asks for a rewrite", () => {
    const body = audioBytes({ key: "k", container: "flac", sizeBytes: 50_000 });
    const head = new TaggedHead("flac", TAGS, 16);
    head.update(body);
    assert.equal(head.finish().kind, "rewrite");
  });
  await t.step("containers without a writer are left alone", () => {
    assert.equal(taggerFor("ogg"), undefined);
    assert.equal(reserveFor("ogg", TAGS), 0);
  });
});

function indexOf(bytes: Uint8Array, text: string): number {
  const codes = [...text].map((c) => c.charCodeAt(0));
  outer: for (let i = 0; i < bytes.length - codes.length; i++) {
    for (let j = 0; j < codes.length; j++) {
      if (bytes[i + j] !== codes[j]) continue outer;
    }
    return i;
  }
  return -1;
}

Deno.test("download() with tags: a cut transfer resumes into the room left for the tags, in the run and in the next; the stored SHA-256 is the file's, the served one the body's", async (t) => {
  await t.step("resumed in the same run", async () => {
    const worlds: TestWorlds = { netease: [goodSong("1", 200_000)] };
    await using bed = await downloadBed(worlds);
    bed.bed.state.inject({ kind: "cut", bytes: 70_000 });
    const summary = await bed.run({ tags: true, cover: true, lyrics: true });
    assert.equal(summary.downloaded, 1);
    assert.equal(summary.tagging.tagged, 1);
    assert.equal(bed.bed.state.cdn[1]!.status, 206);
    const [file] = recordedFiles(bed.catalog);
    assert.equal(file!.sha256, expectedSha(worlds, "netease", "1", "lossless"));
    const path = join(bed.library, file!.locator);
    assert.equal(await fileSha256(path), file!.stored_sha256);
    assert.notEqual(file!.stored_sha256, file!.sha256);
    assert.equal((await readWithMusicMetadata(path)).catalogId, "netease:1");
  });
  await t.step("resumed by the next run, from the sidecar's room", async () => {
    const worlds: TestWorlds = { netease: [goodSong("1", 200_000)] };
    await using bed = await downloadBed(worlds);
    bed.bed.state.inject({ kind: "cut", bytes: 70_000, times: 2 });
    const tags = { tags: true, cover: true, lyrics: true };
    const first = await bed.run({ retries: 1, ...tags });
    assert.equal(first.retryLater, 1);
    const sidecar = (await listFiles(bed.library)).find((p) =>
      p.endsWith(".part.json")
    )!;
    const room = JSON.parse(
      await Deno.readTextFile(join(bed.library, sidecar)),
    ).reserve;
    assert.ok(room > 1000, `room ${room}`);
    const second = await bed.run(tags);
    assert.equal(second.downloaded, 1);
    assert.ok(second.resumedBytes > 0);
    const [file] = recordedFiles(bed.catalog);
    const path = join(bed.library, file!.locator);
    assert.equal(file!.sha256, expectedSha(worlds, "netease", "1", "lossless"));
    assert.equal(await fileSha256(path), file!.stored_sha256);
    assert.equal((await Deno.stat(path)).size, file!.stored_size_bytes);
    assert.deepEqual(
      (await listFiles(bed.library)).filter((p) => !p.endsWith(".lrc")),
      [file!.locator],
    );
  });
  await t.step(
    "resumed without tags from a .part that has room: the room goes",
    async () => {
      const worlds: TestWorlds = { netease: [goodSong("1", 200_000)] };
      await using bed = await downloadBed(worlds);
      bed.bed.state.inject({ kind: "cut", bytes: 70_000, times: 2 });
      await bed.run({ retries: 1, tags: true, cover: true, lyrics: true });
      const second = await bed.run();
      assert.equal(second.downloaded, 1);
      const [file] = recordedFiles(bed.catalog);
      const path = join(bed.library, file!.locator);
      assert.equal(file!.tag_state, "untagged");
      assert.equal(file!.stored_sha256, file!.sha256);
      assert.equal(await fileSha256(path), file!.sha256);
    },
  );
});

Deno.test("migration 6 keeps the files recorded before: the stored size and SHA-256 are the served ones, untagged, and they stay owned", () => {
  using catalog = Catalog.open(":memory:", { migrateTo: 5 });
  catalog.run(
    `INSERT INTO songs (platform, remote_song_id, name, artist_names, availability, qualities,
       raw_json, first_seen_at, updated_at) VALUES ('qq', '9', 'old', 'a', 'available', '[]', '{}', 1, 1)`,
  );
  catalog.run(
    `INSERT INTO storage_backends (kind, name, container_name, is_active, created_at, updated_at)
     VALUES ('local', 'local-1', '/lib', 1, 1, 1)`,
  );
  catalog.run(
    `INSERT INTO file_assets (song_id, quality, extension, size_bytes, sha256, md5, created_at)
     VALUES (1, '320k', 'mp3', 1234, '${"ab".repeat(32)}', NULL, 1)`,
  );
  catalog.run(
    `INSERT INTO file_locations (file_asset_id, backend_id, container_name, locator, state, created_at)
     VALUES (1, 1, '/lib', 'qq/a.mp3', 'active', 1)`,
  );
  const result = migrate(catalog, 6);
  assert.deepEqual(result.applied.length, 1);
  const row = catalog.get<Record<string, unknown>>(
    "SELECT stored_size_bytes, stored_sha256, tag_state, size_bytes, sha256 FROM files",
  )!;
  assert.deepEqual({ ...row }, {
    stored_size_bytes: 1234,
    stored_sha256: "ab".repeat(32),
    tag_state: "untagged",
    size_bytes: 1234,
    sha256: "ab".repeat(32),
  });
  assert.equal(activeLocations(catalog, 1)[0]!.sizeBytes, 1234);
  // a tagged file is owned by its stored size
  catalog.run("UPDATE file_assets SET stored_size_bytes = 2000");
  assert.equal(activeLocations(catalog, 1)[0]!.sizeBytes, 2000);
});

Deno.test("the emulation's covers and lyrics: real images, 404s, Referer and parameter checks, and the clients' reading of each answer", async () => {
  const emulation = createEmulation({ size: "tiny" });
  const get = (url: string, headers: HeadersInit = {}) =>
    emulation.fetch(`http://emu/${url}`, { headers });
  // QQ: the lyric CGI wants a Referer; -1901 is "no lyrics", never an error
  const qq = emulation.worlds.qq.song(1);
  const path =
    `c.y.qq.com/lyric/fcgi-bin/fcg_query_lyric_new.fcg?songmid=${qq.mid}&format=json&nobase64=1`;
  const refused = await (await get(path)).json();
  assert.equal(refused.code, -1310);
  assert.throws(() => parseQqLyrics(refused, path), SourceError);
  const jsonp = await (await get(
    path.replace("&format=json", ""),
    { referer: "https://y.qq.com/" },
  )).text();
  assert.match(jsonp, /^MusicJsonCallback_lrc\(\{/);
  assert.deepEqual(parseQqLyrics({ code: -1901 }, path), { kind: "none" });
  assert.deepEqual(
    parseQqLyrics({
      code: 0,
      lyric: "&#91;00&#58;00&#58;00&#93;此歌曲为没有填词的纯音乐，请您欣赏",
    }, path),
    { kind: "instrumental" },
  );
  // Kuwo: an unknown id answers 301, which is an error, not "no lyrics"
  const gone = await (await get(
    "m.kuwo.cn/newh5/singles/songinfoandlrc?musicId=1&httpsStatus=1",
  )).json();
  assert.equal(gone.status, 301);
  assert.throws(() => parseKuwoLyrics(gone, "u"), SourceError);
  assert.deepEqual(
    parseKuwoLyrics({ status: 200, data: { lrclist: null } }, "u"),
    { kind: "none" },
  );
  const pairs = parseKuwoLyrics({
    status: 200,
    data: {
      lrclist: [
        { lineLyric: "さくら", time: "1.5" },
        { lineLyric: "樱花", time: "1.5" },
        { lineLyric: "夜空", time: "3.25" },
      ],
    },
  }, "u");
  assert.deepEqual(pairs, {
    kind: "lyrics",
    lrc: "[00:01.50]さくら\n[00:03.25]夜空\n",
    translation: "[00:01.50]樱花\n",
  });
  // NetEase: both instrumental markers, and none
  assert.deepEqual(parseLyrics({ nolyric: true, code: 200 }), {
    kind: "instrumental",
  });
  assert.deepEqual(
    parseLyrics({ lrc: { lyric: "[00:00.00]纯音乐，请欣赏\n" }, code: 200 }),
    { kind: "instrumental" },
  );
  assert.deepEqual(parseLyrics({ uncollected: true, code: 200 }), {
    kind: "none",
  });
  // images: a JPEG or a PNG by magic, 404 for a wrong size or token
  const world = emulation.worlds.kuwo;
  const album = world.song(0).album!;
  const cover = await get(
    `img4.kuwo.cn/star/albumcover/500/${album.id % 100}/${
      album.id % 37
    }/${album.id}.jpg`,
  );
  if (cover.ok) {
    const picture = pictureOf(new Uint8Array(await cover.arrayBuffer()));
    assert.ok(picture, "a real image");
    assert.equal(picture.width, 500);
  } else {
    assert.equal(cover.status, 404);
    await cover.body?.cancel();
  }
  const badSize = await get(
    `img4.kuwo.cn/star/albumcover/800/${album.id % 100}/${
      album.id % 37
    }/${album.id}.jpg`,
  );
  assert.equal(badSize.status, 404);
  await badSize.body?.cancel();
  const badToken = await get(
    "p1.music.126.net/aaaaaaaaaaaaaaaaaaaaaa/109951165000005000.jpg",
  );
  assert.equal(badToken.status, 404);
  await badToken.body?.cancel();
  assert.equal(pictureOf(coverImage("x", "png", 32))?.mime, "image/png");
  assert.equal(pictureOf(coverImage("x", "jpeg", 32))?.mime, "image/jpeg");
});
