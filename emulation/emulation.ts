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
 * test accounts; and the behaviours in force), `POST` or `PUT
 * /_emulation/config` (`{"behaviours": {...}}`: switch the modelled
 * behaviours of real answers, see `behaviours.ts`), `POST /_emulation/faults`
 * (script a fault or set rates), `DELETE /_emulation/faults`.
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
import { declaredList } from "./_hidden.ts";
import {
  type Behaviours,
  DEFAULT_BEHAVIOURS,
  withBehaviours,
} from "./behaviours.ts";
import {
  faultAnswer,
  type FaultRates,
  type FaultRule,
  Faults,
  htmlErrorPage,
  RESET_MARKER,
  withBodyFault,
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

export { RESET_MARKER } from "./faults.ts";
import {
  World,
  WORLD_SIZES,
  type WorldShape,
  type WorldSize,
  type WorldStats,
} from "./world.ts";

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
   * The modelled behaviours of real answers, on top of the defaults (a
   * seeded share of each), or `"off"` for the happy path alone.
   * @default DEFAULT_BEHAVIOURS
   */
  behaviours?: Partial<Behaviours> | "off";
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

/** A platform's counts, as `/_emulation/stats` answers them. */
export interface PlatformStats extends WorldStats {
  /**
   * Playlists and charts whose declared total exceeds the songs they hold
   * (hidden songs): a correct sync records each as a mismatch.
   */
  shortLists: number;
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
  #behaviours: Behaviours;
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
    this.#behaviours = withBehaviours(
      DEFAULT_BEHAVIOURS,
      options.behaviours ?? {},
    );
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

  /** The behaviours of real answers in force. */
  get behaviours(): Readonly<Behaviours> {
    return this.#behaviours;
  }

  /**
   * Switches behaviours: a partial `Behaviours`, `"off"` or `"default"`
   * (see `withBehaviours()`); throws a `RangeError` for a bad knob.
   */
  setBehaviours(patch: Partial<Behaviours> | "off" | "default"): void {
    this.#behaviours = withBehaviours(this.#behaviours, patch);
  }

  /**
   * The emulated catalog's own counts: what a correct client can resolve
   * under the behaviours in force.
   */
  stats(): EmulationStats {
    const out = {} as EmulationStats;
    for (const platform of PLATFORMS) {
      const world = this.worlds[platform];
      let shortLists = 0;
      for (let p = 0; p < world.shape.playlists; p++) {
        const list = declaredList(
          world.seed,
          world.playlist(p),
          this.#behaviours,
        );
        if (list.hidden.length > 0) shortLists++;
      }
      for (let c = 0; c < world.shape.charts; c++) {
        const list = declaredList(world.seed, world.chart(c), this.#behaviours);
        if (list.hidden.length > 0) shortLists++;
      }
      out[platform] = {
        ...world.stats(),
        shortLists,
        served: this.#counters.served(platform),
      };
    }
    return out;
  }

  /** Counts what the platforms serve from zero again. */
  resetCounters(): void {
    this.#counters.reset();
  }

  /** What clients need to talk to this emulation, and the behaviours in force. */
  publicConfig(origin: string): Record<string, unknown> {
    const platforms: Record<string, unknown> = {};
    for (const platform of PLATFORMS) {
      platforms[platform] = this.#emulators[platform].publicConfig?.() ?? {};
    }
    return { origin, platforms, behaviours: this.#behaviours };
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
      const early = await faultAnswer(fault, this.#sleep);
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
      await withBodyFault(response, fault),
      tally,
      refusal && ((body) => {
        if (body.byteLength > REFUSAL_BODY_LIMIT) return;
        const kind = refusal(endpoint, new TextDecoder().decode(body));
        if (kind !== undefined) tally.refuse(kind);
      }),
    );
  };

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
      await response.body?.cancel().catch(() => {});
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
      behaviours: this.#behaviours,
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

  /** `POST`/`PUT /_emulation/config`: `{"behaviours": {...} | "off" | "default"}`. */
  async #configure(request: Request, url: URL): Promise<Response> {
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return json({ error: "expected a JSON body" }, { status: 400 });
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return json({ error: "expected a JSON object" }, { status: 400 });
    }
    const { behaviours, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      return json(
        { error: `Cannot configure '${unknown[0]}': only behaviours` },
        { status: 400 },
      );
    }
    if (behaviours !== undefined) {
      try {
        this.#behaviours = withBehaviours(this.#behaviours, behaviours);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        return json({ error: error.message }, { status: 400 });
      }
    }
    return json(this.publicConfig(url.origin));
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
      case "POST /_emulation/config":
      case "PUT /_emulation/config":
        return await this.#configure(request, url);
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
