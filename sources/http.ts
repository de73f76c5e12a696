/**
 * The one HTTP layer every platform client uses: timeouts, retries with
 * exponential backoff and jitter, a per-platform pace, and guards that turn
 * HTML pages, bad statuses and malformed bodies into typed `SourceError`s.
 * With a recorder (`--record`), it hands over every exchange it makes, each
 * attempt of a retry included; the recorder (outside `sources/`) redacts
 * and writes them.
 *
 * @module
 */
import { shortUrl, SourceError } from "./errors.ts";
import {
  base64Of,
  bodyText,
  type Exchange,
  type ExchangeRecorder,
  headerRecord,
} from "./exchange.ts";
import type { Platform } from "./types.ts";
import {
  describeBody,
  looksLikeHtml,
  parseRetryAfter,
} from "./_http_guards.ts";

export { shortUrl };
export { describeBody, looksLikeHtml, parseRetryAfter };
export type { Exchange, ExchangeRecorder };

/** A `fetch`-compatible function. */
export type Fetch = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/** Sleeps for `ms` milliseconds; rejects when the signal aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** What the layer reports before each retry. */
export interface RetryInfo {
  /** The platform this client talks to. */
  platform: Platform;
  /** The attempt about to be retried (1 = the first). */
  attempt: number;
  /** Retries allowed. */
  retries: number;
  /** Milliseconds before the retry. */
  delayMs: number;
  /** The error that is retried. */
  error: SourceError;
}

/** Options of an `HttpClient`. */
export interface HttpClientOptions {
  /** The platform this client talks to. */
  platform: Platform;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: Fetch;
  /** Sleeps (injectable for tests). @default a `setTimeout` sleep */
  sleep?: Sleep;
  /** The clock, epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Jitter source. @default Math.random */
  random?: () => number;
  /** Per-attempt timeout. @default 20000 */
  timeoutMs?: number;
  /** Builds the timeout signal of one attempt. @default AbortSignal.timeout */
  timeoutSignal?: (ms: number) => AbortSignal;
  /** Retries after the first attempt. @default 4 */
  retries?: number;
  /** First backoff delay. @default 500 */
  backoffBaseMs?: number;
  /** Longest backoff delay (a `Retry-After` may ask for up to twice this). @default 30000 */
  backoffMaxMs?: number;
  /** Requests per second this client starts at most; 0 disables. @default 5 */
  ratePerSecond?: number;
  /** Called before each retry, for logs. */
  onRetry?: (info: RetryInfo) => void;
  /** Takes every exchange made (`--record`). */
  recorder?: ExchangeRecorder;
}

/** Per-request options on top of `RequestInit`. */
export interface HttpRequestInit extends RequestInit {
  /** Retry transient failures. @default true */
  retry?: boolean;
  /** Overrides the client's timeout for this request. */
  timeoutMs?: number;
  /**
   * What an encrypted body says (NetEase's weapi/eapi parameters), for a
   * recorder: recorded in place of the body, never sent.
   */
  plaintext?: unknown;
}

/**
 * Checks a parsed body for the platform's business errors: throws a
 * `SourceError` (retryable ones, like rate limits, are retried).
 */
export type BodyCheck<T> = (body: T, response: Response) => void;

/** The default sleep, on real timers. */
export const realSleep: Sleep = (ms, signal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const id = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(id);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** One attempt's response, with the timeout that covers reading its body. */
interface Attempt {
  response: Response;
  timeout: AbortSignal;
  timeoutMs: number;
  /** Records the exchange once it ended (a no-op without a recorder). */
  record(fields: Partial<Exchange>): void;
}

/** One platform's HTTP client. */
export class HttpClient {
  /** The platform this client talks to. */
  readonly platform: Platform;
  #fetch: Fetch;
  #sleep: Sleep;
  #now: () => number;
  #random: () => number;
  #timeoutMs: number;
  #timeoutSignal: (ms: number) => AbortSignal;
  #retries: number;
  #backoffBaseMs: number;
  #backoffMaxMs: number;
  #intervalMs: number;
  #nextSlot = 0;
  #onRetry: ((info: RetryInfo) => void) | undefined;
  #recorder: ExchangeRecorder | undefined;

  /** A client for one platform; see `HttpClientOptions` for the defaults. */
  constructor(options: HttpClientOptions) {
    this.platform = options.platform;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#sleep = options.sleep ?? realSleep;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#timeoutMs = options.timeoutMs ?? 20_000;
    this.#timeoutSignal = options.timeoutSignal ??
      ((ms) => AbortSignal.timeout(ms));
    this.#retries = options.retries ?? 4;
    this.#backoffBaseMs = options.backoffBaseMs ?? 500;
    this.#backoffMaxMs = options.backoffMaxMs ?? 30_000;
    const rate = options.ratePerSecond ?? 5;
    this.#intervalMs = rate > 0 ? 1000 / rate : 0;
    this.#onRetry = options.onRetry;
    this.#recorder = options.recorder;
  }

  /**
   * Fetches a URL, retrying network errors, timeouts, 5xx and 429. Other
   * statuses come back as they are: the caller decides what a 403 means.
   * The body is not read; the timeout covers the response headers.
   */
  request(url: string, init: HttpRequestInit = {}): Promise<Response> {
    return this.#withRetries(init, async (signal) => {
      const { response, record } = await this.#attempt(url, init, signal);
      // the body is the caller's to read: the recording has no body
      record({});
      this.#throwOnTransientStatus(url, response);
      return response;
    });
  }

  /** Fetches a URL and returns its body as text, after `res.ok` and HTML guards. */
  text(url: string, init: HttpRequestInit = {}): Promise<string> {
    return this.#read(url, init, (attempt) => this.#readText(url, attempt));
  }

  /**
   * Fetches a URL and returns its body's bytes, after the `res.ok` guard
   * (a body that is not text: Kuwo's `newlyric.lrc`); `check` turns what
   * the bytes say into errors inside the retry loop, as `json()`'s does.
   */
  bytes(
    url: string,
    init: HttpRequestInit = {},
    check?: BodyCheck<Uint8Array>,
  ): Promise<Uint8Array> {
    return this.#read(
      url,
      init,
      (attempt) => this.#readBytes(url, attempt),
      check,
    );
  }

  /**
   * Fetches a URL and parses its body as JSON, after `res.ok`, HTML and
   * syntax guards; `check` turns the platform's business codes into errors.
   */
  json<T = unknown>(
    url: string,
    init: HttpRequestInit = {},
    check?: BodyCheck<T>,
  ): Promise<T> {
    return this.#read(url, init, async (attempt) =>
      this.parseJson<T>(
        url,
        await this.#readText(url, attempt),
        attempt.response.status,
      ), check);
  }

  /**
   * One request read by `read`, its body checked by `check`, both inside
   * the retry loop: a retryable error from either asks again.
   */
  #read<T>(
    url: string,
    init: HttpRequestInit,
    read: (attempt: Attempt) => Promise<T>,
    check?: BodyCheck<T>,
  ): Promise<T> {
    return this.#withRetries(init, async (signal) => {
      const attempt = await this.#attempt(url, init, signal);
      const body = await read(attempt);
      check?.(body, attempt.response);
      return body;
    });
  }

  /** Parses JSON text, turning a syntax error into a `malformed` error. */
  parseJson<T = unknown>(url: string, text: string, status?: number): T {
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new SourceError(
        `${this.platform}: expected JSON from ${shortUrl(url)}, got ${
          describeBody(text)
        }`,
        {
          platform: this.platform,
          kind: "malformed",
          url,
          ...(status === undefined ? {} : { status }),
          cause,
        },
      );
    }
  }

  async #withRetries<T>(
    init: HttpRequestInit,
    attempt: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    const retries = init.retry === false ? 0 : this.#retries;
    for (let n = 0;; n++) {
      await this.#pace(init.signal ?? undefined);
      try {
        return await attempt(init.signal ?? undefined);
      } catch (error) {
        // the caller gave up (e.g. mid-body): its reason, and no retry
        if (init.signal?.aborted) throw init.signal.reason;
        if (!(error instanceof SourceError) || !error.retryable) throw error;
        if (n >= retries) throw error;
        const delayMs = this.#backoff(n, error);
        this.#onRetry?.({
          platform: this.platform,
          attempt: n + 1,
          retries,
          delayMs,
          error,
        });
        await this.#sleep(delayMs, init.signal ?? undefined);
      }
    }
  }

  async #attempt(
    url: string,
    init: HttpRequestInit,
    callerSignal: AbortSignal | undefined,
  ): Promise<Attempt> {
    const timeoutMs = init.timeoutMs ?? this.#timeoutMs;
    const timeout = this.#timeoutSignal(timeoutMs);
    const signal = callerSignal
      ? AbortSignal.any([callerSignal, timeout])
      : timeout;
    const {
      retry: _retry,
      timeoutMs: _timeoutMs,
      plaintext: _plaintext,
      ...requestInit
    } = init;
    const startedAt = this.#now();
    const record = (fields: Partial<Exchange>) =>
      this.#record(url, init, startedAt, fields);
    try {
      const response = await this.#fetch(url, { ...requestInit, signal });
      const responded = (fields: Partial<Exchange>) =>
        record({
          status: response.status,
          responseHeaders: headerRecord(response.headers),
          ...fields,
        });
      return { response, timeout, timeoutMs, record: responded };
    } catch (cause) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      record({ error: messageOf(cause) });
      if (timeout.aborted) {
        throw new SourceError(
          `${this.platform}: no answer from ${
            shortUrl(url)
          } within ${timeoutMs} ms`,
          { platform: this.platform, kind: "timeout", url, cause },
        );
      }
      throw new SourceError(
        `${this.platform}: connection to ${shortUrl(url)} failed: ${
          messageOf(cause)
        }`,
        { platform: this.platform, kind: "network", url, cause },
      );
    }
  }

  /** Hands one exchange to the recorder; a recorder's failure never fails the request. */
  #record(
    url: string,
    init: HttpRequestInit,
    startedAt: number,
    fields: Partial<Exchange>,
  ): void {
    const recorder = this.#recorder;
    if (!recorder) return;
    const exchange: Exchange = {
      platform: this.platform,
      method: (init.method ?? "GET").toUpperCase(),
      url,
      requestHeaders: headerRecord(new Headers(init.headers ?? undefined)),
      startedAt,
      durationMs: Math.max(0, this.#now() - startedAt),
      ...fields,
    };
    if (init.plaintext !== undefined) {
      exchange.requestPlaintext = init.plaintext;
    } else if (init.body !== undefined && init.body !== null) {
      exchange.requestBody = bodyText(init.body);
    }
    try {
      recorder.record(exchange);
    } catch {
      // a recording is an aid: it never costs the run an answer
    }
  }

  #throwOnTransientStatus(url: string, response: Response): void {
    const status = response.status;
    if (status !== 429 && status < 500) return;
    response.body?.cancel().catch(() => {});
    const retryAfter = parseRetryAfter(
      response.headers.get("retry-after"),
      this.#now(),
    );
    throw new SourceError(
      status === 429
        ? `${this.platform}: rate limited by ${shortUrl(url)} (HTTP 429)`
        : `${this.platform}: HTTP ${status} from ${shortUrl(url)}`,
      {
        platform: this.platform,
        kind: status === 429 ? "rate_limited" : "http",
        status,
        url,
        ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      },
    );
  }

  async #readText(url: string, attempt: Attempt): Promise<string> {
    const response = attempt.response;
    const text = new TextDecoder().decode(
      await this.#readBytes(url, attempt, true),
    );
    const type = response.headers.get("content-type") ?? "";
    if (type.includes("text/html") || looksLikeHtml(text)) {
      throw new SourceError(
        `${this.platform}: ${shortUrl(url)} answered an HTML page (${
          describeBody(text)
        })`,
        {
          platform: this.platform,
          kind: "html",
          status: response.status,
          url,
        },
      );
    }
    return text;
  }

  /** The body's bytes, recorded (as text when `asText`, else in base64), after `res.ok`. */
  async #readBytes(
    url: string,
    attempt: Attempt,
    asText = false,
  ): Promise<Uint8Array> {
    const { response, timeout, timeoutMs, record } = attempt;
    if (response.status === 429 || response.status >= 500) record({});
    this.#throwOnTransientStatus(url, response);
    let body: Uint8Array;
    try {
      body = new Uint8Array(await response.arrayBuffer());
      record(
        asText
          ? { responseBody: new TextDecoder().decode(body) }
          : { responseBodyBase64: base64Of(body) },
      );
    } catch (cause) {
      record({ error: `the body broke off: ${messageOf(cause)}` });
      if (timeout.aborted) {
        throw new SourceError(
          `${this.platform}: the body from ${
            shortUrl(url)
          } did not arrive within ${timeoutMs} ms`,
          {
            platform: this.platform,
            kind: "timeout",
            url,
            status: response.status,
            cause,
          },
        );
      }
      throw new SourceError(
        `${this.platform}: the body from ${shortUrl(url)} broke off: ${
          messageOf(cause)
        }`,
        {
          platform: this.platform,
          kind: "network",
          url,
          status: response.status,
          cause,
        },
      );
    }
    if (!response.ok) {
      throw new SourceError(
        `${this.platform}: HTTP ${response.status} from ${shortUrl(url)}`,
        {
          platform: this.platform,
          kind: "http",
          status: response.status,
          url,
          retryable: false,
        },
      );
    }
    return body;
  }

  async #pace(signal: AbortSignal | undefined): Promise<void> {
    if (this.#intervalMs === 0) return;
    const now = this.#now();
    const slot = Math.max(now, this.#nextSlot);
    this.#nextSlot = slot + this.#intervalMs;
    if (slot > now) await this.#sleep(slot - now, signal);
  }

  #backoff(attempt: number, error: SourceError): number {
    const ceiling = Math.min(
      this.#backoffMaxMs,
      this.#backoffBaseMs * 2 ** attempt,
    );
    const jittered = ceiling / 2 + this.#random() * ceiling / 2;
    const asked = (error.retryAfterSeconds ?? 0) * 1000;
    return Math.round(
      Math.min(Math.max(jittered, asked), this.#backoffMaxMs * 2),
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
