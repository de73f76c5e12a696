import assert from "node:assert/strict";
import { xorshift } from "../../emulation/_hash.ts";
import { COOKIE_NAME } from "../../emulation/kuwo/_constants.ts";
import { kuwoDesDecrypt } from "../../emulation/kuwo/_kuwo_des.ts";
import {
  expectedSecret,
  secretAccepted,
  secretKey,
  secretSeed,
} from "../../emulation/kuwo/_secret.ts";
import { kuwoDesEncrypt } from "../../sources/kuwo/_kuwo_des.ts";
import { secret } from "../../sources/kuwo/_secret.ts";

/** The page's KuwoDES vectors (§3): plaintext, Base64. */
const DES_VECTORS: ReadonlyArray<readonly [string, string, string]> = [
  ["the empty query (MBG)", "", "amNIiFPkHdE="],
  [
    "a convert_url2 query (U-KT)",
    "corp=kuwo&source=kwplayer_ar_5.1.0.0_B_jiakong_vh.apk&p2p=1&type=convert_url2&sig=0&format=mp3&rid=123456",
    "NI8S5evAnmHH4UXcuKKslDk4RFzONrTj1BvCoyMODMTUvpQlWnft3Eccd/NC9JdLFsVy/tvCgksRUHX6eSWQFEXV3zZS3yrqb2ASAUwCJKYLJ6ShYiU19qWNmoyxI7Y+nHiJEshlvqMdPf7smdueJQ==",
  ],
  [
    "a flac convert_url2 query (MBG)",
    "user=0&corp=kuwo&source=kwplayer_ar_5.1.0.0_B_jiakong_vh.apk&p2p=1&type=convert_url2&sig=0&format=flac&rid=41378936",
    "3HxQnWXTNdQ6RbicYxLOyHAu64fVpKoBz43BshH4RFaGBPBi+8dZdGuvz4Hu9TAfA75CH9prKR/wLP/IiYIvJoWxgCvU/gETNIqiGvqcuuscRcbgESVmpm7oNjCqzuWEy03cbXspfYklrL1vogqWKh92DoNQT7mV",
  ],
  [
    "a convert_url_with_sign query (U-RS)",
    "corp=kuwo&p2p=1&sig=0&notrace=0&priority=bitrate&network=WIFI&mode=down&source=kwplayerhd_ar_5.1.0.0_B_jiakong_vh.apk&type=convert_url_with_sign&br=128kmp3&format=mp3&rid=311875",
    "NI8S5evAnmGldi4g47EsqrT7al5u+JTiJ+heOUwqOwcqvgwFyTLvnshjX+I4drxiGXu1L30BOmfLz/L75rBYbwWyAlB/g5IpFLKP5pzBz7HwnFbScG9nzFH952pO6cIz1L6UJVp37dxHHHfzQvSXS7yoB84sKV/ka1id0JcxSGP/4zX/nWSPf7Y7KQRWCXwNvpWJklhTVX1gFtPEklRJ/6WNmoyxI7Y+MVFg5NTDzq7NO9EASknnzw==",
  ],
];

for (const [name, plain, base64] of DES_VECTORS) {
  Deno.test(`emulation kuwoDesDecrypt() reads the page's vector: ${name}`, () => {
    assert.equal(kuwoDesDecrypt(base64), plain);
  });
}

Deno.test("emulation kuwoDesDecrypt() accepts what the client's kuwoDesEncrypt() sends", () => {
  const next = xorshift(0x6b7764);
  const alphabet = "abcXYZ019=&_.-+/% 酷我音乐晴天🎵";
  for (let round = 0; round < 400; round++) {
    const length = next() % 160;
    let plain = "";
    for (let i = 0; i < length; i++) {
      plain += round % 2 === 0
        ? String.fromCharCode(0x20 + next() % 95)
        : [...alphabet][next() % [...alphabet].length];
    }
    assert.equal(kuwoDesDecrypt(kuwoDesEncrypt(plain)), plain, plain);
  }
});

Deno.test("emulation kuwoDesDecrypt() refuses what is not whole Base64 blocks", () => {
  const good = DES_VECTORS[3]![2]; // holds "+" and ends "=="
  for (
    const bad of [
      "",
      good.replaceAll("+", " "),
      good.slice(0, -4),
      good.slice(0, 12),
      `${good}====`,
      good.replace(/=*$/, "").slice(0, -1) + "*",
    ]
  ) {
    assert.throws(() => kuwoDesDecrypt(bad), SyntaxError, bad);
  }
});

Deno.test("emulation secretKey() derives o = 9253 and l = 23 for the current name", () => {
  assert.deepEqual(secretKey(COOKIE_NAME), {
    nameDigits:
      "721099573117118116959910098535052102525010250519910111457985054565354521185512155515310111911411350515052",
    multiplier: 9253,
    increment: 23,
  });
  const older = [
    ["Hm_Iuvt_cdb524f42f0ce19b169b8072123a4727", 60950, 20],
    ["Hm_Iuvt_cdb524f42f0cer9b268e4v7y735ewrq2324", 91455, 22],
  ] as const;
  for (const [name, multiplier, increment] of older) {
    const key = secretKey(name)!;
    assert.deepEqual([key.multiplier, key.increment], [multiplier, increment]);
  }
  assert.equal(secretKey(""), undefined);
  assert.equal(secretKey("\u0000"), undefined);
});

Deno.test("emulation secretSeed() folds to the page's table of seeds", () => {
  const key = secretKey(COOKIE_NAME)!;
  // the folded S by the nonce's digit count (§2.4), then n = (o·S + l) mod c
  const folded: Array<[number, number]> = [
    [7, 599102],
    [42, 59910099],
    [123, 59910098],
    [1234, 59910099],
    [12345, 599102],
    [123456, 59910099],
    [1234567, 59910099],
    [12345678, 59910100],
  ];
  for (const [nonce, s] of folded) {
    assert.equal(secretSeed(key, nonce), (9253 * s + 23) % 2147483647);
  }
  // the worked trace's first n
  assert.equal(secretSeed(key, 90108396), 297374397);
});

Deno.test("emulation expectedSecret() matches the page's vectors", () => {
  const key = secretKey(COOKIE_NAME)!;
  assert.equal(
    expectedSecret(key, "kEJfnZhZFYawERasipCTSZBdXDMZWFBj", 90108396),
    "4815c1c47f7d0071987cc1e60ee8d05e61bfb28364a0de6351c436c3d1c027e6055ef1ec",
  );
  assert.equal(
    expectedSecret(key, "0123456789abcdef0123456789abcdef", 12345678),
    "1361b99125125e1ce61cc1f328ded44b38fec3e403cfaa3031b91afbe5e200ea00bc614e",
  );
});

Deno.test("emulation secretAccepted() takes the client's secret() and nothing else", () => {
  const key = secretKey(COOKIE_NAME)!;
  const next = xorshift(0x5ec7e7);
  const alnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (let round = 0; round < 500; round++) {
    let value = "";
    for (let i = 0; i < 32; i++) value += alnum[next() % alnum.length];
    const nonce = next() % 100_000_000;
    const header = secret(value, COOKIE_NAME, nonce)!;
    assert.ok(secretAccepted(key, value, header), `${value} ${nonce}`);
    // one hex digit of the body changed, or another cookie's value: refused
    const i = next() % (header.length - 8);
    const flipped = header.slice(0, i) +
      (header[i] === "0" ? "1" : "0") + header.slice(i + 1);
    assert.ok(!secretAccepted(key, value, flipped), flipped);
    assert.ok(!secretAccepted(key, value.toLowerCase() + "x", header));
  }
  assert.ok(!secretAccepted(key, "abc", ""));
  assert.ok(!secretAccepted(key, "abc", "ABCDEF0000000000000001"));
});
