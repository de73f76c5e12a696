/**
 * Offline volumes in a download run: a local backend whose root is gone
 * or an empty mount point (an unplugged disk) keeps its files' locations
 * as they are; the run says so once, and refuses to download into the
 * active library when that is the volume missing.
 *
 * @module
 */
import { backendHasFiles } from "../catalog/backends.ts";
import { activeLocalBackend, findLocalBackend } from "../catalog/storage.ts";
import { rootState } from "../storage/local_backend.ts";
import type { Context } from "./context.ts";
import type { DownloadSummary } from "./download_summary.ts";

/**
 * Says once per run which local backends are offline and how many selected
 * songs they hold (not marked missing; downloaded again only when asked).
 */
export function reportOffline(
  context: Context,
  summary: DownloadSummary,
  offline: ReadonlyMap<string, number>,
  redownload: boolean | undefined,
): void {
  for (const [root, songs] of offline) {
    const name = findLocalBackend(context.catalog, root)?.name ?? "";
    summary.offline.push({ name, root, songs });
    context.log.warn(
      `storage backend ${name} (${root}) is offline: ${songs} selected songs have their file there; ${
        redownload
          ? "downloading them again (--redownload-offline)"
          : "they are not marked missing and not downloaded again (plug the disk in, 'catalogsync storage relocate " +
            `${name} NEW_ROOT' if it moved, or --redownload-offline)`
      }`,
    );
  }
}

/**
 * Refuses to recreate the active library's root when it is offline (a
 * moved folder, an unplugged disk) and holds files: downloads would land
 * in an empty folder in its place.
 */
export async function refuseOfflineLibrary(
  context: Context,
  root: string,
): Promise<void> {
  const active = activeLocalBackend(context.catalog);
  if (!active || active.container_name !== root) return;
  const state = await rootState(root);
  if (state === "present") return;
  if (!backendHasFiles(context.catalog, active.id)) return;
  throw new Error(
    `The library ${root} (${active.name}) is offline (${
      state === "empty"
        ? "an empty folder: a mount point without its disk?"
        : "not there"
    }): plug its disk in, run 'catalogsync storage relocate ${active.name} NEW_ROOT' if it moved, or give --library DIR`,
  );
}
