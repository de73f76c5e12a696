/**
 * `whereis`: every location of a song's file, found by the song
 * (`platform:id`) or by the path of one of its copies on a local backend.
 *
 * @module
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import {
  listBackends,
  songAtLocator,
  songBrief,
  songIdByRemote,
  songLocations,
} from "../catalog/backends.ts";
import { isPlatform } from "../sources/types.ts";
import type { Context } from "./context.ts";

/** Options of `whereis()`. */
export interface WhereisOptions {
  /** `platform:id`, or the path of a file on a local backend. */
  ref: string;
}

/** One location of the file. */
export interface WhereisLocation {
  /** The backend's name. */
  backend: string;
  /** Its kind. */
  kind: string;
  /** `active`, `missing`, `corrupt` or `deleted`. */
  state: string;
  /** A local path, `s3://bucket/key`, or the WebDAV URL. */
  where: string;
  /** When it was last checked (epoch ms). */
  checkedAt: number | null;
}

/** What `whereis()` found. */
export interface WhereisSummary {
  /** The song, or `undefined` when nothing matched. */
  song:
    | {
      platform: string;
      remoteId: string;
      title: string;
      sizeBytes: number;
      sha256: string;
    }
    | undefined;
  /** Its file's locations, the active ones first. */
  locations: WhereisLocation[];
}

/**
 * The locations of a song's file.
 *
 * @example Look a song up in an empty catalog
 * ```ts
 * import { Catalog, createContext, whereis } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * using catalog = Catalog.open(":memory:");
 * const found = await whereis(createContext({ catalog }), { ref: "netease:1" });
 * assert.equal(found.song, undefined);
 * ```
 */
export function whereis(
  context: Context,
  options: WhereisOptions,
): Promise<WhereisSummary> {
  const catalog = context.catalog;
  const ref = options.ref.trim();
  let songId: number | undefined;
  const colon = ref.indexOf(":");
  const platform = ref.slice(0, colon).toLowerCase();
  if (colon > 0 && isPlatform(platform) && !isAbsolute(ref)) {
    songId = songIdByRemote(catalog, platform, ref.slice(colon + 1));
  } else {
    const path = resolve(ref);
    for (const backend of listBackends(catalog)) {
      if (backend.kind !== "local") continue;
      const rel = relative(backend.container_name, path);
      if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) continue;
      songId = songAtLocator(catalog, backend.id, rel.split(sep).join("/"));
      if (songId !== undefined) break;
    }
  }
  if (songId === undefined) {
    return Promise.resolve({ song: undefined, locations: [] });
  }
  const rows = songLocations(catalog, songId);
  const first = rows[0];
  const song = songBrief(catalog, songId)!;
  return Promise.resolve({
    song: {
      ...song,
      sizeBytes: first?.sizeBytes ?? 0,
      sha256: first?.sha256 ?? "",
    },
    locations: rows.map((row) => ({
      backend: row.backendName,
      kind: row.backendKind,
      state: row.state,
      where: row.backendKind === "local"
        ? resolve(row.containerName, ...row.locator.split("/"))
        : row.backendKind === "object_store"
        ? `s3://${row.containerName}/${row.locator}`
        : new URL(
          row.locator.split("/").map(encodeURIComponent).join("/"),
          row.containerName,
        ).href,
      checkedAt: row.checkedAt,
    })),
  });
}
