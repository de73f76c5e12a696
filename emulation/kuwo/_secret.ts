/**
 * The server's check of the `Secret` header (protocols/kuwo.md §2.3, §2.5),
 * written from the page and apart from the client's code, so that a client
 * bug cannot hide behind a shared helper: the server recomputes `Secret`
 * from the cookie value it issued and the nonce in the header's last eight
 * hex digits, and compares.
 *
 * The page's function folds its seed with JavaScript number semantics
 * (rounded doubles, `String()` that may print an exponent, `parseInt` that
 * stops at `.` and `e`); that loss is part of the algorithm, so this file
 * folds with `number`, `parseInt` and `String` too.
 *
 * @module
 */

/** `c` of the page: the prime 2^31 − 1 every step is reduced by. */
const PRIME = 2 ** 31 - 1;

/** What a cookie name contributes to every `Secret` made under it (§2.3 steps 1–3). */
export interface SecretKey {
  /** `D`: the decimal UTF-16 codes of the name, concatenated. */
  nameDigits: string;
  /** `o`: the multiplier of the generator. */
  multiplier: number;
  /** `l`: its increment. */
  increment: number;
}

/**
 * The key of a cookie name, or `undefined` where the page's function gives
 * up (a multiplier below 2).
 */
export function secretKey(cookieName: string): SecretKey | undefined {
  const codes: number[] = [];
  for (let i = 0; i < cookieName.length; i++) {
    codes.push(cookieName.charCodeAt(i));
  }
  const nameDigits = codes.join("");
  // five digits at multiples of a fifth of the length; a position at the
  // end reads as nothing, as JavaScript's charAt does
  const stride = Math.floor(nameDigits.length / 5);
  const picked = [1, 2, 3, 4, 5].map((k) => nameDigits.charAt(k * stride));
  const multiplier = parseInt(picked.join(""));
  if (Number.isNaN(multiplier) || multiplier < 2) return undefined;
  return {
    nameDigits,
    multiplier,
    increment: Math.ceil(cookieName.length / 2),
  };
}

/**
 * The seed of the generator for a nonce (§2.3 steps 5–6): the name's
 * digits with the nonce's appended, folded ten digits at a time by adding
 * the head to the rest as doubles, until at most ten characters remain.
 */
export function secretSeed(key: SecretKey, nonce: number): number {
  let folded = `${key.nameDigits}${nonce}`;
  while (folded.length > 10) {
    const head = parseInt(folded.slice(0, 10));
    const rest = parseInt(folded.slice(10));
    folded = String(head + rest);
  }
  return (key.multiplier * Number(folded) + key.increment) % PRIME;
}

/**
 * The `Secret` of a cookie value for a nonce (§2.3 steps 7–8): each
 * character XOR the generator's next byte, as two hex digits, then the
 * nonce as eight hex digits.
 */
export function expectedSecret(
  key: SecretKey,
  cookieValue: string,
  nonce: number,
): string {
  let state = secretSeed(key, nonce);
  const hex: string[] = [];
  for (let i = 0; i < cookieValue.length; i++) {
    // floor(state / c · 255), computed exactly as an integer division
    const mask = Math.floor((state * 255) / PRIME);
    hex.push((cookieValue.charCodeAt(i) ^ mask).toString(16).padStart(2, "0"));
    state = (key.multiplier * state + key.increment) % PRIME;
  }
  return hex.join("") + nonce.toString(16).padStart(8, "0");
}

/**
 * Whether a `Secret` header is the one the server computes for the cookie
 * value it issued: lowercase hex, two digits per character of the value,
 * and eight of nonce.
 */
export function secretAccepted(
  key: SecretKey,
  cookieValue: string,
  header: string,
): boolean {
  if (header.length !== 2 * cookieValue.length + 8) return false;
  if (!/^[0-9a-f]+$/.test(header)) return false;
  const nonce = parseInt(header.slice(-8), 16);
  return expectedSecret(key, cookieValue, nonce) === header;
}
