import assert from "node:assert/strict";
import {
  kuwoDesDecrypt,
  kuwoDesDecryptBytes,
  kuwoDesEncrypt,
  kuwoDesEncryptBytes,
} from "../../sources/kuwo/_kuwo_des.ts";

/** The page's four vectors (§3): plaintext, Base64. */
const VECTORS: ReadonlyArray<readonly [string, string, string]> = [
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

for (const [name, plain, base64] of VECTORS) {
  Deno.test(`kuwoDesEncrypt() matches the shared vector: ${name}`, () => {
    assert.equal(kuwoDesEncrypt(plain), base64);
  });
  Deno.test(`kuwoDesDecrypt() inverts the shared vector: ${name}`, () => {
    assert.equal(kuwoDesDecrypt(base64), plain);
  });
}

Deno.test("kuwoDesEncryptBytes() zero-pads and always adds a block", () => {
  const enc = new TextEncoder();
  assert.equal(kuwoDesEncryptBytes(enc.encode("")).length, 8);
  assert.equal(kuwoDesEncryptBytes(enc.encode("1234567")).length, 8);
  assert.equal(kuwoDesEncryptBytes(enc.encode("12345678")).length, 16);
  assert.equal(kuwoDesEncryptBytes(enc.encode("123456789")).length, 16);
  // a partial tail is zero-padded: "abc" encrypts as "abc\0\0\0\0\0"
  assert.deepEqual(
    kuwoDesEncryptBytes(enc.encode("abc")),
    kuwoDesEncryptBytes(Uint8Array.of(97, 98, 99, 0, 0, 0, 0, 0)).subarray(
      0,
      8,
    ),
  );
});

Deno.test("kuwoDesEncrypt() encrypts blocks independently", () => {
  // equal 8-byte-aligned prefixes give equal Base64 prefixes (§3)
  const a = kuwoDesEncrypt("corp=kuwo&source=aaaa");
  const b = kuwoDesEncrypt("corp=kuwo&source=bbbbbbbbbbbb");
  assert.equal(a.slice(0, 20), b.slice(0, 20));
  assert.notEqual(a, b);
});

Deno.test("kuwoDesDecrypt() strips trailing NULs and round-trips UTF-8", () => {
  for (
    const text of ["a", "rid=1&format=flac|mp3", "名字=晴天", "x".repeat(64)]
  ) {
    assert.equal(kuwoDesDecrypt(kuwoDesEncrypt(text)), text);
  }
  const bytes = kuwoDesDecryptBytes(
    kuwoDesEncryptBytes(new TextEncoder().encode("abc")),
  );
  assert.deepEqual([...bytes], [97, 98, 99, 0, 0, 0, 0, 0]);
});

Deno.test("kuwoDesDecrypt() throws a SyntaxError on invalid Base64", () => {
  assert.throws(() => kuwoDesDecrypt("not base64!"), SyntaxError);
});
