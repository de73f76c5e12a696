/**
 * `--record DIR`: every exchange with the platforms, written to a folder a
 * user can attach to a bug report and a developer can turn into test
 * fixtures. The HTTP layer (`sources/http.ts`) hands each exchange to a
 * `Recording`; the downloads' CDN requests go through `recordingFetch()`.
 *
 * `DIR` gets one JSON file per exchange, numbered in the order they ended
 * (`00001-netease-playlist_detail.json`: method, URL, status, request and
 * response headers and bodies, timing), an `index.jsonl` with one line per
 * exchange, and a `README.txt`. Secrets are redacted before anything is
 * written (`_redact.ts`). A second run into the same folder goes on with
 * the numbers. A folder that cannot be written stops the recording with
 * one warning; the run goes on.
 *
 * @module
 */
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { Exchange, ExchangeRecorder, Fetch } from "../sources/http.ts";
import type { Platform } from "../sources/types.ts";
import {
  redactHeaders,
  redactJson,
  redactPairs,
  redactUrl,
  scrubSecrets,
} from "./_redact.ts";

/** The index of a recording. */
export const INDEX_FILE = "index.jsonl";

/** An exchange to record: from the HTTP layer, or a media (CDN) request without a platform. */
export type Recorded = Omit<Exchange, "platform"> & { platform?: Platform };

/** One line of `index.jsonl`. */
export interface IndexEntry {
  /** The exchange's number. */
  n: number;
  /** Its file in the folder. */
  file: string;
  /** The platform, or `media` for a CDN request of the downloads. */
  platform: Platform | "media";
  /** The HTTP method. */
  method: string;
  /** The URL, redacted. */
  url: string;
  /** The response's status, when one came. */
  status?: number;
  /** How long it took. */
  durationMs: number;
  /** Why it failed, when it did. */
  error?: string;
}

/** Options of `Recording.open()`. */
export interface RecordingOptions {
  /** Secrets the run was given (the credentials): never written, in any form. */
  secrets?: readonly string[];
  /** Told once when the folder cannot be written (the recording then stops). */
  onError?: (error: Error) => void;
}

const README =
  `This folder was written by catalogsync --record: every exchange with the
platforms, one JSON file each, numbered in the order they ended, and an
index (index.jsonl, one line per exchange).

Cookies, login tokens (MUSIC_U, MUSIC_A, qm_keyst, qqmusic_key, uin,
musickey/authst), Kuwo's Secret header and QQ vkeys have been replaced by
REDACTED. Audio is not recorded. Look the files over before you attach the
folder (zipped) to a bug report.
`;

/** A recording into a folder. */
export class Recording implements ExchangeRecorder {
  /** The folder. */
  readonly dir: string;
  #next: number;
  #secrets: readonly string[];
  #onError: ((error: Error) => void) | undefined;
  #stopped = false;

  private constructor(dir: string, next: number, options: RecordingOptions) {
    this.dir = dir;
    this.#next = next;
    this.#secrets = options.secrets ?? [];
    this.#onError = options.onError;
  }

  /**
   * Opens (creates) a recording folder; numbering goes on after what an
   * earlier run recorded there. Throws when the folder cannot be created.
   */
  static open(dir: string, options: RecordingOptions = {}): Recording {
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "README.txt"), README);
    } catch (error) {
      throw new Error(
        `Cannot record into '${dir}': ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
    return new Recording(dir, recordedCount(dir) + 1, options);
  }

  /** Exchanges recorded into the folder so far (by earlier runs too). */
  get count(): number {
    return this.#next - 1;
  }

  /** Writes one exchange, redacted, and its index line. */
  record(exchange: Recorded): void {
    if (this.#stopped) return;
    const n = this.#next;
    const platform = exchange.platform ?? "media";
    const file = `${String(n).padStart(5, "0")}-${platform}-${
      slug(exchange.url)
    }.json`;
    const written = scrubSecrets(redactExchange(exchange, n), this.#secrets);
    const url = (written as { request: { url: string } }).request.url;
    const entry: IndexEntry = {
      n,
      file,
      platform,
      method: exchange.method,
      url,
      ...(exchange.status === undefined ? {} : { status: exchange.status }),
      durationMs: exchange.durationMs,
      ...(exchange.error === undefined ? {} : {
        error: String(
          scrubSecrets(redactPairs(exchange.error), this.#secrets),
        ),
      }),
    };
    try {
      writeFileSync(
        join(this.dir, file),
        `${JSON.stringify(written, null, 2)}\n`,
      );
      appendFileSync(join(this.dir, INDEX_FILE), `${JSON.stringify(entry)}\n`);
      this.#next++;
    } catch (error) {
      this.#stopped = true;
      this.#onError?.(
        new Error(
          `Cannot write the recording into '${this.dir}' (${
            error instanceof Error ? error.message : String(error)
          }): recording stopped`,
          { cause: error },
        ),
      );
    }
  }
}

/** An exchange as written: redacted, the response body as JSON when it is JSON (base64 when it was read as bytes). */
export function redactExchange(exchange: Recorded, n: number): unknown {
  const request: Record<string, unknown> = {
    method: exchange.method,
    url: redactUrl(exchange.url),
    headers: redactHeaders(exchange.requestHeaders),
  };
  if (exchange.requestPlaintext !== undefined) {
    request.plaintext = redactJson(exchange.requestPlaintext);
    request.body = "(encrypted: its plaintext is above)";
  } else if (exchange.requestBody !== undefined) {
    request.body = redactBody(exchange.requestBody);
  }
  const response: Record<string, unknown> = {};
  if (exchange.status !== undefined) response.status = exchange.status;
  if (exchange.responseHeaders !== undefined) {
    response.headers = redactHeaders(exchange.responseHeaders);
  }
  if (exchange.responseBodyBase64 !== undefined) {
    // bytes (a compressed lyric answer): nothing in them to redact
    response.bodyFormat = "base64";
    response.body = exchange.responseBodyBase64;
  } else if (exchange.responseBody === undefined) {
    if (exchange.status !== undefined) {
      response.body = "(not read here: streamed to its caller)";
    }
  } else {
    const body = redactBody(exchange.responseBody);
    response.bodyFormat = typeof body === "string" ? "text" : "json";
    response.body = body;
  }
  return {
    n,
    ...(exchange.platform === undefined ? {} : { platform: exchange.platform }),
    startedAt: new Date(exchange.startedAt).toISOString(),
    durationMs: exchange.durationMs,
    request,
    ...(exchange.status === undefined && exchange.responseHeaders === undefined
      ? {}
      : { response }),
    ...(exchange.error === undefined
      ? {}
      : { error: redactPairs(exchange.error) }),
  };
}

/** A body redacted: parsed JSON when it is JSON, else text with its secret pairs redacted. */
function redactBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return redactJson(JSON.parse(trimmed));
    } catch {
      // not JSON after all: treated as text
    }
  }
  return redactPairs(text);
}

/**
 * A `fetch` that records each request it makes (the downloads' CDN
 * requests): method, URL, status and headers; the body, audio, is not
 * recorded.
 */
export function recordingFetch(fetch: Fetch, recording: Recording): Fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const startedAt = Date.now();
    const base: Recorded = {
      method: (init?.method ?? request?.method ?? "GET").toUpperCase(),
      url: request?.url ?? String(input),
      requestHeaders: Object.fromEntries(
        new Headers(init?.headers ?? request?.headers),
      ),
      startedAt,
      durationMs: 0,
    };
    try {
      const response = await fetch(input, init);
      recording.record({
        ...base,
        status: response.status,
        responseHeaders: Object.fromEntries(response.headers),
        durationMs: Date.now() - startedAt,
      });
      return response;
    } catch (error) {
      recording.record({
        ...base,
        durationMs: Date.now() - startedAt,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  };
}

/** A short file-name part for a URL: its last path segments. */
function slug(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // not a URL: its text stands for itself
  }
  const text = path.split("/").filter((part) => part !== "").slice(-2)
    .join("_").replace(/\.(fcg|svc|s)$/, "").replace(/[^A-Za-z0-9_-]+/g, "_")
    .slice(-40);
  return text === "" ? "root" : text;
}

/** How many exchanges an earlier run recorded into `dir` (lines of its index). */
function recordedCount(dir: string): number {
  let text: string;
  try {
    text = readFileSync(join(dir, INDEX_FILE), "utf8");
  } catch {
    return 0;
  }
  let last = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const { n } = JSON.parse(line) as { n?: unknown };
      if (typeof n === "number" && n > last) last = n;
    } catch {
      // a line cut short by a kill: skipped
    }
  }
  return last;
}
