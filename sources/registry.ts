/**
 * Builds the three platform sources from one set of options: real hosts or
 * an emulation server, credentials, pacing, and the injected `fetch`,
 * clock and sleep. What one source is built from (`SourceConfig`,
 * `Credentials`, the rates) lives in `config.ts`.
 *
 * @module
 */
import { type BaseUrls, emulatedBaseUrls, REAL_BASE_URLS } from "./base_url.ts";
import {
  type Credentials,
  DEFAULT_RATES,
  EMULATION_RATE,
  type SourceConfig,
} from "./config.ts";
import {
  type ExchangeRecorder,
  type Fetch,
  HttpClient,
  type RetryInfo,
  type Sleep,
} from "./http.ts";
import { RECOMMENDED_POOL_KEY } from "./kuwo/_constants.ts";
import { createKuwoSource } from "./kuwo/source.ts";
import { HIGH_QUALITY_KEY } from "./netease/_constants.ts";
import { createNeteaseSource } from "./netease/source.ts";
import { createQqSource } from "./qq/source.ts";
import { type Platform, PLATFORMS, type Source } from "./types.ts";

/** Builds one platform's source. */
export type SourceFactory = (config: SourceConfig) => Source;

/** The built-in sources. */
export const SOURCE_FACTORIES: Record<Platform, SourceFactory> = {
  netease: createNeteaseSource,
  qq: createQqSource,
  kuwo: createKuwoSource,
};

/**
 * Square pools that are curated lists rather than categories, by remote
 * key: NetEase's high-quality list and Kuwo's recommended list.
 */
export const LIST_POOLS: Readonly<Record<Platform, readonly string[]>> = {
  netease: [HIGH_QUALITY_KEY],
  qq: [],
  kuwo: [RECOMMENDED_POOL_KEY],
};

/** Options of `createSources()`. */
export interface SourcesOptions {
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: Fetch;
  /** Sleeps (injectable for tests). */
  sleep?: Sleep;
  /** The clock, epoch milliseconds. */
  now?: () => number;
  /** A source of random numbers in [0, 1). */
  random?: () => number;
  /** Base URL of an emulation server to use instead of the platforms. */
  emulation?: string;
  /** Optional logins; never printed. */
  credentials?: Credentials;
  /** Requests per second per platform; 0 disables pacing. */
  ratePerSecond?: number;
  /** Retries allowed. */
  retries?: number;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs?: number;
  /** First backoff delay in milliseconds. */
  backoffBaseMs?: number;
  /** Called before each retry, for logs. */
  onRetry?: (info: RetryInfo) => void;
  /** Takes every exchange with a platform (`--record`). */
  recorder?: ExchangeRecorder;
  /** Only these platforms. @default all */
  platforms?: readonly Platform[];
  /**
   * Replace a platform's source factory.
   * @internal for tests
   */
  factories?: Partial<Record<Platform, SourceFactory>>;
}

/**
 * Builds the sources. With `emulation`, first learns from the emulation
 * server what clients need from it (`/_emulation/config`).
 *
 * @example Against the offline emulation
 * ```ts
 * import { createEmulation } from "../emulation/emulation.ts";
 * import { createSources } from "./registry.ts";
 * import assert from "node:assert/strict";
 *
 * const emulation = createEmulation({ size: "tiny" });
 * const sources = await createSources({
 *   fetch: emulation.fetch,
 *   emulation: "http://emu",
 *   ratePerSecond: 0,
 * });
 * assert.deepEqual([...sources.keys()], ["netease", "qq", "kuwo"]);
 * const pools = await sources.get("kuwo")!.listPools("square");
 * assert.ok(pools.some((pool) => pool.remoteKey === "rcm"));
 * ```
 */
export async function createSources(
  options: SourcesOptions = {},
): Promise<Map<Platform, Source>> {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  let urls: BaseUrls = REAL_BASE_URLS;
  let emulationConfig: Record<string, Record<string, unknown>> = {};
  if (options.emulation !== undefined) {
    urls = emulatedBaseUrls(options.emulation);
    emulationConfig = await fetchEmulationConfig(doFetch, options.emulation);
  }
  const sources = new Map<Platform, Source>();
  for (const platform of options.platforms ?? PLATFORMS) {
    const http = new HttpClient({
      platform,
      fetch: doFetch,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
      ...(options.timeoutMs === undefined
        ? {}
        : { timeoutMs: options.timeoutMs }),
      ...(options.backoffBaseMs === undefined
        ? {}
        : { backoffBaseMs: options.backoffBaseMs }),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.recorder ? { recorder: options.recorder } : {}),
      ratePerSecond: options.ratePerSecond ??
        (options.emulation === undefined
          ? DEFAULT_RATES[platform]
          : EMULATION_RATE),
    });
    const factory = options.factories?.[platform] ?? SOURCE_FACTORIES[platform];
    sources.set(
      platform,
      factory({
        http,
        urls,
        credentials: options.credentials ?? {},
        emulation: options.emulation === undefined
          ? undefined
          : emulationConfig[platform] ?? {},
        now: options.now ?? Date.now,
        random: options.random ?? Math.random,
        ...(options.sleep ? { sleep: options.sleep } : {}),
      }),
    );
  }
  return sources;
}

async function fetchEmulationConfig(
  doFetch: Fetch,
  emulation: string,
): Promise<Record<string, Record<string, unknown>>> {
  const url = `${emulation.replace(/\/+$/, "")}/_emulation/config`;
  let response: Response;
  try {
    response = await doFetch(url);
  } catch (cause) {
    throw new Error(
      `Cannot reach the emulation at ${emulation}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(
      `Cannot read the emulation's configuration at ${url}: HTTP ${response.status}`,
    );
  }
  const body = await response.json() as {
    platforms?: Record<string, Record<string, unknown>>;
  };
  return body.platforms ?? {};
}
