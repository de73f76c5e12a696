import assert from "node:assert/strict";
import { gTk, zzcParts, zzcSign } from "../../sources/qq/_sign.ts";
import { expectedSign, keyHash } from "../../emulation/qq/_sign.ts";

/** The shared vectors (protocol page §2.1, from qmweb-sign's tests). */
const ZZC_VECTORS: Array<[string, string]> = [
  ["123", "zzcec1b555gzqzg7laztguyjl2bu20r6x1w50c55f60"],
  ["hello world", "zzcfb3415bc4nfoxmd9uik71mkomtubjfjp141a1cbbcc"],
];

/** The page's `g_tk` table (§1.5). */
const G_TK_TABLE: Array<[string, number]> = [
  ["", 5381],
  ["Q_H_L_abc", 58359149],
  ["Q_H_L_5xYzExampleMusicKey0123456789abcdefABCDEF", 409173652],
];

Deno.test("zzcSign() matches the shared vectors", () => {
  for (const [body, sign] of ZZC_VECTORS) assert.equal(zzcSign(body), sign);
});

Deno.test("zzcParts() matches the worked example's intermediate values", () => {
  const parts = zzcParts("123");
  assert.equal(parts.hash, "40BD001563085FC35165329EA1FF5C5ECBDBBEEF");
  assert.equal(parts.part1, "EC1B555");
  assert.equal(parts.part2, "50C55F60");
  assert.equal(parts.part3, "199ab383b95a653fe05188e5d9bfaedb447ac75c");
  assert.equal(parts.base64, "GZqzg7laZT/gUYjl2b+u20R6x1w=");
  assert.ok(parts.sign.includes("GZqzg7laZTgUYjl2bu20R6x1w".toLowerCase()));
});

Deno.test("zzcSign() keeps part1 on every call (no one-shot iterator)", () => {
  const first = zzcSign("123");
  assert.equal(zzcSign("hello world"), ZZC_VECTORS[1]![1]);
  assert.equal(zzcSign("123"), first);
});

Deno.test("zzcSign() signs UTF-8 bytes of non-ASCII bodies", () => {
  const body = JSON.stringify({ name: "周杰伦" });
  assert.equal(zzcSign(body), expectedSign(body));
  assert.notEqual(zzcSign(body), zzcSign(body + " "));
});

Deno.test("gTk() matches the page's table", () => {
  for (const [key, value] of G_TK_TABLE) assert.equal(gTk(key), value);
});

Deno.test("the emulation's own zzc and g_tk match the shared vectors", () => {
  for (const [body, sign] of ZZC_VECTORS) {
    assert.equal(expectedSign(body), sign);
  }
  for (const [key, value] of G_TK_TABLE) assert.equal(keyHash(key), value);
});
