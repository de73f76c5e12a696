/**
 * A WebDAV root as a storage backend: Nextcloud and ownCloud, `rclone
 * serve webdav`, and gateways (Alist and the like) that put cloud drives
 * such as 123pan or Aliyun Drive behind WebDAV. HTTP basic authentication
 * with credentials from the environment.
 *
 * - A file is PUT to `<name>.part` (parents made with MKCOL) and MOVEd onto
 *   its name, so a cut upload never sits under the real name. The PUT
 *   carries `OC-Checksum: SHA256:<hex>` (Nextcloud refuses a body that does
 *   not match it); the bytes are hashed as they are sent, and a local file
 *   that no longer matches its record is removed again and reported.
 * - `verify()` reads the size and ETag back (HEAD): servers whose ETag is
 *   the content's MD5 (rclone with `--etag-hash MD5`, Apache's mod_dav with
 *   that setting) are checked by it; others by size.
 * - `507 Insufficient Storage` (a full quota) is a `quota` error: the
 *   replicate stage stops using the backend and says so.
 *
 * @module
 */
import {
  type BackendSpec,
  cleanEtag,
  type HttpFetch,
  type PutOptions,
  type PutResult,
  type Reachability,
  type SourceFile,
  type StorageBackend,
  type StoredObject,
  type Verification,
} from "./backend.ts";
import { StorageError, type StorageErrorKind } from "./errors.ts";
import {
  checkedBySize,
  sendRequest,
  SentBytes,
  sizeMismatch,
  unreachable,
} from "./_backend_steps.ts";
import { putFileRange } from "./_http_put.ts";
import { uriEncode } from "./sigv4.ts";
import { xmlText } from "./_xml.ts";

/** Options of a `WebDavBackend`. */
export interface WebDavOptions {
  /** The root. */
  spec: Extract<BackendSpec, { kind: "cloud_drive" }>;
  /** Basic-auth credentials, if the server wants them. */
  credentials: { user: string; password: string } | undefined;
  /** The `fetch` for every request but the upload bodies. @default globalThis.fetch */
  fetch?: HttpFetch;
}

const MD5_ETAG = /^[0-9a-f]{32}$/;

/** A folder on a WebDAV server. */
export class WebDavBackend implements StorageBackend {
  /** Always `cloud_drive`. */
  readonly kind = "cloud_drive" as const;
  /** `webdav://host/root` or `davs://host/root`. */
  readonly url: string;
  /** The root as an HTTP URL ending in `/`. */
  readonly containerName: string;
  readonly #fetch: HttpFetch;
  readonly #authorization: string | undefined;
  readonly #made = new Map<string, Promise<void>>();

  /** A backend for `options.spec`. */
  constructor(options: WebDavOptions) {
    this.url = options.spec.url;
    this.containerName = options.spec.containerName;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    const c = options.credentials;
    this.#authorization = c
      ? `Basic ${utf8Base64(`${c.user}:${c.password}`)}`
      : undefined;
  }

  /** The path below the root: the same as below a library root. */
  locatorFor(relative: string): string {
    return relative;
  }

  /** PROPFIND on the root (depth 0), with the free space when the server reports it. */
  async probe(signal?: AbortSignal): Promise<Reachability> {
    try {
      const response = await this.#send("PROPFIND", "", {
        headers: { depth: "0", "content-type": "application/xml" },
        body:
          `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:quota-available-bytes/></d:prop></d:propfind>`,
        signal,
      });
      const text = await response.text();
      if (response.status !== 207 && !response.ok) {
        this.#failWith(response.status, "reach the root");
      }
      const free = Number(xmlText(text, "quota-available-bytes"));
      return {
        ok: true,
        freeBytes: Number.isFinite(free) && free >= 0 ? free : undefined,
      };
    } catch (error) {
      return unreachable(error);
    }
  }

  /** Size and ETag of the file, or `undefined` when there is none. */
  async head(
    locator: string,
    signal?: AbortSignal,
  ): Promise<StoredObject | undefined> {
    const response = await this.#send("HEAD", locator, { signal });
    if (response.status === 404) return undefined;
    if (!response.ok) this.#failWith(response.status, `look up '${locator}'`);
    return {
      sizeBytes: Number(response.headers.get("content-length") ?? NaN),
      etag: cleanEtag(response.headers.get("etag")),
    };
  }

  /** Uploads to `<locator>.part`, checks what was sent, moves it into place. */
  async put(
    locator: string,
    source: SourceFile,
    options: PutOptions = {},
  ): Promise<PutResult> {
    await this.#makeParents(locator, options.signal);
    const part = `${locator}.part`;
    const sent = new SentBytes(options);
    const answer = await putFileRange({
      url: this.#url(part),
      headers: {
        ...this.#auth(),
        "content-type": "application/octet-stream",
        "oc-checksum": `SHA256:${source.sha256}`,
      },
      path: source.path,
      offset: 0,
      length: source.sizeBytes,
      backend: this.url,
      signal: options.signal,
      onChunk: sent.onChunk,
    });
    if (answer.status < 200 || answer.status > 299) {
      this.#failWith(answer.status, `upload '${locator}'`);
    }
    const result = await sent.checked(
      this.url,
      source,
      answer.headers.get("etag"),
      () => this.remove(part),
    );
    const moved = await this.#send("MOVE", part, {
      headers: { destination: this.#url(locator).href, overwrite: "T" },
      signal: options.signal,
    });
    await moved.body?.cancel();
    if (!moved.ok) this.#failWith(moved.status, `move '${part}' into place`);
    return result;
  }

  /** Compares the file's size (and an MD5 ETag) on the server with the local file. */
  async verify(
    locator: string,
    source: SourceFile,
    written?: PutResult,
    signal?: AbortSignal,
  ): Promise<Verification> {
    const md5 = written?.md5 ?? source.md5;
    // without an MD5 to compare, ask for the size alone: a server whose
    // ETag is an MD5 would read the whole file again to answer a HEAD
    const object = md5 === undefined
      ? await this.#size(locator, signal)
      : await this.head(locator, signal);
    if (!object) return { ok: false, reason: `'${locator}' is not there` };
    const resized = sizeMismatch(locator, object, source);
    if (resized) return resized;
    if (object.etag && MD5_ETAG.test(object.etag) && md5) {
      if (object.etag !== md5) {
        return {
          ok: false,
          reason: `'${locator}' has MD5 ${object.etag}, the file ${md5}`,
        };
      }
      return { ok: true, etag: object.etag, method: "size+etag" };
    }
    return checkedBySize(object, written);
  }

  /** The file's size alone (PROPFIND of `getcontentlength`). */
  async #size(
    locator: string,
    signal?: AbortSignal,
  ): Promise<StoredObject | undefined> {
    const response = await this.#send("PROPFIND", locator, {
      headers: { depth: "0", "content-type": "application/xml" },
      body:
        `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getcontentlength/></d:prop></d:propfind>`,
      signal,
    });
    const text = await response.text();
    if (response.status === 404) return undefined;
    if (response.status !== 207 && !response.ok) {
      this.#failWith(response.status, `look up '${locator}'`);
    }
    const size = Number(xmlText(text, "getcontentlength"));
    if (!Number.isFinite(size)) return await this.head(locator, signal);
    return { sizeBytes: size, etag: undefined };
  }

  /** The file's bytes. */
  async read(
    locator: string,
    signal?: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const response = await this.#send("GET", locator, { signal });
    if (!response.ok || !response.body) {
      this.#failWith(response.status, `read '${locator}'`);
    }
    return response.body!;
  }

  /** Deletes the file (none there is fine). */
  async remove(locator: string, signal?: AbortSignal): Promise<void> {
    const response = await this.#send("DELETE", locator, { signal });
    await response.body?.cancel();
    if (!response.ok && response.status !== 404) {
      this.#failWith(response.status, `delete '${locator}'`);
    }
  }

  async #makeParents(locator: string, signal?: AbortSignal): Promise<void> {
    const segments = locator.split("/").slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      const dir = segments.slice(0, i).join("/");
      // uploads side by side share one MKCOL per folder (a second MKCOL of
      // a folder being made gets 423 Locked from some servers)
      let made = this.#made.get(dir);
      if (!made) {
        made = this.#makeFolder(dir, signal);
        this.#made.set(dir, made);
        made.catch(() => this.#made.delete(dir));
      }
      await made;
    }
  }

  async #makeFolder(dir: string, signal?: AbortSignal): Promise<void> {
    for (let attempt = 0;; attempt++) {
      const response = await this.#send("MKCOL", `${dir}/`, { signal });
      await response.body?.cancel();
      // 405: it exists already; 423: someone else is making it
      if (response.ok || response.status === 405) return;
      if (response.status === 423 && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        continue;
      }
      this.#failWith(response.status, `create the folder '${dir}'`);
    }
  }

  #url(locator: string): URL {
    return new URL(
      locator.split("/").map((s) => s === "" ? s : uriEncode(s)).join("/"),
      this.containerName,
    );
  }

  #auth(): Record<string, string> {
    return this.#authorization ? { authorization: this.#authorization } : {};
  }

  async #send(
    method: string,
    locator: string,
    options: {
      headers?: Record<string, string>;
      body?: string;
      signal?: AbortSignal | undefined;
    },
  ): Promise<Response> {
    return await sendRequest(this.#fetch, this.url, this.#url(locator), {
      ...options,
      method,
      headers: { ...this.#auth(), ...options.headers },
    });
  }

  #failWith(status: number, action: string): never {
    const kind: StorageErrorKind = status === 401 || status === 403
      ? "auth"
      : status === 507
      ? "quota"
      : status === 404 || status === 409
      ? "container"
      : status === 429 || status >= 500
      ? "server"
      : "protocol";
    const detail = kind === "auth"
      ? "; check CATALOGSYNC_WEBDAV_USER and CATALOGSYNC_WEBDAV_PASSWORD"
      : kind === "quota"
      ? "; the drive is full (507 Insufficient Storage): free space there or raise its quota"
      : kind === "container"
      ? "; check that the root exists on the server"
      : "";
    throw new StorageError(
      kind,
      this.url,
      `cannot ${action} (HTTP ${status})${detail}`,
      { status },
    );
  }
}

function utf8Base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}
