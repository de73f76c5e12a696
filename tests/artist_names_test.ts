import assert from "node:assert/strict";
import {
  matchKey,
  normalizeName,
  splitArtistNames,
} from "../sources/artist_names.ts";
import type { Platform } from "../sources/types.ts";

/** Real-looking singer strings per platform, and how they split. */
const TABLE: Array<[Platform, string, string[]]> = [
  // NetEase and QQ display several artists joined with "/"
  ["netease", "周杰伦/费玉清", ["周杰伦", "费玉清"]],
  ["netease", "Alan Walker/Sabrina Carpenter/Farruko", [
    "Alan Walker",
    "Sabrina Carpenter",
    "Farruko",
  ]],
  ["netease", "陈奕迅 feat. 王菲", ["陈奕迅", "王菲"]],
  ["netease", "Marshmello & Bastille", ["Marshmello", "Bastille"]],
  ["qq", "王菲、那英", ["王菲", "那英"]],
  ["qq", "Jay Chou / Gary Yang", ["Jay Chou", "Gary Yang"]],
  ["qq", "Charlie Puth (feat. Selena Gomez)", ["Charlie Puth", "Selena Gomez"]],
  ["qq", "Post Malone Ft. Swae Lee", ["Post Malone", "Swae Lee"]],
  ["qq", "A featuring B", ["A", "B"]],
  ["qq", "ＡＢ／ＣＤ", ["AB", "CD"]],
  // Kuwo joins with "&"
  ["kuwo", "周杰伦&费玉清", ["周杰伦", "费玉清"]],
  ["kuwo", "张学友&汤宝如&梅艳芳", ["张学友", "汤宝如", "梅艳芳"]],
  ["kuwo", "Beyond", ["Beyond"]],
  ["kuwo", "邓紫棋＆Tiësto", ["邓紫棋", "Tiësto"]],
  ["kuwo", "李荣浩;杨丞琳", ["李荣浩", "杨丞琳"]],
  ["kuwo", "  陈奕迅 & 陈奕迅 ", ["陈奕迅"]],
  // not separators
  ["qq", "Taft. Band", ["Taft. Band"]],
  ["netease", "Florence + the Machine", ["Florence + the Machine"]],
  ["kuwo", "", []],
];

Deno.test("splitArtistNames() splits real-looking singer strings per platform", async (t) => {
  for (const [platform, text, expected] of TABLE) {
    await t.step(`${platform}: ${JSON.stringify(text)}`, () => {
      assert.deepEqual(splitArtistNames(text, platform), expected);
    });
  }
});

Deno.test("normalizeName() applies NFKC, drops control characters and collapses whitespace", () => {
  assert.equal(normalizeName("  ＤＪ\tＭｉｋａ "), "DJ Mika");
  assert.equal(normalizeName("Cafe\u0301"), "Café");
  assert.equal(normalizeName("bell\u0007 ring\n"), "bell ring");
  assert.equal(normalizeName("Ⅱ"), "II");
});

Deno.test("matchKey() matches case and width variants, and only them", () => {
  assert.equal(matchKey("DJ Mika"), matchKey("ｄｊ　ｍｉｋａ"));
  assert.equal(matchKey("STUDIO STRINGS"), matchKey("Studio  Strings"));
  assert.notEqual(matchKey("DJ Mika"), matchKey("DJ Mikah"));
});
