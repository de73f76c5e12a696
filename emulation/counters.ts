/**
 * What the emulation served, counted per platform and endpoint: requests,
 * body bytes handed out, and refusals by kind. Tests and benchmarks read
 * them at `/_emulation/stats` (each platform's `served`) to measure how
 * many requests a run costs, without a proxy in front of the emulation.
 *
 * An endpoint is named by its platform's emulator (`PlatformEmulator.endpoint`):
 * the QQ gateway by the `module.method` of its labels, a CDN by one name
 * for every file. Without a name the frame uses `<host><path>`.
 *
 * @module
 */
import type { Platform } from "../sources/types.ts";

/**
 * What an endpoint is for: the catalog's lists and details (`api`), the
 * resolution of a song's media URL (`url`), or the media itself (`media`).
 */
export type EndpointKind = "api" | "url" | "media";

/** An endpoint as the counters key it. */
export interface Endpoint {
  /** A stable name: `music.163.com/weapi/toplist`, `u.y.qq.com vkey.GetVkeyServer.CgiGetVkey`. */
  name: string;
  /** What it is for. */
  kind: EndpointKind;
}

/**
 * Why an answer was a refusal: a transport fault (`5xx`, `429`, `html`,
 * `reset`, `truncate`), a scripted `business` fault, an HTTP error status
 * the platform answered itself (`http 403`), or a refusal the platform
 * answers in its own protocol (`rate`, `antibot`, `login`, `sign`, named by
 * the platform's emulator).
 */
export type RefusalKind = string;

/** Counts of one endpoint, or of a platform's endpoints together. */
export interface Tally {
  /** Requests answered. */
  requests: number;
  /** Body bytes handed out (media bodies: as they were read). */
  bytes: number;
  /** Refused answers by kind. */
  refusals: Record<RefusalKind, number>;
}

/** One endpoint's counts. */
export interface EndpointTally extends Tally {
  /** What the endpoint is for. */
  kind: EndpointKind;
}

/** What one platform served: totals, per kind of endpoint, and per endpoint. */
export interface ServedStats extends Tally {
  /** Totals per kind of endpoint. */
  byKind: Record<EndpointKind, Tally>;
  /** Per endpoint name. */
  endpoints: Record<string, EndpointTally>;
}

/** The counts of one request, filled in as it is answered. */
export interface RequestTally {
  /** Counts a refusal of this request. */
  refuse(kind: RefusalKind): void;
  /** Counts body bytes handed out. */
  addBytes(bytes: number): void;
}

function emptyTally(): Tally {
  return { requests: 0, bytes: 0, refusals: {} };
}

/** An empty `ServedStats`. */
export function emptyServed(): ServedStats {
  return {
    ...emptyTally(),
    byKind: { api: emptyTally(), url: emptyTally(), media: emptyTally() },
    endpoints: {},
  };
}

/** The counters of one emulation. */
export class Counters {
  #served = new Map<Platform, ServedStats>();

  /** Counts a request to an endpoint; the returned tally takes its bytes and refusals. */
  open(platform: Platform, endpoint: Endpoint): RequestTally {
    let served = this.#served.get(platform);
    if (!served) {
      served = emptyServed();
      this.#served.set(platform, served);
    }
    let one = served.endpoints[endpoint.name];
    if (!one) {
      one = { kind: endpoint.kind, ...emptyTally() };
      served.endpoints[endpoint.name] = one;
    }
    const tallies = [served, served.byKind[endpoint.kind], one];
    for (const tally of tallies) tally.requests++;
    return {
      refuse(kind) {
        for (const tally of tallies) {
          tally.refusals[kind] = (tally.refusals[kind] ?? 0) + 1;
        }
      },
      addBytes(bytes) {
        for (const tally of tallies) tally.bytes += bytes;
      },
    };
  }

  /** A copy of what a platform served so far. */
  served(platform: Platform): ServedStats {
    return structuredClone(this.#served.get(platform) ?? emptyServed());
  }

  /** Starts counting from zero. */
  reset(): void {
    this.#served.clear();
  }
}

/**
 * What was served between two snapshots of the same counters: `after`
 * minus `before`, endpoint by endpoint.
 */
export function servedSince(
  before: ServedStats,
  after: ServedStats,
): ServedStats {
  const minus = (a: Tally, b: Tally | undefined): Tally => {
    const refusals: Record<string, number> = {};
    for (const [kind, n] of Object.entries(a.refusals)) {
      const d = n - (b?.refusals[kind] ?? 0);
      if (d !== 0) refusals[kind] = d;
    }
    return {
      requests: a.requests - (b?.requests ?? 0),
      bytes: a.bytes - (b?.bytes ?? 0),
      refusals,
    };
  };
  const out: ServedStats = {
    ...minus(after, before),
    byKind: {
      api: minus(after.byKind.api, before.byKind.api),
      url: minus(after.byKind.url, before.byKind.url),
      media: minus(after.byKind.media, before.byKind.media),
    },
    endpoints: {},
  };
  for (const [name, tally] of Object.entries(after.endpoints)) {
    const d = minus(tally, before.endpoints[name]);
    if (d.requests !== 0 || d.bytes !== 0) {
      out.endpoints[name] = { kind: tally.kind, ...d };
    }
  }
  return out;
}

/**
 * The answer with its body counted as it is handed out. A body of known
 * length (a `Content-Length` header: media) is counted chunk by chunk as
 * it is read, so a body the client stops reading counts what it read; any
 * other body is read here, counted, shown to `inspect`, and answered from
 * memory with the same status and headers.
 */
export async function countedResponse(
  response: Response,
  tally: RequestTally,
  inspect?: (body: Uint8Array) => void,
): Promise<Response> {
  const body = response.body;
  if (body === null) return response;
  if (response.headers.has("content-length")) {
    return new Response(countedStream(body, tally), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  tally.addBytes(bytes.byteLength);
  inspect?.(bytes);
  return new Response(bytes, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function countedStream(
  body: ReadableStream<Uint8Array>,
  tally: RequestTally,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        controller.error(error);
        return;
      }
      if (result.done) {
        controller.close();
        return;
      }
      tally.addBytes(result.value.byteLength);
      controller.enqueue(result.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
