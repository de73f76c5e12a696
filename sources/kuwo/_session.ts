/**
 * The web session: the `Hm_Iuvt_...` cookie from the home page, the
 * `Secret` header on every signed `www` route, and one refresh-and-retry
 * when the route answers "The request is illegal!" (§2).
 *
 * @module
 */
import { isSourceError, SourceError } from "../errors.ts";
import type { SourceConfig } from "../config.ts";
import {
  BROWSER_UA,
  COOKIE_PATTERN,
  COOKIE_REFRESH_MS,
  HOSTS,
  ILLEGAL_PATTERN,
} from "./_constants.ts";
import { isObject, type Json, toNumber, toText } from "./_parse.ts";
import { drawNonce, secret } from "./_secret.ts";

/** The session cookie, as the home page set it. */
export interface SessionCookie {
  name: string;
  value: string;
  /** When it was obtained (the config's clock). */
  obtainedAt: number;
}

/** Reads the session cookie out of `Set-Cookie` headers (§2.1). */
export function cookieFromHeaders(headers: Headers): SessionCookie | undefined {
  const lines = headers.getSetCookie();
  const all = lines.length > 0 ? lines : [headers.get("set-cookie") ?? ""];
  for (const line of all) {
    const match = COOKIE_PATTERN.exec(line);
    if (match) return { name: match[1]!, value: match[2]!, obtainedAt: 0 };
  }
  return undefined;
}

/** Throws for a `www` body that is an anti-bot refusal or a business error. */
export function checkWwwBody(body: unknown, url: string): asserts body is Json {
  if (!isObject(body)) {
    throw new SourceError("kuwo: expected a JSON object", {
      platform: "kuwo",
      kind: "malformed",
      url,
    });
  }
  if (body.success === false) {
    const message = toText(body.message) ?? "";
    throw new SourceError(
      ILLEGAL_PATTERN.test(message)
        ? "kuwo: the signed route refused the session (The request is illegal!)"
        : `kuwo: the signed route refused the request: ${message}`,
      { platform: "kuwo", kind: "sign", url, retryable: false },
    );
  }
  const code = toNumber(body.code);
  if (code === 200) return;
  if (code === -1) {
    throw new SourceError(
      `kuwo: not found (code -1${body.msg ? `, ${toText(body.msg)}` : ""})`,
      { platform: "kuwo", kind: "not_found", url, code },
    );
  }
  throw new SourceError(
    `kuwo: unexpected code ${JSON.stringify(body.code)} (${
      toText(body.msg) ?? "no message"
    })`,
    {
      platform: "kuwo",
      kind: code === undefined ? "malformed" : "http",
      url,
      ...(code === undefined ? {} : { code }),
      retryable: false,
    },
  );
}

/** Whether an error means the session is stale: refresh and retry once (§2.7). */
function isStaleSession(error: unknown): boolean {
  return isSourceError(error, "sign") ||
    (isSourceError(error, "http") &&
      (error.status === 401 || error.status === 403));
}

/** A UUID v4 from the config's random source (`reqId`, §2.6). */
function uuid(random: () => number): string {
  const hex = Array.from(
    { length: 32 },
    (_, i) =>
      i === 12
        ? "4"
        : i === 16
        ? (8 + Math.floor(random() * 4)).toString(16)
        : Math.floor(random() * 16).toString(16),
  ).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${
    hex.slice(16, 20)
  }-${hex.slice(20)}`;
}

/** The session of one source. */
export class KuwoSession {
  #config: SourceConfig;
  #cookie: SessionCookie | undefined;
  #pending: Promise<SessionCookie> | undefined;
  /** Home page fetches so far (tests and logs). */
  bootstraps = 0;

  constructor(config: SourceConfig) {
    this.#config = config;
  }

  /** The current cookie, fetching a fresh one when absent or old. */
  cookie(signal?: AbortSignal): Promise<SessionCookie> {
    const cookie = this.#cookie;
    if (
      cookie && this.#config.now() - cookie.obtainedAt < COOKIE_REFRESH_MS
    ) {
      return Promise.resolve(cookie);
    }
    this.#pending ??= this.#bootstrap(signal).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets a cookie the server refused (a newer one is kept). */
  invalidate(cookie: SessionCookie): void {
    if (this.#cookie === cookie) this.#cookie = undefined;
  }

  /**
   * A signed `GET` of `www.kuwo.cn` (§2.3, §2.6): cookie, `Secret`,
   * `reqId`, `httpsStatus=1`. On a refusal, fetches a new cookie and
   * retries once. `validate` runs inside the HTTP layer's check, so a body
   * it rejects as `malformed` is retried like any malformed body.
   */
  async signedJson(
    path: string,
    query: string,
    referer: string,
    options: { signal?: AbortSignal; validate?: (body: Json) => void } = {},
  ): Promise<Json> {
    const { http, urls, random } = this.#config;
    for (let attempt = 0;; attempt++) {
      const cookie = await this.cookie(options.signal);
      const signature = secret(cookie.value, cookie.name, drawNonce(random));
      if (signature === undefined) {
        throw new SourceError(
          `kuwo: cannot sign with the cookie name '${cookie.name}'`,
          { platform: "kuwo", kind: "sign", retryable: false },
        );
      }
      const url = urls.to(
        `${HOSTS.www}${path}?${query}&httpsStatus=1&reqId=${uuid(random)}`,
      );
      try {
        return await http.json<Json>(
          url,
          {
            headers: {
              "User-Agent": BROWSER_UA,
              Referer: referer,
              Cookie: `${cookie.name}=${cookie.value}`,
              Secret: signature,
            },
            ...(options.signal ? { signal: options.signal } : {}),
          },
          (body) => {
            checkWwwBody(body, url);
            options.validate?.(body);
          },
        );
      } catch (error) {
        if (attempt > 0 || !isStaleSession(error)) throw error;
        this.invalidate(cookie);
      }
    }
  }

  async #bootstrap(signal: AbortSignal | undefined): Promise<SessionCookie> {
    const { http, urls, now } = this.#config;
    const url = urls.to(`${HOSTS.www}/`);
    this.bootstraps++;
    // The edge sometimes answers an error status that still sets the
    // cookie (§2.2): keep the cookie whatever the (non-5xx) status.
    const response = await http.request(url, {
      headers: { "User-Agent": BROWSER_UA },
      ...(signal ? { signal } : {}),
    });
    await response.body?.cancel().catch(() => {});
    const cookie = cookieFromHeaders(response.headers);
    if (!cookie) {
      throw new SourceError(
        `kuwo: the home page set no Hm_Iuvt_ cookie (HTTP ${response.status})`,
        {
          platform: "kuwo",
          kind: "sign",
          url,
          status: response.status,
          retryable: false,
        },
      );
    }
    cookie.obtainedAt = now();
    this.#cookie = cookie;
    return cookie;
  }
}
