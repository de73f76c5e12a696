/**
 * The web session: the `Hm_Iuvt_...` cookie the home page sets (§2.1),
 * fetched once and shared, refreshed when old, and forgotten when a signed
 * route refuses it (the transport then fetches a new one and retries once,
 * §2.7).
 *
 * @module
 */
import type { SourceConfig } from "../config.ts";
import { SourceError } from "../errors.ts";
import {
  BROWSER_UA,
  COOKIE_PATTERN,
  COOKIE_REFRESH_MS,
  HOSTS,
} from "./_constants.ts";

/** The session cookie, as the home page set it. */
export interface SessionCookie {
  /** The cookie's name (`Hm_Iuvt_...`): it picks the `Secret` constants. */
  name: string;
  /** The cookie's value: the `Secret` key. */
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

/** The session of one source. */
export class KuwoSession {
  #config: SourceConfig;
  #cookie: SessionCookie | undefined;
  #pending: Promise<SessionCookie> | undefined;
  /** Home page fetches so far (tests and logs). */
  bootstraps = 0;

  /** The session of a source, without a cookie until one is asked for. */
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
