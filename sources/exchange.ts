/**
 * What the HTTP layer hands a recorder (`--record`): one exchange with a
 * platform as it saw it, before any redaction, and the helpers that put
 * headers and request bodies into it.
 *
 * @module
 */
import type { Platform } from "./types.ts";

/**
 * One exchange with a platform, as the HTTP layer saw it: what a recorder
 * (`--record`) is handed. Nothing in it is redacted yet.
 */
export interface Exchange {
  /** The platform talked to. */
  platform: Platform;
  /** The HTTP method. */
  method: string;
  /** The URL called. */
  url: string;
  /** The request's headers (cookies included). */
  requestHeaders: Record<string, string>;
  /**
   * The request's body as text; left out when `requestPlaintext` stands for
   * it (an encrypted body may carry a login in a form anyone can decrypt).
   */
  requestBody?: string;
  /** What an encrypted request body says, as the client built it. */
  requestPlaintext?: unknown;
  /** The response's status, when one came. */
  status?: number;
  /** The response's headers, when one came. */
  responseHeaders?: Record<string, string>;
  /** The response's body as text; absent when the layer did not read it (a stream for the caller). */
  responseBody?: string;
  /** A body read as bytes, not text (Kuwo's `newlyric.lrc` answer), in base64. */
  responseBodyBase64?: string;
  /** Why the exchange failed, when it did (no answer, a broken body). */
  error?: string;
  /** When the request started, epoch milliseconds. */
  startedAt: number;
  /** How long it took until the body was read (or the failure). */
  durationMs: number;
}

/** Takes each exchange the HTTP layer makes, e.g. to write it to a folder. */
export interface ExchangeRecorder {
  /** Called once per exchange (each attempt of a retry too), after it ended. */
  record(exchange: Exchange): void;
}

/** Headers as a plain record (names in lower case, as `Headers` gives them). */
export function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = name in record ? `${record[name]}, ${value}` : value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 1) record["set-cookie"] = cookies.join("\n");
  return record;
}

/** A request body as text, for a recording. */
export function bodyText(body: BodyInit): string {
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    return new TextDecoder().decode(body);
  }
  return `[a ${body.constructor?.name ?? typeof body} body]`;
}

/** Bytes in base64, for a recording. */
export function base64Of(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
