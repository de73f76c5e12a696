/**
 * The JSON shapes every platform's parsers and transport share: a plain
 * object, the test for one, an answer with the URL it came from, and the
 * readers the parsers take fields with.
 *
 * Real answers differ by era and by account (numbers as strings, a `null`
 * where an object was, fields missing or added), so the parsers read in
 * two ways:
 *
 * - leniently (`asNumber`, `asText`, `asList`, ...), for every field a
 *   record can do without: a value of another type counts as absent;
 * - strictly (`Fields`), for what an answer cannot do without (the list of
 *   a page, a playlist's id): a value of another type is a `malformed`
 *   `SourceError` whose message names the field's path the way the
 *   protocol pages do (`cdlist[0].songlist[3].mid`), never a `TypeError`.
 *
 * Only a song's id is required of a song: a song without one is skipped
 * with a warning (`skippedSong`) instead of failing its playlist.
 *
 * @module
 */
import { malformedAnswer, type SourceError } from "./errors.ts";
import type { Platform } from "./types.ts";

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether a value is a plain JSON object (not `null`, not an array). */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A parsed JSON answer and the URL it came from (for errors). */
export interface Answer {
  /** The body, its business code checked. */
  body: unknown;
  /** The URL called. */
  url: string;
}

// ------------------------------------------------------------------ paths

/**
 * The path of `key` under `path`, as the protocol pages write paths:
 * `at("data", "list")` is `data.list`, `at("data.list", 3)` is
 * `data.list[3]`, `at("", "code")` is `code`.
 */
export function at(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** What a JSON value is, for messages (`nothing` for an absent field). */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}

/**
 * A `malformed` error of `platform` naming the field at `path`: `qq:
 * expected a list at cdlist[0].songlist, got null`.
 */
export function malformedAt(
  platform: Platform,
  path: string,
  expected: string,
  value: unknown,
): SourceError {
  return malformedAnswer(
    platform,
    `expected ${expected} at ${path === "" ? "the top level" : path}, got ${
      describeValue(value)
    }`,
  );
}

// --------------------------------------------------------- lenient readers

/** A number from a finite number or a numeric string; `undefined` otherwise. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? value : undefined;
  }
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value.trim());
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** A count (finite, not negative) from a number or a numeric string. */
export function asCount(value: unknown): number | undefined {
  const n = asNumber(value);
  return n !== undefined && n >= 0 ? n : undefined;
}

/** A string from a string or a finite number; `undefined` otherwise. */
export function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Like `asText`, but an empty (or blank) string counts as absent. */
export function asNonEmptyText(value: unknown): string | undefined {
  const text = asText(value);
  return text === undefined || text.trim() === "" ? undefined : text;
}

/** An id of digits, from a safe integer or a string of digits; `undefined` otherwise. */
export function asDigits(value: unknown): string | undefined {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0
      ? String(value)
      : undefined;
  }
  if (typeof value === "string" && /^\d+$/.test(value.trim())) {
    return value.trim();
  }
  return undefined;
}

/** A boolean from `true`/`false`, `1`/`0` or their strings; `undefined` otherwise. */
export function asFlag(value: unknown): boolean | undefined {
  if (value === true || value === 1 || value === "1" || value === "true") {
    return true;
  }
  if (value === false || value === 0 || value === "0" || value === "false") {
    return false;
  }
  return undefined;
}

/** The object, or `undefined` for anything else. */
export function asObject(value: unknown): Json | undefined {
  return isObject(value) ? value : undefined;
}

/** The list, or empty for anything that is not one. */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The strings of a list (other items dropped); empty for anything but a list. */
export function asStrings(value: unknown): string[] {
  return asList(value).filter((v): v is string => typeof v === "string");
}

// ---------------------------------------------------------- strict readers

/**
 * Strict readers of one platform: each returns the value read, or throws a
 * `malformed` `SourceError` naming the field's path.
 *
 * @example Usage
 * ```ts
 * import { Fields } from "./_json.ts";
 * import assert from "node:assert/strict";
 *
 * const read = new Fields("qq");
 * const body = { cdlist: [{ songlist: null }] };
 * assert.deepEqual(read.optionalList(body.cdlist[0]!.songlist, "cdlist[0].songlist"), []);
 * assert.throws(
 *   () => read.list(body.cdlist[0]!.songlist, "cdlist[0].songlist"),
 *   /qq: expected a list at cdlist\[0\]\.songlist, got null/,
 * );
 * ```
 */
export class Fields {
  /** The platform the answers come from. */
  readonly platform: Platform;

  /** Readers of `platform`'s answers. */
  constructor(platform: Platform) {
    this.platform = platform;
  }

  /** The `malformed` error of the field at `path`. */
  error(path: string, expected: string, value: unknown): SourceError {
    return malformedAt(this.platform, path, expected, value);
  }

  /** The `malformed` error of an answer as a whole (`url`: where it came from). */
  malformed(message: string, url?: string): SourceError {
    return malformedAnswer(
      this.platform,
      message,
      url === undefined ? {} : { url },
    );
  }

  /** `value` as an object. */
  object(value: unknown, path: string): Json {
    if (!isObject(value)) throw this.error(path, "an object", value);
    return value;
  }

  /** `value` as a list. */
  list(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) throw this.error(path, "a list", value);
    return value;
  }

  /** `value` as a list; empty for an absent field, `null` or `""` (answers send all three). */
  optionalList(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null || value === "") return [];
    return this.list(value, path);
  }

  /** `value` as a number (a numeric string too). */
  number(value: unknown, path: string): number {
    const n = asNumber(value);
    if (n === undefined) throw this.error(path, "a number", value);
    return n;
  }

  /** `value` as a string (a number too). */
  text(value: unknown, path: string): string {
    const text = asText(value);
    if (text === undefined) throw this.error(path, "a string", value);
    return text;
  }

  /** `value` as an id of digits (a safe integer or a string of digits). */
  digits(value: unknown, path: string): string {
    const id = asDigits(value);
    if (id === undefined) throw this.error(path, "an id of digits", value);
    return id;
  }

  /** `value` as a non-empty id (a string, or a number). */
  id(value: unknown, path: string): string {
    const id = asNonEmptyText(value)?.trim();
    if (id === undefined) throw this.error(path, "an id", value);
    return id;
  }
}

// ------------------------------------------------------------------ songs

/** What a list of songs parses to: the songs, and what was skipped. */
export interface ParsedSongs<T> {
  /** The songs that have an id, in order. */
  songs: T[];
  /** One line per song skipped (no id), naming its path. */
  warnings: string[];
}

/** The warning for a song skipped at `path` because it has no id. */
export function skippedSong(
  platform: Platform,
  path: string,
  song: unknown,
): string {
  return `${platform}: skipped the song at ${path}: it has no id (${
    isObject(song)
      ? "its id fields are missing or unusable"
      : `it is ${describeValue(song)}`
  })`;
}

/**
 * A song as `read` reads it (`undefined` for a song without an id); a song
 * without an id is a `malformed` error naming where its id should be
 * (`path.idField`), or `path` itself when the song is not an object. Lists
 * skip such songs instead (`parseSongList`).
 */
export function requiredSong<T>(
  platform: Platform,
  value: unknown,
  path: string,
  idField: string,
  read: (value: unknown) => T | undefined,
): T {
  const song = read(value);
  if (song !== undefined) return song;
  throw isObject(value)
    ? malformedAt(platform, at(path, idField), "a song id", value[idField])
    : malformedAt(platform, path, "a song object", value);
}

/**
 * Parses the songs of a list: `parse` returns `undefined` for a song
 * without an id, which is skipped with a warning; anything else it throws
 * goes on.
 */
export function parseSongList<T>(
  platform: Platform,
  items: readonly unknown[],
  path: string,
  parse: (item: unknown, path: string) => T | undefined,
): ParsedSongs<T> {
  const songs: T[] = [];
  const warnings: string[] = [];
  items.forEach((item, i) => {
    const where = at(path, i);
    const song = parse(item, where);
    if (song === undefined) warnings.push(skippedSong(platform, where, item));
    else songs.push(song);
  });
  return { songs, warnings };
}

/** A platform's parsers of songs, from its reader of one song (`songParsers`). */
export interface SongParsers<T> {
  /** A song as the reader reads it; one without an id is a `malformed` error naming `path` (`requiredSong`). */
  parseSong(value: unknown, path?: string): T;
  /** The songs of a list at `path`; one without an id is skipped with a warning (`parseSongList`). */
  parseSongs(items: readonly unknown[], path: string): ParsedSongs<T>;
}

/**
 * The song parsers of a platform whose reader takes a song alone: `read`
 * returns `undefined` for a song without an id, which names its id
 * `idField`.
 */
export function songParsers<T>(
  platform: Platform,
  idField: string,
  read: (value: unknown) => T | undefined,
): SongParsers<T> {
  return {
    parseSong: (value, path = "song") =>
      requiredSong(platform, value, path, idField, read),
    parseSongs: (items, path) =>
      parseSongList(platform, items, path, (item) => read(item)),
  };
}
