/**
 * AWS Signature Version 4 for the `Authorization` header: the canonical
 * request, the string to sign, the derived signing key and the signature.
 *
 * What this follows (AWS General Reference, "Signature Version 4 signing
 * process", and the S3 API Reference, "Signature Calculations for the
 * Authorization Header"):
 * - canonical URI: each path segment percent-encoded (every byte but
 *   `A-Z a-z 0-9 - . _ ~`) once, slashes kept. S3 never normalizes the
 *   path (a key may hold `//` or `.`); the published test suite, written for
 *   other services, removes `.`, `..` and empty segments first.
 * - canonical query: names and values decoded, encoded the same way, sorted
 *   by name then value; a parameter without `=` has an empty value.
 * - canonical headers: lower-case names, values trimmed with inner runs of
 *   spaces collapsed, sorted by name; the signed headers are all of them.
 * - payload: the hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
 *
 * Tested against AWS's published test-suite vectors and the S3 reference's
 * worked examples (`tests/testdata/sigv4/`). Secrets go only into the HMAC:
 * nothing here returns or logs them.
 *
 * @module
 */
import { createHash, createHmac } from "node:crypto";

/** Credentials of an access key. */
export interface AwsCredentials {
  /** The access key id (`AKIA...`); it is sent in the clear in every request. */
  accessKeyId: string;
  /** The secret: never sent, never logged. */
  secretAccessKey: string;
  /** A temporary session token (`x-amz-security-token`), if any. */
  sessionToken?: string | undefined;
}

/** A request to sign. */
export interface SigningRequest {
  /** HTTP method. */
  method: string;
  /** The full URL (its host becomes the `host` header). */
  url: URL;
  /** Headers to sign besides `host`, `x-amz-date` (and `x-amz-content-sha256` for S3). */
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

/** How to sign. */
export interface SigningOptions {
  /** The key. */
  credentials: AwsCredentials;
  /** The region (`us-east-1`). */
  region: string;
  /** The service (`s3`). */
  service: string;
  /** The request time. */
  date: Date;
  /**
   * S3 rules: the path not normalized, and the payload hash sent as
   * `x-amz-content-sha256`. @default true
   */
  s3?: boolean;
}

/** The hex SHA-256 of an empty body. */
export const EMPTY_SHA256 =
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** `20150830T123600Z`: the time as SigV4 writes it. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Percent-encodes every byte of `text` but the unreserved `A-Z a-z 0-9 - . _ ~`. */
export function uriEncode(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c)
      ? c
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function normalizePath(path: string): string {
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}${path.endsWith("/") && out.length > 0 ? "/" : ""}`;
}

function canonicalUri(url: URL, s3: boolean): string {
  // the URL keeps the path percent-encoded: decode each segment, encode it
  // with the stricter set
  const raw = url.pathname === "" ? "/" : url.pathname;
  const path = s3 ? raw : normalizePath(raw);
  return path.split("/").map((s) => uriEncode(decode(s))).join("/");
}

function canonicalQuery(url: URL): string {
  const search = url.search.replace(/^\?/, "");
  if (search === "") return "";
  const pairs = search.split("&").filter((p) => p !== "").map((part) => {
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    return [uriEncode(decode(name)), uriEncode(decode(value))] as const;
  });
  pairs.sort(([a, x], [b, y]) =>
    a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** The headers that are signed, lower-cased, with `host` (and the S3 ones). */
function headersToSign(
  request: SigningRequest,
  date: string,
  options: SigningOptions,
): Map<string, string> {
  const headers = new Map<string, string>();
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const clean = value.trim().replace(/\s+/g, " ");
    const before = headers.get(key);
    headers.set(key, before === undefined ? clean : `${before},${clean}`);
  };
  for (const [name, value] of Object.entries(request.headers)) {
    add(name, value);
  }
  if (!headers.has("host")) add("host", request.url.host);
  if (!headers.has("x-amz-date")) add("x-amz-date", date);
  if ((options.s3 ?? true) && !headers.has("x-amz-content-sha256")) {
    add("x-amz-content-sha256", request.payloadHash);
  }
  const token = options.credentials.sessionToken;
  if (token !== undefined && !headers.has("x-amz-security-token")) {
    add("x-amz-security-token", token);
  }
  return headers;
}

/** The canonical request and its signed-header list. */
export function canonicalRequest(
  request: SigningRequest,
  options: SigningOptions,
): { text: string; signedHeaders: string; headers: Map<string, string> } {
  const headers = headersToSign(request, amzDate(options.date), options);
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(";");
  const text = [
    request.method.toUpperCase(),
    canonicalUri(request.url, options.s3 ?? true),
    canonicalQuery(request.url),
    names.map((n) => `${n}:${headers.get(n)}\n`).join(""),
    signedHeaders,
    request.payloadHash,
  ].join("\n");
  return { text, signedHeaders, headers };
}

function scopeOf(options: SigningOptions): string {
  return `${
    amzDate(options.date).slice(0, 8)
  }/${options.region}/${options.service}/aws4_request`;
}

/** The string to sign for a canonical request. */
export function stringToSign(
  canonical: string,
  options: SigningOptions,
): string {
  return [
    "AWS4-HMAC-SHA256",
    amzDate(options.date),
    scopeOf(options),
    createHash("sha256").update(canonical).digest("hex"),
  ].join("\n");
}

function signingKey(options: SigningOptions): Uint8Array {
  const hmac = (key: string | Uint8Array, data: string) =>
    createHmac("sha256", key).update(data).digest();
  const day = hmac(
    `AWS4${options.credentials.secretAccessKey}`,
    amzDate(options.date).slice(0, 8),
  );
  return hmac(hmac(hmac(day, options.region), options.service), "aws4_request");
}

/**
 * Signs a request: returns every header to send with it besides the
 * caller's (`host` is left to the HTTP client): `authorization`,
 * `x-amz-date`, and for S3 `x-amz-content-sha256`, plus
 * `x-amz-security-token` with a session token.
 */
export function signRequest(
  request: SigningRequest,
  options: SigningOptions,
): Record<string, string> {
  const { text, signedHeaders, headers } = canonicalRequest(request, options);
  const signature = createHmac("sha256", signingKey(options))
    .update(stringToSign(text, options))
    .digest("hex");
  const out: Record<string, string> = {
    authorization:
      `AWS4-HMAC-SHA256 Credential=${options.credentials.accessKeyId}/${
        scopeOf(options)
      }, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    "x-amz-date": headers.get("x-amz-date")!,
  };
  const sha = headers.get("x-amz-content-sha256");
  if (sha !== undefined) out["x-amz-content-sha256"] = sha;
  const token = headers.get("x-amz-security-token");
  if (token !== undefined) out["x-amz-security-token"] = token;
  return out;
}
