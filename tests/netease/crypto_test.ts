import assert from "node:assert/strict";
import {
  decryptEapi,
  decryptLinuxapi,
  decryptWeapi,
  encryptEapiResponse,
  generateRsaKeyPair,
  Rejection,
  rsaDecrypt,
} from "../../emulation/netease/_crypto.ts";
import { NETEASE_RSA_KEY } from "../../sources/netease/_constants.ts";
import {
  aesEcbEncrypt,
  eapi,
  eapiDecryptResponse,
  eapiDigest,
  linuxapi,
  modPow,
  randomSecret,
  rsaEncryptSecret,
  toHex,
  utf8,
  weapi,
  weapiLayer1,
} from "../../sources/netease/_crypto.ts";

// protocols/netease.md §3.1
const RSA_PAIRS: Record<string, string> = {
  FFFFFFFFFFFFFFFF:
    "257348aecb5e556c066de214e531faadd1c55d814f9be95fd06d6bff9f4c7a41f831f6394d5a3fd2e3881736d94a02ca919d952872e7d0a50ebfa1769a7a62d512f5f1ca21aec60bc3819a9c3ffca5eca9a0dba6d6f7249b06f5965ecfff3695b54e1c28f3f624750ed39e7de08fc8493242e26dbc4484a01c76f739e135637c",
  "1QMLVDkXuLIq28hR":
    "8d4de59ff4bfbd2d805e0ef83670c2c3c27a4f87f5072c98db8550fd723a2f94d958b4ca8bd97a688c5bb1ff150d0f27f9ea79c46c64201b35746bea0b11b24acda60c9fa896c81bd718c67075ce725325caa2306b75641e4c387420cdd5cb6f79ff7a3e7aaf9fea4d8a713c2877cef52b204e02ed6fb9639bae34a4ec467fc0",
  vlgPRPyGhwA6F4Sq:
    "6ea19f618d09893013feb207e6953ab0d04831ccf86095147970745a825a0f3288ad0bfdb802ffd5876394599d179b65785e679b23ae38035d476872f5270c26f7e15f0e2de0da92ac7fdd1de6a965642a67707d3b204d48a3a3c66fe536c9e2056d2032c884d764cf419e8ce7bd245f56bde140deccbaed83995285ee66ccda",
};

const W1_TEXT = '{"c":"[{\\"id\\":347230}]","csrf_token":""}';
const E1_PATH = "/api/song/enhance/player/url/v1";
const E1_TEXT = '{"ids":"[347230]","level":"exhigh","encodeType":"flac"}';
const E1_PARAMS =
  "FA90B329E9614F79E79598F37DC2EDB487F00D1BC4C9B24CD57E6C318B9073569338432CD7D98D1A3626E997A2C53121C461EE0E88D3D1BF3F42E78643807A299C2FC721B3DDEEEAF7AD2C922A208A3D3AF14D08BA832D5BE8390E493266BD176D25E1071E51EEF3361F325C78CC9F57CC9F1305547C4177643CE9AB0125E062BFDED0FBD74E2640F973BEEDA4AADC516AA3B102FBE7296AB0DB9EA5C46AD12B";
const L1_TEXT =
  '{"method":"POST","url":"https://music.163.com/api/v3/playlist/detail","params":{"id":"3778678","n":100000,"s":8}}';
const L1_EPARAMS =
  "A0D9583F4C5FF68DE851D2893A49DE98FAFB24399F27B4F7E74C64B6FC49A965CFA972FA5EA3D6247CD6247C8198CB87193DFC37756896DF3666AE409ED93B3934F099F173733DD2A2271FA1255205590F0C81A96ED498E731DBF7B8C9D4A817131922803C7411E66615626146979EF7FC5965DED0B85514DD5B3281C0C36ECB";

Deno.test("weapi() matches the W1 vector", () => {
  assert.equal(
    weapiLayer1(W1_TEXT),
    "Nbi65EiDE75KjBjzk+Jw3MJh61gqHzA2s/a8qVqQmV1SCQd6iw7kzoElW3G1qSCR",
  );
  const body = weapi(W1_TEXT, { secret: "1QMLVDkXuLIq28hR" });
  assert.equal(
    body.params,
    "DXOKkc5sH8SYLFdQN/SFh++PSJkuInVPDZw1POWwcc+RABlOZsEJj0cZUsjLbvQkH/gNV64C87DeTHoGk/0gXGqzI/kKS4pdMaH4ucWqDVg=",
  );
  assert.equal(body.encSecKey, RSA_PAIRS["1QMLVDkXuLIq28hR"]);
});

Deno.test("weapi() matches the W1 vector from an object payload", () => {
  const body = weapi({ c: '[{"id":347230}]', csrf_token: "" }, {
    secret: "1QMLVDkXuLIq28hR",
  });
  assert.equal(
    body.params,
    "DXOKkc5sH8SYLFdQN/SFh++PSJkuInVPDZw1POWwcc+RABlOZsEJj0cZUsjLbvQkH/gNV64C87DeTHoGk/0gXGqzI/kKS4pdMaH4ucWqDVg=",
  );
});

Deno.test("weapi() matches the W2 vector", () => {
  const text = '{"csrf_token":""}';
  assert.equal(
    weapiLayer1(text),
    "eHhjXckqrtZkqcwCalCMx0QuU6Lj9L7Wxouw1iMCnB4=",
  );
  const body = weapi(text, { secret: "FFFFFFFFFFFFFFFF" });
  assert.equal(
    body.params,
    "JVuAEr2ZlmUJ9xO+Mk4lD9Ow39IpFtNiAVcHLFRQjNLfAy7urPEjL8+OHdmNoC7k",
  );
  assert.equal(body.encSecKey, RSA_PAIRS.FFFFFFFFFFFFFFFF);
});

Deno.test("weapi() matches the W3 vector (UTF-8 padding)", () => {
  const text =
    '{"cat":"华语","order":"hot","limit":35,"offset":0,"total":true,"csrf_token":""}';
  assert.equal(
    weapi(text, { secret: "FFFFFFFFFFFFFFFF" }).params,
    "7O3/JgW5fwTOgEuaxUAcM8iOVyHK7MHot23eRErFT+N9lE717EyP+C8hPVwDYKPWqq+f7aVxPHbKmRxGPyNgx4h9e5aLbXhLusTj6Giul5zyOiZiX9PhDdUC6dMw8qD093u8hSajIKuN+kFvCd5sboEpOlqtAaBHZnXDU6DvhrfEtij5S/m1DckZ+V/NVEbZ",
  );
});

for (const [secret, encSecKey] of Object.entries(RSA_PAIRS)) {
  Deno.test(`rsaEncryptSecret() matches the published pair for ${secret}`, () => {
    const out = rsaEncryptSecret(secret, NETEASE_RSA_KEY);
    assert.equal(out.length, 256);
    assert.equal(out, encSecKey);
  });
}

Deno.test("weapi() draws its secret from the injected randomness", () => {
  let n = 0;
  const random = () => (n++ % 62) / 62;
  assert.equal(randomSecret(random), "abcdefghijklmnop");
  n = 0;
  assert.deepEqual(
    weapi("{}", { random }),
    weapi("{}", { secret: "abcdefghijklmnop" }),
  );
  assert.throws(() => weapi("{}", { secret: "short" }), RangeError);
});

Deno.test("eapi() matches the E1 vector", () => {
  assert.equal(
    eapiDigest(E1_PATH, E1_TEXT),
    "f00d4837db2670725674a689c06f12f1",
  );
  assert.equal(eapi(E1_PATH, E1_TEXT), E1_PARAMS);
  assert.equal(
    eapi(E1_PATH, {
      ids: "[347230]",
      level: "exhigh",
      encodeType: "flac",
    }),
    E1_PARAMS,
  );
});

Deno.test("linuxapi() matches the L1 vector", () => {
  assert.equal(linuxapi(L1_TEXT), L1_EPARAMS);
});

Deno.test("eapiDecryptResponse() reads the R1 and R2 vectors", () => {
  const r1 = "DCC52B3013E9B66C038F8E027E580ECEF759A55871A34EF9F9D8B18DA6F4A0C9";
  assert.equal(
    toHex(
      aesEcbEncrypt(utf8("e82ckenh8dichen8"), utf8('{"code":200,"data":[]}')),
    ),
    r1,
  );
  assert.equal(eapiDecryptResponse(r1), '{"code":200,"data":[]}');
  assert.equal(
    eapiDecryptResponse(
      "FBA2DB80DF2669F1AA14818E569353A6449C107026655964AE09027556651C98E6DCE750F16E6478BC87B80E6D52B023",
    ),
    '{"code":200,"checkPoint":1714995361007}',
  );
  // raw bytes on the wire, as the emulation sends them for e_r
  assert.equal(
    eapiDecryptResponse(encryptEapiResponse('{"code":200,"data":[]}')),
    '{"code":200,"data":[]}',
  );
});

Deno.test("generateRsaKeyPair() is deterministic, 1024-bit, e = 65537", () => {
  const a = generateRsaKeyPair(7);
  const b = generateRsaKeyPair(7);
  const c = generateRsaKeyPair(8);
  assert.equal(a.n, b.n);
  assert.notEqual(a.n, c.n);
  assert.equal(a.n.toString(2).length, 1024);
  assert.equal(a.e, 65537n);
  assert.equal(a.p * a.q, a.n);
  const m = 0x1234567890abcdefn;
  assert.equal(rsaDecrypt(a, modPow(m, a.e, a.n)), m);
});

Deno.test("decryptWeapi() recovers the payload the client encrypted with the emulation's key", () => {
  const key = generateRsaKeyPair(3);
  const publicKey = { modulus: key.n.toString(16), exponent: "010001" };
  const text =
    '{"cat":"华语","order":"hot","limit":35,"offset":0,"total":true,"csrf_token":""}';
  const body = weapi(text, { secret: "FFFFFFFFFFFFFFFF", key: publicKey });
  assert.equal(body.encSecKey.length, 256);
  const plain = decryptWeapi(key, new URLSearchParams({ ...body }));
  assert.equal(plain.text, text);
  assert.equal(plain.payload.cat, "华语");
});

Deno.test("decryptWeapi() rejects NetEase's own key, missing fields and bad padding", () => {
  const key = generateRsaKeyPair(3);
  const publicKey = { modulus: key.n.toString(16), exponent: "010001" };
  // the W1 body is encrypted for NetEase's key, not this one
  const w1 = weapi(W1_TEXT, { secret: "1QMLVDkXuLIq28hR" });
  assert.throws(
    () => decryptWeapi(key, new URLSearchParams({ ...w1 })),
    Rejection,
  );
  const good = weapi("{}", { secret: "FFFFFFFFFFFFFFFF", key: publicKey });
  assert.throws(
    () => decryptWeapi(key, new URLSearchParams({ params: good.params })),
    /missing encSecKey/,
  );
  assert.throws(
    () => decryptWeapi(key, new URLSearchParams({ encSecKey: good.encSecKey })),
    /missing params/,
  );
  assert.throws(
    () =>
      decryptWeapi(
        key,
        new URLSearchParams({ ...good, encSecKey: `00${good.encSecKey}` }),
      ),
    /more than 256/,
  );
  assert.throws(
    () => decryptWeapi(key, new URLSearchParams({ ...good, encSecKey: "zz" })),
    /not hex/,
  );
  // a different secret under the same key: layer 2 padding breaks (or layer 1 does)
  const other = weapi("{}", { secret: "GGGGGGGGGGGGGGGG", key: publicKey });
  assert.throws(
    () =>
      decryptWeapi(
        key,
        new URLSearchParams({
          params: good.params,
          encSecKey: other.encSecKey,
        }),
      ),
    Rejection,
  );
  const notJson = weapi("not json", {
    secret: "FFFFFFFFFFFFFFFF",
    key: publicKey,
  });
  assert.throws(
    () => decryptWeapi(key, new URLSearchParams({ ...notJson })),
    /not JSON/,
  );
});

Deno.test("decryptEapi() reads E1 in either hex case and checks the digest", () => {
  for (const params of [E1_PARAMS, E1_PARAMS.toLowerCase()]) {
    const plain = decryptEapi(params);
    assert.equal(plain.path, E1_PATH);
    assert.equal(plain.text, E1_TEXT);
    assert.equal(plain.payload.level, "exhigh");
  }
  // same path and text, forged digest
  const forged = toHex(
    aesEcbEncrypt(
      utf8("e82ckenh8dichen8"),
      utf8(`${E1_PATH}-36cd479b6b5-${E1_TEXT}-36cd479b6b5-${"0".repeat(32)}`),
    ),
  );
  assert.throws(() => decryptEapi(forged), /digest mismatch/);
  assert.throws(() => decryptEapi("XYZ"), /not hex/);
  assert.throws(() => decryptEapi(E1_PARAMS.slice(0, -2)), Rejection);
});

Deno.test("decryptLinuxapi() reads the L1 vector", () => {
  const plain = decryptLinuxapi(L1_EPARAMS);
  assert.equal(plain.path, "/api/v3/playlist/detail");
  assert.deepEqual(plain.payload, { id: "3778678", n: 100000, s: 8 });
  assert.throws(
    () =>
      decryptLinuxapi(
        linuxapi({
          method: "POST",
          url: "https://evil.example/api/x",
          params: {},
        }),
      ),
    /cannot forward/,
  );
});
