/**
 * The server side of KuwoDES, the `q` of `mobi.s` (protocols/kuwo.md §3),
 * written from the page's tables and apart from the client's code, so that
 * a client bug cannot hide behind a shared helper. It only decrypts.
 *
 * A 64-bit block is held here as an array of its 64 bits (bit `i` of the
 * little-endian integer at index `i`), so every table of the page reads as
 * it is written: bit `i` of `T(x)` is bit `T[i]` of `x`, `-1` a zero.
 *
 * @module
 */
import { KUWO_DES_KEY } from "./_constants.ts";

type Bits = Uint8Array;

const table = (text: string): readonly number[] =>
  text.trim().split(/\s+/).map(Number);

const IP = table(`
  57 49 41 33 25 17 9 1 59 51 43 35 27 19 11 3 61 53 45 37 29 21 13 5
  63 55 47 39 31 23 15 7 56 48 40 32 24 16 8 0 58 50 42 34 26 18 10 2
  60 52 44 36 28 20 12 4 62 54 46 38 30 22 14 6`);
const FP = table(`
  39 7 47 15 55 23 63 31 38 6 46 14 54 22 62 30 37 5 45 13 53 21 61 29
  36 4 44 12 52 20 60 28 35 3 43 11 51 19 59 27 34 2 42 10 50 18 58 26
  33 1 41 9 49 17 57 25 32 0 40 8 48 16 56 24`);
const E = table(`
  31 0 1 2 3 4 -1 -1 3 4 5 6 7 8 -1 -1 7 8 9 10 11 12 -1 -1
  11 12 13 14 15 16 -1 -1 15 16 17 18 19 20 -1 -1 19 20 21 22 23 24 -1 -1
  23 24 25 26 27 28 -1 -1 27 28 29 30 31 30 -1 -1`);
const P = table(`
  15 6 19 20 28 11 27 16 0 14 22 25 4 17 30 9
  1 7 23 13 31 26 2 8 18 12 29 5 21 10 3 24`);
const PC1 = table(`
  56 48 40 32 24 16 8 0 57 49 41 33 25 17 9 1 58 50 42 34 26 18 10 2
  59 51 43 35 62 54 46 38 30 22 14 6 61 53 45 37 29 21 13 5 60 52 44 36
  28 20 12 4 27 19 11 3`);
const PC2 = table(`
  13 16 10 23 0 4 -1 -1 2 27 14 5 20 9 -1 -1 22 18 11 3 25 7 -1 -1
  15 6 26 19 12 1 -1 -1 40 51 30 36 46 54 -1 -1 29 39 50 44 32 47 -1 -1
  43 48 38 55 33 52 -1 -1 45 41 49 35 28 31 -1 -1`);
const SHIFTS = table("1 1 2 2 2 2 2 2 1 2 2 2 2 2 2 1");
/** The bits the key schedule moves up instead of down, for a shift of 1 and of 2. */
const SHIFT_MASKS: Readonly<Record<number, number>> = {
  1: 0x100001,
  2: 0x300003,
};
/**
 * The eight S-boxes, one a line, 64 values each, indexed directly by the
 * 6-bit byte (not standard DES's row and column).
 */
const S_BOXES = `
14 4 3 15 2 13 5 3 13 14 6 9 11 2 0 5 4 1 10 12 15 6 9 10 1 8 12 7 8 11 7 0 0 15 10 5 14 4 9 10 7 8 12 3 13 1 3 6 15 12 6 11 2 9 5 0 4 2 11 14 1 7 8 13
15 0 9 5 6 10 12 9 8 7 2 12 3 13 5 2 1 14 7 8 11 4 0 3 14 11 13 6 4 1 10 15 3 13 12 11 15 3 6 0 4 10 1 7 8 4 11 14 13 8 0 6 2 15 9 5 7 1 10 12 14 2 5 9
10 13 1 11 6 8 11 5 9 4 12 2 15 3 2 14 0 6 13 1 3 15 4 10 14 9 7 12 5 0 8 7 13 1 2 4 3 6 12 11 0 13 5 14 6 8 15 2 7 10 8 15 4 9 11 5 9 0 14 3 10 7 1 12
7 10 1 15 0 12 11 5 14 9 8 3 9 7 4 8 13 6 2 1 6 11 12 2 3 0 5 14 10 13 15 4 13 3 4 9 6 10 1 12 11 0 2 5 0 13 14 2 8 15 7 4 15 1 10 7 5 6 12 11 3 8 9 14
2 4 8 15 7 10 13 6 4 1 3 12 11 7 14 0 12 2 5 9 10 13 0 3 1 11 15 5 6 8 9 14 14 11 5 6 4 1 3 10 2 12 15 0 13 2 8 5 11 8 0 15 7 14 9 4 12 7 10 9 1 13 6 3
12 9 0 7 9 2 14 1 10 15 3 4 6 12 5 11 1 14 13 0 2 8 7 13 15 5 4 10 8 3 11 6 10 4 6 11 7 9 0 6 4 2 13 1 9 15 3 8 15 3 1 14 12 5 11 0 2 12 14 7 5 10 8 13
4 1 3 10 15 12 5 0 2 11 9 6 8 7 6 9 11 4 12 15 0 3 10 5 14 13 7 8 13 14 1 2 13 6 14 9 4 1 2 14 11 13 5 0 1 10 8 3 0 11 3 5 9 4 15 2 7 8 12 15 10 7 6 12
13 7 10 0 6 9 5 15 8 4 3 10 11 14 12 5 2 11 9 6 15 12 0 3 4 1 14 13 1 2 7 8 1 2 12 15 10 4 0 3 13 14 6 9 7 8 9 6 15 1 5 12 3 10 14 5 8 7 11 0 4 13 2 11
`.trim().split("\n").map(table);

/** Bit `i` of the result is bit `from[i]` of `bits` (`-1`: a zero), 64 wide. */
function permute(bits: Bits, from: readonly number[]): Bits {
  const out: Bits = new Uint8Array(64);
  from.forEach((source, i) => {
    if (source >= 0) out[i] = bits[source]!;
  });
  return out;
}

/** The 64 bits of 8 bytes read as one little-endian integer. */
function bitsOf(bytes: Uint8Array, offset = 0): Bits {
  const bits: Bits = new Uint8Array(64);
  for (let i = 0; i < 64; i++) {
    bits[i] = (bytes[offset + (i >> 3)]! >> (i & 7)) & 1;
  }
  return bits;
}

/** Writes 64 bits back as 8 little-endian bytes. */
function writeBits(bits: Bits, out: Uint8Array, offset: number): void {
  for (let j = 0; j < 8; j++) {
    let byte = 0;
    for (let b = 0; b < 8; b++) byte |= bits[8 * j + b]! << b;
    out[offset + j] = byte;
  }
}

/** A value below 2^32 as the low bits of a 64-bit array. */
function lowBits(value: number): Bits {
  const bits: Bits = new Uint8Array(64);
  for (let i = 0; i < 32; i++) bits[i] = Math.floor(value / 2 ** i) % 2;
  return bits;
}

/**
 * One step of the key schedule: `C = ((C & m) << (28 − s)) | ((C & ~m) >> s)`
 * on the unsigned 64-bit `C`, bit by bit.
 */
function shiftKey(c: Bits, s: number): Bits {
  const mask = lowBits(SHIFT_MASKS[s]!);
  const out: Bits = new Uint8Array(64);
  for (let i = 0; i < 64; i++) {
    if (c[i] === 0) continue;
    const to = mask[i] === 1 ? i + 28 - s : i - s;
    if (to >= 0 && to < 64) out[to] = 1;
  }
  return out;
}

/** The sixteen subkeys of a key, in encryption order. */
function subkeys(key: string): Bits[] {
  const keyBytes = new Uint8Array(8);
  keyBytes.set(new TextEncoder().encode(key).subarray(0, 8));
  let c = permute(bitsOf(keyBytes), PC1);
  return SHIFTS.map((s) => {
    c = shiftKey(c, s);
    return permute(c, PC2);
  });
}

/** The round function: `P(S(E(R) ⊕ k))`, over 32-bit halves held in 64-bit arrays. */
function feistel(right: Bits, subkey: Bits): Bits {
  const x = permute(right, E);
  const f: Bits = new Uint8Array(64);
  for (let j = 0; j < 8; j++) {
    let index = 0;
    for (let b = 0; b < 8; b++) {
      index |= (x[8 * j + b]! ^ subkey[8 * j + b]!) << b;
    }
    const value = S_BOXES[j]![index]!;
    for (let b = 0; b < 4; b++) f[4 * j + b] = (value >> b) & 1;
  }
  return permute(f, P);
}

/** One block through the sixteen rounds with the subkeys in the given order. */
function cryptBlock(block: Bits, keys: readonly Bits[]): Bits {
  const x = permute(block, IP);
  let left = x.slice(0, 32);
  let right = x.slice(32, 64);
  for (const subkey of keys) {
    const f = feistel(widen(right), subkey);
    const next = left.map((bit, i) => bit ^ f[i]!);
    left = right;
    right = next;
  }
  // no final swap: L becomes the high half, R the low one
  const joined: Bits = new Uint8Array(64);
  joined.set(right, 0);
  joined.set(left, 32);
  return permute(joined, FP);
}

/** A 32-bit half as the low bits of a 64-bit array, for the tables. */
function widen(half: Bits): Bits {
  const bits: Bits = new Uint8Array(64);
  bits.set(half);
  return bits;
}

let decryptionKeys: Bits[] | undefined;

/**
 * Decrypts a KuwoDES `q` (standard Base64, `+` kept) to its text: whole
 * blocks only, trailing NUL padding stripped, strict UTF-8. Throws a
 * `SyntaxError` for anything the server cannot read.
 */
export function kuwoDesDecrypt(base64: string): string {
  if (
    base64.length === 0 || base64.length % 4 !== 0 ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)
  ) {
    throw new SyntaxError("Cannot decrypt q: not standard Base64");
  }
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (bytes.length % 8 !== 0) {
    throw new SyntaxError(
      `Cannot decrypt q: ${bytes.length} bytes is not a whole number of blocks`,
    );
  }
  decryptionKeys ??= subkeys(KUWO_DES_KEY).reverse();
  const plain = new Uint8Array(bytes.length);
  for (let offset = 0; offset < bytes.length; offset += 8) {
    writeBits(cryptBlock(bitsOf(bytes, offset), decryptionKeys), plain, offset);
  }
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(
      plain.subarray(0, end),
    );
  } catch {
    throw new SyntaxError("Cannot decrypt q: the text is not UTF-8");
  }
}
