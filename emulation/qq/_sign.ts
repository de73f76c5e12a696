/**
 * The server side of QQ Music's request signing, written apart from the
 * client's so that a client bug cannot hide behind a shared one: zzc over
 * the raw body of `musics.fcg` (§2.1) and `g_tk` of a musickey (§1.5).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

const HEAD = [23, 14, 6, 36, 16, 7, 19];
const TAIL = [16, 1, 32, 12, 19, 27, 8, 5];
const MASK = [
  0x59,
  0x27,
  0xb3,
  0x96,
  0xda,
  0x52,
  0x3a,
  0xfc,
  0xb1,
  0x34,
  0xba,
  0x7b,
  0x78,
  0x40,
  0xf2,
  0x85,
  0x8f,
  0xa1,
  0x79,
  0xb3,
];

/** The zzc sign the server expects for a body. */
export function expectedSign(body: string): string {
  const digest = createHash("sha1").update(body, "utf8").digest();
  const hex = digest.toString("hex").toUpperCase();
  const pick = (indexes: number[]) =>
    indexes.map((i) => hex.charAt(i)).join("");
  const scrambled = Buffer.alloc(20);
  for (let i = 0; i < 20; i++) scrambled[i] = digest[i]! ^ MASK[i]!;
  const middle = scrambled.toString("base64").replaceAll(/[\\/+=]/g, "");
  return ("zzc" + pick(HEAD) + middle + pick(TAIL)).toLowerCase();
}

/** `g_tk` of a musickey. */
export function keyHash(key: string): number {
  let hash = 5381;
  for (const unit of key.split("").map((c) => c.charCodeAt(0))) {
    hash = (hash * 33 + unit) % 0x80000000;
  }
  return hash;
}
