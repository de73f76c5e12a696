/**
 * Storage backends, file assets and their locations: where each
 * downloaded song lives.
 *
 * A local backend is a directory (`container_name` is its absolute root);
 * one local backend is active at a time and new files go there. A song
 * has at most one asset (its preferred file: quality, size, hashes) and
 * any number of locations of that asset (`active`, `missing`, ...).
 *
 * @module
 */
import type { Catalog } from "./database.ts";

/** A `storage_backends` row. */
export interface BackendRow {
  /** Row id. */
  id: number;
  /** `local`, `cloud_drive` or `object_store`. */
  kind: string;
  /** Unique name (`local-1`, `local-2`, ...). */
  name: string;
  /** For a local backend, its absolute root. */
  container_name: string;
  /** 1 when new files go there. */
  is_active: number;
}

const BACKEND_COLUMNS = "id, kind, name, container_name, is_active";

/** The active local backend, if there is one. */
export function activeLocalBackend(catalog: Catalog): BackendRow | undefined {
  return catalog.get<BackendRow>(
    `SELECT ${BACKEND_COLUMNS} FROM storage_backends WHERE kind = 'local' AND is_active = 1`,
  );
}

/** The local backend rooted at `root` (an absolute path), if there is one. */
export function findLocalBackend(
  catalog: Catalog,
  root: string,
): BackendRow | undefined {
  return catalog.get<BackendRow>(
    `SELECT ${BACKEND_COLUMNS} FROM storage_backends WHERE kind = 'local' AND container_name = ?`,
    root,
  );
}

/** A backend by id. */
export function backendById(
  catalog: Catalog,
  id: number,
): BackendRow | undefined {
  return catalog.get<BackendRow>(
    `SELECT ${BACKEND_COLUMNS} FROM storage_backends WHERE id = ?`,
    id,
  );
}

/**
 * The local backend rooted at `root` (an absolute path), added as
 * `local-N` if it is new, and made the active local backend: the one
 * active before is deactivated in the same transaction.
 */
export function activateLocalBackend(
  catalog: Catalog,
  root: string,
  now: number,
): BackendRow {
  return catalog.immediate(() => {
    let row = findLocalBackend(catalog, root);
    if (!row) {
      const taken = new Set(
        catalog.all<{ name: string }>("SELECT name FROM storage_backends")
          .map((r) => r.name),
      );
      let n = catalog.get<{ n: number }>(
        "SELECT count(*) AS n FROM storage_backends WHERE kind = 'local'",
      )!.n + 1;
      while (taken.has(`local-${n}`)) n++;
      const id = catalog.run(
        `INSERT INTO storage_backends (kind, name, container_name, url, is_active, created_at, updated_at)
         VALUES ('local', ?, ?, ?, 0, ?, ?)`,
        `local-${n}`,
        root,
        root,
        now,
        now,
      ).lastInsertRowid;
      row = backendById(catalog, id)!;
    }
    if (row.is_active !== 1) {
      catalog.run(
        "UPDATE storage_backends SET is_active = 0, updated_at = ? WHERE kind = 'local' AND is_active = 1",
        now,
      );
      catalog.run(
        "UPDATE storage_backends SET is_active = 1, updated_at = ? WHERE id = ?",
        now,
        row.id,
      );
      row = { ...row, is_active: 1 };
    }
    return row;
  });
}

/** An active location of a song's asset, to check on disk. */
export interface OwnedLocation {
  /** `file_locations.id`. */
  locationId: number;
  /** The backend's kind. */
  kind: string;
  /** The location's container (a local root). */
  containerName: string;
  /** The path relative to the container, with `/`. */
  locator: string;
  /** The recorded size of the file as stored. */
  sizeBytes: number;
}

/** The active locations of a song's asset. */
export function activeLocations(
  catalog: Catalog,
  songId: number,
): OwnedLocation[] {
  return catalog.all<OwnedLocation>(
    `SELECT l.id AS locationId, b.kind AS kind, l.container_name AS containerName,
       l.locator AS locator, coalesce(a.stored_size_bytes, a.size_bytes) AS sizeBytes
     FROM file_assets a
     JOIN file_locations l ON l.file_asset_id = a.id AND l.state = 'active'
     JOIN storage_backends b ON b.id = l.backend_id
     WHERE a.song_id = ? ORDER BY l.id`,
    songId,
  );
}

/** Marks locations `missing` (their file vanished or has the wrong size). */
export function markLocationsMissing(
  catalog: Catalog,
  locationIds: readonly number[],
  now: number,
): number {
  let changed = 0;
  for (const id of locationIds) {
    changed += catalog.run(
      "UPDATE file_locations SET state = 'missing', checked_at = ? WHERE id = ? AND state = 'active'",
      now,
      id,
    ).changes;
  }
  return changed;
}

/** Marks locations checked (their file is there with the recorded size). */
export function markLocationsChecked(
  catalog: Catalog,
  locationIds: readonly number[],
  now: number,
): void {
  for (const id of locationIds) {
    catalog.run(
      "UPDATE file_locations SET checked_at = ? WHERE id = ?",
      now,
      id,
    );
  }
}

/**
 * Whether another song already has a location on `backendId` whose
 * locator equals `locator` ignoring ASCII case (a clash on a
 * case-insensitive file system).
 */
export function locatorTaken(
  catalog: Catalog,
  backendId: number,
  locator: string,
  songId: number,
): boolean {
  return catalog.get(
    `SELECT 1 FROM file_locations l JOIN file_assets a ON a.id = l.file_asset_id
     WHERE l.backend_id = ? AND l.locator = ? COLLATE NOCASE AND a.song_id <> ?
     LIMIT 1`,
    backendId,
    locator,
    songId,
  ) !== undefined;
}

/** A downloaded file, as recorded. */
export interface AssetRecord {
  /** The song. */
  songId: number;
  /** The platform-neutral quality label served. */
  quality: string;
  /** The platform's own name of the level served. */
  platformQuality: string;
  /** File extension without the dot. */
  extension: string;
  /** Size in bytes. */
  sizeBytes: number;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
  /** Hex MD5 of the whole file, when computed. */
  md5: string | undefined;
  /** Bitrate in kbit/s, when known. */
  bitrateKbps: number | undefined;
  /**
   * The file as stored, when tags made it differ from the body as served
   * (`sizeBytes`, `sha256`, `md5`). @default the body's
   */
  stored?: { sizeBytes: number; sha256: string } | undefined;
  /** How the file's tagging went. @default untagged */
  tagging?: TaggingRecord | undefined;
}

/** How tagging a file went, as `file_assets` records it. */
export interface TaggingRecord {
  /** `tagged`, `untagged` (nothing asked), `unsupported` (a container we do not tag) or `failed`. */
  state: "tagged" | "untagged" | "unsupported" | "failed";
  /** What was written (fields, cover, lyrics), to tell when it changes. */
  signature: string | null;
  /** Why it failed or was not done. */
  error: string | null;
}

/**
 * Records a downloaded file: replaces the song's asset (one preferred
 * asset per song; the old one's locations go with it) and adds its
 * location as `active`. The same file again (the same bytes as stored:
 * SHA-256 and size) keeps the asset and its other locations (replicas in
 * a bucket, another disk): the file gains a location, and its tagging
 * record is brought up to date. Call inside the transaction that
 * completes the download task.
 */
export function recordAsset(
  catalog: Catalog,
  asset: AssetRecord,
  location: { backendId: number; containerName: string; locator: string },
  now: number,
): { assetId: number; locationId: number } {
  const stored = asset.stored ?? {
    sizeBytes: asset.sizeBytes,
    sha256: asset.sha256,
  };
  const same = catalog.get<{ id: number }>(
    `SELECT id FROM file_assets WHERE song_id = ?
       AND coalesce(stored_sha256, sha256) = ?
       AND coalesce(stored_size_bytes, size_bytes) = ?`,
    asset.songId,
    stored.sha256,
    stored.sizeBytes,
  );
  let assetId: number;
  if (same) {
    assetId = same.id;
    const tagging = asset.tagging;
    if (tagging) {
      catalog.run(
        `UPDATE file_assets SET tag_state = ?, tag_signature = ?, tag_error = ?,
           tagged_at = ? WHERE id = ?`,
        tagging.state,
        tagging.signature,
        tagging.error,
        tagging.state === "untagged" ? null : now,
        assetId,
      );
    }
  } else {
    assetId = insertAsset(catalog, asset, stored, now);
  }
  const row = catalog.get<{ id: number }>(
    `INSERT INTO file_locations (file_asset_id, backend_id, container_name, locator, state,
       created_at, checked_at)
     VALUES (?, ?, ?, ?, 'active', ?, ?)
     ON CONFLICT (backend_id, locator) DO UPDATE SET
       file_asset_id = excluded.file_asset_id,
       container_name = excluded.container_name,
       state = 'active',
       created_at = excluded.created_at,
       checked_at = excluded.checked_at
     RETURNING id`,
    assetId,
    location.backendId,
    location.containerName,
    location.locator,
    now,
    now,
  )!;
  return { assetId, locationId: row.id };
}

/** Replaces the song's asset (and with it its locations) by `asset`. */
function insertAsset(
  catalog: Catalog,
  asset: AssetRecord,
  stored: { sizeBytes: number; sha256: string },
  now: number,
): number {
  catalog.run("DELETE FROM file_assets WHERE song_id = ?", asset.songId);
  return catalog.run(
    `INSERT INTO file_assets (song_id, quality, platform_quality, extension, size_bytes,
       sha256, md5, bitrate, created_at, stored_size_bytes, stored_sha256, tag_state,
       tag_signature, tagged_at, tag_error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    asset.songId,
    asset.quality,
    asset.platformQuality,
    asset.extension,
    asset.sizeBytes,
    asset.sha256,
    asset.md5,
    asset.bitrateKbps,
    now,
    stored.sizeBytes,
    stored.sha256,
    asset.tagging?.state ?? "untagged",
    asset.tagging?.signature ?? null,
    asset.tagging && asset.tagging.state !== "untagged" ? now : null,
    asset.tagging?.error ?? null,
  ).lastInsertRowid;
}

/** A song of a playlist, with its file's local location when it has one. */
export interface PlaylistFileRow {
  /** The song's title. */
  name: string;
  /** The song's singer string. */
  artist_names: string;
  /** The song's duration. */
  duration_ms: number | null;
  /** The root of the local backend holding its file. */
  container_name: string | null;
  /** The file's path below that root, with `/`. */
  locator: string | null;
  /** 1 when the file has a checked copy on a bucket or cloud drive. */
  remote: number;
}

/**
 * A playlist's songs in playlist order, each with an active location of
 * its file on a local backend (the active backend's first) when it has one.
 */
export function playlistFiles(
  catalog: Catalog,
  playlistId: number,
): PlaylistFileRow[] {
  return catalog.all<PlaylistFileRow>(
    `SELECT s.name, s.artist_names, s.duration_ms, l.container_name, l.locator,
       EXISTS (SELECT 1 FROM file_locations r JOIN storage_backends rb ON rb.id = r.backend_id
         WHERE r.file_asset_id = a.id AND r.state = 'active' AND rb.kind <> 'local') AS remote
     FROM playlist_songs ps
     JOIN songs s ON s.id = ps.song_id
     LEFT JOIN file_assets a ON a.song_id = s.id
     LEFT JOIN file_locations l ON l.id = (
       SELECT l2.id FROM file_locations l2 JOIN storage_backends b ON b.id = l2.backend_id
       WHERE l2.file_asset_id = a.id AND l2.state = 'active' AND b.kind = 'local'
       ORDER BY b.is_active DESC, l2.id LIMIT 1)
     WHERE ps.playlist_id = ? ORDER BY ps.position`,
    playlistId,
  );
}
