/**
 * The transport of the S3 backend: URLs (path-style or virtual-hosted),
 * SigV4 signing, requests through `fetch`, streamed PUT bodies, and S3's
 * error answers turned into `StorageError`s with the server's code.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { BackendSpec, HttpFetch, SourceFile } from "./backend.ts";
import { StorageError, type StorageErrorKind } from "./errors.ts";
import { sendRequest } from "./_backend_steps.ts";
import { putFileRange } from "./_http_put.ts";
import {
  type AwsCredentials,
  EMPTY_SHA256,
  signRequest,
  uriEncode,
} from "./sigv4.ts";
import { xmlText } from "./_xml.ts";

/** What the client needs. */
export interface S3ClientOptions {
  /** The bucket, prefix, endpoint, region and addressing. */
  spec: Extract<BackendSpec, { kind: "object_store" }>;
  /** The access key. */
  credentials: AwsCredentials | undefined;
  /** The `fetch`. */
  fetch: HttpFetch;
  /** The clock. */
  now: () => number;
}

/** Signed requests to one bucket. */
export class S3Client {
  /** The bucket's spec. */
  readonly spec: S3ClientOptions["spec"];
  /** `s3://bucket/prefix`, for messages. */
  readonly url: string;
  /** The bucket. */
  readonly containerName: string;
  readonly #credentials: AwsCredentials | undefined;
  readonly #fetch: HttpFetch;
  readonly #now: () => number;

  /** A client for `options.spec`. */
  constructor(options: S3ClientOptions) {
    this.spec = options.spec;
    this.url = options.spec.url;
    this.containerName = options.spec.containerName;
    this.#credentials = options.credentials;
    this.#fetch = options.fetch;
    this.#now = options.now;
  }

  /** The URL of a key (or of the bucket) with a query. */
  objectUrl(key: string | undefined, query: string): URL {
    const endpoint = new URL(this.spec.endpoint);
    const path = key === undefined
      ? ""
      : key.split("/").map((s) => uriEncode(s)).join("/");
    const base = this.spec.pathStyle
      ? `${endpoint.protocol}//${endpoint.host}/${this.containerName}${
        key === undefined ? "" : `/${path}`
      }`
      : `${endpoint.protocol}//${this.containerName}.${endpoint.host}/${path}`;
    return new URL(query === "" ? base : `${base}?${query}`);
  }

  /** Signs a request; fails clearly without credentials. */
  sign(
    method: string,
    url: URL,
    headers: Record<string, string>,
    payloadHash: string,
  ): Record<string, string> {
    if (!this.#credentials) {
      throw new StorageError(
        "auth",
        this.url,
        "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or CATALOGSYNC_S3_ACCESS_KEY_ID and CATALOGSYNC_S3_SECRET_ACCESS_KEY)",
      );
    }
    return {
      ...headers,
      ...signRequest({ method, url, headers, payloadHash }, {
        credentials: this.#credentials,
        region: this.spec.region,
        service: "s3",
        date: new Date(this.#now()),
      }),
    };
  }

  /** Sends a signed request with a small (or no) body through `fetch`. */
  async send(
    method: string,
    key: string | undefined,
    options: {
      query?: string;
      headers?: Record<string, string>;
      body?: string;
      signal?: AbortSignal | undefined;
    },
  ): Promise<Response> {
    const url = this.objectUrl(key, options.query ?? "");
    const body = options.body;
    const payloadHash = body === undefined
      ? EMPTY_SHA256
      : createHash("sha256").update(body).digest("hex");
    const headers = this.sign(method, url, options.headers ?? {}, payloadHash);
    return await sendRequest(this.#fetch, this.url, url, {
      method,
      headers,
      body,
      signal: options.signal,
    });
  }

  /** PUTs a range of a file, streaming, with a `Content-Length`. */
  async putRange(
    key: string,
    query: string,
    headers: Record<string, string>,
    source: SourceFile,
    range: {
      offset: number;
      length: number;
      payloadHash: string;
      signal: AbortSignal | undefined;
      onChunk: (chunk: Uint8Array) => void;
    },
  ) {
    const url = this.objectUrl(key, query);
    const signed = this.sign("PUT", url, headers, range.payloadHash);
    const answer = await putFileRange({
      url,
      headers: signed,
      path: source.path,
      offset: range.offset,
      length: range.length,
      backend: this.url,
      signal: range.signal,
      onChunk: range.onChunk,
    });
    if (answer.status < 200 || answer.status > 299) {
      this.failWith(answer.status, answer.body, `upload '${key}'`);
    }
    return answer;
  }

  /** Throws the `StorageError` of an error answer. */
  async fail(response: Response, action: string): Promise<never> {
    const text = await response.text().catch(() => "");
    this.failWith(response.status, text, action);
  }

  /** Throws the `StorageError` of a status and an error body. */
  failWith(status: number, body: string, action: string): never {
    const code = xmlText(body, "Code");
    const message = xmlText(body, "Message");
    const detail = `${status}${code ? ` ${code}` : ""}${
      message ? `: ${message}` : ""
    }`;
    const kind = errorKind(status, code);
    const hint = kind === "auth"
      ? "; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or CATALOGSYNC_S3_*)"
      : kind === "container"
      ? `; create the bucket '${this.containerName}' or fix the URL and endpoint`
      : "";
    throw new StorageError(
      kind,
      this.url,
      `cannot ${action} (${detail})${hint}`,
      { status, ...(code ? { code } : {}) },
    );
  }
}

function errorKind(status: number, code: string | undefined): StorageErrorKind {
  switch (code) {
    case "NoSuchBucket":
      return "container";
    case "NoSuchUpload":
    case "NoSuchKey":
      return "not_found";
    case "BadDigest":
    case "InvalidDigest":
    case "XAmzContentSHA256Mismatch":
    case "InvalidPart":
      return "checksum";
    case "QuotaExceeded":
    case "EntityTooLarge":
      return "quota";
    case "SlowDown":
    case "RequestTimeout":
    case "InternalError":
    case "ServiceUnavailable":
      return "server";
  }
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "not_found";
  if (status === 507) return "quota";
  if (status === 429 || status >= 500) return "server";
  return "protocol";
}
