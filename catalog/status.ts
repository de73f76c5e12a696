/**
 * Counts of what the catalog holds, per table and per platform.
 *
 * @module
 */
import { type Platform, PLATFORMS } from "../sources/types.ts";
import type { Catalog } from "./database.ts";
import { placeholders } from "./_sql.ts";

/** Download task states, in the order reports list them. */
export const DOWNLOAD_STATES = [
  "pending",
  "running",
  "done",
  "vip_only",
  "unavailable",
  "rate_limited",
  "failed",
] as const;

/** A download task state. */
export type DownloadState = typeof DOWNLOAD_STATES[number];

/** Counts for one platform. */
export interface PlatformCounts {
  /** Playlist pools by kind. */
  pools: { square: number; toplist: number };
  /** Playlists by sync state. */
  playlists: {
    total: number;
    synced: number;
    unsynced: number;
    /** Last sync attempt failed. */
    failed: number;
    /** Synced, but the resolved count differs from the declared one. */
    countMismatch: number;
  };
  /** Songs, VIP-only and unavailable among them. */
  songs: { total: number; vip: number; unavailable: number };
  /** Artists, with remote ids and enriched among them. */
  artists: {
    total: number;
    withRemoteId: number;
    enriched: number;
    enrichPending: number;
  };
  /** Derived artist pools, stale among them. */
  artistPools: { total: number; stale: number };
  /** Download tasks by state. */
  downloads: Record<DownloadState, number>;
  /** Songs with an active file, and their bytes. */
  files: { songsWithFile: number; bytes: number };
}

/** Files stored on one backend. */
export interface BackendCounts {
  /** Row id. */
  id: number;
  /** `local`, `cloud_drive` or `object_store`. */
  kind: string;
  /** The backend's name. */
  name: string;
  /** The backend's container: a local root, a cloud root, a bucket. */
  containerName: string;
  /** Whether new files go there. */
  active: boolean;
  /** Songs with an active file, and their bytes. */
  files: number;
  /** Bytes of those files. */
  bytes: number;
  /** Locations marked missing. */
  missing: number;
}

/** What `catalogCounts()` returns. */
export interface CatalogCounts {
  /** The catalog's schema version. */
  schemaVersion: number;
  /** Rows per table. */
  tables: Record<string, number>;
  /** Counts per platform. */
  platforms: Record<Platform, PlatformCounts>;
  /** Per storage backend. */
  backends: BackendCounts[];
}

const TABLES = [
  "playlist_pools",
  "playlists",
  "pool_playlists",
  "songs",
  "playlist_songs",
  "artists",
  "artist_songs",
  "artist_pools",
  "pool_artists",
  "storage_backends",
  "file_assets",
  "file_locations",
  "download_tasks",
] as const;

function emptyCounts(): PlatformCounts {
  return {
    pools: { square: 0, toplist: 0 },
    playlists: {
      total: 0,
      synced: 0,
      unsynced: 0,
      failed: 0,
      countMismatch: 0,
    },
    songs: { total: 0, vip: 0, unavailable: 0 },
    artists: { total: 0, withRemoteId: 0, enriched: 0, enrichPending: 0 },
    artistPools: { total: 0, stale: 0 },
    downloads: Object.fromEntries(DOWNLOAD_STATES.map((s) => [s, 0])) as Record<
      DownloadState,
      number
    >,
    files: { songsWithFile: 0, bytes: 0 },
  };
}

/** Rows of `songs` or `artists` on some platforms. */
export function countOnPlatforms(
  catalog: Catalog,
  table: "songs" | "artists",
  platforms: readonly Platform[],
): number {
  return catalog.get<{ n: number }>(
    `SELECT count(*) AS n FROM ${table} WHERE platform IN (${
      placeholders(platforms)
    })`,
    ...platforms,
  )!.n;
}

/** Counts per table, per platform and per storage backend. */
export function catalogCounts(catalog: Catalog): CatalogCounts {
  const tables: Record<string, number> = {};
  for (const table of TABLES) {
    tables[table] =
      catalog.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)!.n;
  }
  const platforms = Object.fromEntries(
    PLATFORMS.map((p) => [p, emptyCounts()]),
  ) as Record<Platform, PlatformCounts>;
  const each = <T extends { platform: Platform }>(
    sql: string,
    apply: (counts: PlatformCounts, row: T) => void,
  ) => {
    for (const row of catalog.iterate<T>(sql)) {
      const counts = platforms[row.platform];
      if (counts) apply(counts, row);
    }
  };
  each<{ platform: Platform; kind: "square" | "toplist"; n: number }>(
    "SELECT platform, kind, count(*) AS n FROM playlist_pools GROUP BY platform, kind",
    (c, r) => c.pools[r.kind] = r.n,
  );
  each<
    {
      platform: Platform;
      total: number;
      synced: number;
      failed: number;
      mismatch: number;
    }
  >(
    `SELECT platform, count(*) AS total, count(synced_at) AS synced,
       count(sync_error) AS failed,
       sum(synced_at IS NOT NULL AND track_count IS NOT NULL
           AND resolved_count IS NOT track_count) AS mismatch
     FROM playlists GROUP BY platform`,
    (c, r) =>
      c.playlists = {
        total: r.total,
        synced: r.synced,
        unsynced: r.total - r.synced,
        failed: r.failed,
        countMismatch: r.mismatch,
      },
  );
  each<{ platform: Platform; total: number; vip: number; unavailable: number }>(
    `SELECT platform, count(*) AS total, sum(availability = 'vip') AS vip,
       sum(availability = 'unavailable') AS unavailable
     FROM songs GROUP BY platform`,
    (c, r) =>
      c.songs = { total: r.total, vip: r.vip, unavailable: r.unavailable },
  );
  each<
    {
      platform: Platform;
      total: number;
      with_id: number;
      enriched: number;
      pending: number;
    }
  >(
    `SELECT platform, count(*) AS total, count(remote_artist_id) AS with_id,
       sum(enrich_status = 'done') AS enriched,
       sum(remote_artist_id IS NOT NULL AND enrich_status = 'pending') AS pending
     FROM artists GROUP BY platform`,
    (c, r) =>
      c.artists = {
        total: r.total,
        withRemoteId: r.with_id,
        enriched: r.enriched,
        enrichPending: r.pending,
      },
  );
  each<{ platform: Platform; total: number; stale: number }>(
    `SELECT p.platform, count(ap.id) AS total, sum(p.artists_dirty) AS stale
     FROM playlist_pools p LEFT JOIN artist_pools ap ON ap.derived_from_pool_id = p.id
     GROUP BY p.platform`,
    (c, r) => c.artistPools = { total: r.total, stale: r.stale },
  );
  each<{ platform: Platform; state: DownloadState; n: number }>(
    `SELECT s.platform, t.state, count(*) AS n
     FROM download_tasks t JOIN songs s ON s.id = t.song_id
     GROUP BY s.platform, t.state`,
    (c, r) => c.downloads[r.state] = r.n,
  );
  each<{ platform: Platform; songs: number; bytes: number }>(
    `SELECT s.platform, count(DISTINCT a.song_id) AS songs, coalesce(sum(coalesce(a.stored_size_bytes, a.size_bytes)), 0) AS bytes
     FROM file_assets a JOIN songs s ON s.id = a.song_id
     WHERE EXISTS (SELECT 1 FROM file_locations l
                   WHERE l.file_asset_id = a.id AND l.state = 'active')
     GROUP BY s.platform`,
    (c, r) => c.files = { songsWithFile: r.songs, bytes: r.bytes },
  );
  const backends = catalog.all<
    {
      id: number;
      kind: string;
      name: string;
      container_name: string;
      is_active: number;
      files: number;
      bytes: number;
      missing: number;
    }
  >(
    `SELECT b.id, b.kind, b.name, b.container_name, b.is_active,
       count(l.id) FILTER (WHERE l.state = 'active') AS files,
       coalesce(sum(coalesce(a.stored_size_bytes, a.size_bytes)) FILTER (WHERE l.state = 'active'), 0) AS bytes,
       count(l.id) FILTER (WHERE l.state = 'missing') AS missing
     FROM storage_backends b
     LEFT JOIN file_locations l ON l.backend_id = b.id
     LEFT JOIN file_assets a ON a.id = l.file_asset_id
     GROUP BY b.id ORDER BY b.id`,
  ).map((r) => ({
    id: r.id,
    kind: r.kind,
    name: r.name,
    containerName: r.container_name,
    active: r.is_active === 1,
    files: r.files,
    bytes: r.bytes,
    missing: r.missing,
  }));
  return { schemaVersion: catalog.schemaVersion, tables, platforms, backends };
}
