/**
 * How the NetEase source speaks to the platform: weapi calls (AES twice and
 * an RSA-encrypted secret, on `music.163.com`) and eapi calls (the PC
 * client's AES-ECB form, on `interface3.music.163.com`), both sent through
 * the HTTP layer with the session's cookies; NetEase's business `code`
 * (§11) turned into a `SourceError`, an anti-bot refusal stopping every
 * later call; and unreadable answers turned into `malformed` errors naming
 * the URL.
 *
 * @module
 */
import type { SourceConfig } from "../config.ts";
import { restated, SourceError, type SourceErrorKind } from "../errors.ts";
import { type HttpRequestInit, shortUrl } from "../http.ts";
import { type Answer, isObject, type Json } from "../_json.ts";
import {
  BROWSER_USER_AGENT,
  CODE,
  EAPI_ORIGIN,
  LONG_RATE_LIMIT_SECONDS,
  NETEASE_RSA_KEY,
  PC_APPVER,
  PC_CHANNEL,
  PC_OSVER,
  PC_USER_AGENT,
  type RsaPublicKey,
  WEB_ORIGIN,
} from "./_constants.ts";
import { eapi, weapi } from "./_crypto.ts";

/**
 * The RSA public key to encrypt weapi secrets with: the emulation's when
 * its configuration publishes one (`rsa: {modulus, exponent}`), NetEase's
 * own otherwise.
 */
export function rsaKeyFrom(
  emulation: Record<string, unknown> | undefined,
): RsaPublicKey {
  const rsa = emulation?.rsa;
  if (typeof rsa === "object" && rsa !== null) {
    const { modulus, exponent } = rsa as Record<string, unknown>;
    if (
      typeof modulus === "string" && /^[0-9a-fA-F]+$/.test(modulus) &&
      typeof exponent === "string" && /^[0-9a-fA-F]+$/.test(exponent)
    ) {
      return { modulus, exponent };
    }
  }
  return NETEASE_RSA_KEY;
}

/** The requests of one NetEase source. */
export class NeteaseTransport {
  /** What the source was built from. */
  readonly config: SourceConfig;
  #key: RsaPublicKey;
  #deviceId: string;
  /** Set by an anti-bot refusal: the platform is not called again. */
  #stopped: SourceError | undefined;
  /** Set when the platform refused the login: `MUSIC_U` is not sent again. */
  #anonymous = false;

  /** The transport of a source: its RSA key and a random device id. */
  constructor(config: SourceConfig) {
    this.config = config;
    this.#key = rsaKeyFrom(config.emulation);
    let deviceId = "";
    for (let i = 0; i < 32; i++) {
      deviceId += Math.floor(config.random() * 16).toString(16).toUpperCase();
    }
    this.#deviceId = deviceId;
  }

  /**
   * Stops sending the `MUSIC_U` cookie (the platform refused the login);
   * whether one was being sent.
   */
  dropLogin(): boolean {
    const had = !this.#anonymous && this.#musicU !== undefined;
    this.#anonymous = true;
    return had;
  }

  /** The login's cookie, unless it was dropped. */
  get #musicU(): string | undefined {
    return this.#anonymous
      ? undefined
      : this.config.credentials.neteaseMusicU || undefined;
  }

  /** A weapi call: `https://music.163.com/weapi/<rest>` (the API path `/api/<rest>`). */
  weapi(rest: string, params: Json, signal?: AbortSignal): Promise<Answer> {
    // no __csrf without a login's cookies: anonymous calls send ""
    const csrf = "";
    const form = weapi(
      { ...params, csrf_token: csrf },
      { key: this.#key, random: this.config.random },
    );
    const url = this.config.urls.to(
      `${WEB_ORIGIN}/weapi/${rest}?csrf_token=${csrf}`,
    );
    return this.#post(url, new URLSearchParams({ ...form }).toString(), {
      "content-type": "application/x-www-form-urlencoded",
      "referer": WEB_ORIGIN,
      "origin": WEB_ORIGIN,
      "user-agent": BROWSER_USER_AGENT,
      "cookie": this.#cookies(),
    }, signal);
  }

  /** An eapi call for an `/api/...` path, posted to `/eapi/...` on interface3. */
  eapi(apiPath: string, params: Json, signal?: AbortSignal): Promise<Answer> {
    const now = this.config.now();
    const identity: Record<string, string> = {
      osver: PC_OSVER,
      deviceId: this.#deviceId,
      os: "pc",
      appver: PC_APPVER,
      versioncode: "140",
      mobilename: "",
      buildver: String(Math.floor(now / 1000)),
      resolution: "1920x1080",
      __csrf: "",
      channel: PC_CHANNEL,
      requestId: `${now}_${
        String(Math.floor(this.config.random() * 10_000)).padStart(4, "0")
      }`,
    };
    const musicU = this.#musicU;
    const header = musicU ? { ...identity, MUSIC_U: musicU } : identity;
    const encrypted = eapi(apiPath, { ...params, header, e_r: false });
    const url = this.config.urls.to(
      `${EAPI_ORIGIN}/eapi/${apiPath.replace(/^\/api\//, "")}`,
    );
    return this.#post(
      url,
      new URLSearchParams({ params: encrypted }).toString(),
      {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": PC_USER_AGENT,
        "cookie": this.#cookies({
          osver: PC_OSVER,
          deviceId: this.#deviceId,
          channel: PC_CHANNEL,
          __csrf: "",
        }),
      },
      signal,
    );
  }

  #cookies(extra: Record<string, string> = {}): string {
    const cookies: Record<string, string> = {
      os: "pc",
      appver: PC_APPVER,
      ...extra,
    };
    const musicU = this.#musicU;
    if (musicU) cookies.MUSIC_U = musicU;
    return Object.entries(cookies)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join("; ");
  }

  async #post(
    url: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    if (this.#stopped) {
      throw new SourceError(
        `netease: not calling ${
          shortUrl(url)
        }: the platform refused us as a bot earlier (code ${this.#stopped.code}); stopped`,
        {
          platform: "netease",
          kind: "antibot",
          url,
          code: this.#stopped.code ?? CODE.cheating,
          retryable: false,
          cause: this.#stopped,
        },
      );
    }
    const init: HttpRequestInit = { method: "POST", headers, body };
    if (signal) init.signal = signal;
    try {
      const answer = await this.config.http.json(
        url,
        init,
        (parsed) => checkBody(parsed, url),
      );
      return { body: answer, url };
    } catch (error) {
      if (error instanceof SourceError && error.kind === "antibot") {
        this.#stopped = error;
      }
      if (error instanceof SourceError && error.kind === "rate_limited") {
        throw restated(
          error,
          `netease: still rate limited by ${
            shortUrl(url)
          } after backing off; try again later`,
          { url },
        );
      }
      throw error;
    }
  }
}

/**
 * Runs a parser on an answer from `url`: a `TypeError` (a shape the parser
 * cannot read) becomes a `malformed` `SourceError` naming the URL.
 */
export function parsed<T>(url: string, parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    if (cause instanceof SourceError) throw cause;
    throw new SourceError(
      `netease: unexpected answer from ${shortUrl(url)}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      {
        platform: "netease",
        kind: "malformed",
        url,
        retryable: false,
        cause,
      },
    );
  }
}

/**
 * A remote id as NetEase numbers them (digits), or a `not_found` error:
 * such an id is never sent. `what` names it with its article.
 */
export function requireId(value: string, what: string): string {
  if (!/^\d+$/.test(value)) {
    throw new SourceError(
      `netease: '${value}' is not ${what} id (expected digits)`,
      { platform: "netease", kind: "not_found" },
    );
  }
  return value;
}

/**
 * Turns NetEase's business `code` (§11) into a `SourceError`; the HTTP layer
 * retries the retryable ones (405/406).
 */
export function checkBody(body: unknown, url: string): void {
  if (!isObject(body)) {
    throw new SourceError(
      `netease: expected a JSON object from ${shortUrl(url)}`,
      { platform: "netease", kind: "malformed", url },
    );
  }
  const record = body;
  const raw = record.code;
  const code = typeof raw === "string" && /^-?\d+$/.test(raw)
    ? Number(raw)
    : raw;
  if (code === CODE.ok) return;
  if (typeof code !== "number") {
    throw new SourceError(
      `netease: the answer from ${shortUrl(url)} has no code`,
      { platform: "netease", kind: "malformed", url },
    );
  }
  const said = [
    record.message,
    record.msg,
    (record.data as Json | null)?.blockText,
  ]
    .find((m) => typeof m === "string" && m !== "") as string | undefined;
  const what = (text: string) =>
    `netease: ${text} (code ${code}${said ? `: ${said}` : ""}) at ${
      shortUrl(url)
    }`;
  const fail = (
    kind: SourceErrorKind,
    text: string,
    extra: { retryable?: boolean; retryAfterSeconds?: number } = {},
  ): never => {
    throw new SourceError(what(text), {
      platform: "netease",
      kind,
      url,
      code,
      ...extra,
    });
  };
  switch (code) {
    case CODE.needsLogin:
    case CODE.privateNeedsLogin:
      return fail("login", "this needs a login: set a MUSIC_U cookie");
    case CODE.cheating:
    case CODE.riskControl:
      return fail(
        "antibot",
        "refused as a bot by risk control; stopping all NetEase calls",
        { retryable: false },
      );
    case CODE.tooFrequent:
      return fail("rate_limited", "asked to slow down");
    case CODE.tooFrequentLong:
      return fail("rate_limited", "asked to slow down", {
        retryAfterSeconds: LONG_RATE_LIMIT_SECONDS,
      });
    case CODE.notFound:
      return fail("not_found", "not found", { retryable: false });
    case CODE.badRequest:
      return fail(
        "sign",
        "refused the request's parameters or encryption",
        { retryable: false },
      );
    default:
      return fail(
        "http",
        "unexpected answer",
        { retryable: code >= 500 && code < 600 },
      );
  }
}
