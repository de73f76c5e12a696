/**
 * How the NetEase source speaks to the platform: weapi calls (AES twice and
 * an RSA-encrypted secret, on `music.163.com`) and eapi calls (the PC
 * client's AES-ECB form, on `interface3.music.163.com`), both sent through
 * the HTTP layer with the session's cookies; NetEase's business `code`
 * (§11) turned into a `SourceError`; a risk-control refusal met with a
 * pause and the anonymous identity (`_identity.ts`), stopping every later
 * call only when the identity does not cure it; and unreadable answers
 * turned into `malformed` errors naming the URL.
 *
 * @module
 */
import type { SourceConfig } from "../config.ts";
import { malformedAnswer, restated, SourceError } from "../errors.ts";
import { type HttpRequestInit, realSleep, shortUrl } from "../http.ts";
import { type Answer, isObject, type Json } from "../_json.ts";
import {
  BROWSER_USER_AGENT,
  CODE,
  EAPI_ORIGIN,
  EMULATION_RISK_CONTROL_PAUSE_MS,
  PC_APPVER,
  PC_CHANNEL,
  PC_OSVER,
  PC_USER_AGENT,
  REGISTER_ANONYMOUS,
  RISK_CONTROL_PAUSE_MS,
  type RsaPublicKey,
  WEB_ORIGIN,
} from "./_constants.ts";
import { checkBody, checkObject } from "./_answers.ts";
import { eapi, rsaKeyFrom, weapi } from "./_crypto.ts";
import {
  type AnonymousIdentity,
  anonymousUsername,
  fingerprintCookies,
  musicAFrom,
  newDeviceId,
} from "./_identity.ts";

/** A request ready to send: built again for a retry (its cookies may change). */
interface Outgoing {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** What the encrypted body says, for a recording (`--record`). */
  plaintext: unknown;
}

/** Options of one call. */
export interface CallOptions {
  /** Aborts the call. */
  signal?: AbortSignal | undefined;
  /**
   * Return the answer whatever its business `code` (an extra the caller
   * judges itself, like `download/url/v1`): only HTTP, HTML and JSON
   * guards apply, and risk control before there is an identity (it is
   * met with one). @default false
   */
  lenient?: boolean;
  /**
   * Meet a risk-control refusal with the anonymous identity (and stop the
   * platform when that fails). `false` throws the refusal as it is and
   * stops nothing: the probes ask each variant on its own. @default true
   */
  recover?: boolean;
}

/** The requests of one NetEase source. */
export class NeteaseTransport {
  /** What the source was built from. */
  readonly config: SourceConfig;
  #key: RsaPublicKey;
  #deviceId: string;
  /** The anonymous identity, once risk control made us obtain one. */
  #identity: AnonymousIdentity | undefined;
  /** Identities obtained so far (0 or 1): which one a request was sent with. */
  #generation = 0;
  /** The identity being obtained, shared by every refused call. */
  #recovery: Promise<void> | undefined;
  /** Set when risk control refused us even with an identity: the platform is not called again. */
  #stopped: SourceError | undefined;
  /** Set when the platform refused the login: `MUSIC_U` is not sent again. */
  #anonymous = false;

  /** The transport of a source: its RSA key and a random device id. */
  constructor(config: SourceConfig) {
    this.config = config;
    this.#key = rsaKeyFrom(config.emulation);
    this.#deviceId = newDeviceId(config.random);
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
  weapi(
    rest: string,
    params: Json,
    signal?: AbortSignal,
    options: CallOptions = {},
  ): Promise<Answer> {
    return this.#call(() => this.#weapiRequest(rest, params), {
      ...options,
      signal,
    });
  }

  /** An eapi call for an `/api/...` path, posted to `/eapi/...` on interface3. */
  eapi(
    apiPath: string,
    params: Json,
    signal?: AbortSignal,
    options: CallOptions = {},
  ): Promise<Answer> {
    return this.#call(() => this.#eapiRequest(apiPath, params), {
      ...options,
      signal,
    });
  }

  #weapiRequest(rest: string, params: Json): Outgoing {
    // no __csrf without a login's cookies: anonymous calls send ""
    const csrf = "";
    const plaintext = { ...params, csrf_token: csrf };
    const form = weapi(plaintext, {
      key: this.#key,
      random: this.config.random,
    });
    return {
      url: this.config.urls.to(
        `${WEB_ORIGIN}/weapi/${rest}?csrf_token=${csrf}`,
      ),
      body: new URLSearchParams({ ...form }).toString(),
      plaintext,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "referer": WEB_ORIGIN,
        "origin": WEB_ORIGIN,
        "user-agent": BROWSER_USER_AGENT,
        // the identity's fingerprint goes with web calls (NCM request.js)
        "cookie": this.#cookies(this.#identity?.cookies),
      },
    };
  }

  #eapiRequest(apiPath: string, params: Json): Outgoing {
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
    const musicA = this.#identity?.musicA;
    const header = {
      ...identity,
      ...(musicU ? { MUSIC_U: musicU } : {}),
      ...(musicA ? { MUSIC_A: musicA } : {}),
    };
    const plaintext = { ...params, header, e_r: false };
    const encrypted = eapi(apiPath, plaintext);
    return {
      url: this.config.urls.to(
        `${EAPI_ORIGIN}/eapi/${apiPath.replace(/^\/api\//, "")}`,
      ),
      body: new URLSearchParams({ params: encrypted }).toString(),
      plaintext: { path: apiPath, params: plaintext },
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": PC_USER_AGENT,
        "cookie": this.#cookies({
          osver: PC_OSVER,
          deviceId: this.#deviceId,
          channel: PC_CHANNEL,
          __csrf: "",
        }),
      },
    };
  }

  #cookies(extra: Record<string, string> = {}): string {
    const cookies: Record<string, string> = {
      os: "pc",
      appver: PC_APPVER,
      ...extra,
    };
    const musicU = this.#musicU;
    if (musicU) cookies.MUSIC_U = musicU;
    const musicA = this.#identity?.musicA;
    if (musicA) cookies.MUSIC_A = musicA;
    return Object.entries(cookies)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join("; ");
  }

  /**
   * Sends a request; a risk-control refusal (`-460`, `-462`) is met with a
   * pause and the anonymous identity, then the request again (corrections
   * of December 2026). Only when the request is refused with the identity
   * too (or it cannot be obtained) does NetEase stop for the rest of the
   * run.
   */
  async #call(build: () => Outgoing, options: CallOptions): Promise<Answer> {
    for (let attempt = 0;; attempt++) {
      const outgoing = build();
      if (this.#stopped) throw stoppedError(this.#stopped, outgoing.url);
      const generation = this.#generation;
      try {
        return await this.#send(outgoing, options);
      } catch (error) {
        if (
          !(error instanceof SourceError) || error.kind !== "antibot" ||
          options.recover === false
        ) {
          throw error;
        }
        if (attempt > 0 || generation > 0) {
          // refused with an identity: give up on the platform
          this.#stopped ??= restated(
            error,
            `${error.message}, even with an anonymous identity; stopping all NetEase calls for this run`,
          );
          throw this.#stopped;
        }
        await this.#recover(error);
      }
    }
  }

  /**
   * Obtains the anonymous identity now, if there is none yet (the probe
   * of the identity variant); later calls present it.
   */
  async obtainIdentity(): Promise<void> {
    if (this.#identity === undefined) await this.#identityOnce(false);
  }

  /** Pauses and obtains the anonymous identity, once for every refused call. */
  async #recover(refusal: SourceError): Promise<void> {
    try {
      await this.#identityOnce(true);
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      this.#stopped ??= restated(
        refusal,
        `${refusal.message}; the anonymous identity could not be obtained (${why}); stopping all NetEase calls for this run`,
      );
      throw this.#stopped;
    }
  }

  /** Registers an anonymous identity, once: every caller shares the attempt. */
  #identityOnce(pause: boolean): Promise<void> {
    this.#recovery ??= (async () => {
      if (pause) {
        await (this.config.sleep ?? realSleep)(
          this.config.emulation === undefined
            ? RISK_CONTROL_PAUSE_MS
            : EMULATION_RISK_CONTROL_PAUSE_MS,
        );
      }
      const deviceId = newDeviceId(this.config.random);
      const cookies = fingerprintCookies(
        this.config.random,
        this.config.now(),
      );
      const form = weapi(
        { username: anonymousUsername(deviceId), csrf_token: "" },
        { key: this.#key, random: this.config.random },
      );
      const url = this.config.urls.to(
        `${WEB_ORIGIN}/weapi/${REGISTER_ANONYMOUS}?csrf_token=`,
      );
      let setCookies: string[] = [];
      await this.config.http.json(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "referer": WEB_ORIGIN,
          "origin": WEB_ORIGIN,
          "user-agent": BROWSER_USER_AGENT,
          "cookie": this.#cookies(cookies),
        },
        body: new URLSearchParams({ ...form }).toString(),
      }, (body, response) => {
        checkBody(body, url);
        setCookies = response.headers.getSetCookie();
      });
      const musicA = musicAFrom(setCookies);
      if (musicA === undefined) {
        throw malformedAnswer(
          "netease",
          `${REGISTER_ANONYMOUS} answered without a MUSIC_A cookie`,
          { url },
        );
      }
      this.#identity = { deviceId, musicA, cookies };
      this.#deviceId = deviceId;
      this.#generation++;
    })();
    return this.#recovery;
  }

  /** A risk-control refusal the anonymous identity may still cure. */
  #curable(body: unknown, options: CallOptions): boolean {
    const code = isObject(body) ? body.code : undefined;
    return options.recover !== false && this.#identity === undefined &&
      (code === CODE.cheating || code === CODE.riskControl);
  }

  async #send(outgoing: Outgoing, options: CallOptions): Promise<Answer> {
    const { url, body, headers, plaintext } = outgoing;
    const init: HttpRequestInit = { method: "POST", headers, body, plaintext };
    if (options.signal) init.signal = options.signal;
    try {
      const answer = await this.config.http.json(
        url,
        init,
        // a lenient call takes any object whatever its code, but for a
        // risk-control refusal the identity may still cure: met as any
        // call's is (the pause, the identity, the call again)
        (parsed) =>
          options.lenient && !this.#curable(parsed, options)
            ? checkObject(parsed, url)
            : checkBody(parsed, url),
      );
      return { body: answer, url };
    } catch (error) {
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

/** The error of a call made after NetEase was stopped. */
function stoppedError(stopped: SourceError, url: string): SourceError {
  return new SourceError(
    `netease: not calling ${
      shortUrl(url)
    }: the platform refused us as a bot earlier (code ${stopped.code}); stopped`,
    {
      platform: "netease",
      kind: "antibot",
      url,
      code: stopped.code ?? CODE.cheating,
      retryable: false,
      cause: stopped,
    },
  );
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
