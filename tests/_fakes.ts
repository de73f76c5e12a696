/** Fakes shared by the tests: a scripted `fetch`, a recording sleep, a clock. */
import type { Fetch, Sleep } from "../sources/http.ts";

/** One scripted answer: a response, an error to throw, or a function of the call. */
export type Step =
  | Response
  | Error
  | ((input: string, init: RequestInit | undefined) => Promise<Response>);

/** A call the scripted fetch received. */
export interface Call {
  url: string;
  init: RequestInit | undefined;
}

/** A `fetch` that answers each call with the next step; fails loudly when none is left. */
export function scriptedFetch(
  steps: Step[],
): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = [];
  const queue = [...steps];
  const fetch: Fetch = (input, init) => {
    const url = typeof input === "string"
      ? input
      : input instanceof URL
      ? input.href
      : input.url;
    calls.push({ url, init });
    const step = queue.shift();
    if (step === undefined) {
      return Promise.reject(
        new Error(`Unexpected call ${calls.length} to ${url}: no step left`),
      );
    }
    if (step instanceof Response) return Promise.resolve(step);
    if (step instanceof Error) return Promise.reject(step);
    return step(url, init);
  };
  return { fetch, calls };
}

/** A `fetch` that never answers, but rejects with the signal's reason when it aborts. */
export function hangingFetch(input: string, init: RequestInit | undefined) {
  return new Promise<Response>((_resolve, reject) => {
    const signal = init?.signal;
    if (!signal) {
      reject(new Error(`hangingFetch(${input}) needs a signal`));
      return;
    }
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener("abort", () => reject(signal.reason), {
      once: true,
    });
  });
}

/** A clock that only moves when told to (or when the fake sleep runs). */
export class FakeClock {
  time: number;
  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }
  now = (): number => this.time;
}

/**
 * A sleep that resolves at once and records each delay; with a clock, it
 * advances the clock by the delay, as a real sleep would.
 */
export function recordingSleep(
  clock?: FakeClock,
): { sleep: Sleep; delays: number[]; signals: Array<AbortSignal | undefined> } {
  const delays: number[] = [];
  const signals: Array<AbortSignal | undefined> = [];
  const sleep: Sleep = (ms, signal) => {
    delays.push(ms);
    signals.push(signal);
    if (clock) clock.time += ms;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return Promise.resolve();
  };
  return { sleep, delays, signals };
}

/** A JSON response. */
export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  if (!headers.has("content-type")) {
    headers.set("content-type", "application/json");
  }
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** A body that sends `bytes` then breaks off with an error. */
export function brokenBody(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(bytes);
        return;
      }
      controller.error(new Error("connection reset by peer"));
    },
  });
}

/** Reads a whole stream, returning its bytes or the error that broke it off. */
export async function drain(
  body: ReadableStream<Uint8Array>,
): Promise<{ bytes: Uint8Array; error: unknown }> {
  const chunks: Uint8Array[] = [];
  let error: unknown;
  try {
    for await (const chunk of body) chunks.push(chunk);
  } catch (e) {
    error = e;
  }
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { bytes, error };
}

/** A seeded generator of floats in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
