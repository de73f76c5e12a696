/**
 * The server side of NetEase's request encryption, written apart from the
 * client's so that a client bug cannot hide behind a shared helper: an RSA
 * key pair generated deterministically from the world's seed, and the
 * decryption of weapi, eapi and linuxapi bodies, rejecting what the service
 * rejects (protocols/netease.md §3, §14).
 *
 * @module
 */
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { xorshift } from "../_hash.ts";

const WEAPI_PRESET_KEY = "0CoJUm6Qyw8W8jud";
const WEAPI_IV = "0102030405060708";
const EAPI_KEY = "e82ckenh8dichen8";
const EAPI_SEPARATOR = "-36cd479b6b5-";
const LINUXAPI_KEY = "rFgB&h#%2?^eDg:Q";

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** An RSA key pair with its CRT parameters. */
export interface RsaKeyPair {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qInv: bigint;
  /** Size of the modulus in bits. */
  bits: number;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    e >>= 1n;
    b = (b * b) % modulus;
  }
  return result;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw new RangeError("Cannot invert: not coprime");
  return ((oldS % m) + m) % m;
}

const SMALL_PRIMES: number[] = (() => {
  const primes: number[] = [];
  for (let n = 3; primes.length < 300; n += 2) {
    if (primes.every((p) => n % p !== 0)) primes.push(n);
  }
  return primes;
})();

/** Miller–Rabin with fixed bases (enough for random candidates). */
function isProbablePrime(n: bigint): boolean {
  for (const p of SMALL_PRIMES) {
    if (n % BigInt(p) === 0n) return n === BigInt(p);
  }
  let d = n - 1n;
  let r = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    r++;
  }
  witness: for (const base of SMALL_PRIMES.slice(0, 24)) {
    let x = modPow(BigInt(base), d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < r; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue witness;
    }
    return false;
  }
  return true;
}

function randomPrime(bits: number, next: () => number, e: bigint): bigint {
  for (;;) {
    let candidate = 0n;
    for (let i = 0; i < bits / 32; i++) {
      candidate = (candidate << 32n) | BigInt(next());
    }
    // top two bits set (so p*q has exactly 2*bits bits), odd
    candidate |= (3n << BigInt(bits - 2)) | 1n;
    for (let step = 0n; step < 2000n; step += 2n) {
      const p = candidate + step;
      if (p % e !== 1n && isProbablePrime(p)) return p;
    }
  }
}

/**
 * A deterministic RSA key pair of `bits` bits with e = 65537, from a seed:
 * the same world always publishes the same key.
 */
export function generateRsaKeyPair(seed: number, bits = 1024): RsaKeyPair {
  const next = xorshift((seed ^ 0x52534131) >>> 0);
  const e = 65537n;
  for (;;) {
    const p = randomPrime(bits / 2, next, e);
    const q = randomPrime(bits / 2, next, e);
    if (p === q) continue;
    const n = p * q;
    const d = modInverse(e, (p - 1n) * (q - 1n));
    return {
      n,
      e,
      d,
      p,
      q,
      dp: d % (p - 1n),
      dq: d % (q - 1n),
      qInv: modInverse(q, p),
      bits,
    };
  }
}

/** `c^d mod n` by the Chinese remainder theorem. */
export function rsaDecrypt(key: RsaKeyPair, c: bigint): bigint {
  const m1 = modPow(c % key.p, key.dp, key.p);
  const m2 = modPow(c % key.q, key.dq, key.q);
  const h = (key.qInv * ((m1 - m2 + key.p) % key.p)) % key.p;
  return m2 + h * key.q;
}

/** A request body the service refuses, and why. */
export class Rejection extends Error {
  override readonly name = "Rejection";
}

function reject(reason: string): never {
  throw new Rejection(reason);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function aesDecrypt(
  algorithm: "aes-128-cbc" | "aes-128-ecb",
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
  what: string,
): Uint8Array {
  if (data.length === 0 || data.length % 16 !== 0) {
    reject(`${what}: ${data.length} bytes is not a whole number of AES blocks`);
  }
  try {
    const decipher = createDecipheriv(algorithm, key, iv);
    return concat(decipher.update(data), decipher.final());
  } catch {
    return reject(`${what}: bad PKCS#7 padding`);
  }
}

function decodeBase64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    reject(`${what}: not standard Base64`);
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function decodeHex(text: string, what: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(text)) {
    reject(`${what}: not hex`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return reject(`${what}: not UTF-8`);
  }
}

function jsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return reject(`${what}: not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return reject(`${what}: not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** The 16-byte AES secret an `encSecKey` carries. */
export function secretFromEncSecKey(
  key: RsaKeyPair,
  encSecKey: string,
): Uint8Array {
  const width = Math.ceil(key.bits / 8) * 2;
  if (!/^[0-9a-fA-F]+$/.test(encSecKey)) reject("encSecKey: not hex");
  if (encSecKey.length > width) {
    reject(`encSecKey: ${encSecKey.length} hex digits, more than ${width}`);
  }
  const c = BigInt(`0x${encSecKey}`);
  if (c >= key.n) reject("encSecKey: not below the modulus");
  const m = rsaDecrypt(key, c);
  if (m >= 1n << 128n) reject("encSecKey: does not hold a 16-byte key");
  const bytes = new Uint8Array(16);
  let rest = m;
  for (let i = 15; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  // the client encrypted the reversed secret
  return bytes.reverse();
}

/** What a weapi body decrypts to. */
export interface WeapiPlain {
  text: string;
  payload: Record<string, unknown>;
}

/**
 * Decrypts a weapi body as the service does: RSA for the secret, AES layer
 * 2 with it, AES layer 1 with the preset key, then JSON.
 */
export function decryptWeapi(
  key: RsaKeyPair,
  form: URLSearchParams,
): WeapiPlain {
  const params = form.get("params");
  const encSecKey = form.get("encSecKey");
  if (!params) reject("missing params");
  if (!encSecKey) reject("missing encSecKey");
  const secret = secretFromEncSecKey(key, encSecKey);
  const layer2 = aesDecrypt(
    "aes-128-cbc",
    secret,
    encoder.encode(WEAPI_IV),
    decodeBase64(params, "params"),
    "params (layer 2)",
  );
  const layer1 = aesDecrypt(
    "aes-128-cbc",
    encoder.encode(WEAPI_PRESET_KEY),
    encoder.encode(WEAPI_IV),
    decodeBase64(utf8(layer2, "params (layer 2)"), "params (layer 1)"),
    "params (layer 1)",
  );
  const text = utf8(layer1, "params (layer 1)");
  return { text, payload: jsonObject(text, "params") };
}

/** What an eapi body decrypts to. */
export interface EapiPlain {
  /** The signed `/api/...` path. */
  path: string;
  text: string;
  payload: Record<string, unknown>;
}

/**
 * Decrypts an eapi `params` (hex, either case; a leading `params=` and
 * trailing `%0…` padding are stripped as UNM does), checks the MD5 digest
 * over path and text, parses the text.
 */
export function decryptEapi(params: string): EapiPlain {
  const hex = params.replace(/^e?params=/, "").replace(/%0.*$/, "");
  const plain = utf8(
    aesDecrypt(
      "aes-128-ecb",
      encoder.encode(EAPI_KEY),
      null,
      decodeHex(hex, "params"),
      "params",
    ),
    "params",
  );
  const first = plain.indexOf(EAPI_SEPARATOR);
  const last = plain.lastIndexOf(EAPI_SEPARATOR);
  if (first < 0 || last === first) reject("params: not path, text and digest");
  const path = plain.slice(0, first);
  const text = plain.slice(first + EAPI_SEPARATOR.length, last);
  const digest = plain.slice(last + EAPI_SEPARATOR.length);
  const expected = createHash("md5")
    .update(encoder.encode(`nobody${path}use${text}md5forencrypt`))
    .digest("hex");
  if (digest.toLowerCase() !== expected) reject("params: digest mismatch");
  if (!path.startsWith("/api/")) reject(`params: path '${path}' is not /api/`);
  return { path, text, payload: jsonObject(text, "params") };
}

/** What a linuxapi body decrypts to. */
export interface LinuxPlain {
  /** The `/api/...` path of the forwarded URL. */
  path: string;
  payload: Record<string, unknown>;
}

/** Decrypts linuxapi `eparams` (`{method, url, params}`). */
export function decryptLinuxapi(eparams: string): LinuxPlain {
  const text = utf8(
    aesDecrypt(
      "aes-128-ecb",
      encoder.encode(LINUXAPI_KEY),
      null,
      decodeHex(eparams, "eparams"),
      "eparams",
    ),
    "eparams",
  );
  const request = jsonObject(text, "eparams");
  if (typeof request.url !== "string") reject("eparams: no url");
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return reject("eparams: url is not a URL");
  }
  if (url.host !== "music.163.com" || !url.pathname.startsWith("/api/")) {
    reject(`eparams: cannot forward to ${url.host}${url.pathname}`);
  }
  const params = request.params ?? {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    reject("eparams: params is not an object");
  }
  return { path: url.pathname, payload: params as Record<string, unknown> };
}

/** Encrypts an answer for `e_r: true`: raw AES-128-ECB bytes of the JSON. */
export function encryptEapiResponse(text: string): Uint8Array<ArrayBuffer> {
  const cipher = createCipheriv("aes-128-ecb", encoder.encode(EAPI_KEY), null);
  return concat(cipher.update(encoder.encode(text)), cipher.final());
}
