/**
 * How the Kuwo source speaks to the platform: unsigned `wapi` GETs (the
 * square and the charts), signed `www` GETs (cookie, `Secret`, `reqId`,
 * one refresh-and-retry when the session is refused, §2), nplserver
 * `pl.svc` GETs (§7.2), `mobi.s` in its plain and KuwoDES forms (§9.2,
 * §9.3), and the CDN; each platform's business answer (`code`, `success`,
 * `result`) turned into a `SourceError` inside the HTTP layer's retries.
 *
 * @module
 */
import type { SourceConfig } from "../config.ts";
import { isSourceError, SourceError } from "../errors.ts";
import { asNumber, asText, isObject, type Json } from "../_json.ts";
import {
  BROWSER_UA,
  HOSTS,
  ILLEGAL_PATTERN,
  type MobiSource,
  NPLSERVER_QUERY,
  type Rung,
} from "./_constants.ts";
import { kuwoDesEncrypt } from "./_kuwo_des.ts";
import { read } from "./_parse.ts";
import {
  type MobiAnswer,
  parseMobiJson,
  parseMobiText,
} from "./_parse_offers.ts";
import { drawNonce, secret } from "./_secret.ts";
import { KuwoSession } from "./_session.ts";

/**
 * Which form of `mobi.s` resolves URLs: `plain` is `convert_url_with_sign`
 * with `f=web` (§9.2), `des` is `convert_url2` with a KuwoDES `q` (§9.3).
 */
export type OfferPath = "plain" | "des";

/** Options of a signed `www` GET. */
export interface WwwOptions {
  /** Aborts the request. */
  signal?: AbortSignal;
  /**
   * Runs on the checked body inside the HTTP layer's check, so that a body
   * it rejects as `malformed` is retried like any malformed body.
   */
  validate?: (body: Json) => void;
}

/** The requests of one Kuwo source. */
export class KuwoTransport {
  /** What the source was built from. */
  readonly config: SourceConfig;
  /** The web session (its cookie) the signed routes use. */
  readonly session: KuwoSession;

  /** The transport of a source, with a session that has no cookie yet. */
  constructor(config: SourceConfig) {
    this.config = config;
    this.session = new KuwoSession(config);
  }

  /** An unsigned `wapi` GET (§5, §6): a body with a `code` other than 200 is an error. */
  wapi(path: string, query: string, signal?: AbortSignal): Promise<Json> {
    const url = this.config.urls.to(
      `${HOSTS.wapi}${path}${query === "" ? "" : `?${query}`}`,
    );
    return this.config.http.json<Json>(
      url,
      signal ? { signal } : {},
      checkWapiBody(url),
    );
  }

  /**
   * A signed `GET` of `www.kuwo.cn` (§2.3, §2.6): cookie, `Secret`,
   * `reqId`, `httpsStatus=1`. On a refusal, fetches a new cookie and
   * retries once.
   */
  async www(
    path: string,
    query: string,
    referer: string,
    options: WwwOptions = {},
  ): Promise<Json> {
    const { http, urls, random } = this.config;
    for (let attempt = 0;; attempt++) {
      const cookie = await this.session.cookie(options.signal);
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
        this.session.invalidate(cookie);
      }
    }
  }

  /**
   * A nplserver `pl.svc` GET (§7.2) of `query` and the fixed parameters:
   * a `result` other than `"ok"` is a (retried) error; `validate` runs on
   * the body inside the HTTP layer's check.
   */
  async nplserver(
    query: string,
    validate: (body: Json) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const url = this.config.urls.to(
      `${HOSTS.nplserver}/pl.svc?${query}&${NPLSERVER_QUERY}`,
    );
    await this.config.http.json<Json>(url, signal ? { signal } : {}, (body) => {
      checkNplserverResult(body, url);
      validate(body);
    });
  }

  /**
   * One `mobi.s` request for a rung with a `source` string, in the form
   * `path` names, read into one answer shape.
   */
  async mobi(
    rid: string,
    rung: Rung,
    path: OfferPath,
    source: MobiSource,
    signal?: AbortSignal,
  ): Promise<MobiAnswer> {
    const init = {
      headers: { "User-Agent": source.userAgent },
      ...(signal ? { signal } : {}),
    };
    const { http, urls } = this.config;
    if (path === "plain") {
      const body = await http.json(
        urls.to(plainOfferUrl(rid, rung, source)),
        init,
      );
      return parseMobiJson(body);
    }
    const text = await http.text(
      urls.to(desOfferUrl(rid, rung, source)),
      init,
    );
    return parseMobiText(text);
  }

  /** A GET of a CDN URL with the offer's headers; the caller reads the response. */
  cdn(
    url: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Response> {
    return this.config.http.request(url, {
      headers,
      ...(signal ? { signal } : {}),
    });
  }
}

/** The URL of the plain `convert_url_with_sign` call for a rung (§9.2). */
export function plainOfferUrl(
  rid: string,
  rung: Rung,
  source: MobiSource,
): string {
  return `${source.origin}/mobi.s?f=web&user=0&source=${source.source}` +
    `&type=convert_url_with_sign&rid=${rid}&br=${rung.br}` +
    `&format=${rung.format}&sig=0&network=WIFI`;
}

/**
 * The plaintext of the `convert_url2` query for a rung's format (§9.3),
 * without `br`: a `br` inside the KuwoDES query gets an error tone instead
 * of the song (QiuChenlyOpenSource/MusicDownload PR #35; UnblockNeteaseMusic
 * `src/provider/kuwo.js` sends none). The best tier of the format answers.
 */
export function desOfferQuery(
  rid: string,
  rung: Rung,
  source: string,
): string {
  return `user=0&corp=kuwo&source=${source}&p2p=1&type=convert_url2` +
    `&sig=0&format=${rung.format}&rid=${rid}`;
}

/** The URL of the KuwoDES `convert_url2` call for a rung (§9.3), `q` percent-encoded. */
export function desOfferUrl(
  rid: string,
  rung: Rung,
  source: MobiSource,
): string {
  return `${source.origin}/mobi.s?f=kuwo&q=${
    encodeURIComponent(kuwoDesEncrypt(desOfferQuery(rid, rung, source.source)))
  }`;
}

/**
 * A remote id as Kuwo numbers them (digits), or a `not_found` error: such
 * an id is never sent. `what` names it with its article (`an artist`);
 * `digits` is the part that must be digits when it is not all of `value`
 * (a song id without its `MUSIC_` prefix).
 */
export function requireId(
  value: string,
  what: string,
  digits: string = value,
): string {
  if (!/^\d+$/.test(digits)) {
    throw new SourceError(`kuwo: '${value}' is not ${what} id`, {
      platform: "kuwo",
      kind: "not_found",
    });
  }
  return digits;
}

/** Throws for a `wapi` body with a code other than 200 (§12: retried). */
function checkWapiBody(url: string) {
  return (body: unknown): void => {
    if (!isObject(body)) throw read.malformed("expected a JSON object", url);
    if (!("code" in body)) return;
    const code = asNumber(body.code);
    if (code === 200) return;
    throw new SourceError(
      `kuwo: ${new URL(url).pathname} answered code ${
        JSON.stringify(body.code)
      }`,
      {
        platform: "kuwo",
        kind: "http",
        url,
        ...(code === undefined ? {} : { code }),
      },
    );
  };
}

/** Throws for a `www` body that is an anti-bot refusal or a business error. */
function checkWwwBody(body: unknown, url: string): asserts body is Json {
  if (!isObject(body)) {
    throw new SourceError("kuwo: expected a JSON object", {
      platform: "kuwo",
      kind: "malformed",
      url,
    });
  }
  if (body.success === false) {
    const message = asText(body.message) ?? "";
    throw new SourceError(
      ILLEGAL_PATTERN.test(message)
        ? "kuwo: the signed route refused the session (The request is illegal!)"
        : `kuwo: the signed route refused the request: ${message}`,
      { platform: "kuwo", kind: "sign", url, retryable: false },
    );
  }
  const code = asNumber(body.code);
  if (code === 200) return;
  if (code === -1) {
    throw new SourceError(
      `kuwo: not found (code -1${body.msg ? `, ${asText(body.msg)}` : ""})`,
      { platform: "kuwo", kind: "not_found", url, code },
    );
  }
  throw new SourceError(
    `kuwo: unexpected code ${JSON.stringify(body.code)} (${
      asText(body.msg) ?? "no message"
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

/**
 * Throws for a nplserver answer whose `result` is not `"ok"` (§7.2). §12:
 * such answers are retried (lx: up to 3 times), so the error is retryable.
 */
export function checkNplserverResult(body: unknown, url?: string): void {
  if (!isObject(body)) {
    throw read.malformed("nplserver: not a JSON object", url);
  }
  if (body.result === "ok") return;
  if (typeof body.result !== "string") {
    throw read.malformed("nplserver: the answer has no result", url);
  }
  throw new SourceError(
    `kuwo: nplserver pl.svc answered result ${JSON.stringify(body.result)}`,
    {
      platform: "kuwo",
      kind: "http",
      code: body.result,
      retryable: true,
      ...(url === undefined ? {} : { url }),
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
