import assert from "node:assert/strict";
import { join } from "node:path";
import {
  cutUtf8,
  fileName,
  foldKey,
  MAX_NAME_BYTES,
  resolveInside,
  sanitizeComponent,
  songLocator,
  utf8Length,
} from "../storage/names.ts";

const song = (title: string, artistNames: string, remoteId = "42") => ({
  platform: "netease",
  remoteId,
  title,
  artistNames,
});

Deno.test("sanitizeComponent() makes hostile names harmless", async (t) => {
  const cases: Array<[string, string]> = [
    ["../../etc/passwd", "_.._etc_passwd"],
    ["..", "_"],
    [".", "_"],
    ["/", "_"],
    ["\\\\server\\share", "__server_share"],
    ["C:\\Windows", "C__Windows"],
    ['a<b>c:d"e|f?g*h', "a_b_c_d_e_f_g_h"],
    ["nul\u0000byte", "nulbyte"],
    ["line\nbreak\r\ttab", "line break tab"],
    ["\u001b[31mred\u001b[0m", "[31mred[0m"],
    ["evil\u202egpj.exe", "evilgpj.exe"],
    ["\u2066isolate\u2069", "isolate"],
    ["zero\u200bwidth", "zerowidth"],
    ["  spaced   out  ", "spaced out"],
    ["trailing dots...", "trailing dots"],
    [".hidden", "hidden"],
    ["CON", "_CON"],
    ["con.txt", "_con.txt"],
    ["Com1", "_Com1"],
    ["LPT9.mp3", "_LPT9.mp3"],
    ["NUL ", "_NUL"],
    ["CONSOLE", "CONSOLE"],
    ["e\u0301", "\u00e9"],
    ["", "_"],
    ["عربي", "عربي"],
    ["שלום", "שלום"],
    ["周杰伦", "周杰伦"],
  ];
  for (const [input, expected] of cases) {
    await t.step(JSON.stringify(input), () => {
      assert.equal(sanitizeComponent(input), expected);
    });
  }
});

Deno.test("cutUtf8() bounds bytes on a character boundary", () => {
  assert.equal(cutUtf8("abc", 10), "abc");
  assert.equal(cutUtf8("晴天晴天", 7), "晴天");
  assert.equal(utf8Length(cutUtf8("🎵".repeat(10), 9)), 8);
  // an emoji ZWJ sequence (25 bytes) is kept whole or dropped whole
  const family = "👨‍👩‍👧‍👦";
  assert.equal(cutUtf8(`a${family}`, 20), "a");
  assert.equal(cutUtf8(`a${family}`, 26), `a${family}`);
  // a letter keeps its accent
  assert.equal(cutUtf8("ae\u0301", 2), "a");
});

Deno.test("songLocator() builds <platform>/<artist> - <title> [<id>].<ext>, bounded and sanitized", () => {
  assert.equal(
    songLocator(song("晴天", "周杰伦"), "flac"),
    "netease/周杰伦 - 晴天 [42].flac",
  );
  assert.equal(
    songLocator(song("Song", "Artist"), "MP3", 2),
    "netease/Artist - Song [42] (2).mp3",
  );
  assert.equal(
    songLocator(song("", ""), "m4a"),
    "netease/Unknown [42].m4a",
  );
  assert.equal(
    songLocator(song("Title", ""), "exe/../../x"),
    "netease/Title [42].bin",
  );
  assert.equal(
    songLocator(song("x", "y", "../../etc"), "mp3"),
    "netease/y - x [_.._etc].mp3",
  );
  assert.equal(
    songLocator(song("NUL", "CON"), "mp3"),
    "netease/CON - NUL [42].mp3",
  );
  assert.equal(
    songLocator(song("/", "/"), "mp3"),
    "netease/_ - _ [42].mp3",
  );
  assert.equal(
    songLocator(song("con.x", ""), "mp3"),
    "netease/_con.x [42].mp3",
    "a device name before the first dot",
  );
  for (
    const title of [
      "x".repeat(300),
      "晴".repeat(300),
      "🎵".repeat(300),
      "👨‍👩‍👧‍👦".repeat(40),
      `${"a".repeat(250)}...   `,
    ]
  ) {
    const locator = songLocator(song(title, "周杰伦"), "flac");
    const name = locator.split("/")[1]!;
    assert.ok(utf8Length(name) <= MAX_NAME_BYTES, `${utf8Length(name)} bytes`);
    assert.ok(name.endsWith(" [42].flac"), name);
    assert.ok(
      !/[\s.] \[42\]/.test(name),
      "no trailing dot or space before the id",
    );
  }
  const longId = songLocator(song("t", "a", "9".repeat(500)), "mp3");
  assert.ok(utf8Length(longId.split("/")[1]!) <= MAX_NAME_BYTES);
  assert.notEqual(
    longId,
    songLocator(song("t", "a", `${"9".repeat(499)}8`), "mp3"),
    "long ids stay distinct",
  );
});

Deno.test("foldKey() makes names that differ only in case or normalization clash", () => {
  assert.equal(foldKey("Song [aB1].flac"), foldKey("SONG [Ab1].FLAC"));
  assert.equal(foldKey("caf\u00e9"), foldKey("CAFE\u0301"));
  assert.notEqual(foldKey("a [1]"), foldKey("a [2]"));
});

Deno.test("resolveInside() keeps every path inside its root", () => {
  const root = "/library";
  assert.equal(
    resolveInside(root, "netease/a - b [1].flac"),
    join(root, "netease", "a - b [1].flac"),
  );
  for (
    const bad of [
      "",
      "../etc/passwd",
      "netease/../../etc/passwd",
      "/etc/passwd",
      "netease//x",
      "./x",
      "a\\b",
      "a\u0000b",
      "C:/Windows",
      "..",
    ]
  ) {
    assert.throws(() => resolveInside(root, bad), RangeError, bad);
  }
  // whatever the metadata, a locator built by songLocator() resolves inside
  for (
    const [title, artist, id] of [
      ["../../etc/passwd", "..", "../.."],
      ["/", "/", "/"],
      ["\\", "\\", "\\"],
      ["\u0000", "\u0000", "\u0000"],
      ["..", "..", ".."],
    ]
  ) {
    const path = resolveInside(
      root,
      songLocator(song(title!, artist!, id), "mp3"),
    );
    assert.ok(path.startsWith(`${root}/netease/`), path);
  }
});

Deno.test("fileName() sanitizes playlist names and keeps the extension", () => {
  assert.equal(
    fileName("qq - 热歌榜 [chart:26]", "m3u8"),
    "qq - 热歌榜 [chart_26].m3u8",
  );
  assert.equal(fileName("../..", "m3u8"), "_.m3u8");
  assert.equal(fileName("CON", "m3u8"), "_CON.m3u8");
  assert.ok(utf8Length(fileName("晴".repeat(200), "m3u8")) <= MAX_NAME_BYTES);
  const long = fileName(`qq - ${"x".repeat(300)}`, "m3u8", " [123]");
  assert.ok(long.endsWith("x [123].m3u8"), "the id survives the cut");
  assert.equal(utf8Length(long), MAX_NAME_BYTES);
  assert.equal(fileName("CON", "m3u8", ""), "_CON.m3u8");
  assert.equal(fileName("a", "m3u8", " [x/1]"), "a [x_1].m3u8");
});
