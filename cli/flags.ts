/**
 * Parsing of option values shared by the commands: platforms, pool kinds,
 * counts, durations, sizes, `PLATFORM:ID` references. Bad values throw
 * `UsageError` with one clear line.
 *
 * @module
 */
import type { parseArgs, ParseArgsOptionsConfig } from "node:util";
import {
  isPlatform,
  type Platform,
  PLATFORMS,
  POOL_KINDS,
  type PoolKind,
} from "../sources/types.ts";
import { UsageError } from "./exit.ts";

/**
 * The values `parseArgs` gives for an option config (strict): a string, a
 * boolean, or an array of them for a `multiple` option; absent when not given.
 */
export type OptionValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>
>["values"];

/** `--source P,...`, taken by every command that talks to the platforms. */
export const SOURCE_OPTION = {
  source: { type: "string", multiple: true },
} as const satisfies ParseArgsOptionsConfig;

/** Splits repeated and comma-separated values: `["a,b", "c"]` -> `["a", "b", "c"]`. */
export function splitList(
  values: string | readonly string[] | undefined,
): string[] {
  const list = values === undefined
    ? []
    : typeof values === "string"
    ? [values]
    : values;
  return list.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) =>
    v !== ""
  );
}

/**
 * Values of a list option that must be among `choices` (any case,
 * repeatable or comma-separated), without repeats; `absent` when none is
 * given.
 */
export function parseChoices<T extends string>(
  values: string | readonly string[] | undefined,
  choices: readonly T[],
  flag: string,
  absent: readonly T[] = choices,
): T[] {
  const items = splitList(values);
  if (items.length === 0) return [...absent];
  const out: T[] = [];
  for (const item of items) {
    const choice = choices.find((c) => c === item.toLowerCase());
    if (choice === undefined) {
      throw new UsageError(
        `Invalid ${flag} '${item}': expected one of ${choices.join(", ")}`,
      );
    }
    if (!out.includes(choice)) out.push(choice);
  }
  return out;
}

/** Platforms from `--source`; all when absent. */
export function parsePlatforms(
  values: string | readonly string[] | undefined,
  flag = "--source",
): Platform[] {
  return parseChoices(values, PLATFORMS, flag);
}

/** Pool kinds from `--pool`; both when absent. */
export function parsePoolKinds(
  values: string | readonly string[] | undefined,
): PoolKind[] {
  return parseChoices(values, POOL_KINDS, "--pool");
}

/** A non-negative integer option. */
export function parseCount(
  value: string | undefined,
  flag: string,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
    throw new UsageError(
      `Invalid ${flag} '${value}': expected a whole number (0 or more)`,
    );
  }
  return Number(trimmed);
}

/** A positive integer option. */
export function parsePositive(
  value: string | undefined,
  flag: string,
  fallback: number,
): number {
  const n = parseCount(value, flag, fallback);
  if (n < 1) {
    throw new UsageError(`Invalid ${flag} '${value}': expected 1 or more`);
  }
  return n;
}

/** A non-negative number option (rates). */
export function parseNumber(
  value: string | undefined,
  flag: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new UsageError(
      `Invalid ${flag} '${value}': expected a number (0 or more)`,
    );
  }
  return n;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A duration like `90s`, `30m`, `12h`, `7d`, `2w`, in milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/i.exec(value.trim());
  if (!match) {
    throw new UsageError(
      `Invalid ${flag} '${value}': expected a duration like 90s, 30m, 12h, 7d or 2w`,
    );
  }
  return Math.round(
    Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]!,
  );
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  tib: 1024 ** 4,
};

/** A size like `2GiB`, `500MB`, `0`, in bytes. */
export function parseSize(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(
      `Invalid ${flag} '${value}': expected a size like 2GiB, 500MB or 0`,
    );
  }
  return Math.round(Number(match[1]) * unit);
}

/** A `PLATFORM:ID` reference (the id may itself contain colons, as `chart:26`). */
export function parsePlatformRef(
  value: string,
  flag: string,
): { platform: Platform; remoteId: string } {
  const colon = value.indexOf(":");
  const platform = value.slice(0, colon).trim().toLowerCase();
  const remoteId = value.slice(colon + 1).trim();
  if (colon < 0 || !isPlatform(platform) || remoteId === "") {
    throw new UsageError(
      `Invalid ${flag} '${value}': expected PLATFORM:ID, e.g. netease:3778678 or qq:chart:26`,
    );
  }
  return { platform, remoteId };
}

/** `--playlist PLATFORM:ID` references (repeatable); none when absent. */
export function parsePlaylists(
  values: readonly string[] | undefined,
): Array<{ platform: Platform; remoteId: string }> {
  return (values ?? []).map((value) => parsePlatformRef(value, "--playlist"));
}

/** `--source`, `--playlist` and `--pool`: which playlists a command works on. */
export const SELECTION_OPTIONS = {
  ...SOURCE_OPTION,
  playlist: { type: "string", multiple: true },
  pool: { type: "string", multiple: true },
} as const satisfies ParseArgsOptionsConfig;

/** The playlists a command works on, from `SELECTION_OPTIONS`. */
export interface Selection {
  /** Those of the `--playlist` references when there are any, else `--source`. */
  platforms: Platform[];
  /** The `--playlist` references. */
  playlists: Array<{ platform: Platform; remoteId: string }>;
  /** The `--pool` kinds; none (no filter) when absent. */
  pools: PoolKind[];
}

/** Parses `--source`, `--playlist` and `--pool` into a `Selection`. */
export function parseSelection(
  values: OptionValues<typeof SELECTION_OPTIONS>,
): Selection {
  const playlists = parsePlaylists(values.playlist);
  return {
    platforms: playlists.length > 0
      ? [...new Set(playlists.map((p) => p.platform))]
      : parsePlatforms(values.source),
    playlists,
    pools: splitList(values.pool).length > 0 ? parsePoolKinds(values.pool) : [],
  };
}
