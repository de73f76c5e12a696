/** Shared fixtures of the NetEase tests: an emulation with a settable clock, raw calls. */
import { NO_BEHAVIOURS } from "../../emulation/behaviours.ts";
import {
  createEmulation,
  type Emulation,
  type EmulationOptions,
} from "../../emulation/emulation.ts";
import type { Fetch } from "../../sources/http.ts";
import {
  BROWSER_USER_AGENT,
  PC_USER_AGENT,
} from "../../sources/netease/_constants.ts";
import { eapi, weapi } from "../../sources/netease/_crypto.ts";
import { createSources, type SourcesOptions } from "../../sources/registry.ts";
import type { Source } from "../../sources/types.ts";

/** A fixed instant inside the worlds' calendar. */
export const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);

/** A clock tests move by hand. */
export class Clock {
  ms = T0;
  now = (): number => this.ms;
}

/** What the emulation publishes for NetEase clients. */
export interface NeteaseConfig {
  rsa: { modulus: string; exponent: string };
  accounts: { vip: string; svip: string };
}

/**
 * An emulation on a hand-moved clock; the modelled behaviours of real
 * answers are off (the happy path) unless `behaviours` names some.
 */
export function emulationAt(
  clock: Clock,
  options: EmulationOptions = {},
): Emulation {
  return createEmulation({
    size: "tiny",
    now: clock.now,
    ...options,
    behaviours: options.behaviours === undefined ||
        options.behaviours === "off"
      ? "off"
      : { ...NO_BEHAVIOURS, ...options.behaviours },
  });
}

/** The NetEase part of an emulation's public config. */
export function neteaseConfig(emulation: Emulation): NeteaseConfig {
  const config = emulation.publicConfig("http://emu") as {
    platforms: { netease: NeteaseConfig };
  };
  return config.platforms.netease;
}

/** A fetch that counts calls by path and can rewrite answers. */
export function countingFetch(
  inner: Fetch,
  rewrite?: (url: string, response: Response) => Response | Promise<Response>,
): { fetch: Fetch; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (input, init) => {
      const url = typeof input === "string"
        ? input
        : input instanceof URL
        ? input.href
        : input.url;
      calls.push(new URL(url).pathname);
      const response = await inner(input, init);
      return rewrite ? await rewrite(url, response) : response;
    },
  };
}

/** The NetEase source over an in-process emulation. */
export async function neteaseSource(
  emulation: Emulation,
  options: SourcesOptions = {},
): Promise<Source> {
  const sources = await createSources({
    fetch: emulation.fetch,
    emulation: "http://emu",
    platforms: ["netease"],
    ratePerSecond: 0,
    sleep: async () => {},
    random: seeded(1),
    ...options,
  });
  return sources.get("netease")!;
}

/** A seeded `Math.random` stand-in. */
export function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** Options of a raw call. */
export interface RawCallOptions {
  cookie?: string;
  userAgent?: string | null;
  /** A form body to send instead of the encrypted one. */
  form?: Record<string, string>;
  /** An RSA modulus other than the emulation's. */
  modulus?: string;
}

/** A raw weapi POST to the emulation; returns the parsed JSON and status. */
export async function weapiCall(
  emulation: Emulation,
  rest: string,
  params: Record<string, unknown>,
  options: RawCallOptions = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { rsa } = neteaseConfig(emulation);
  const form = options.form ??
    {
      ...weapi({ ...params, csrf_token: "" }, {
        key: {
          modulus: options.modulus ?? rsa.modulus,
          exponent: rsa.exponent,
        },
      }),
    };
  return await post(
    emulation,
    `http://emu/music.163.com/weapi/${rest}?csrf_token=`,
    form,
    options.userAgent === undefined ? BROWSER_USER_AGENT : options.userAgent,
    options.cookie ?? "os=pc",
  );
}

/** A raw eapi POST to the emulation (`/api/...` path); JSON or raw bytes. */
export async function eapiCall(
  emulation: Emulation,
  apiPath: string,
  params: Record<string, unknown>,
  options: RawCallOptions = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = options.form ?? { params: eapi(apiPath, params) };
  return await post(
    emulation,
    `http://emu/interface3.music.163.com/eapi/${apiPath.slice(5)}`,
    form,
    options.userAgent === undefined ? PC_USER_AGENT : options.userAgent,
    options.cookie ?? "os=pc",
  );
}

async function post(
  emulation: Emulation,
  url: string,
  form: Record<string, string>,
  userAgent: string | null,
  cookie: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    cookie,
  };
  if (userAgent !== null) headers["user-agent"] = userAgent;
  const response = await emulation.fetch(url, {
    method: "POST",
    headers,
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) };
}
