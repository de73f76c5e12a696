/**
 * NetEase request encryption (protocols/netease.md §3): weapi (AES-CBC
 * twice, then textbook RSA of the reversed secret), eapi (MD5 digest, then
 * AES-128-ECB as hex), linuxapi (AES-128-ECB as hex), and the decryption of
 * eapi `e_r` responses. AES runs on `node:crypto`, RSA on BigInt. Padding is
 * PKCS#7 over UTF-8 bytes.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import {
  EAPI_KEY,
  EAPI_SEPARATOR,
  LINUXAPI_KEY,
  NETEASE_RSA_KEY,
  type RsaPublicKey,
  WEAPI_IV,
  WEAPI_PRESET_KEY,
  WEAPI_SECRET_ALPHABET,
  WEAPI_SECRET_LENGTH,
} from "./_constants.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8 bytes, throwing on invalid sequences. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** AES-128-CBC with PKCS#7 padding. */
export function aesCbcEncrypt(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  const cipher = createCipheriv("aes-128-cbc", key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** AES-128-ECB with PKCS#7 padding. */
export function aesEcbEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = createCipheriv("aes-128-ecb", key, null);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** AES-128-ECB decryption; throws on bad padding. */
export function aesEcbDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  const decipher = createDecipheriv("aes-128-ecb", key, null);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

/** Uppercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out.toUpperCase();
}

/** Bytes of a hex string (either case); throws on anything else. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new SyntaxError(`Cannot read '${hex.slice(0, 16)}…' as hex`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return out;
}

/** `base ** exponent mod modulus` by square-and-multiply. */
export function modPow(
  base: bigint,
  exponent: bigint,
  modulus: bigint,
): bigint {
  if (modulus === 1n) return 0n;
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

/** A big-endian unsigned integer from bytes. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return n;
}

/** A random weapi secret: 16 characters of the NCM alphabet. */
export function randomSecret(random: () => number = Math.random): string {
  let secret = "";
  for (let i = 0; i < WEAPI_SECRET_LENGTH; i++) {
    const index = Math.floor(random() * WEAPI_SECRET_ALPHABET.length);
    secret += WEAPI_SECRET_ALPHABET[
      Math.min(index, WEAPI_SECRET_ALPHABET.length - 1)
    ];
  }
  return secret;
}

/**
 * `encSecKey`: the secret reversed, read as a big-endian integer, raised to
 * the public exponent modulo the modulus (no padding), as lowercase hex
 * left-padded to twice the modulus' byte length (256 for 1024 bits).
 */
export function rsaEncryptSecret(
  secret: string,
  key: RsaPublicKey = NETEASE_RSA_KEY,
): string {
  const modulus = BigInt(`0x${key.modulus}`);
  const exponent = BigInt(`0x${key.exponent}`);
  const reversed = [...utf8(secret)].reverse();
  const m = bytesToBigInt(Uint8Array.from(reversed));
  const width = Math.ceil(modulus.toString(16).length / 2) * 2;
  return modPow(m, exponent, modulus).toString(16).padStart(width, "0");
}

/** Options of `weapi()`. */
export interface WeapiOptions {
  /** The 16-character secret; random when absent. */
  secret?: string;
  /** The RSA public key. @default NetEase's key */
  key?: RsaPublicKey;
  /** Randomness of the secret. @default Math.random */
  random?: () => number;
}

/** The two form fields of a weapi body. */
export interface WeapiBody {
  /** The text, AES-CBC encrypted twice, Base64. */
  params: string;
  /** The second layer's secret, RSA-encrypted, hex. */
  encSecKey: string;
}

/** The first weapi layer: Base64 AES-CBC under the preset key. */
export function weapiLayer1(text: string): string {
  return aesCbcEncrypt(utf8(WEAPI_PRESET_KEY), utf8(WEAPI_IV), utf8(text))
    .toBase64();
}

/**
 * Encrypts a weapi payload (an object, serialized with compact
 * `JSON.stringify`, or the exact text).
 */
export function weapi(
  payload: unknown,
  options: WeapiOptions = {},
): WeapiBody {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  const secret = options.secret ?? randomSecret(options.random);
  if (utf8(secret).length !== WEAPI_SECRET_LENGTH) {
    throw new RangeError(
      `Cannot use a weapi secret of ${
        utf8(secret).length
      } bytes: expected ${WEAPI_SECRET_LENGTH}`,
    );
  }
  const layer1 = weapiLayer1(text);
  const params = aesCbcEncrypt(utf8(secret), utf8(WEAPI_IV), utf8(layer1))
    .toBase64();
  return { params, encSecKey: rsaEncryptSecret(secret, options.key) };
}

/** The eapi digest: MD5 of `nobody<path>use<text>md5forencrypt`, lowercase hex. */
export function eapiDigest(path: string, text: string): string {
  return createHash("md5")
    .update(utf8(`nobody${path}use${text}md5forencrypt`))
    .digest("hex");
}

/**
 * Encrypts an eapi payload for an `/api/...` path: uppercase hex of
 * AES-128-ECB over `path-36cd479b6b5-text-36cd479b6b5-digest`.
 */
export function eapi(path: string, payload: unknown): string {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  const data = `${path}${EAPI_SEPARATOR}${text}${EAPI_SEPARATOR}${
    eapiDigest(path, text)
  }`;
  return toHex(aesEcbEncrypt(utf8(EAPI_KEY), utf8(data)));
}

/** Decrypts an eapi `e_r` response body (raw bytes, or hex text). */
export function eapiDecryptResponse(body: Uint8Array | string): string {
  const bytes = typeof body === "string" ? fromHex(body.trim()) : body;
  return fromUtf8(aesEcbDecrypt(utf8(EAPI_KEY), bytes));
}

/**
 * Encrypts a linuxapi request (`{method, url, params}` or its exact text)
 * into `eparams`: uppercase hex of AES-128-ECB.
 */
export function linuxapi(request: unknown): string {
  const text = typeof request === "string" ? request : JSON.stringify(request);
  return toHex(aesEcbEncrypt(utf8(LINUXAPI_KEY), utf8(text)));
}

/**
 * The RSA public key to encrypt weapi secrets with: the emulation's when
 * its configuration publishes one (`rsa: {modulus, exponent}`), NetEase's
 * own otherwise.
 */
export function rsaKeyFrom(
  emulation: Record<string, unknown> | undefined,
): RsaPublicKey {
  const rsa = emulation?.rsa;
  if (typeof rsa === "object" && rsa !== null) {
    const { modulus, exponent } = rsa as Record<string, unknown>;
    if (
      typeof modulus === "string" && /^[0-9a-fA-F]+$/.test(modulus) &&
      typeof exponent === "string" && /^[0-9a-fA-F]+$/.test(exponent)
    ) {
      return { modulus, exponent };
    }
  }
  return NETEASE_RSA_KEY;
}
