/**
 * The storage backends as a user manages them: `storageList()` (every
 * backend with its state, files, bytes and free space), `storageAdd()`
 * (register a directory, a bucket or a WebDAV root) and `storageRelocate()`
 * (a disk mounted elsewhere, a library folder moved: check that its files
 * are at the new root, then move the backend's root in one transaction,
 * downloading nothing again).
 *
 * @module
 */
import { resolve } from "node:path";
import {
  backendLocations,
  backendTotals,
  findBackend,
  findBackendByUrl,
  insertBackend,
  listBackends,
  relocateBackend,
} from "../catalog/backends.ts";
import {
  type BucketOptions,
  type HttpFetch,
  parseBackendUrl,
  type StorageCredentials,
} from "../storage/backend.ts";
import { fileSize } from "../storage/local.ts";
import { rootState } from "../storage/local_backend.ts";
import { resolveInside } from "../storage/names.ts";
import { openBackend } from "../storage/open_backend.ts";
import type { Context } from "./context.ts";

/** A backend in `storage list`. */
export interface BackendListing {
  /** Row id. */
  id: number;
  /** Name. */
  name: string;
  /** `local`, `object_store` or `cloud_drive`. */
  kind: string;
  /** Its URL (a local root for local backends). */
  url: string;
  /**
   * `active` (new downloads go there), `available` (reachable), `offline`
   * (an unplugged disk, a server that does not answer) or `unreachable`
   * (it answers, but refuses: credentials, a missing bucket).
   */
  state: "active" | "available" | "offline" | "unreachable";
  /** Why it is offline or unreachable. */
  reason: string | undefined;
  /** Files checked to be there. */
  files: number;
  /** Their bytes. */
  bytes: number;
  /** Locations found gone. */
  missing: number;
  /** Locations found changed. */
  corrupt: number;
  /** Free space, when known. */
  freeBytes: number | undefined;
}

/** What `storageList()` returns. */
export interface StorageListSummary {
  /** Every backend. */
  backends: BackendListing[];
}

/** Options of the storage functions that reach backends. */
export interface ReachOptions {
  /** Credentials of remote backends. @default none */
  credentials?: StorageCredentials;
  /** The `fetch` of HTTP backends. @default globalThis.fetch */
  fetch?: HttpFetch;
  /** Ask remote backends whether they answer. @default true */
  probeRemote?: boolean;
}

const NO_CREDENTIALS: StorageCredentials = { s3: undefined, webdav: undefined };

/**
 * Every storage backend with its state, totals and free space.
 *
 * @example List the backends of an empty catalog
 * ```ts
 * import { Catalog, createContext, storageList } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * using catalog = Catalog.open(":memory:");
 * const listing = await storageList(createContext({ catalog }));
 * assert.deepEqual(listing.backends, []);
 * ```
 */
export async function storageList(
  context: Context,
  options: ReachOptions = {},
): Promise<StorageListSummary> {
  const totals = backendTotals(context.catalog);
  const backends: BackendListing[] = [];
  for (const row of listBackends(context.catalog)) {
    const t = totals.get(row.id) ??
      { files: 0, bytes: 0, missing: 0, corrupt: 0 };
    let state: BackendListing["state"] = row.is_active ? "active" : "available";
    let reason: string | undefined;
    let freeBytes: number | undefined;
    if (row.kind === "local" || options.probeRemote !== false) {
      const backend = openBackend(row, {
        credentials: options.credentials ?? NO_CREDENTIALS,
        fetch: options.fetch,
        freeSpace: context.freeSpace,
      });
      const probe = row.kind === "local" &&
          await rootState(row.container_name) === "empty" && t.files > 0
        ? {
          ok: false as const,
          offline: true,
          reason:
            `${row.container_name} is empty (a mount point without its disk?)`,
        }
        : await backend.probe(context.signal);
      if (probe.ok) freeBytes = probe.freeBytes;
      else {
        state = probe.offline ? "offline" : "unreachable";
        reason = probe.reason;
      }
    }
    backends.push({
      id: row.id,
      name: row.name,
      kind: row.kind,
      url: row.url ?? row.container_name,
      state,
      reason,
      ...t,
      freeBytes,
    });
  }
  return { backends };
}

/** Options of `storageAdd()`. */
export interface StorageAddOptions extends ReachOptions, BucketOptions {
  /** The new backend's name. */
  name: string;
  /** Its URL: an absolute directory, `s3://bucket/prefix`, `webdav://host/root` or `davs://host/root`. */
  url: string;
  /** Register it even when it cannot be reached now. @default false */
  force?: boolean;
}

/** What `storageAdd()` registered. */
export interface StorageAddSummary {
  /** Row id. */
  id: number;
  /** Name. */
  name: string;
  /** Kind. */
  kind: string;
  /** The normalized URL. */
  url: string;
  /** Whether it answered when it was added. */
  reachable: boolean;
  /** Why not. */
  reason: string | undefined;
}

/**
 * Registers a backend. It is checked first (a local directory must exist;
 * a bucket or WebDAV root must answer with the credentials given) unless
 * `force`; a name or URL already registered is refused.
 */
export async function storageAdd(
  context: Context,
  options: StorageAddOptions,
): Promise<StorageAddSummary> {
  const name = options.name.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new TypeError(
      `Invalid backend name '${options.name}': letters, digits, '.', '_' and '-', at most 64`,
    );
  }
  const spec = parseBackendUrl(options.url, options);
  const catalog = context.catalog;
  if (findBackend(catalog, name)) {
    throw new Error(`A storage backend named '${name}' exists already`);
  }
  const same = findBackendByUrl(catalog, spec.url);
  if (same) {
    throw new Error(`${spec.url} is registered already, as '${same.name}'`);
  }
  const configJson = spec.kind === "object_store"
    ? JSON.stringify({
      endpoint: spec.endpoint,
      region: spec.region,
      pathStyle: spec.pathStyle,
    })
    : null;
  const backend = openBackend({
    kind: spec.kind,
    container_name: spec.containerName,
    url: spec.url,
    config_json: configJson,
  }, {
    credentials: options.credentials ?? NO_CREDENTIALS,
    fetch: options.fetch,
    freeSpace: context.freeSpace,
  });
  if (spec.kind === "local") {
    await Deno.mkdir(spec.containerName, { recursive: true }).catch(() => {});
  }
  const probe = await backend.probe(context.signal);
  if (!probe.ok && !options.force) {
    throw new Error(
      `Cannot add '${name}': ${probe.reason} (add --force to register it anyway)`,
    );
  }
  const row = insertBackend(catalog, {
    kind: spec.kind,
    name,
    containerName: spec.containerName,
    url: spec.url,
    configJson,
  }, context.now());
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    url: spec.url,
    reachable: probe.ok,
    reason: probe.ok ? undefined : probe.reason,
  };
}

/** Options of `storageRelocate()`. */
export interface StorageRelocateOptions {
  /** The local backend (name or id). */
  backend: string;
  /** Its new root. */
  root: string;
  /** Check every file, not a sample. @default false */
  checkAll?: boolean;
  /** Files checked without `checkAll`. @default 20 */
  sample?: number;
}

/** What `storageRelocate()` did. */
export interface StorageRelocateSummary {
  /** The backend. */
  name: string;
  /** Its old root. */
  from: string;
  /** Its new root. */
  to: string;
  /** Files checked at the new root. */
  checked: number;
  /** Locations marked missing before that were found at the new root. */
  restored: number;
  /** Files on the backend. */
  files: number;
}

/**
 * Moves a local backend's root to `root` after checking a sample of its
 * files (all with `checkAll`) there by size. Refuses, naming what was not
 * found, when any checked file is absent or of another size.
 */
export async function storageRelocate(
  context: Context,
  options: StorageRelocateOptions,
): Promise<StorageRelocateSummary> {
  const catalog = context.catalog;
  const row = findBackend(catalog, options.backend);
  if (!row) {
    throw new Error(
      `No storage backend named '${options.backend}': see 'catalogsync storage list'`,
    );
  }
  if (row.kind !== "local") {
    throw new Error(
      `Cannot relocate '${row.name}': only local backends have a root to move (it is ${row.kind})`,
    );
  }
  const root = resolve(options.root);
  const other = findBackendByUrl(catalog, root);
  if (other && other.id !== row.id) {
    throw new Error(`${root} is the root of another backend, '${other.name}'`);
  }
  const state = await rootState(root);
  if (state === "missing" || state === "not_directory") {
    throw new Error(
      `Cannot relocate '${row.name}' to ${root}: no such directory`,
    );
  }
  const locations = backendLocations(catalog, row.id, ["active", "missing"]);
  const active = locations.filter((l) => l.state === "active");
  const checkAll = options.checkAll ?? false;
  const sample = checkAll ? active : spread(active, options.sample ?? 20);
  const notFound: string[] = [];
  for (const location of sample) {
    const size = await fileSize(resolveInside(root, location.locator));
    if (size !== location.sizeBytes) notFound.push(location.locator);
  }
  // locations an earlier run marked missing (the folder had moved) come
  // back when they are there
  const missingFound: number[] = [];
  const missing = locations.filter((l) => l.state === "missing");
  for (const location of missing) {
    const size = await fileSize(resolveInside(root, location.locator));
    if (size === location.sizeBytes) missingFound.push(location.locationId);
  }
  if (
    notFound.length > 0 ||
    (sample.length === 0 && missing.length > 0 && missingFound.length === 0)
  ) {
    const checked = sample.length > 0 ? sample.length : missing.length;
    const absent = notFound.length > 0
      ? notFound
      : missing.map((l) => l.locator);
    throw new Error(
      `Refusing to relocate '${row.name}' to ${root}: ${absent.length} of ${checked} ${
        checkAll || sample.length === 0 ? "" : "sampled "
      }files are not there with their recorded size (${
        absent.slice(0, 3).map((l) => `'${l}'`).join(", ")
      }${absent.length > 3 ? ", ..." : ""})`,
    );
  }
  relocateBackend(catalog, row.id, root, missingFound, context.now());
  return {
    name: row.name,
    from: row.container_name,
    to: root,
    checked: sample.length + missing.length,
    restored: missingFound.length,
    files: locations.length,
  };
}

/** Up to `n` items spread evenly over `items`, first and last included. */
function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    out.push(items[Math.round(i * (items.length - 1) / Math.max(1, n - 1))]!);
  }
  return out;
}
