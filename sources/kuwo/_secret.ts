/**
 * The `Secret` header of Kuwo's signed web routes (§2.3), with JavaScript
 * number semantics exactly as the page's function does it: the fold runs
 * on rounded doubles, `String()` may print an exponent and `parseInt` stops
 * at `.` and `e`. That loss is load-bearing, so this file uses `number`,
 * `parseInt` and `String` and never BigInt.
 *
 * @module
 */

/** The modulus `c` = 2^31 − 1. */
const MODULUS = 2147483647;

/** The constants `Secret` derives from a cookie name. */
export interface SecretConstants {
  /** Concatenated decimal UTF-16 codes of the name. */
  digits: string;
  /** The multiplier `o`. */
  o: number;
  /** The increment `l`. */
  l: number;
}

/**
 * Derives `o` and `l` from a cookie name (§2.3 steps 1–3), or `undefined`
 * when `o < 2` (the page's function gives up then).
 */
export function secretConstants(name: string): SecretConstants | undefined {
  if (name.length === 0) return undefined;
  let digits = "";
  for (let i = 0; i < name.length; i++) digits += String(name.charCodeAt(i));
  const step = Math.floor(digits.length / 5);
  // String.prototype.charAt: a position at or past the end contributes ""
  const o = parseInt(
    digits.charAt(step) + digits.charAt(2 * step) + digits.charAt(3 * step) +
      digits.charAt(4 * step) + digits.charAt(5 * step),
  );
  if (!(o >= 2)) return undefined;
  return { digits, o, l: Math.ceil(name.length / 2) };
}

/**
 * Folds the digit string with the nonce appended down to at most ten
 * characters (§2.3 step 5), as the page's JavaScript does.
 */
export function foldSeed(digits: string, nonce: number): string {
  let s = digits + String(nonce);
  while (s.length > 10) {
    s = String(parseInt(s.substring(0, 10)) + parseInt(s.substring(10)));
  }
  return s;
}

/** A nonce as the page draws it: `round(1e9 · random()) mod 1e8` (§2.3 step 4). */
export function drawNonce(random: () => number): number {
  return Math.round(1e9 * random()) % 1e8;
}

/**
 * The `Secret` of a cookie value under a cookie name with a given nonce:
 * lowercase hex, `2·len(value) + 8` characters; `undefined` when the name
 * yields no usable constants.
 */
export function secret(
  value: string,
  name: string,
  nonce: number,
): string | undefined {
  const constants = secretConstants(name);
  if (!constants) return undefined;
  const { digits, o, l } = constants;
  // the page multiplies the folded *string*: `o * "59910100"` coerces it
  let n = (o * Number(foldSeed(digits, nonce)) + l) % MODULUS;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    // floor(n / c · 255) equals floor(n · 255 / c): c is prime (§2.3 step 7)
    const k = Math.floor((n * 255) / MODULUS);
    out += (value.charCodeAt(i) ^ k).toString(16).padStart(2, "0");
    n = (o * n + l) % MODULUS;
  }
  return out + nonce.toString(16).padStart(8, "0");
}

/** The nonce a `Secret` carries in its last eight hex digits, if well-formed. */
export function secretNonce(header: string): number | undefined {
  if (!/^(?:[0-9a-f]{2})*[0-9a-f]{8}$/.test(header)) return undefined;
  return parseInt(header.slice(-8), 16);
}
