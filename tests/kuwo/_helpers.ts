/** Shared helpers of the Kuwo tests. */
import { createKuwoEmulator } from "../../emulation/kuwo/mod.ts";
import { KuwoCatalog } from "../../emulation/kuwo/_catalog.ts";
import { NO_BEHAVIOURS } from "../../emulation/behaviours.ts";
import {
  createEmulation,
  type Emulation,
  type EmulationOptions,
} from "../../emulation/emulation.ts";
import type { GenSong, World } from "../../emulation/world.ts";
import type { Fetch } from "../../sources/http.ts";
import { COOKIE_NAME } from "../../sources/kuwo/_constants.ts";
import { parseSong } from "../../sources/kuwo/_parse.ts";
import { secret } from "../../sources/kuwo/_secret.ts";
import {
  createKuwoSource,
  type KuwoSourceOptions,
} from "../../sources/kuwo/source.ts";
import { createSources } from "../../sources/registry.ts";
import type { SongInfo, Source } from "../../sources/types.ts";

/** The origin tests use in-process. */
export const ORIGIN = "http://emu";

/** A clock tests move by hand. */
export class Clock {
  ms: number;
  constructor(ms = Date.UTC(2026, 2, 1)) {
    this.ms = ms;
  }
  now = (): number => this.ms;
  advance(minutes: number): void {
    this.ms += minutes * 60_000;
  }
}

/**
 * An emulation on a test clock, with the Kuwo emulator's options; the
 * modelled behaviours of real answers are off (the happy path) unless
 * `behaviours` says otherwise.
 */
export function kuwoEmulation(
  clock: Clock,
  options: EmulationOptions & { cookieTtlMinutes?: number } = {},
): Emulation {
  const { cookieTtlMinutes, ...rest } = options;
  return createEmulation({
    size: "demo",
    now: clock.now,
    ...rest,
    behaviours: rest.behaviours === undefined || rest.behaviours === "off"
      ? "off"
      : { ...NO_BEHAVIOURS, ...rest.behaviours },
    emulators: {
      kuwo: (world) =>
        createKuwoEmulator(
          world,
          cookieTtlMinutes === undefined ? {} : { cookieTtlMinutes },
        ),
    },
  });
}

/** Every request a fetch saw, with a peek at JSON/text bodies. */
export interface Recorded {
  url: URL;
  headers: Headers;
  status: number;
  body: string | undefined;
}

/** Wraps a fetch to record requests (and the bodies of non-audio answers). */
export function recording(
  inner: Fetch,
): { fetch: Fetch; log: Recorded[] } {
  const log: Recorded[] = [];
  const fetch: Fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await inner(request);
    const type = response.headers.get("content-type") ?? "";
    const body = type.startsWith("audio/")
      ? undefined
      : await response.clone().text();
    log.push({
      url: new URL(request.url),
      headers: request.headers,
      status: response.status,
      body,
    });
    return response;
  };
  return { fetch, log };
}

/** The Kuwo source over a fetch, paced off, sleeping nowhere. */
export async function kuwoSource(
  fetch: Fetch,
  clock: Clock,
  options: KuwoSourceOptions & {
    origin?: string;
    sleeps?: number[];
    retries?: number;
  } = {},
): Promise<Source> {
  const { origin, sleeps, retries, ...sourceOptions } = options;
  const sources = await createSources({
    fetch,
    emulation: origin ?? ORIGIN,
    platforms: ["kuwo"],
    ratePerSecond: 0,
    sleep: (ms) => {
      sleeps?.push(ms);
      return Promise.resolve();
    },
    now: clock.now,
    random: seeded(7),
    ...(retries === undefined ? {} : { retries }),
    factories: { kuwo: (config) => createKuwoSource(config, sourceOptions) },
  });
  return sources.get("kuwo")!;
}

/** A seeded random source. */
function seeded(seed: number): () => number {
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

/** The first world song that matches. */
export function findSong(
  world: World,
  predicate: (song: GenSong) => boolean,
): GenSong {
  for (let i = 0; i < world.shape.songs; i++) {
    const song = world.song(i);
    if (predicate(song)) return song;
  }
  throw new Error("No song in the world matches");
}

/** A song as the client parses it from the emulator's own web item. */
export function songInfoOf(world: World, song: GenSong): SongInfo {
  return parseSong(new KuwoCatalog(world).songItem(song, 1));
}

/** Gets a fresh cookie from the emulated home page. */
export async function homeCookie(emulation: Emulation): Promise<string> {
  const response = await emulation.fetch(`${ORIGIN}/www.kuwo.cn/`);
  await response.body?.cancel();
  const match = new RegExp(`${COOKIE_NAME}=([A-Za-z0-9]+)`).exec(
    response.headers.get("set-cookie") ?? "",
  );
  if (!match) throw new Error("The home page set no cookie");
  return match[1]!;
}

/** A signed `www` GET with a cookie and a correct (or given) `Secret`. */
export async function signedGet(
  emulation: Emulation,
  pathAndQuery: string,
  cookie: string | undefined,
  options: { secret?: string; nonce?: number } = {},
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (cookie !== undefined) {
    headers.Cookie = `${COOKIE_NAME}=${cookie}`;
    headers.Secret = options.secret ??
      secret(cookie, COOKIE_NAME, options.nonce ?? 12345678)!;
  }
  const response = await emulation.fetch(
    `${ORIGIN}/www.kuwo.cn${pathAndQuery}`,
    { headers },
  );
  return await response.json();
}
