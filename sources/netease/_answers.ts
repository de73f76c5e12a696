/**
 * What NetEase's answers mean: a body that is not an object, a business
 * `code` (§11) turned into a `SourceError` of the right kind, and a parser's
 * failure told with the URL it read.
 *
 * @module
 */
import { restated, SourceError, type SourceErrorKind } from "../errors.ts";
import { shortUrl } from "../http.ts";
import { isObject, type Json } from "../_json.ts";
import { CODE, LONG_RATE_LIMIT_SECONDS } from "./_constants.ts";

/** A body that is a JSON object, whatever its `code` (lenient calls). */
export function checkObject(body: unknown, url: string): void {
  if (!isObject(body)) {
    throw new SourceError(
      `netease: expected a JSON object from ${shortUrl(url)}`,
      { platform: "netease", kind: "malformed", url },
    );
  }
}

/**
 * Runs a parser on an answer from `url`: its `malformed` error (a shape the
 * parser cannot read, the field's path named) is told with the URL, and
 * anything else it throws becomes one.
 */
export function parsed<T>(url: string, parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    if (
      cause instanceof SourceError && cause.kind === "malformed" &&
      cause.url === undefined
    ) {
      throw restated(
        cause,
        `${cause.message} (in the answer from ${shortUrl(url)})`,
        { url, retryable: false },
      );
    }
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
      return fail("antibot", "refused as a bot by risk control", {
        retryable: false,
      });
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
