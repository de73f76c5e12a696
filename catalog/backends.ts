/**
 * Storage backends as the `storage`, `verify` and `whereis` commands see
 * them: every backend with its URL and totals, registering one, moving a
 * local backend's root, the locations of a backend to check, and every
 * location of a song.
 *
 * @module
 */
import type { Catalog } from "./database.ts";
import { markLocationsChecked } from "./storage.ts";
import { STORED_MD5, STORED_SHA256, STORED_SIZE } from "./_sql.ts";

/** A `storage_backends` row with its URL and options. */
export interface BackendInfo {
  /** Row id. */
  id: number;
  /** `local`, `object_store` or `cloud_drive`. */
  kind: string;
  /** Unique name (`local-1`, `usb`, `bucket` ...). */
  name: string;
  /** A local root, a bucket, a WebDAV root URL. */
  container_name: string;
  /** The URL it was registered with (a local root for local backends). */
  url: string | null;
  /** 1 for the local backend new downloads go to. */
  is_active: number;
  /** Bucket options (endpoint, region, addressing) as JSON. */
  config_json: string | null;
}

const COLUMNS = "id, kind, name, container_name, url, is_active, config_json";

/** Every backend, in id order. */
export function listBackends(catalog: Catalog): BackendInfo[] {
  return catalog.all<BackendInfo>(
    `SELECT ${COLUMNS} FROM storage_backends ORDER BY id`,
  );
}

/** A backend by name, or by id when `ref` is a number. */
export function findBackend(
  catalog: Catalog,
  ref: string,
): BackendInfo | undefined {
  return catalog.get<BackendInfo>(
    `SELECT ${COLUMNS} FROM storage_backends WHERE name = ? OR (? <> '' AND id = ?)`,
    ref,
    /^\d+$/.test(ref) ? ref : "",
    /^\d+$/.test(ref) ? Number(ref) : -1,
  );
}

/** A backend by its URL (a local backend by its root). */
export function findBackendByUrl(
  catalog: Catalog,
  url: string,
): BackendInfo | undefined {
  return catalog.get<BackendInfo>(
    `SELECT ${COLUMNS} FROM storage_backends WHERE url = ?
       OR (kind = 'local' AND container_name = ?)`,
    url,
    url,
  );
}

/** A backend to register. */
export interface NewBackend {
  /** Its kind. */
  kind: "local" | "object_store" | "cloud_drive";
  /** Its unique name. */
  name: string;
  /** Its container. */
  containerName: string;
  /** Its URL. */
  url: string;
  /** Options as JSON, if any. */
  configJson: string | null;
}

/** Registers a backend (not active); returns its row. */
export function insertBackend(
  catalog: Catalog,
  backend: NewBackend,
  now: number,
): BackendInfo {
  const id = catalog.run(
    `INSERT INTO storage_backends (kind, name, container_name, url, is_active, config_json,
       created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)`,
    backend.kind,
    backend.name,
    backend.containerName,
    backend.url,
    backend.configJson,
    now,
    now,
  ).lastInsertRowid;
  return catalog.get<BackendInfo>(
    `SELECT ${COLUMNS} FROM storage_backends WHERE id = ?`,
    id,
  )!;
}

/** What a backend holds, as the catalog records it. */
export interface BackendTotals {
  /** Locations checked to be there (`active`). */
  files: number;
  /** Bytes of those files. */
  bytes: number;
  /** Locations found gone. */
  missing: number;
  /** Locations found changed. */
  corrupt: number;
}

/** The totals of every backend, by id. */
export function backendTotals(catalog: Catalog): Map<number, BackendTotals> {
  const rows = catalog.all<BackendTotals & { id: number }>(
    `SELECT l.backend_id AS id,
       sum(l.state = 'active') AS files,
       coalesce(sum(CASE WHEN l.state = 'active' THEN ${STORED_SIZE} END), 0) AS bytes,
       sum(l.state = 'missing') AS missing,
       sum(l.state = 'corrupt') AS corrupt
     FROM file_locations l JOIN file_assets a ON a.id = l.file_asset_id
     GROUP BY l.backend_id`,
  );
  return new Map(rows.map(({ id, ...totals }) => [id, totals]));
}

/** A location with its file's record and its song. */
export interface LocationRow {
  /** `file_locations.id`. */
  locationId: number;
  /** `file_assets.id`. */
  assetId: number;
  /** `songs.id`. */
  songId: number;
  /** The backend. */
  backendId: number;
  /** The location's container. */
  containerName: string;
  /** The path or key. */
  locator: string;
  /** `active`, `missing`, `corrupt` or `deleted`. */
  state: string;
  /** The recorded size of the file as stored (tags written into it). */
  sizeBytes: number;
  /** Its recorded hex SHA-256, as stored. */
  sha256: string;
  /** Its hex MD5 as stored, when known. */
  md5: string | null;
  /** The ETag recorded for it (remote backends). */
  etag: string | null;
  /** The song's platform. */
  platform: string;
  /** The song's id there. */
  remoteSongId: string;
  /** The song's title. */
  title: string;
}

const LOCATION_SELECT =
  `SELECT l.id AS locationId, a.id AS assetId, a.song_id AS songId, l.backend_id AS backendId,
     l.container_name AS containerName, l.locator AS locator, l.state AS state,
     ${STORED_SIZE} AS sizeBytes, ${STORED_SHA256} AS sha256, ${STORED_MD5} AS md5,
     l.etag AS etag,
     s.platform AS platform, s.remote_song_id AS remoteSongId, s.name AS title
   FROM file_locations l
   JOIN file_assets a ON a.id = l.file_asset_id
   JOIN songs s ON s.id = a.song_id`;

/** A backend's locations in the given states, in id order. */
export function backendLocations(
  catalog: Catalog,
  backendId: number,
  states: readonly string[] = ["active", "missing", "corrupt"],
): LocationRow[] {
  return catalog.all<LocationRow>(
    `${LOCATION_SELECT} WHERE l.backend_id = ? AND l.state IN (${
      states.map(() => "?").join(", ")
    }) ORDER BY l.id`,
    backendId,
    ...states,
  );
}

/** Every location of a song's file, the active ones first. */
export function songLocations(catalog: Catalog, songId: number): Array<
  LocationRow & {
    backendName: string;
    backendKind: string;
    checkedAt: number | null;
  }
> {
  return catalog.all(
    `SELECT l.id AS locationId, a.id AS assetId, a.song_id AS songId, l.backend_id AS backendId,
       l.container_name AS containerName, l.locator AS locator, l.state AS state,
       ${STORED_SIZE} AS sizeBytes, ${STORED_SHA256} AS sha256, ${STORED_MD5} AS md5,
     l.etag AS etag,
       s.platform AS platform, s.remote_song_id AS remoteSongId, s.name AS title,
       b.name AS backendName, b.kind AS backendKind, l.checked_at AS checkedAt
     FROM file_locations l
     JOIN file_assets a ON a.id = l.file_asset_id
     JOIN songs s ON s.id = a.song_id
     JOIN storage_backends b ON b.id = l.backend_id
     WHERE a.song_id = ? ORDER BY l.state <> 'active', l.id`,
    songId,
  );
}

/** The song at a location of a backend (locators compared exactly). */
export function songAtLocator(
  catalog: Catalog,
  backendId: number,
  locator: string,
): number | undefined {
  return catalog.get<{ songId: number }>(
    `SELECT a.song_id AS songId FROM file_locations l JOIN file_assets a ON a.id = l.file_asset_id
     WHERE l.backend_id = ? AND l.locator = ?`,
    backendId,
    locator,
  )?.songId;
}

/** A song's id by its platform and remote id. */
export function songIdByRemote(
  catalog: Catalog,
  platform: string,
  remoteId: string,
): number | undefined {
  return catalog.get<{ id: number }>(
    "SELECT id FROM songs WHERE platform = ? AND remote_song_id = ?",
    platform,
    remoteId,
  )?.id;
}

/**
 * Moves a local backend's root: the backend and every location on it
 * take `root`; the locations in `found` (checked at the new root) become
 * `active` again. One transaction.
 */
export function relocateBackend(
  catalog: Catalog,
  backendId: number,
  root: string,
  found: readonly number[],
  now: number,
): void {
  catalog.immediate(() => {
    catalog.run(
      `UPDATE storage_backends SET container_name = ?, url = ?, updated_at = ?
       WHERE id = ? AND kind = 'local'`,
      root,
      root,
      now,
      backendId,
    );
    catalog.run(
      "UPDATE file_locations SET container_name = ? WHERE backend_id = ?",
      root,
      backendId,
    );
    for (const id of found) {
      catalog.run(
        "UPDATE file_locations SET state = 'active', checked_at = ? WHERE id = ? AND state = 'missing'",
        now,
        id,
      );
    }
  });
}

/**
 * Sets the state of locations after a check (`active` with the time of
 * the check, `missing`, `corrupt`), in one transaction; returns how many
 * changed state.
 */
export function setLocationStates(
  catalog: Catalog,
  changes: ReadonlyArray<{ locationId: number; state: string }>,
  now: number,
): number {
  let changed = 0;
  catalog.transaction(() => {
    for (const { locationId, state } of changes) {
      changed += catalog.run(
        `UPDATE file_locations SET state = ?, checked_at = ?
         WHERE id = ? AND state <> ? AND state <> 'deleted'`,
        state,
        now,
        locationId,
        state,
      ).changes;
      if (state === "active") markLocationsChecked(catalog, [locationId], now);
    }
  });
  return changed;
}

/** Whether a song has an `active` location (on a local backend only, when asked). */
export function hasActiveLocation(
  catalog: Catalog,
  songId: number,
  localOnly: boolean,
): boolean {
  return catalog.get(
    `SELECT 1 FROM file_assets a JOIN file_locations l ON l.file_asset_id = a.id
     JOIN storage_backends b ON b.id = l.backend_id
     WHERE a.song_id = ? AND l.state = 'active' AND (? = 0 OR b.kind = 'local') LIMIT 1`,
    songId,
    localOnly ? 1 : 0,
  ) !== undefined;
}

/** A song's platform, id and title. */
export function songBrief(
  catalog: Catalog,
  songId: number,
): { platform: string; remoteId: string; title: string } | undefined {
  return catalog.get(
    "SELECT platform, remote_song_id AS remoteId, name AS title FROM songs WHERE id = ?",
    songId,
  );
}

/** Whether a backend has any `active` location. */
export function backendHasFiles(catalog: Catalog, backendId: number): boolean {
  return catalog.get(
    "SELECT 1 FROM file_locations WHERE backend_id = ? AND state = 'active' LIMIT 1",
    backendId,
  ) !== undefined;
}
