/**
 * One decrypted API call (`ApiCall`), and how the NetEase endpoints of the
 * emulation read its parameters, as
 * loosely as the service does (§13, §14): numbers or numeric strings, ids
 * as numbers, strings, arrays or JSON strings, `_0` stripped; anything it
 * cannot read is a `Rejection` (HTTP 200, code 400).
 *
 * @module
 */
import type { EmulatorContext } from "../platform.ts";
import { Rejection } from "./_crypto.ts";
import type { Account } from "./_rights.ts";

type Json = Record<string, unknown>;

/** One decrypted API call. */
export interface ApiCall {
  /** `/api/...` */
  path: string;
  params: Json;
  account: Account;
  /** Whether the caller said which OS it is (`os` cookie or eapi header). */
  os: boolean;
  /** Whether the caller presented an anonymous identity (an issued `MUSIC_A`). */
  identity: boolean;
  /** The frame's context: clock, signer, URLs, the world. */
  context: EmulatorContext;
}

/** Refuses a request the service cannot read (HTTP 200, code 400). */
export function bad(reason: string): never {
  throw new Rejection(reason);
}

/** An integer parameter (number or numeric string), with a default. */
export function int(
  params: Json,
  name: string,
  fallback: number,
  min = 0,
): number {
  const value = params[name];
  if (value === undefined || value === null || value === "") return fallback;
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && /^-?\d+$/.test(value.trim())
    ? Number(value)
    : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    bad(`${name}: expected an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function str(params: Json, name: string, fallback: string): string {
  const value = params[name];
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "string") bad(`${name}: expected a string`);
  return value;
}

/** One id: a number or a string, `_0` suffix stripped (§14). */
export function oneId(value: unknown, what: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) {
    return value;
  }
  if (typeof value === "string") {
    const match = /^\s*(\d+)(?:_\d+)?\s*$/.exec(value);
    if (match) return Number(match[1]);
  }
  return bad(`${what}: not an id: ${JSON.stringify(value)}`);
}

/** Ids as numbers, strings, arrays or a JSON string of an array (§14). */
export function ids(value: unknown, what: string): number[] {
  let list = value;
  if (typeof list === "string" && list.trim().startsWith("[")) {
    try {
      list = JSON.parse(list);
    } catch {
      bad(`${what}: not a JSON array`);
    }
  }
  if (!Array.isArray(list)) list = [list];
  return (list as unknown[]).map((v) => oneId(v, what));
}

export function requiredId(params: Json, name: string): number {
  if (params[name] === undefined) bad(`missing ${name}`);
  return oneId(params[name], name);
}
