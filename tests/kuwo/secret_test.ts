import assert from "node:assert/strict";
import { COOKIE_NAME } from "../../sources/kuwo/_constants.ts";
import {
  drawNonce,
  foldSeed,
  secret,
  secretConstants,
  secretNonce,
} from "../../sources/kuwo/_secret.ts";

Deno.test("secret() matches the captured browser vector", () => {
  assert.equal(
    secret("kEJfnZhZFYawERasipCTSZBdXDMZWFBj", COOKIE_NAME, 90108396),
    "4815c1c47f7d0071987cc1e60ee8d05e61bfb28364a0de6351c436c3d1c027e6055ef1ec",
  );
});

Deno.test("secret() matches MBG's fixed vector", () => {
  assert.equal(
    secret("0123456789abcdef0123456789abcdef", COOKIE_NAME, 12345678),
    "1361b99125125e1ce61cc1f328ded44b38fec3e403cfaa3031b91afbe5e200ea00bc614e",
  );
});

Deno.test("secretConstants() derives o = 9253 and l = 23 for the current name", () => {
  const constants = secretConstants(COOKIE_NAME);
  assert.deepEqual(constants, {
    digits:
      "721099573117118116959910098535052102525010250519910111457985054565354521185512155515310111911411350515052",
    o: 9253,
    l: 23,
  });
});

Deno.test("secretConstants() matches the check values of older cookie names", () => {
  assert.deepEqual(
    pick(secretConstants("Hm_Iuvt_cdb524f42f0ce19b169b8072123a4727")),
    { o: 60950, l: 20 },
  );
  assert.deepEqual(
    pick(secretConstants("Hm_Iuvt_cdb524f42f0cer9b268e4v7y735ewrq2324")),
    { o: 91455, l: 22 },
  );
  assert.equal(secretConstants(""), undefined);
  // "A" → "65": step 0 reads position 0 five times → o = 66666
  assert.equal(secretConstants("A")?.o, 66666);
  // NUL → "0": o = parseInt("00000") = 0 < 2, the page gives up
  assert.equal(secretConstants("\u0000"), undefined);
});

Deno.test("foldSeed() folds with JavaScript number semantics to the page's table", () => {
  const { digits } = secretConstants(COOKIE_NAME)!;
  const table: Array<[number, string]> = [
    [7, "599102"],
    [42, "59910099"],
    [123, "59910098"],
    [1234, "59910099"],
    [12345, "599102"],
    [123456, "59910099"],
    [1234567, "59910099"],
    [12345678, "59910100"],
    [90108396, "59910100"],
  ];
  for (const [nonce, folded] of table) {
    assert.equal(foldSeed(digits, nonce), folded, `nonce ${nonce}`);
  }
});

Deno.test("secret() follows the page's worked trace", () => {
  // n before each character: 297374397, 678743657, 1172874416, 1372102980
  const header = secret(
    "kEJfnZhZFYawERasipCTSZBdXDMZWFBj",
    COOKIE_NAME,
    90108396,
  )!;
  assert.equal(header.slice(0, 8), "4815c1c4");
  assert.equal(header.slice(-8), "055ef1ec");
  assert.equal(header.length, 2 * 32 + 8);
  const n = [297374397, 678743657, 1172874416, 1372102980];
  assert.deepEqual(
    n.map((value) => Math.floor(value * 255 / 2147483647)),
    [35, 80, 139, 162],
  );
});

Deno.test("secret() pads short nonces to eight hex digits", () => {
  const header = secret("abcd", COOKIE_NAME, 7)!;
  assert.equal(header.slice(-8), "00000007");
  assert.equal(secretNonce(header), 7);
  assert.equal(header, secret("abcd", COOKIE_NAME, secretNonce(header)!));
});

Deno.test("secretNonce() rejects headers that are not hex of the right shape", () => {
  assert.equal(secretNonce(""), undefined);
  assert.equal(secretNonce("xyz00000007"), undefined);
  assert.equal(secretNonce("0000007"), undefined);
  assert.equal(secretNonce("ab00000007"), 7);
});

Deno.test("drawNonce() draws round(1e9 · random()) mod 1e8", () => {
  assert.equal(drawNonce(() => 0), 0);
  assert.equal(drawNonce(() => 0.090108396), 90108396);
  assert.equal(drawNonce(() => 0.999999999), 99999999);
  assert.equal(drawNonce(() => 0.5), 0);
});

function pick(constants: { o: number; l: number } | undefined) {
  return constants && { o: constants.o, l: constants.l };
}
