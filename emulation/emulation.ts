/**
 * The offline emulation of the three platforms as one pure
 * `(Request) => Promise<Response>` handler. Requests are routed by the real
 * host they are meant for, written as the first path segment:
 * `http://127.0.0.1:8080/music.163.com/weapi/toplist` is NetEase's
 * `https://music.163.com/weapi/toplist`.
 *
 * Frame routes: `GET /_emulation/stats` (the emulated catalog's own
 * counts, and what each platform served: requests, bytes and refusals per
 * endpoint, `counters.ts`), `DELETE /_emulation/stats` (count from zero),
 * `GET /_emulation/config` (what clients need: NetEase's RSA public key,
 * test accounts), `POST /_emulation/faults` (script a fault or set rates),
 * `DELETE /_emulation/faults`.
 *
 * @module
 */
import { type Platform, PLATFORMS } from "../sources/types.ts";
import {
  countedResponse,
  Counters,
  type Endpoint,
  type RequestTally,
  type ServedStats,
} from "./counters.ts";
import { hash32 } from "./_hash.ts";
import {
  type FaultRates,
  type FaultRule,
  Faults,
  htmlErrorPage,
  truncateBody,
} from "./faults.ts";
import { createKuwoEmulator } from "./kuwo/mod.ts";
import { createNeteaseEmulator } from "./netease/mod.ts";
import {
  type EmulatorContext,
  type EmulatorFactory,
  json,
  type PlatformEmulator,
  type Route,
  UrlSigner,
} from "./platform.ts";
import { createQqEmulator } from "./qq/mod.ts";
import {
  World,
  WORLD_SIZES,
  type WorldShape,
  type WorldSize,
  type WorldStats,
} from "./world.ts";

/** Header the handler sets on an answer that stands for a connection reset. */
export const RESET_MARKER = "x-emulation-reset";

/** Factories of the built-in platform emulators. */
export const EMULATORS: Record<Platform, EmulatorFactory> = {
  netease: createNeteaseEmulator,
  qq: createQqEmulator,
  kuwo: createKuwoEmulator,
};

/** Largest playlist of each platform in the `test` world. */
const TEST_BIG_PLAYLIST: Record<Platform, number> = {
  netease: 3000,
  qq: 1500,
  kuwo: 1200,
};

/** Options of `createEmulation()`. */
export interface EmulationOptions {
  /** Seed of the generated catalogs. @default 1 */
  seed?: number;
  /** A named world size. @default "tiny" */
  size?: WorldSize;
  /** Shape overrides for every platform. */
  shape?: Partial<WorldShape>;
  /** Shape overrides per platform, on top of `shape`. */
  shapes?: Partial<Record<Platform, Partial<WorldShape>>>;
  /** The emulation's clock. @default Date.now */
  now?: () => number;
  /** Seconds a media URL stays valid. @default 1200 */
  urlTtlSeconds?: number;
  /** Seeded fault rates. */
  faults?: FaultRates;
  /**
   * Waits out `slow` faults and the `latencyMs` rate (tests pass a fake).
   * @default a `setTimeout` sleep
   */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Replace a platform's emulator.
   * @internal for tests
   */
  emulators?: Partial<Record<Platform, EmulatorFactory>>;
}

/** One platform's counts: its world's, and what it served. */
export interface PlatformStats extends WorldStats {
  /** Requests, bytes and refusals, in total, per kind and per endpoint. */
  served: ServedStats;
}

/** Counts per platform, as `/_emulation/stats` answers them. */
export type EmulationStats = Record<Platform, PlatformStats>;

/** Answers smaller than this are shown to the platform's `refusal()`. */
const REFUSAL_BODY_LIMIT = 64 * 1024;

/** The emulation of all three platforms. */
export class Emulation {
  /**
   * The generated catalog of each platform.
   * @internal tests and benchmarks read it; scripts use `stats()`.
   */
  readonly worlds: Readonly<Record<Platform, World>>;
  /**
   * The fault controller: script faults or set rates.
   * @internal tests script faults here; scripts set rates with the `faults` option
   */
  readonly faults: Faults;
  /** Seconds a media URL stays valid. */
  readonly urlTtlSeconds: number;
  #emulators: Record<Platform, PlatformEmulator>;
  #byHost = new Map<string, PlatformEmulator>();
  #signer: UrlSigner;
  #now: () => number;
  #sleep: (ms: number) => Promise<void>;
  #requests = 0;
  #counters = new Counters();

  /** Generates the three worlds and builds the platform emulators. */
  constructor(options: EmulationOptions = {}) {
    const seed = options.seed ?? 1;
    const size = options.size ?? "tiny";
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ??
      ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.urlTtlSeconds = options.urlTtlSeconds ?? 1200;
    this.faults = new Faults(seed, options.faults);
    this.#signer = new UrlSigner(`emulation-${seed}`);
    const worlds = {} as Record<Platform, World>;
    const emulators = {} as Record<Platform, PlatformEmulator>;
    PLATFORMS.forEach((platform, i) => {
      const overrides: Partial<WorldShape> = {
        ...(size === "test"
          ? { bigPlaylistTracks: TEST_BIG_PLAYLIST[platform] }
          : {}),
        ...options.shape,
        ...options.shapes?.[platform],
      };
      worlds[platform] = new World({
        seed: hash32(seed, i + 1),
        shape: WORLD_SIZES[size],
        overrides,
        songIdBase: [400_000, 100_000_000, 200_000][i]!,
      });
      const factory = options.emulators?.[platform] ?? EMULATORS[platform];
      const emulator = factory(worlds[platform]);
      emulators[platform] = emulator;
      for (const host of emulator.hosts) this.#byHost.set(host, emulator);
    });
    this.worlds = worlds;
    this.#emulators = emulators;
  }

  /** Requests answered so far. */
  get requests(): number {
    return this.#requests;
  }

  /** The emulated catalog's own counts, and what each platform served. */
  stats(): EmulationStats {
    const out = {} as EmulationStats;
    for (const platform of PLATFORMS) {
      out[platform] = {
        ...this.worlds[platform].stats(),
        served: this.#counters.served(platform),
      };
    }
    return out;
  }

  /** Counts what the platforms serve from zero again. */
  resetCounters(): void {
    this.#counters.reset();
  }

  /** What clients need to talk to this emulation. */
  publicConfig(origin: string): Record<string, unknown> {
    const platforms: Record<string, unknown> = {};
    for (const platform of PLATFORMS) {
      platforms[platform] = this.#emulators[platform].publicConfig?.() ?? {};
    }
    return { origin, platforms };
  }

  /** The handler: a pure function of the request (and the emulation's state). */
  handler = async (request: Request): Promise<Response> => {
    this.#requests++;
    const url = new URL(request.url);
    if (url.pathname.startsWith("/_emulation/")) {
      return this.#frameRoute(request, url);
    }
    const slash = url.pathname.indexOf("/", 1);
    const host = decodeURIComponent(
      url.pathname.slice(1, slash < 0 ? undefined : slash),
    );
    const path = slash < 0 ? "/" : url.pathname.slice(slash);
    const emulator = this.#byHost.get(host);
    if (!emulator) {
      return new Response(htmlErrorPage(404, "Not Found"), {
        status: 404,
        headers: { "content-type": "text/html" },
      });
    }
    const route = { host, path, url };
    const endpoint = await endpointOf(emulator, route, request);
    const tally = this.#counters.open(emulator.platform, endpoint);
    const latency = this.faults.latencyFor(`/${host}${path}`);
    if (latency > 0) {
      await this.#sleep(latency);
    }
    const fault = this.faults.transport(emulator.platform, `/${host}${path}`);
    if (fault && fault.kind !== "slow") tally.refuse(fault.kind);
    if (fault) {
      const early = await this.#transportFault(fault);
      if (early) return await countedResponse(early, tally);
    }
    const context = this.#context(emulator.platform, url.origin, tally);
    let response: Response;
    try {
      response = await emulator.handle(request, route, context);
    } catch (error) {
      // an emulator bug must be visible, not a silent hang
      tally.refuse("http 500");
      return await countedResponse(
        new Response(
          htmlErrorPage(500, `Internal Server Error: ${String(error)}`),
          { status: 500, headers: { "content-type": "text/html" } },
        ),
        tally,
      );
    }
    if (response.status >= 400) tally.refuse(`http ${response.status}`);
    const refusal = emulator.refusal?.bind(emulator);
    return await countedResponse(
      await this.#faulted(response, fault),
      tally,
      refusal && ((body) => {
        if (body.byteLength > REFUSAL_BODY_LIMIT) return;
        const kind = refusal(endpoint, new TextDecoder().decode(body));
        if (kind !== undefined) tally.refuse(kind);
      }),
    );
  };

  /** The answer with a transport fault that applies to its body (`truncate`). */
  async #faulted(
    response: Response,
    fault: FaultRule | undefined,
  ): Promise<Response> {
    if (fault?.kind === "truncate" && response.body) {
      const length = Number(response.headers.get("content-length") ?? NaN);
      if (Number.isFinite(length)) {
        return new Response(
          truncateBody(response.body, Math.floor(length / 2)),
          response,
        );
      }
      const body = new Uint8Array(await response.arrayBuffer());
      const headers = new Headers(response.headers);
      headers.set("content-length", String(body.length));
      return new Response(
        truncateBody(
          new Blob([body]).stream(),
          Math.floor(body.length / 2),
        ),
        { status: response.status, headers },
      );
    }
    return response;
  }

  /**
   * An in-process `fetch` over the handler: no sockets. A reset fault
   * throws a `TypeError` as a real connection reset does.
   */
  fetch: (
    input: string | URL | Request,
    init?: RequestInit,
  ) => Promise<Response> = async (input, init) => {
    const request = new Request(input, init);
    const response = await this.handler(request);
    if (response.headers.has(RESET_MARKER)) {
      throw new TypeError("error sending request: connection reset");
    }
    return response;
  };

  #context(
    platform: Platform,
    origin: string,
    tally: RequestTally,
  ): EmulatorContext {
    const faults = this.faults;
    return {
      platform,
      world: this.worlds[platform],
      origin,
      urlTtlSeconds: this.urlTtlSeconds,
      signer: this.#signer,
      now: this.#now,
      business: (path) => {
        const fault = faults.business(platform, path);
        if (fault) tally.refuse("business");
        return fault;
      },
      hostUrl: (host, pathAndQuery) =>
        `${origin}/${host}${
          pathAndQuery.startsWith("/") ? "" : "/"
        }${pathAndQuery}`,
    };
  }

  async #transportFault(fault: FaultRule): Promise<Response | undefined> {
    switch (fault.kind) {
      case "5xx": {
        const status = fault.status ?? 503;
        return new Response(htmlErrorPage(status, "Service Unavailable"), {
          status,
          headers: { "content-type": "text/html" },
        });
      }
      case "429":
        return new Response("Too Many Requests", {
          status: 429,
          headers: { "retry-after": "1", "content-type": "text/plain" },
        });
      case "html":
        return new Response(htmlErrorPage(502, "Bad Gateway"), {
          status: 200,
          headers: { "content-type": "text/html" },
        });
      case "reset":
        return new Response(null, {
          status: 599,
          headers: { [RESET_MARKER]: "1" },
        });
      case "slow":
        await this.#sleep(fault.delayMs ?? 1000);
        return undefined;
      default:
        return undefined;
    }
  }

  async #frameRoute(request: Request, url: URL): Promise<Response> {
    switch (`${request.method} ${url.pathname}`) {
      case "GET /_emulation/stats":
        return json(this.stats());
      case "DELETE /_emulation/stats":
        this.resetCounters();
        return json({ ok: true });
      case "GET /_emulation/config":
        return json(this.publicConfig(url.origin));
      case "GET /_emulation/faults":
        return json({
          rates: this.faults.rates,
          pending: this.faults.pending(),
          injected: this.faults.injected,
        });
      case "POST /_emulation/faults": {
        let body: { rule?: FaultRule; rates?: FaultRates } | null;
        try {
          body = await request.json();
        } catch {
          return json({ error: "expected a JSON body" }, { status: 400 });
        }
        if (typeof body !== "object" || body === null) {
          return json({ error: "expected a JSON object" }, { status: 400 });
        }
        try {
          if (body.rule) this.faults.inject(body.rule);
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          return json({ error: error.message }, { status: 400 });
        }
        if (body.rates) this.faults.setRates(body.rates);
        return json({ ok: true });
      }
      case "DELETE /_emulation/faults":
        this.faults.clear();
        return json({ ok: true });
      default:
        return json({ error: `no route ${url.pathname}` }, { status: 404 });
    }
  }
}

/**
 * The endpoint a request is for: named by its platform's emulator, else
 * `<host><path>` (kind `api`).
 */
function endpointOf(
  emulator: PlatformEmulator,
  route: Route,
  request: Request,
): Promise<Endpoint> | Endpoint {
  if (!emulator.endpoint) {
    return { name: `${route.host}${route.path}`, kind: "api" };
  }
  // read from a copy taken before the handler reads the request
  return emulator.endpoint(
    route,
    () => request.body === null ? Promise.resolve("") : request.clone().text(),
  );
}

/** Creates the emulation of all three platforms. */
export function createEmulation(options: EmulationOptions = {}): Emulation {
  return new Emulation(options);
}
