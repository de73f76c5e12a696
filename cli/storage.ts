/**
 * `catalogsync storage list | add | relocate`: the storage backends.
 *
 * @module
 */
import { formatBytes } from "../tasks/format.ts";
import {
  type ReachOptions,
  storageAdd,
  type StorageAddOptions,
  type StorageAddSummary,
  storageList,
  type StorageListSummary,
  storageRelocate,
  type StorageRelocateOptions,
  type StorageRelocateSummary,
} from "../tasks/storage.ts";
import { storageAccess } from "./_storage_access.ts";
import { type Command, defineCommand } from "./command.ts";
import { UsageError } from "./exit.ts";
import { parsePositive } from "./flags.ts";
import { leftAlign, renderTable } from "./table.ts";

/** An action and the options of its stage (the storage access is added at run time). */
type Action =
  | { action: "list"; options: ReachOptions }
  | { action: "add"; options: StorageAddOptions }
  | { action: "relocate"; options: StorageRelocateOptions };

/** What `storage` prints: the summary of its action. */
export type StorageResult =
  | ({ action: "list" } & StorageListSummary)
  | ({ action: "add" } & StorageAddSummary)
  | ({ action: "relocate" } & StorageRelocateSummary);

/** `catalogsync storage`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync storage list [--offline] | add NAME URL [--endpoint URL] [--region R] [--path-style|--virtual-hosted] [--force] | relocate BACKEND NEW_ROOT [--check-all]",
  help:
    `list: every storage backend with its kind, URL or root, state (active: new
downloads go there; available; offline: an unplugged disk, a server that does
not answer; unreachable: it answers but refuses), files, bytes and free space.
Remote backends are asked whether they answer (--offline: do not ask).

add NAME URL: registers a backend that replicate can copy to. URL is an
absolute directory (a second disk), s3://BUCKET/PREFIX (AWS S3, MinIO, R2,
Alibaba OSS, Tencent COS, ...), webdav://HOST/ROOT or davs://HOST/ROOT (HTTPS;
Nextcloud, rclone, Alist and other WebDAV gateways to cloud drives). It must
answer first (--force registers it anyway). Credentials come from the
environment, never from the URL, and are never printed: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (or CATALOGSYNC_S3_ACCESS_KEY_ID,
CATALOGSYNC_S3_SECRET_ACCESS_KEY, CATALOGSYNC_S3_SESSION_TOKEN, which win);
CATALOGSYNC_WEBDAV_USER and CATALOGSYNC_WEBDAV_PASSWORD.

relocate BACKEND NEW_ROOT: a local backend's folder moved (a USB disk mounted
elsewhere, a library renamed). A sample of its files (--check-all: every file)
is looked up at NEW_ROOT by size; when all are there the backend's root moves
in one transaction, and files marked missing that are there count again.
Nothing is downloaded again. A wrong root is refused with what was not found.

Options:
  --endpoint URL         S3 endpoint, e.g. http://127.0.0.1:9000 (default AWS)
  --region R             S3 region (default us-east-1)
  --path-style           bucket in the path: endpoint/BUCKET/KEY (the default
                         with --endpoint); --virtual-hosted: BUCKET.endpoint/KEY
  --force                add a backend that does not answer now
  --check-all            relocate: check every file, not a sample
  --sample N             relocate: files in the sample (default 20)
  --offline              list: do not ask remote backends`,
  options: {
    endpoint: { type: "string" },
    region: { type: "string" },
    "path-style": { type: "boolean" },
    "virtual-hosted": { type: "boolean" },
    force: { type: "boolean" },
    "check-all": { type: "boolean" },
    sample: { type: "string" },
    offline: { type: "boolean" },
  },
  positionals: [1, 3],
  catalog: "existing",
  toOptions: (values, positionals): Action => {
    const [action, first, second] = positionals;
    const count = positionals.length - 1;
    switch (action) {
      case "list":
        if (count !== 0) throw new UsageError("storage list takes no argument");
        return { action, options: { probeRemote: values.offline !== true } };
      case "add": {
        if (count !== 2) {
          throw new UsageError("storage add needs NAME and URL");
        }
        if (values["path-style"] && values["virtual-hosted"]) {
          throw new UsageError(
            "Give --path-style or --virtual-hosted, not both",
          );
        }
        return {
          action,
          options: {
            name: first!,
            url: second!,
            endpoint: values.endpoint,
            region: values.region,
            pathStyle: values["path-style"]
              ? true
              : values["virtual-hosted"]
              ? false
              : undefined,
            force: values.force === true,
          },
        };
      }
      case "relocate":
        if (count !== 2) {
          throw new UsageError("storage relocate needs BACKEND and NEW_ROOT");
        }
        return {
          action,
          options: {
            backend: first!,
            root: second!,
            checkAll: values["check-all"] === true,
            sample: parsePositive(values.sample, "--sample", 20),
          },
        };
      default:
        throw new UsageError(
          `Unknown storage action '${action}': expected list, add or relocate`,
        );
    }
  },
  run: async (context, { action, options }, { io }): Promise<StorageResult> => {
    switch (action) {
      case "list":
        return {
          action,
          ...await storageList(context, { ...options, ...storageAccess(io) }),
        };
      case "add":
        return {
          action,
          ...await storageAdd(context, { ...options, ...storageAccess(io) }),
        };
      case "relocate":
        return { action, ...await storageRelocate(context, options) };
    }
  },
  format: formatStorage,
});

/** The text form of a `storage` result. */
export function formatStorage(result: StorageResult): string {
  switch (result.action) {
    case "list": {
      if (result.backends.length === 0) {
        return "no storage backends yet: 'catalogsync download' adds the library, 'catalogsync storage add NAME URL' a replica";
      }
      const n = (value: number) => value.toLocaleString("en-US");
      const lines = [renderTable(leftAlign([
        ["name", "kind", "state", "files", "bytes", "missing", "free", "url"],
        ...result.backends.map((b) => [
          b.name,
          b.kind,
          b.state,
          n(b.files),
          formatBytes(b.bytes),
          n(b.missing + b.corrupt),
          b.freeBytes === undefined ? "?" : formatBytes(b.freeBytes),
          b.url,
        ]),
      ], [1, 2, 7]))];
      for (const b of result.backends) {
        if (b.reason) lines.push(`  ${b.name}: ${b.reason}`);
      }
      return lines.join("\n");
    }
    case "add":
      return `added ${result.kind} backend ${result.name}: ${result.url}${
        result.reachable ? "" : ` (not reachable now: ${result.reason})`
      }`;
    case "relocate":
      return `relocated ${result.name}: ${result.from} -> ${result.to} (${result.checked} of ${result.files} files checked there${
        result.restored > 0
          ? `, ${result.restored} marked missing are there again`
          : ""
      }); nothing is downloaded again`;
  }
}
