/**
 * KuwoDES: the Android client's home-made DES variant that encrypts the
 * `q` query of `mobi.s` (§3). Not standard DES: its own expansion and
 * S-box indexing, a key schedule that is not a clean rotation, zero
 * padding with an always-present final block, little-endian blocks. The
 * tables are the page's. 64-bit values are BigInts.
 *
 * @module
 */
import { DES_KEY } from "./_constants.ts";

// deno-fmt-ignore
const IP = [
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
  61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
  56, 48, 40, 32, 24, 16, 8, 0, 58, 50, 42, 34, 26, 18, 10, 2,
  60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6,
];

// deno-fmt-ignore
const FP = [
  39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30,
  37, 5, 45, 13, 53, 21, 61, 29, 36, 4, 44, 12, 52, 20, 60, 28,
  35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26,
  33, 1, 41, 9, 49, 17, 57, 25, 32, 0, 40, 8, 48, 16, 56, 24,
];

// the last group ends `31 30`, not the standard `31 0` (§3)
// deno-fmt-ignore
const E = [
  31, 0, 1, 2, 3, 4, -1, -1, 3, 4, 5, 6, 7, 8, -1, -1,
  7, 8, 9, 10, 11, 12, -1, -1, 11, 12, 13, 14, 15, 16, -1, -1,
  15, 16, 17, 18, 19, 20, -1, -1, 19, 20, 21, 22, 23, 24, -1, -1,
  23, 24, 25, 26, 27, 28, -1, -1, 27, 28, 29, 30, 31, 30, -1, -1,
];

// deno-fmt-ignore
const P = [
  15, 6, 19, 20, 28, 11, 27, 16, 0, 14, 22, 25, 4, 17, 30, 9,
  1, 7, 23, 13, 31, 26, 2, 8, 18, 12, 29, 5, 21, 10, 3, 24,
];

// deno-fmt-ignore
const PC1 = [
  56, 48, 40, 32, 24, 16, 8, 0, 57, 49, 41, 33, 25, 17, 9, 1,
  58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 62, 54, 46, 38,
  30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 60, 52, 44, 36,
  28, 20, 12, 4, 27, 19, 11, 3,
];

// deno-fmt-ignore
const PC2 = [
  13, 16, 10, 23, 0, 4, -1, -1, 2, 27, 14, 5, 20, 9, -1, -1,
  22, 18, 11, 3, 25, 7, -1, -1, 15, 6, 26, 19, 12, 1, -1, -1,
  40, 51, 30, 36, 46, 54, -1, -1, 29, 39, 50, 44, 32, 47, -1, -1,
  43, 48, 38, 55, 33, 52, -1, -1, 45, 41, 49, 35, 28, 31, -1, -1,
];

const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const SHIFT_MASKS: Record<number, bigint> = { 1: 0x100001n, 2: 0x300003n };

// indexed directly by the 6-bit byte value, not by DES row/column (§3)
// deno-fmt-ignore
const S_BOXES: readonly (readonly number[])[] = [
  [
    14, 4, 3, 15, 2, 13, 5, 3, 13, 14, 6, 9, 11, 2, 0, 5,
    4, 1, 10, 12, 15, 6, 9, 10, 1, 8, 12, 7, 8, 11, 7, 0,
    0, 15, 10, 5, 14, 4, 9, 10, 7, 8, 12, 3, 13, 1, 3, 6,
    15, 12, 6, 11, 2, 9, 5, 0, 4, 2, 11, 14, 1, 7, 8, 13,
  ],
  [
    15, 0, 9, 5, 6, 10, 12, 9, 8, 7, 2, 12, 3, 13, 5, 2,
    1, 14, 7, 8, 11, 4, 0, 3, 14, 11, 13, 6, 4, 1, 10, 15,
    3, 13, 12, 11, 15, 3, 6, 0, 4, 10, 1, 7, 8, 4, 11, 14,
    13, 8, 0, 6, 2, 15, 9, 5, 7, 1, 10, 12, 14, 2, 5, 9,
  ],
  [
    10, 13, 1, 11, 6, 8, 11, 5, 9, 4, 12, 2, 15, 3, 2, 14,
    0, 6, 13, 1, 3, 15, 4, 10, 14, 9, 7, 12, 5, 0, 8, 7,
    13, 1, 2, 4, 3, 6, 12, 11, 0, 13, 5, 14, 6, 8, 15, 2,
    7, 10, 8, 15, 4, 9, 11, 5, 9, 0, 14, 3, 10, 7, 1, 12,
  ],
  [
    7, 10, 1, 15, 0, 12, 11, 5, 14, 9, 8, 3, 9, 7, 4, 8,
    13, 6, 2, 1, 6, 11, 12, 2, 3, 0, 5, 14, 10, 13, 15, 4,
    13, 3, 4, 9, 6, 10, 1, 12, 11, 0, 2, 5, 0, 13, 14, 2,
    8, 15, 7, 4, 15, 1, 10, 7, 5, 6, 12, 11, 3, 8, 9, 14,
  ],
  [
    2, 4, 8, 15, 7, 10, 13, 6, 4, 1, 3, 12, 11, 7, 14, 0,
    12, 2, 5, 9, 10, 13, 0, 3, 1, 11, 15, 5, 6, 8, 9, 14,
    14, 11, 5, 6, 4, 1, 3, 10, 2, 12, 15, 0, 13, 2, 8, 5,
    11, 8, 0, 15, 7, 14, 9, 4, 12, 7, 10, 9, 1, 13, 6, 3,
  ],
  [
    12, 9, 0, 7, 9, 2, 14, 1, 10, 15, 3, 4, 6, 12, 5, 11,
    1, 14, 13, 0, 2, 8, 7, 13, 15, 5, 4, 10, 8, 3, 11, 6,
    10, 4, 6, 11, 7, 9, 0, 6, 4, 2, 13, 1, 9, 15, 3, 8,
    15, 3, 1, 14, 12, 5, 11, 0, 2, 12, 14, 7, 5, 10, 8, 13,
  ],
  [
    4, 1, 3, 10, 15, 12, 5, 0, 2, 11, 9, 6, 8, 7, 6, 9,
    11, 4, 12, 15, 0, 3, 10, 5, 14, 13, 7, 8, 13, 14, 1, 2,
    13, 6, 14, 9, 4, 1, 2, 14, 11, 13, 5, 0, 1, 10, 8, 3,
    0, 11, 3, 5, 9, 4, 15, 2, 7, 8, 12, 15, 10, 7, 6, 12,
  ],
  [
    13, 7, 10, 0, 6, 9, 5, 15, 8, 4, 3, 10, 11, 14, 12, 5,
    2, 11, 9, 6, 15, 12, 0, 3, 4, 1, 14, 13, 1, 2, 7, 8,
    1, 2, 12, 15, 10, 4, 0, 3, 13, 14, 6, 9, 7, 8, 9, 6,
    15, 1, 5, 12, 3, 10, 14, 5, 8, 7, 11, 0, 4, 13, 2, 11,
  ],
];

const LOW32 = 0xffff_ffffn;
const BITS = Array.from({ length: 64 }, (_, i) => 1n << BigInt(i));

/** Bit `i` of the result is bit `table[i]` of `x`; `-1` gives 0 (§3). */
function permute(table: readonly number[], x: bigint): bigint {
  let y = 0n;
  for (let i = 0; i < table.length; i++) {
    const from = table[i]!;
    if (from >= 0 && (x & BITS[from]!) !== 0n) y |= BITS[i]!;
  }
  return y;
}

/** The sixteen subkeys of a key, in encryption order. */
function subkeys(key: bigint): bigint[] {
  let c = permute(PC1, key);
  const keys: bigint[] = [];
  for (const shift of SHIFTS) {
    const mask = SHIFT_MASKS[shift]!;
    // unsigned 64-bit, exactly as every implementation does it (§3)
    c = BigInt.asUintN(
      64,
      ((c & mask) << BigInt(28 - shift)) | ((c & ~mask) >> BigInt(shift)),
    );
    keys.push(permute(PC2, c));
  }
  return keys;
}

/** One 64-bit block through the sixteen rounds. */
function cryptBlock(keys: readonly bigint[], block: bigint): bigint {
  const x = permute(IP, block);
  let left = x & LOW32;
  let right = x >> 32n;
  for (const key of keys) {
    const expanded = permute(E, right) ^ key;
    let f = 0n;
    for (let j = 7; j >= 0; j--) {
      const index = Number((expanded >> BigInt(8 * j)) & 0xffn);
      f = (f << 4n) | BigInt(S_BOXES[j]![index]!);
    }
    const next = left ^ permute(P, f);
    left = right;
    right = next;
  }
  return permute(FP, (left << 32n) | right);
}

function keyOf(text: string): bigint {
  return readBlock(new TextEncoder().encode(text), 0);
}

function readBlock(bytes: Uint8Array, offset: number): bigint {
  let x = 0n;
  for (let i = 7; i >= 0; i--) {
    x = (x << 8n) | BigInt(bytes[offset + i] ?? 0);
  }
  return x;
}

function writeBlock(out: Uint8Array, offset: number, x: bigint): void {
  for (let i = 0; i < 8; i++) {
    out[offset + i] = Number((x >> BigInt(8 * i)) & 0xffn);
  }
}

const ENCRYPT_KEYS = new Map<string, bigint[]>();
const DECRYPT_KEYS = new Map<string, bigint[]>();

function keysFor(key: string, decrypt: boolean): bigint[] {
  const cache = decrypt ? DECRYPT_KEYS : ENCRYPT_KEYS;
  let keys = cache.get(key);
  if (!keys) {
    keys = subkeys(keyOf(key));
    if (decrypt) keys.reverse();
    cache.set(key, keys);
  }
  return keys;
}

/**
 * Runs `blocks` little-endian blocks of `input` through the cipher; a block
 * past the end of `input` reads as zeros (the zero padding).
 */
function cryptBlocks(
  keys: bigint[],
  input: Uint8Array,
  blocks: number,
): Uint8Array {
  const out = new Uint8Array(blocks * 8);
  for (let b = 0; b < blocks; b++) {
    writeBlock(out, b * 8, cryptBlock(keys, readBlock(input, b * 8)));
  }
  return out;
}

/**
 * Encrypts bytes: zero-padded little-endian blocks, and always one block
 * more than `floor(len / 8)` (a multiple of 8, even 0, gets an all-zero
 * block).
 */
export function kuwoDesEncryptBytes(
  plain: Uint8Array,
  key: string = DES_KEY,
): Uint8Array {
  return cryptBlocks(
    keysFor(key, false),
    plain,
    Math.floor(plain.length / 8) + 1,
  );
}

/** Decrypts whole blocks (a partial tail block is ignored). */
export function kuwoDesDecryptBytes(
  cipher: Uint8Array,
  key: string = DES_KEY,
): Uint8Array {
  return cryptBlocks(keysFor(key, true), cipher, Math.floor(cipher.length / 8));
}

/** Encrypts a query as `mobi.s` wants it in `q`: UTF-8, KuwoDES, standard Base64. */
export function kuwoDesEncrypt(text: string, key: string = DES_KEY): string {
  return kuwoDesEncryptBytes(new TextEncoder().encode(text), key).toBase64();
}

/**
 * Decrypts a `q` value back to its query, trailing NUL bytes stripped (as
 * the server does); throws a `SyntaxError` on invalid Base64.
 */
export function kuwoDesDecrypt(base64: string, key: string = DES_KEY): string {
  const bytes = kuwoDesDecryptBytes(fromBase64(base64), key);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

function fromBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch (cause) {
    throw new SyntaxError(`Cannot decode Base64 '${text.slice(0, 40)}'`, {
      cause,
    });
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
