/** Deterministic hashing helpers: everything in the emulation derives from these. */

/** A 32-bit hash of a seed and a list of integers (murmur3-style mixing). */
export function hash32(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const part of parts) {
    let k = Math.imul(part | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    // fold in the high bits of large integers as well
    const high = Math.floor(part / 0x1_0000_0000);
    if (high !== 0) h = Math.imul(h ^ high, 0x85ebca6b);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A float in [0, 1) from a seed and integers. */
export function unit(seed: number, ...parts: number[]): number {
  return hash32(seed, ...parts) / 0x1_0000_0000;
}

/** An integer in [min, max] from a seed and integers. */
export function between(
  seed: number,
  min: number,
  max: number,
  ...parts: number[]
): number {
  return min + Math.floor(unit(seed, ...parts) * (max - min + 1));
}

/** A 32-bit hash of a string (FNV-1a). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded xorshift generator, for streams of values. */
export function xorshift(seed: number): () => number {
  let x = (seed >>> 0) || 0x6d2b79f5;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** The greatest common divisor of two non-negative integers. */
export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * A permutation of `0..n-1` as `j -> (a*j + b) mod n`, with `a` coprime to
 * `n`: shuffles positions without storing them.
 */
export function affinePermutation(
  n: number,
  seed: number,
  ...parts: number[]
): (j: number) => number {
  if (n <= 1) return () => 0;
  let a = 1 + (hash32(seed, ...parts, 1) % (n - 1));
  while (gcd(a, n) !== 1) a = a + 1 === n ? 1 : a + 1;
  const b = hash32(seed, ...parts, 2) % n;
  return (j) => (a * j + b) % n;
}

const MID_ALPHABET =
  "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A QQ-style 14-character mid (`00` + 12 base-62 characters). */
export function mid(seed: number, ...parts: number[]): string {
  let out = "00";
  for (let i = 0; i < 12; i++) {
    out += MID_ALPHABET[hash32(seed, ...parts, 100 + i) % 62];
  }
  return out;
}

/** A lowercase hex string of `length` characters. */
export function hexString(
  length: number,
  seed: number,
  ...parts: number[]
): string {
  let out = "";
  for (let i = 0; out.length < length; i++) {
    out += hash32(seed, ...parts, 200 + i).toString(16).padStart(8, "0");
  }
  return out.slice(0, length);
}
