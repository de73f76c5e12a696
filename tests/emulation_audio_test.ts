import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  audioBytes,
  type AudioFile,
  audioMd5,
  audioStream,
  contentType,
  parseRange,
  serveAudio,
} from "../emulation/audio.ts";
import type { Container } from "../sources/types.ts";
import { drain } from "./_fakes.ts";

const MIB = 1 << 20;
const ascii = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);

const file = (
  key: string,
  container: Container = "flac",
  sizeBytes = 10_000,
): AudioFile => ({ key, container, sizeBytes });

function get(headers: HeadersInit = {}, method = "GET"): Request {
  return new Request("http://127.0.0.1/cdn/song.flac", { method, headers });
}

async function bodyOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

Deno.test("audioBytes() starts with the container's magic", () => {
  const starts: Record<Container, [offset: number, magic: string]> = {
    flac: [0, "fLaC"],
    mp3: [0, "ID3"],
    m4a: [4, "ftyp"],
    ogg: [0, "OggS"],
    ape: [0, "MAC "],
  };
  for (const [container, [offset, magic]] of Object.entries(starts)) {
    const bytes = audioBytes(file("song-1", container as Container, 4096));
    assert.equal(
      ascii(bytes.subarray(offset, offset + magic.length)),
      magic,
      container,
    );
  }
  // the MP3's ID3 tag is followed by an MPEG frame sync
  const mp3 = audioBytes(file("song-1", "mp3", 4096));
  assert.equal(mp3[10], 0xff);
  assert.equal(mp3[11]! & 0xe0, 0xe0);
  assert.equal(ascii(audioBytes(file("x", "m4a", 64)).subarray(8, 12)), "M4A ");
});

Deno.test("audioBytes() has exactly sizeBytes bytes", () => {
  for (const size of [0, 1, 3, 13, 14, 15, 4096, MIB - 1, MIB, MIB + 7]) {
    for (const container of ["flac", "mp3"] as const) {
      assert.equal(
        audioBytes(file("k", container, size)).length,
        size,
        `${container} of ${size}`,
      );
    }
  }
  // a body shorter than its header is the header's start
  assert.deepEqual(
    [...audioBytes(file("k", "mp3", 3))],
    [0x49, 0x44, 0x33],
  );
});

Deno.test("audioBytes() is deterministic per key and differs across keys", () => {
  const a1 = audioBytes(file("netease:1:lossless", "flac", 50_000));
  const a2 = audioBytes(file("netease:1:lossless", "flac", 50_000));
  const b = audioBytes(file("netease:2:lossless", "flac", 50_000));
  assert.deepEqual(a1, a2);
  assert.notDeepEqual(a1.subarray(8), b.subarray(8));
  // not just shifted by a byte or two: most positions differ
  let same = 0;
  for (let i = 8; i < a1.length; i++) if (a1[i] === b[i]) same++;
  assert.ok(same < a1.length / 16, `${same} equal bytes`);
  // the same key in another container keeps the body after the header
  // (the FLAC header is 42 bytes; MP3 bodies carry frame headers)
  const ogg = audioBytes(file("netease:1:lossless", "ogg", 50_000));
  assert.deepEqual(ogg.subarray(42), a1.subarray(42));
});

Deno.test("audioBytes() of a range equals the slice of the whole body, across the noise block", () => {
  const big = file("big", "ogg", 2 * MIB + 12_345);
  const whole = audioBytes(big);
  const ranges: Array<[number, number]> = [
    [0, 6],
    [2, 40],
    [MIB - 100, MIB + 100],
    [MIB - 1, MIB + 1],
    [2 * MIB - 3, 2 * MIB + 12_345],
    [1234, 1234],
  ];
  for (const [start, end] of ranges) {
    assert.deepEqual(
      audioBytes(big, start, end),
      whole.subarray(start, end),
      `${start}-${end}`,
    );
  }
});

Deno.test("audioStream() streams the range in chunks and can break off", async () => {
  const f = file("stream", "flac", 300_000);
  const whole = audioBytes(f);
  const full = await drain(audioStream(f, 0, f.sizeBytes));
  assert.equal(full.error, undefined);
  assert.deepEqual(full.bytes, whole);
  const part = await drain(audioStream(f, 1000, 200_000));
  assert.deepEqual(part.bytes, whole.subarray(1000, 200_000));
  const cut = await drain(audioStream(f, 1000, 200_000, 70_000));
  assert.ok(cut.error instanceof Error);
  assert.deepEqual(cut.bytes, whole.subarray(1000, 71_000));
});

Deno.test("serveAudio() without Range answers 200 with the whole body", async () => {
  const f = file("song-9", "mp3", 70_000);
  const response = serveAudio(get(), f);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), "70000");
  assert.equal(response.headers.get("content-type"), "audio/mpeg");
  assert.equal(response.headers.get("accept-ranges"), "bytes");
  assert.equal(response.headers.get("content-range"), null);
  assert.match(response.headers.get("etag") ?? "", /^"[0-9a-f]+"$/);
  assert.deepEqual(await bodyOf(response), audioBytes(f));
  // the etag names the bytes
  assert.equal(
    serveAudio(get(), f).headers.get("etag"),
    response.headers.get("etag"),
  );
  assert.notEqual(
    serveAudio(get(), file("song-10", "mp3", 70_000)).headers.get("etag"),
    response.headers.get("etag"),
  );
});

Deno.test("serveAudio() answers a satisfiable Range with 206 and the exact bytes", async (t) => {
  const f = file("song-r", "flac", 100_000);
  const whole = audioBytes(f);
  const cases: Array<[string, number, number]> = [
    ["bytes=0-0", 0, 1],
    ["bytes=0-99", 0, 100],
    ["bytes=500-1499", 500, 1500],
    ["bytes=99999-99999", 99_999, 100_000],
    ["bytes=98000-200000", 98_000, 100_000],
    ["bytes=40000-", 40_000, 100_000],
    ["bytes=0-", 0, 100_000],
    ["bytes=-100", 99_900, 100_000],
    ["bytes=-1", 99_999, 100_000],
    ["bytes=-500000", 0, 100_000],
    [" bytes=10-19 ", 10, 20],
  ];
  for (const [range, start, end] of cases) {
    await t.step(range, async () => {
      const response = serveAudio(get({ range }), f);
      assert.equal(response.status, 206);
      assert.equal(
        response.headers.get("content-range"),
        `bytes ${start}-${end - 1}/100000`,
      );
      assert.equal(response.headers.get("content-length"), String(end - start));
      assert.deepEqual(await bodyOf(response), whole.subarray(start, end));
    });
  }
});

Deno.test("serveAudio() answers an unsatisfiable Range with 416", async () => {
  const f = file("song-u", "flac", 1000);
  for (
    const range of ["bytes=1000-", "bytes=5000-6000", "bytes=-0", "bytes=10-5"]
  ) {
    const response = serveAudio(get({ range }), f);
    assert.equal(response.status, 416, range);
    assert.equal(response.headers.get("content-range"), "bytes */1000");
    assert.equal(response.body, null);
    assert.equal(await response.text(), "");
  }
});

Deno.test("serveAudio() ignores a Range it does not understand", async () => {
  const f = file("song-i", "ape", 2000);
  for (
    const range of [
      "bytes=-",
      "items=0-10",
      "bytes=0-10,20-30",
      "bytes=a-b",
      "bytes 0-10",
    ]
  ) {
    const response = serveAudio(get({ range }), f);
    assert.equal(response.status, 200, range);
    assert.equal(response.headers.get("content-length"), "2000");
    assert.equal((await bodyOf(response)).length, 2000);
  }
});

Deno.test("serveAudio() answers HEAD with the headers and no body", async () => {
  const f = file("song-h", "m4a", 5000);
  const head = serveAudio(get({}, "HEAD"), f);
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  assert.equal(head.headers.get("content-length"), "5000");
  assert.equal(head.headers.get("content-type"), "audio/mp4");
  assert.equal(head.headers.get("accept-ranges"), "bytes");
  assert.equal(await head.text(), "");
  const ranged = serveAudio(get({ range: "bytes=100-199" }, "HEAD"), f);
  assert.equal(ranged.status, 206);
  assert.equal(ranged.body, null);
  assert.equal(ranged.headers.get("content-length"), "100");
  assert.equal(ranged.headers.get("content-range"), "bytes 100-199/5000");
});

Deno.test("serveAudio() with noRanges ignores Range and says so", async () => {
  const f = file("song-n", "flac", 3000);
  const response = serveAudio(get({ range: "bytes=0-9" }), f, {
    noRanges: true,
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("accept-ranges"), "none");
  assert.equal(response.headers.get("content-range"), null);
  assert.equal(response.headers.get("content-length"), "3000");
  assert.deepEqual(await bodyOf(response), audioBytes(f));
  const unsatisfiable = serveAudio(get({ range: "bytes=9000-" }), f, {
    noRanges: true,
  });
  assert.equal(unsatisfiable.status, 200);
});

Deno.test("serveAudio() with breakAt cuts the body after that many bytes", async (t) => {
  const f = file("song-b", "flac", 200_000);
  const whole = audioBytes(f);
  await t.step("a whole body", async () => {
    const response = serveAudio(get(), f, { breakAt: 123_456 });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-length"), "200000");
    const { bytes, error } = await drain(response.body!);
    assert.ok(error instanceof Error, "the stream errors");
    assert.equal(bytes.length, 123_456);
    assert.deepEqual(bytes, whole.subarray(0, 123_456));
    await assert.rejects(
      serveAudio(get(), f, { breakAt: 10 }).arrayBuffer(),
    );
  });
  await t.step("a range, counted from its start", async () => {
    const response = serveAudio(get({ range: "bytes=1000-" }), f, {
      breakAt: 500,
    });
    assert.equal(response.status, 206);
    const { bytes, error } = await drain(response.body!);
    assert.ok(error instanceof Error);
    assert.deepEqual(bytes, whole.subarray(1000, 1500));
  });
  await t.step("a breakAt past the end changes nothing", async () => {
    const { bytes, error } = await drain(
      serveAudio(get(), f, { breakAt: 200_000 }).body!,
    );
    assert.equal(error, undefined);
    assert.deepEqual(bytes, whole);
  });
  await t.step("breakAt 0 fails before the first byte", async () => {
    const { bytes, error } = await drain(
      serveAudio(get(), f, { breakAt: 0 }).body!,
    );
    assert.ok(error instanceof Error);
    assert.equal(bytes.length, 0);
  });
});

Deno.test("audioMd5() is the MD5 of audioBytes()", () => {
  const md5 = (bytes: Uint8Array) =>
    createHash("md5").update(bytes).digest("hex");
  const files = [
    file("m-1", "flac", 1),
    file("m-2", "mp3", 14),
    file("m-3", "ogg", 70_001),
    file("m-4", "m4a", MIB),
    file("m-5", "ape", 2 * MIB + 333),
  ];
  for (const f of files) {
    const expected = md5(audioBytes(f));
    assert.equal(audioMd5(f), expected, f.key);
    assert.equal(audioMd5({ ...f }), expected, `${f.key} (cached)`);
  }
  assert.notEqual(audioMd5(files[2]!), audioMd5({ ...files[2]!, key: "m-6" }));
  assert.notEqual(
    audioMd5(files[2]!),
    audioMd5({ ...files[2]!, sizeBytes: 70_000 }),
  );
});

Deno.test("parseRange() parses one byte range against a size", () => {
  assert.deepEqual(parseRange("bytes=0-0", 10), [0, 1]);
  assert.deepEqual(parseRange("bytes=2-5", 10), [2, 6]);
  assert.deepEqual(parseRange("bytes=2-", 10), [2, 10]);
  assert.deepEqual(parseRange("bytes=9-", 10), [9, 10]);
  assert.deepEqual(parseRange("bytes=5-999", 10), [5, 10]);
  assert.deepEqual(parseRange("bytes=-3", 10), [7, 10]);
  assert.deepEqual(parseRange("bytes=-10", 10), [0, 10]);
  assert.deepEqual(parseRange("bytes=-11", 10), [0, 10]);
  assert.deepEqual(parseRange("  bytes=1-2\t", 10), [1, 3]);
  assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=10-20", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=6-5", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=0-", 0), "unsatisfiable");
  // an empty body has no last bytes either
  assert.equal(parseRange("bytes=-5", 0), "unsatisfiable");
  assert.equal(parseRange("bytes=-", 10), undefined);
  assert.equal(parseRange("bytes=", 10), undefined);
  assert.equal(parseRange("bytes=1-2,4-5", 10), undefined);
  assert.equal(parseRange("bytes=-1-2", 10), undefined);
  assert.equal(parseRange("bytes=1.5-2", 10), undefined);
  assert.equal(parseRange("pages=1-2", 10), undefined);
  assert.equal(parseRange("", 10), undefined);
});

Deno.test("contentType() names each container's MIME type", () => {
  assert.deepEqual(
    (["flac", "mp3", "m4a", "ogg", "ape"] as const).map(contentType),
    ["audio/flac", "audio/mpeg", "audio/mp4", "audio/ogg", "audio/ape"],
  );
});
