import type { Platform } from "./types.ts";

/**
 * What went wrong talking to a platform. Callers act on the kind:
 *
 * - `network`, `timeout`: the connection failed or took too long;
 * - `http`: an HTTP status the platform should not send (5xx, unexpected 4xx);
 * - `html`: an HTML page (gateway error, captcha) where JSON was expected;
 * - `malformed`: a body that is not the JSON or text the protocol describes;
 * - `rate_limited`: the platform asks us to slow down;
 * - `antibot`: risk control refused us; stop talking to this platform;
 * - `login`: the call needs a (valid) login;
 * - `sign`: the platform wants a signature it did not get or did not accept;
 * - `vip`: the song needs VIP or a purchase;
 * - `unavailable`: no copyright, taken down, or no usable file;
 * - `region`: refused for the region we call from;
 * - `not_found`: the playlist, chart or artist does not exist.
 */
export type SourceErrorKind =
  | "network"
  | "timeout"
  | "http"
  | "html"
  | "malformed"
  | "rate_limited"
  | "antibot"
  | "login"
  | "sign"
  | "vip"
  | "unavailable"
  | "region"
  | "not_found";

/** Kinds worth retrying after a pause. */
const RETRYABLE: ReadonlySet<SourceErrorKind> = new Set([
  "network",
  "timeout",
  "http",
  "html",
  "malformed",
  "rate_limited",
]);

/** Details of a `SourceError`. */
export interface SourceErrorOptions {
  /** The platform. */
  platform: Platform;
  /** What went wrong; callers act on it. */
  kind: SourceErrorKind;
  /** HTTP status, when there was a response. */
  status?: number;
  /** The URL called; its query (where keys and signatures live) is dropped. */
  url?: string;
  /** The platform's own business code (`-460`, `2001`, `104003`, ...). */
  code?: number | string;
  /** Override whether the HTTP layer retries; defaults by kind. */
  retryable?: boolean;
  /** Seconds the platform asked us to wait, when it said so. */
  retryAfterSeconds?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** A typed failure of a platform call. */
export class SourceError extends Error {
  /** Always `SourceError`. */
  override readonly name = "SourceError";
  /** The platform. */
  readonly platform: Platform;
  /** What went wrong; callers act on it. */
  readonly kind: SourceErrorKind;
  /** HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** The URL called, without its query (keys live there). */
  readonly url: string | undefined;
  /** The platform's business code. */
  readonly code: number | string | undefined;
  /** Whether retrying after a pause may help. */
  readonly retryable: boolean;
  /** Seconds the platform asked us to wait, when it said so. */
  readonly retryAfterSeconds: number | undefined;

  /** An error of a platform call. */
  constructor(message: string, options: SourceErrorOptions) {
    super(message, { cause: options.cause });
    this.platform = options.platform;
    this.kind = options.kind;
    this.status = options.status;
    this.url = options.url === undefined ? undefined : shortUrl(options.url);
    this.code = options.code;
    this.retryable = options.retryable ?? RETRYABLE.has(options.kind);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Whether a value is a `SourceError`, optionally of one of the given kinds. */
export function isSourceError(
  error: unknown,
  ...kinds: SourceErrorKind[]
): error is SourceError {
  return error instanceof SourceError &&
    (kinds.length === 0 || kinds.includes(error.kind));
}

/** A URL without its query or fragment, for messages: queries can carry keys. */
export function shortUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url.split(/[?#]/)[0] ?? url;
  }
}

/**
 * The same failure told with another message (more context, a second
 * attempt named): its platform, kind, status, URL, code and retry advice
 * kept, `error` as the cause. `options` override any of them.
 *
 * @example Usage
 * ```ts
 * import { restated, SourceError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const first = new SourceError("kuwo: HTTP 502", { platform: "kuwo", kind: "http", status: 502 });
 * const error = restated(first, `${first.message} (after the web path failed)`);
 * assert.equal(error.kind, "http");
 * assert.equal(error.status, 502);
 * assert.equal(error.cause, first);
 * ```
 */
export function restated(
  error: SourceError,
  message: string,
  options: Partial<SourceErrorOptions> = {},
): SourceError {
  return new SourceError(message, {
    platform: error.platform,
    kind: error.kind,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.url === undefined ? {} : { url: error.url }),
    ...(error.code === undefined ? {} : { code: error.code }),
    retryable: error.retryable,
    ...(error.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: error.retryAfterSeconds }),
    cause: error,
    ...options,
  });
}

/**
 * A `malformed` error of a platform: an answer that is not the JSON or
 * text its protocol describes. The message is prefixed with the platform.
 */
export function malformedAnswer(
  platform: Platform,
  message: string,
  details: { url?: string; cause?: unknown } = {},
): SourceError {
  return new SourceError(`${platform}: ${message}`, {
    platform,
    kind: "malformed",
    ...details,
  });
}
