/**
 * Fault injection for the emulation: seeded rates for soak runs and
 * scripted rules ("the next two calls to /weapi/playlist/list fail") for
 * tests that must fail in one exact way.
 *
 * @module
 */
import type { Platform } from "../sources/types.ts";
import { unit } from "./_hash.ts";

/**
 * Transport faults the router applies to any request:
 * - `5xx`: an HTTP 503 (or `status`) with a short HTML body;
 * - `429`: HTTP 429 with `Retry-After`;
 * - `html`: HTTP 200 with an HTML error page instead of the answer;
 * - `reset`: the connection is cut before any byte of the body: the
 *   platform answers, then the in-process `fetch` throws and a server
 *   sends the answer's own status and headers and cuts the connection;
 * - `truncate`: the answer is cut half-way through its body;
 * - `slow`: the answer is delayed by `delayMs`.
 *
 * `business` faults are answered by the platform itself, in its own
 * protocol (`code: -460`, `code: 2001`, `success: false` ...).
 */
export type FaultKind =
  | "5xx"
  | "429"
  | "html"
  | "reset"
  | "truncate"
  | "slow"
  | "business";

/** A scripted fault. */
export interface FaultRule {
  /** What happens to the matching requests. */
  kind: FaultKind;
  /** Only requests whose `/<host>/<path>` contains this text. */
  match?: string;
  /** Only requests to this platform. */
  platform?: Platform;
  /** How many requests it hits. @default 1 */
  times?: number;
  /** HTTP status of a `5xx` fault. @default 503 */
  status?: number;
  /** Delay of a `slow` fault. @default 1000 */
  delayMs?: number;
  /** The platform's business code of a `business` fault (`-460`, `2001`...). */
  code?: number | string;
}

/** Seeded fault rates, each a probability per request. */
export interface FaultRates {
  /** Share of requests answered HTTP 503. */
  error5xx?: number;
  /** Share of requests answered HTTP 429. */
  rateLimit?: number;
  /** Share of requests answered an HTML error page with status 200. */
  html?: number;
  /** Share of requests whose connection is cut. */
  reset?: number;
  /** Share of requests whose body is cut half-way. */
  truncate?: number;
  /** Added to every answer. */
  latencyMs?: number;
  /** Only requests whose path contains this text. */
  match?: string;
}

/** The fault controller of one emulation. */
export class Faults {
  #rules: Array<FaultRule & { left: number }> = [];
  #rates: FaultRates;
  #seed: number;
  #counter = 0;
  /** How many faults of each kind were injected. */
  readonly injected: Record<FaultKind, number> = {
    "5xx": 0,
    "429": 0,
    html: 0,
    reset: 0,
    truncate: 0,
    slow: 0,
    business: 0,
  };

  /** A controller with a seed for its rates and optional initial rates. */
  constructor(seed = 1, rates: FaultRates = {}) {
    this.#seed = seed;
    this.#rates = { ...rates };
  }

  /** The current rates. */
  get rates(): Readonly<FaultRates> {
    return this.#rates;
  }

  /** Replaces the rates. */
  setRates(rates: FaultRates): void {
    this.#rates = { ...rates };
  }

  /** Scripts a fault. */
  inject(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times > 0)) {
      throw new RangeError(`Cannot inject a fault ${times} times`);
    }
    this.#rules.push({ ...rule, left: times });
  }

  /** Drops every scripted fault and rate. */
  clear(): void {
    this.#rules = [];
    this.#rates = {};
  }

  /** Scripted faults not yet used up. */
  pending(): FaultRule[] {
    return this.#rules.map(({ left, ...rule }) => ({ ...rule, times: left }));
  }

  /** The transport fault for a request, if any (rules first, then rates). */
  transport(
    platform: Platform | undefined,
    path: string,
  ): FaultRule | undefined {
    const rule = this.#take(platform, path, (kind) => kind !== "business");
    if (rule) return rule;
    const rates = this.#rates;
    if (rates.match !== undefined && !path.includes(rates.match)) {
      return undefined;
    }
    const n = this.#counter++;
    const roll = (salt: number) => unit(this.#seed, 7000 + salt, n);
    let fault: FaultRule | undefined;
    if (roll(1) < (rates.error5xx ?? 0)) fault = { kind: "5xx" };
    else if (roll(2) < (rates.rateLimit ?? 0)) fault = { kind: "429" };
    else if (roll(3) < (rates.html ?? 0)) fault = { kind: "html" };
    else if (roll(4) < (rates.reset ?? 0)) fault = { kind: "reset" };
    else if (roll(5) < (rates.truncate ?? 0)) fault = { kind: "truncate" };
    if (fault) this.injected[fault.kind]++;
    return fault;
  }

  /** Milliseconds every answer to this path is delayed by (the `latencyMs` rate). */
  latencyFor(path: string): number {
    const rates = this.#rates;
    if (rates.match !== undefined && !path.includes(rates.match)) return 0;
    return Math.max(0, rates.latencyMs ?? 0);
  }

  /** Takes a scripted business fault for a platform call, if one matches. */
  business(platform: Platform, path: string): FaultRule | undefined {
    return this.#take(platform, path, (kind) => kind === "business");
  }

  #take(
    platform: Platform | undefined,
    path: string,
    accept: (kind: FaultKind) => boolean,
  ): FaultRule | undefined {
    const index = this.#rules.findIndex((rule) =>
      accept(rule.kind) &&
      (rule.platform === undefined || rule.platform === platform) &&
      (rule.match === undefined || path.includes(rule.match))
    );
    if (index < 0) return undefined;
    const rule = this.#rules[index]!;
    rule.left--;
    if (rule.left <= 0) this.#rules.splice(index, 1);
    this.injected[rule.kind]++;
    const { left: _left, ...out } = rule;
    return out;
  }
}

/**
 * Header the handler sets on an answer whose connection is to be cut: the
 * in-process `fetch` throws as for a reset before the answer, a server
 * sends its status and headers and cuts the connection before the body.
 */
export const RESET_MARKER = "x-emulation-reset";

/**
 * The answer a transport fault gives instead of the platform's (`5xx`,
 * `429`, `html`), after the delay of a `slow` one; `undefined` when the
 * platform answers (a `slow`, `reset` or `truncate` fault).
 */
export async function faultAnswer(
  fault: FaultRule,
  sleep: (ms: number) => Promise<void>,
): Promise<Response | undefined> {
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
    case "slow":
      await sleep(fault.delayMs ?? 1000);
      return undefined;
    default:
      return undefined;
  }
}

/**
 * The platform's answer with a transport fault that applies to it: a
 * `reset` marks it (`RESET_MARKER`), a `truncate` cuts its body half-way.
 */
export async function withBodyFault(
  response: Response,
  fault: FaultRule | undefined,
): Promise<Response> {
  if (fault?.kind === "reset") {
    // the platform did the work; the answer is lost on the way
    const headers = new Headers(response.headers);
    headers.set(RESET_MARKER, "1");
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
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

/** An HTML error page, as gateways answer. */
export function htmlErrorPage(status: number, title: string): string {
  return `<!DOCTYPE html>\n<html><head><title>${status} ${title}</title></head>` +
    `<body><center><h1>${status} ${title}</h1></center><hr><center>emulated gateway</center></body></html>\n`;
}

/** Wraps a body so that it breaks off after `limit` bytes. */
export function truncateBody(
  body: ReadableStream<Uint8Array>,
  limit: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= limit) {
        reader.cancel().catch(() => {});
        controller.error(new Error("connection reset by the emulation"));
        return;
      }
      const { value, done } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      const room = limit - sent;
      const chunk = value.length > room ? value.subarray(0, room) : value;
      sent += chunk.length;
      controller.enqueue(chunk);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
