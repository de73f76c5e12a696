/**
 * A `StorageBackend` for a `storage_backends` row (its kind, container and
 * URL, and the options kept in its `config_json`), with the credentials
 * and seams the caller gives.
 *
 * @module
 */
import {
  type BackendSpec,
  type HttpFetch,
  parseBackendUrl,
  type StorageBackend,
  type StorageCredentials,
} from "./backend.ts";
import type { FreeSpaceProbe } from "./free_space.ts";
import { LocalBackend } from "./local_backend.ts";
import { S3Backend } from "./s3.ts";
import { WebDavBackend } from "./webdav.ts";

/** What a backend row holds. */
export interface BackendRecord {
  /** `local`, `object_store` or `cloud_drive`. */
  kind: string;
  /** Its container (a root, a bucket, a root URL). */
  container_name: string;
  /** Its URL (null for local backends made before URLs were kept). */
  url: string | null;
  /** Bucket options as JSON: `{"endpoint", "region", "pathStyle"}`. */
  config_json: string | null;
}

/** Seams and settings of `openBackend()`. */
export interface OpenOptions {
  /** Credentials from the environment. */
  credentials: StorageCredentials;
  /** The `fetch` of the HTTP backends. @default globalThis.fetch */
  fetch?: HttpFetch | undefined;
  /** Free space of a local directory. */
  freeSpace?: FreeSpaceProbe | undefined;
  /** Bucket uploads above this size go multipart. @default 64 MiB */
  multipartThreshold?: number | undefined;
  /** The part size of multipart uploads. @default 16 MiB */
  partSize?: number | undefined;
  /** The clock. @default Date.now */
  now?: (() => number) | undefined;
}

/** The bucket options kept in `config_json`. */
export interface BucketConfig {
  /** The endpoint URL. */
  endpoint: string;
  /** The region. */
  region: string;
  /** Path-style addressing. */
  pathStyle: boolean;
}

/** The spec of a backend row. */
export function specOf(row: BackendRecord): BackendSpec {
  if (row.kind === "local") {
    return {
      kind: "local",
      url: row.container_name,
      containerName: row.container_name,
    };
  }
  const config = row.config_json
    ? JSON.parse(row.config_json) as Partial<BucketConfig>
    : {};
  return parseBackendUrl(row.url ?? "", {
    endpoint: config.endpoint,
    region: config.region,
    pathStyle: config.pathStyle,
  });
}

/** The backend of a row. */
export function openBackend(
  row: BackendRecord,
  options: OpenOptions,
): StorageBackend {
  const spec = specOf(row);
  switch (spec.kind) {
    case "local":
      return new LocalBackend(spec.containerName, options.freeSpace);
    case "object_store":
      return new S3Backend({
        spec,
        credentials: options.credentials.s3,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(options.multipartThreshold
          ? { multipartThreshold: options.multipartThreshold }
          : {}),
        ...(options.partSize ? { partSize: options.partSize } : {}),
      });
    case "cloud_drive":
      return new WebDavBackend({
        spec,
        credentials: options.credentials.webdav,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
  }
}
