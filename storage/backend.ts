/**
 * One interface for every place a file can live: a local directory, a
 * bucket of an S3-compatible object store, a WebDAV drive. A backend
 * stores a file under a locator (a path below its root, or a key), says
 * what it holds there (`head`), checks that what it holds is the file
 * (`verify`), reads it back and removes it.
 *
 * URLs name backends: an absolute path (or `file:///path`) is a local
 * directory; `s3://bucket/prefix` a bucket (endpoint, region and
 * path-style addressing as options or query parameters); `webdav://host/root`
 * a WebDAV root over HTTP, `davs://host/root` over HTTPS. Credentials never
 * appear in a URL: they come from the environment (`credentialsFromEnv()`).
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { StorageError } from "./errors.ts";
import type { AwsCredentials } from "./sigv4.ts";

/** The kinds of `storage_backends`. */
export type BackendKind = "local" | "object_store" | "cloud_drive";

/** A backend as its URL and options describe it. */
export type BackendSpec =
  | {
    kind: "local";
    /** The normalized URL (for a local backend, its absolute root). */
    url: string;
    /** The absolute root. */
    containerName: string;
  }
  | {
    kind: "object_store";
    /** `s3://bucket/prefix`. */
    url: string;
    /** The bucket. */
    containerName: string;
    /** Keys start with this (no leading or trailing `/`; may be empty). */
    prefix: string;
    /** The endpoint (`https://s3.us-east-1.amazonaws.com`). */
    endpoint: string;
    /** The region signed for. */
    region: string;
    /** Bucket in the path (`endpoint/bucket/key`) rather than the host. */
    pathStyle: boolean;
  }
  | {
    kind: "cloud_drive";
    /** `webdav://host/root` or `davs://host/root`. */
    url: string;
    /** The root as an HTTP URL, ending in `/`. */
    containerName: string;
  };

/** Options of `parseBackendUrl()` for buckets (they override the URL's query). */
export interface BucketOptions {
  /** The endpoint URL. @default `https://s3.<region>.amazonaws.com` */
  endpoint?: string | undefined;
  /** The region. @default "us-east-1" */
  region?: string | undefined;
  /** Path-style addressing (MinIO and most S3-compatible servers). @default true with an endpoint, false on AWS */
  pathStyle?: boolean | undefined;
}

/**
 * Parses a backend URL. Throws `TypeError` with what is wrong for anything
 * else (a relative path, an unknown scheme, user info in the URL).
 */
export function parseBackendUrl(
  text: string,
  options: BucketOptions = {},
): BackendSpec {
  const trimmed = text.trim();
  if (trimmed === "") throw new TypeError("Empty backend URL");
  if (isAbsolute(trimmed)) {
    const root = resolve(trimmed);
    return { kind: "local", url: root, containerName: root };
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new TypeError(
      `Invalid backend '${text}': expected an absolute directory, s3://bucket/prefix, webdav://host/root or davs://host/root`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new TypeError(
      `Invalid backend '${url.protocol}//${url.host}...': credentials do not belong in the URL; set them in the environment`,
    );
  }
  switch (url.protocol) {
    case "file:": {
      const root = resolve(fileURLToPath(url));
      return { kind: "local", url: root, containerName: root };
    }
    case "s3:":
      return bucketSpec(url, options);
    case "webdav:":
    case "davs:": {
      if (url.hostname === "") {
        throw new TypeError(`Invalid backend '${text}': no host`);
      }
      const scheme = url.protocol === "davs:" ? "https:" : "http:";
      const path = url.pathname.replace(/\/+$/, "");
      return {
        kind: "cloud_drive",
        url: `${url.protocol}//${url.host}${path}`,
        containerName: `${scheme}//${url.host}${path}/`,
      };
    }
    default:
      throw new TypeError(
        `Invalid backend '${text}': unknown scheme '${url.protocol}' (expected s3:, webdav:, davs: or an absolute directory)`,
      );
  }
}

function bucketSpec(url: URL, options: BucketOptions): BackendSpec {
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new TypeError(
      `Invalid bucket name '${bucket}' in '${url.href}': 3 to 63 lower-case letters, digits, dots and hyphens`,
    );
  }
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, "");
  const query = url.searchParams;
  const region = options.region ?? query.get("region") ?? "us-east-1";
  const endpointText = options.endpoint ?? query.get("endpoint") ?? undefined;
  let endpoint: string;
  if (endpointText === undefined) {
    endpoint = `https://s3.${region}.amazonaws.com`;
  } else {
    let parsed: URL;
    try {
      parsed = new URL(endpointText);
    } catch {
      throw new TypeError(
        `Invalid endpoint '${endpointText}': expected a URL like http://127.0.0.1:9000`,
      );
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(
        `Invalid endpoint '${endpointText}': expected http or https`,
      );
    }
    endpoint = `${parsed.protocol}//${parsed.host}`;
  }
  const pathStyleText = query.get("path-style");
  const pathStyle = options.pathStyle ??
    (pathStyleText === null
      ? endpointText !== undefined
      : pathStyleText !== "false" && pathStyleText !== "0");
  return {
    kind: "object_store",
    url: `s3://${bucket}${prefix === "" ? "" : `/${prefix}`}`,
    containerName: bucket,
    prefix,
    endpoint,
    region,
    pathStyle,
  };
}

/** Credentials for the backends, read from the environment. */
export interface StorageCredentials {
  /** For buckets. */
  s3: AwsCredentials | undefined;
  /** For WebDAV drives (HTTP basic authentication). */
  webdav: { user: string; password: string } | undefined;
}

/** The environment variables credentials are read from, in order of preference. */
export const STORAGE_ENV = {
  s3AccessKeyId: ["CATALOGSYNC_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"],
  s3SecretAccessKey: [
    "CATALOGSYNC_S3_SECRET_ACCESS_KEY",
    "AWS_SECRET_ACCESS_KEY",
  ],
  s3SessionToken: ["CATALOGSYNC_S3_SESSION_TOKEN", "AWS_SESSION_TOKEN"],
  webdavUser: ["CATALOGSYNC_WEBDAV_USER"],
  webdavPassword: ["CATALOGSYNC_WEBDAV_PASSWORD"],
} as const;

/**
 * Credentials from the environment: `CATALOGSYNC_S3_*` before `AWS_*` (a
 * pair is taken from one family, never mixed), `CATALOGSYNC_WEBDAV_USER`
 * and `CATALOGSYNC_WEBDAV_PASSWORD`.
 */
export function credentialsFromEnv(
  env: (name: string) => string | undefined,
): StorageCredentials {
  const pick = (family: 0 | 1) => {
    const id = env(STORAGE_ENV.s3AccessKeyId[family]);
    const secret = env(STORAGE_ENV.s3SecretAccessKey[family]);
    if (!id || !secret) return undefined;
    const token = env(STORAGE_ENV.s3SessionToken[family]);
    return {
      accessKeyId: id,
      secretAccessKey: secret,
      ...(token ? { sessionToken: token } : {}),
    };
  };
  const user = env(STORAGE_ENV.webdavUser[0]);
  const password = env(STORAGE_ENV.webdavPassword[0]);
  return {
    s3: pick(0) ?? pick(1),
    webdav: user ? { user, password: password ?? "" } : undefined,
  };
}

/** What a backend holds under a locator. */
export interface StoredObject {
  /** Its size. */
  sizeBytes: number;
  /** Its ETag, as the server gave it (quotes and `W/` removed). */
  etag: string | undefined;
  /** The hex SHA-256 the server keeps for it, when it says. */
  sha256?: string;
}

/** A local file to store, with what the catalog knows of it. */
export interface SourceFile {
  /** Its path. */
  path: string;
  /** Its recorded size. */
  sizeBytes: number;
  /** Its recorded hex SHA-256. */
  sha256: string;
  /** Its hex MD5, when known. */
  md5: string | undefined;
}

/**
 * Where a multipart upload of a file is written down, so that a killed run's
 * upload is resumed (or aborted) by the next one.
 */
export interface UploadJournal {
  /** The upload id a previous attempt left, if any. */
  readonly uploadId: string | undefined;
  /** Records the upload id in progress (`null` once it is completed or aborted). */
  save(uploadId: string | null): void;
}

/** Options of `put()`. */
export interface PutOptions {
  /** Stops the transfer. */
  signal?: AbortSignal | undefined;
  /** Bytes sent so far (resumed parts included). */
  onBytes?: ((sent: number) => void) | undefined;
  /** Where a multipart upload's id is kept. */
  journal?: UploadJournal | undefined;
}

/** What a `put()` stored: enough for `verify()` to check. */
export interface PutResult {
  /** Bytes stored. */
  sizeBytes: number;
  /** The hex MD5 of the bytes sent, when it was computed (multipart parts need it). */
  md5: string | undefined;
  /** The ETag the server answered with. */
  etag: string | undefined;
  /** The ETag a server that stored exactly these bytes answers with, when known. */
  expectedEtag: string | undefined;
  /** Bytes of an earlier attempt that were kept (multipart resume). */
  resumedBytes: number;
}

/** The outcome of checking a stored object against the file. */
export type Verification =
  | {
    ok: true;
    /** The object's ETag, to record. */
    etag: string | undefined;
    /** How it was checked: `size+etag`, `size+sha256` or `size`. */
    method: string;
  }
  | { ok: false; reason: string };

/** A multipart upload the server holds. */
export interface PendingUpload {
  /** Its key. */
  locator: string;
  /** Its id. */
  uploadId: string;
  /** When it was started (epoch ms), if the server says. */
  initiatedAt: number | undefined;
}

/** Whether a backend can be reached. */
export type Reachability =
  | { ok: true; freeBytes: number | undefined }
  | { ok: false; offline: boolean; reason: string };

/** A place files live. */
export interface StorageBackend {
  /** Its kind. */
  readonly kind: BackendKind;
  /** Its URL, for messages (never with credentials). */
  readonly url: string;
  /** What its locations record as `container_name`. */
  readonly containerName: string;
  /** The locator of a file whose path below a library root is `relative`. */
  locatorFor(relative: string): string;
  /** Whether it can be reached (and its free space, when it says). */
  probe(signal?: AbortSignal): Promise<Reachability>;
  /** What it holds under `locator` (`undefined`: nothing). */
  head(
    locator: string,
    signal?: AbortSignal,
  ): Promise<StoredObject | undefined>;
  /**
   * Stores a local file under `locator`, with a checksum the server checks
   * where it can; throws `StorageError` (`checksum` when the bytes read
   * are not the recorded file's).
   */
  put(
    locator: string,
    source: SourceFile,
    options?: PutOptions,
  ): Promise<PutResult>;
  /** Checks what it holds under `locator` against the file (`put`'s result when there is one). */
  verify(
    locator: string,
    source: SourceFile,
    written?: PutResult,
    signal?: AbortSignal,
  ): Promise<Verification>;
  /** Reads what it holds under `locator`. */
  read(
    locator: string,
    signal?: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
  /** Removes what it holds under `locator` (nothing there is fine). */
  remove(locator: string, signal?: AbortSignal): Promise<void>;
  /** Multipart uploads started under its prefix and not finished (buckets only). */
  pendingUploads?(signal?: AbortSignal): Promise<PendingUpload[]>;
  /** Aborts a multipart upload (buckets only). */
  abortUpload?(
    locator: string,
    uploadId: string,
    signal?: AbortSignal,
  ): Promise<void>;
}

/** The `fetch` backends use. */
export type HttpFetch = (
  input: Request | URL | string,
  init?: RequestInit,
) => Promise<Response>;

/** An ETag without quotes and `W/`, lower-cased; `undefined` when empty. */
export function cleanEtag(value: string | null): string | undefined {
  if (value === null) return undefined;
  const clean = value.replace(/^W\//, "").replace(/"/g, "").trim();
  return clean === "" ? undefined : clean.toLowerCase();
}

/** The error of a local file that no longer matches its record. */
export function corruptSource(
  backend: string,
  source: SourceFile,
): StorageError {
  return new StorageError(
    "checksum",
    backend,
    `the local file '${source.path}' no longer matches its recorded SHA-256: it is corrupt (run 'catalogsync verify --full')`,
    { code: "LocalCorrupt" },
  );
}
