/**
 * Request signing of the QQ Music gateway: zzc for `musics.fcg` (§2.1) and
 * `g_tk`, the hash of the musickey the web client sends (§1.5). Pure.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Characters of the SHA-1 hex that open the sign (the JS original's `40` is out of range and dropped). */
const PART_1_INDEXES = [23, 14, 6, 36, 16, 7, 19] as const;
/** Characters of the SHA-1 hex that close the sign. */
const PART_2_INDEXES = [16, 1, 32, 12, 19, 27, 8, 5] as const;
/** XOR mask of the 20 hash bytes. */
const SCRAMBLE_VALUES = [
  89,
  39,
  179,
  150,
  218,
  82,
  58,
  252,
  177,
  52,
  186,
  123,
  120,
  64,
  242,
  133,
  143,
  161,
  121,
  179,
] as const;

/** The intermediate values of a zzc sign, for tests and debugging. */
export interface ZzcParts {
  /** SHA-1 of the body, uppercase hex. */
  hash: string;
  /** The hash's characters at the first index table. */
  part1: string;
  /** The hash's characters at the second index table. */
  part2: string;
  /** The scrambled bytes, lowercase hex. */
  part3: string;
  /** Standard Base64 of the scrambled bytes, before filtering. */
  base64: string;
  /** The sign: `zzc` + part1 + filtered Base64 + part2, lowercase. */
  sign: string;
}

/** Computes a zzc sign and its intermediate values. */
export function zzcParts(body: string): ZzcParts {
  const hash = createHash("sha1").update(body, "utf8").digest("hex")
    .toUpperCase();
  const part1 = PART_1_INDEXES.map((i) => hash[i]).join("");
  const part2 = PART_2_INDEXES.map((i) => hash[i]).join("");
  const bytes = SCRAMBLE_VALUES.map((mask, i) =>
    mask ^ parseInt(hash.slice(2 * i, 2 * i + 2), 16)
  );
  const part3 = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
  const base64 = btoa(String.fromCharCode(...bytes));
  const filtered = base64.replace(/[\\/+=]/g, "");
  return {
    hash,
    part1,
    part2,
    part3,
    base64,
    sign: `zzc${part1}${filtered}${part2}`.toLowerCase(),
  };
}

/**
 * The zzc sign of a request body: sign exactly the string that is sent.
 *
 * @example Usage
 * ```ts
 * import { zzcSign } from "./_sign.ts";
 * import assert from "node:assert/strict";
 * assert.equal(zzcSign("123"), "zzcec1b555gzqzg7laztguyjl2bu20r6x1w50c55f60");
 * ```
 */
export function zzcSign(body: string): string {
  return zzcParts(body).sign;
}

/**
 * `g_tk`: hash-33 of the musickey over UTF-16 units, masked to 31 bits;
 * 5381 for an empty key.
 *
 * @example Usage
 * ```ts
 * import { gTk } from "./_sign.ts";
 * import assert from "node:assert/strict";
 * assert.equal(gTk("Q_H_L_abc"), 58359149);
 * ```
 */
export function gTk(key: string): number {
  let h = 5381;
  for (let i = 0; i < key.length; i++) {
    h = (h + (h << 5) + key.charCodeAt(i)) | 0;
  }
  return h & 0x7fffffff;
}
