/**
 * How the QQ source speaks to the platform: the `musicu.fcg` gateway
 * (batched envelopes of labelled module calls, per-label results, and the
 * zzc-signed `musics.fcg` fallback for modules that answer 2000), the plain
 * `c.y.qq.com` CGIs (playlist detail, the legacy square), the session's
 * headers, cookies and `comm`, and the business codes (§9) as
 * `SourceError`s.
 *
 * @module
 */
import type { SourceConfig } from "../config.ts";
import { SourceError } from "../errors.ts";
import type { BodyCheck } from "../http.ts";
import { type Answer, isObject, type Json } from "../_json.ts";
import {
  ANONYMOUS_G_TK,
  APP_USER_AGENT,
  appComm,
  CODES,
  kindOfCode,
  LEGACY_CGI_QUERY,
  MAX_LABELS,
  type ModuleMethod,
  MUSICS_URL,
  MUSICU_URL,
  USER_AGENT,
  WEB_ORIGIN,
  WEB_REFERER,
  webComm,
} from "./_constants.ts";
import { read } from "./_parse.ts";
import { gTk, zzcSign } from "./_sign.ts";

/** One module call of an envelope. */
export interface GatewayCall extends ModuleMethod {
  /** The module's parameters. */
  readonly param: Record<string, unknown>;
}

/** The outcome of one label: its `data`, or why it failed. */
export type LabelResult =
  | { readonly ok: true; readonly data: unknown }
  | { readonly ok: false; readonly error: SourceError };

/** The session: who we are to the platform. */
export interface Session {
  /** The numeric uin for `comm`, 0 when anonymous. */
  uin: number;
  /** The `g_tk` of the musickey (§1.5). */
  gTk: number;
  /** The `Cookie` header, when logged in. Never printed. */
  cookie: string | undefined;
  /** The musickey, when logged in (the app sends it in `comm`). Never printed. */
  key?: string;
}

/**
 * How an envelope is sent: unsigned to `musicu.fcg` or zzc-signed to
 * `musics.fcg` (§2), with the web `comm` or the Android app's.
 */
export interface GatewayForm {
  /** zzc-signed, to `musics.fcg`. */
  readonly signed: boolean;
  /** The Android app's `comm`, headers and login. */
  readonly app: boolean;
}

/** Builds the session from optional credentials (§1.4, §1.5). */
export function sessionOf(
  credentials: { qqUin?: string; qqMusicKey?: string },
): Session {
  const key = credentials.qqMusicKey?.trim() ?? "";
  // web cookies may carry `o0123456789`: strip non-digits
  const uinDigits = (credentials.qqUin ?? "").replace(/\D/g, "");
  if (key === "") return { uin: 0, gTk: ANONYMOUS_G_TK, cookie: undefined };
  const uin = uinDigits === "" ? 0 : Number(uinDigits);
  const weChat = key.startsWith("W_X_");
  const cookies = [
    ...(uinDigits === ""
      ? []
      : [`uin=${uinDigits}`, `qqmusic_uin=${uinDigits}`]),
    ...(weChat && uinDigits !== "" ? [`wxuin=${uinDigits}`] : []),
    `qm_keyst=${key}`,
    `qqmusic_key=${key}`,
    `tmeLoginType=${weChat ? 1 : 2}`,
  ];
  return { uin, gTk: gTk(key), cookie: cookies.join("; "), key };
}

/** The headers of a web request of this session. */
export function webHeaders(
  session: Session,
  referer = WEB_REFERER,
): Record<string, string> {
  return {
    "Referer": referer,
    "Origin": WEB_ORIGIN,
    "User-Agent": USER_AGENT,
    ...(session.cookie === undefined ? {} : { "Cookie": session.cookie }),
  };
}

/** The requests of one QQ source. */
export class QqTransport {
  /** What the source was built from. */
  readonly config: SourceConfig;
  #session: Session;
  /** `module.method` keys that answered 2000 unsigned: signed from then on. */
  #signed = new Set<string>();

  /** The transport of a source, with the session of its credentials. */
  constructor(config: SourceConfig) {
    this.config = config;
    this.#session = sessionOf(config.credentials);
  }

  /** Who we are to the platform, from the config's credentials. */
  get session(): Session {
    return this.#session;
  }

  /**
   * Goes anonymous for the rest of this transport's life (the platform
   * refused the login, code 1000 or 1044xx, §9); whether it was logged in.
   */
  dropLogin(): boolean {
    if (this.#session.cookie === undefined) return false;
    this.#session = sessionOf({});
    return true;
  }

  /** Calls one gateway module; throws its failure. */
  async one(call: GatewayCall, signal?: AbortSignal): Promise<unknown> {
    const [result] = await this.many([call], signal);
    if (!result) throw read.malformed(`no answer for ${keyOf(call)}`);
    if (!result.ok) throw result.error;
    return result.data;
  }

  /**
   * Calls several gateway modules in as few envelopes as possible. One
   * label's failure doesn't fail the others: each result says how its call
   * went. Labels that answer 2000 are sent again, signed, to `musics.fcg`.
   */
  async many(
    calls: readonly GatewayCall[],
    signal?: AbortSignal,
  ): Promise<LabelResult[]> {
    const results: LabelResult[] = new Array(calls.length);
    const unsigned: number[] = [];
    const signed: number[] = [];
    calls.forEach((call, i) =>
      (this.#signed.has(keyOf(call)) ? signed : unsigned).push(i)
    );
    await this.#send(calls, unsigned, false, signal, (index, answer) => {
      if (!answer.ok && answer.error.kind === "sign") {
        this.#signed.add(keyOf(calls[index]!));
        signed.push(index);
      } else {
        results[index] = answer;
      }
    });
    await this.#send(calls, signed, true, signal, (index, answer) => {
      results[index] = answer;
    });
    return results;
  }

  /**
   * Calls gateway modules in exactly one form (`form`), without the
   * signing fallback of `many()`: the variants of the vkey call choose
   * their own form.
   */
  async ask(
    calls: readonly GatewayCall[],
    form: GatewayForm,
    signal?: AbortSignal,
  ): Promise<LabelResult[]> {
    const results: LabelResult[] = [];
    for (const chunk of chunks(calls, MAX_LABELS)) {
      results.push(
        ...await this.#envelope(chunk, form.signed, signal, form.app),
      );
    }
    return results;
  }

  /**
   * A plain `GET` of a `c.y.qq.com` CGI with the anonymous query every
   * legacy CGI takes (`LEGACY_CGI_QUERY`) after the caller's, the
   * session's headers with `referer`, and `check` (`rateLimitCheck` or
   * `cgiCodeCheck`) on the body inside the HTTP layer's retries.
   */
  async cgi(
    endpoint: string,
    query: Record<string, string>,
    referer: string,
    check: (url: string) => BodyCheck<unknown>,
    signal?: AbortSignal,
  ): Promise<Answer> {
    const search = new URLSearchParams({ ...query, ...LEGACY_CGI_QUERY });
    const url = this.config.urls.to(`${endpoint}?${search}`);
    const body = await this.config.http.json<unknown>(url, {
      headers: webHeaders(this.session, referer),
      ...(signal === undefined ? {} : { signal }),
    }, check(url));
    return { body, url };
  }

  /** Sends the calls at `indexes` in envelopes of `MAX_LABELS`, each answer to `each`. */
  async #send(
    calls: readonly GatewayCall[],
    indexes: readonly number[],
    signed: boolean,
    signal: AbortSignal | undefined,
    each: (index: number, answer: LabelResult) => void,
  ): Promise<void> {
    for (const chunk of chunks(indexes, MAX_LABELS)) {
      const answers = await this.#envelope(
        chunk.map((i) => calls[i]!),
        signed,
        signal,
      );
      chunk.forEach((index, k) => each(index, answers[k]!));
    }
  }

  async #envelope(
    calls: readonly GatewayCall[],
    signed: boolean,
    signal: AbortSignal | undefined,
    app = false,
  ): Promise<LabelResult[]> {
    const labels = calls.map((_, i) => `req_${i}`);
    const envelope: Json = {
      comm: app
        ? appComm(this.session.uin, this.session.key)
        : webComm(this.session.uin, this.session.gTk),
    };
    calls.forEach((call, i) => {
      envelope[labels[i]!] = {
        module: call.module,
        method: call.method,
        param: call.param,
      };
    });
    // one serialization, both signed and sent (§2)
    const body = JSON.stringify(envelope);
    const realUrl = signed
      ? `${MUSICS_URL}?sign=${zzcSign(body)}&_=${this.config.now()}`
      : MUSICU_URL;
    const url = this.config.urls.to(realUrl);
    const check: BodyCheck<unknown> = (answer) =>
      checkEnvelope(answer, labels, url);
    // the app sends its login in `comm`, not in cookies, and no Referer
    const headers = app
      ? { "User-Agent": APP_USER_AGENT, "Content-Type": "application/json" }
      : { ...webHeaders(this.session), "Content-Type": "application/json" };
    const answer = await this.config.http.json<unknown>(url, {
      method: "POST",
      headers,
      body,
      ...(signal === undefined ? {} : { signal }),
    }, check) as Json;
    return calls.map((call, i) =>
      labelResult(call, answer[labels[i]!], signed, url)
    );
  }
}

/**
 * A remote id as QQ numbers playlists (digits), or a `not_found` error:
 * such an id is never sent. `what` names it with its article.
 */
export function requireId(value: string, what: string): string {
  if (!/^\d+$/.test(value)) {
    throw new SourceError(`qq: '${value}' is not ${what} id`, {
      platform: "qq",
      kind: "not_found",
    });
  }
  return value;
}

function keyOf(call: ModuleMethod): string {
  return `${call.module}.${call.method}`;
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) {
    yield items.slice(i, i + size);
  }
}

/**
 * The error of a 2001 answer (§9): rate limited, retried by the HTTP layer
 * after 2 s; `feedback` is the page the platform names, when it names one.
 */
function rateLimited(url: string, feedback?: string): SourceError {
  return new SourceError(
    `qq: rate limited by the platform (code 2001)${
      feedback === undefined
        ? ""
        : `; it asks to slow down or log in at ${feedback}`
    }`,
    {
      platform: "qq",
      kind: "rate_limited",
      url,
      code: CODES.rateLimited,
      retryAfterSeconds: 2,
    },
  );
}

/**
 * A CGI body check for a caller that reads the other codes itself (the
 * playlist detail answers a missing list with a code of its own): only a
 * 2001 becomes an error, backed off and retried.
 */
export function rateLimitCheck(url: string): BodyCheck<unknown> {
  return (answer) => {
    const code = (answer as { code?: unknown } | null)?.code;
    if (code === CODES.rateLimited) throw rateLimited(url);
  };
}

/**
 * A CGI body check that turns a `code` other than 0 into a `SourceError`,
 * inside the HTTP layer's retries: 2001 backs off and is retried, other
 * codes are final.
 */
export function cgiCodeCheck(url: string): BodyCheck<unknown> {
  return (answer) => {
    if (typeof answer !== "object" || answer === null) return;
    const code = (answer as { code?: unknown }).code;
    if (code === undefined || code === 0) return;
    const numeric = typeof code === "number" ? code : Number(code);
    if (numeric === CODES.rateLimited) throw rateLimited(url);
    const message = (answer as { message?: unknown; msg?: unknown }).message ??
      (answer as { msg?: unknown }).msg;
    throw new SourceError(
      `qq: ${new URL(url).pathname.split("/").pop()} failed with code ${
        String(code)
      }${typeof message === "string" && message !== "" ? `: ${message}` : ""}`,
      {
        platform: "qq",
        kind: Number.isFinite(numeric) ? kindOfCode(numeric) : "malformed",
        url,
        code: typeof code === "number" || typeof code === "string"
          ? code
          : String(code),
        retryable: false,
      },
    );
  };
}

/**
 * Envelope-level checks, run inside the HTTP layer's retries: a body that
 * is not an envelope, a gateway refusal, and rate limiting (2001 applies to
 * the session, so the whole envelope backs off and is sent again).
 */
function checkEnvelope(answer: unknown, labels: string[], url: string): void {
  if (!isObject(answer)) {
    throw read.malformed(`expected a gateway envelope, got ${typeof answer}`);
  }
  const code = answer.code;
  if (code !== undefined && code !== 0) {
    throw new SourceError(
      `qq: the gateway refused the request (code ${code})`,
      {
        platform: "qq",
        kind: "http",
        url,
        code: typeof code === "number" || typeof code === "string"
          ? code
          : String(code),
      },
    );
  }
  for (const label of labels) {
    const entry = answer[label];
    if (isObject(entry) && entry.code === CODES.rateLimited) {
      const data = isObject(entry.data) ? entry.data : {};
      const feedback = typeof data.feedbackURL === "string"
        ? data.feedbackURL
        : undefined;
      throw rateLimited(url, feedback);
    }
  }
}

function labelResult(
  call: GatewayCall,
  entry: unknown,
  signed: boolean,
  url: string,
): LabelResult {
  const name = keyOf(call);
  if (!isObject(entry)) {
    return {
      ok: false,
      error: read.malformed(`the answer has no label for ${name}`),
    };
  }
  const code = typeof entry.code === "number" ? entry.code : Number(entry.code);
  if (!Number.isFinite(code)) {
    return {
      ok: false,
      error: read.malformed(`${name} answered without a numeric code`),
    };
  }
  if (code === CODES.ok) return { ok: true, data: entry.data };
  const kind = kindOfCode(code);
  const message = kind === "sign"
    ? signed
      ? `qq: ${name} rejected the zzc signature (code ${code})`
      : `qq: ${name} wants a signed request (code ${code})`
    : kind === "login"
    ? `qq: ${name} refused the login (code ${code}): the QQ Music key is invalid or expired; refresh it or run anonymously`
    : kind === "not_found"
    ? `qq: ${name} has no data (code ${code})`
    : `qq: ${name} failed with code ${code}`;
  return {
    ok: false,
    error: new SourceError(message, {
      platform: "qq",
      kind,
      url,
      code,
      retryable: false,
    }),
  };
}
