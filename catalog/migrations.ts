/**
 * The catalog's schema as a list of migrations keyed on `PRAGMA
 * user_version`. Each runs in its own immediate transaction, so a crash
 * leaves the catalog at the previous version, and is logged in
 * `schema_migrations` for people reading the file.
 *
 * @module
 */

/**
 * What `migrate()` needs of a database: the `Catalog` has it. Kept here, not
 * taken from the catalog class, so that the class can run migrations on open
 * without the two modules importing each other.
 */
export interface MigrationTarget {
  /** The file path, for messages. */
  readonly path: string;
  /** The schema version (`PRAGMA user_version`). */
  readonly schemaVersion: number;
  /** Runs SQL that takes no parameters (several statements allowed). */
  exec(sql: string): void;
  /** Runs one write statement. */
  run(sql: string, ...params: Array<string | number | null>): unknown;
  /** Runs `fn` in a transaction that takes the write lock at once. */
  immediate<T>(fn: () => T): T;
}

/** One step of the schema. */
export interface Migration {
  /** The `user_version` this migration brings the catalog to. */
  version: number;
  /** What the migration adds. */
  name: string;
  /** The SQL it runs. */
  sql: string;
}

const PLATFORM_CHECK = "CHECK (platform IN ('netease', 'qq', 'kuwo'))";

/**
 * The `files` view as migration 6 defines it (the stored file's size,
 * SHA-256 and tagging state beside the served body's); migration 8, which
 * rebuilds the tables under it, creates it again the same.
 */
const FILES_VIEW_V6 = `CREATE VIEW files AS
SELECT s.id AS song_id, s.platform, s.remote_song_id, s.name, s.artist_names,
  a.id AS file_asset_id, a.quality, a.extension, a.size_bytes, a.sha256, a.md5,
  a.stored_size_bytes, a.stored_sha256, a.tag_state,
  l.id AS file_location_id, l.state, b.kind AS backend_kind, b.name AS backend,
  l.container_name, l.locator,
  l.container_name || '/' || l.locator AS path
FROM file_locations l
JOIN file_assets a ON a.id = l.file_asset_id
JOIN songs s ON s.id = a.song_id
JOIN storage_backends b ON b.id = l.backend_id;
`;

/** Every migration, in order. Never edit one that has shipped: add another. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "catalog: pools, playlists, songs, artists, derived artist pools",
    sql: `
CREATE TABLE schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT;

CREATE TABLE playlist_pools (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL ${PLATFORM_CHECK},
  kind TEXT NOT NULL CHECK (kind IN ('square', 'toplist')),
  remote_key TEXT NOT NULL,
  name TEXT NOT NULL,
  group_name TEXT,
  raw_json TEXT,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  artists_dirty INTEGER NOT NULL DEFAULT 0 CHECK (artists_dirty IN (0, 1)),
  UNIQUE (platform, kind, remote_key)
) STRICT;

CREATE TABLE playlists (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL ${PLATFORM_CHECK},
  remote_playlist_id TEXT NOT NULL,
  name TEXT NOT NULL,
  cover_url TEXT,
  track_count INTEGER,
  play_count INTEGER,
  creator TEXT,
  tags TEXT,
  description TEXT,
  remote_updated_at INTEGER,
  raw_json TEXT,
  first_seen_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  synced_at INTEGER,
  resolved_count INTEGER,
  sync_error TEXT,
  UNIQUE (platform, remote_playlist_id)
) STRICT;
CREATE INDEX playlists_synced ON playlists (platform, synced_at);

CREATE TABLE pool_playlists (
  pool_id INTEGER NOT NULL REFERENCES playlist_pools (id) ON DELETE CASCADE,
  playlist_id INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  PRIMARY KEY (pool_id, playlist_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX pool_playlists_playlist ON pool_playlists (playlist_id);

CREATE TABLE songs (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL ${PLATFORM_CHECK},
  remote_song_id TEXT NOT NULL,
  name TEXT NOT NULL,
  artist_names TEXT NOT NULL,
  album_name TEXT,
  remote_album_id TEXT,
  duration_ms INTEGER,
  availability TEXT NOT NULL CHECK (availability IN ('available', 'vip', 'unavailable')),
  qualities TEXT NOT NULL,
  raw_json TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (platform, remote_song_id)
) STRICT;

CREATE TABLE playlist_songs (
  playlist_id INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  song_id INTEGER NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
  PRIMARY KEY (playlist_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX playlist_songs_song ON playlist_songs (song_id);

CREATE TABLE artists (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL ${PLATFORM_CHECK},
  remote_artist_id TEXT,
  name TEXT NOT NULL,
  match_key TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX artists_remote ON artists (platform, remote_artist_id)
  WHERE remote_artist_id IS NOT NULL;
CREATE UNIQUE INDEX artists_name_only ON artists (platform, match_key)
  WHERE remote_artist_id IS NULL;
CREATE INDEX artists_match ON artists (platform, match_key);

CREATE TABLE artist_songs (
  artist_id INTEGER NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
  song_id INTEGER NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
  credit_order INTEGER NOT NULL,
  PRIMARY KEY (artist_id, song_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX artist_songs_song ON artist_songs (song_id);

CREATE TABLE artist_pools (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL ${PLATFORM_CHECK},
  derived_from_pool_id INTEGER NOT NULL UNIQUE
    REFERENCES playlist_pools (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  refreshed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE pool_artists (
  artist_pool_id INTEGER NOT NULL REFERENCES artist_pools (id) ON DELETE CASCADE,
  artist_id INTEGER NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
  song_count INTEGER NOT NULL CHECK (song_count > 0),
  PRIMARY KEY (artist_pool_id, artist_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX pool_artists_artist ON pool_artists (artist_id);
`,
  },
  {
    version: 2,
    name: "files and storage: backends, assets, locations, download tasks",
    sql: `
CREATE TABLE storage_backends (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('local', 'cloud_drive', 'object_store')),
  name TEXT NOT NULL UNIQUE,
  container_name TEXT NOT NULL,
  is_active INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1)),
  config_json TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (kind, container_name)
) STRICT;
CREATE UNIQUE INDEX storage_backends_active ON storage_backends (kind)
  WHERE is_active = 1;

CREATE TABLE file_assets (
  id INTEGER PRIMARY KEY,
  song_id INTEGER NOT NULL UNIQUE REFERENCES songs (id) ON DELETE CASCADE,
  quality TEXT NOT NULL,
  platform_quality TEXT,
  extension TEXT NOT NULL,
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  md5 TEXT,
  bitrate INTEGER,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE file_locations (
  id INTEGER PRIMARY KEY,
  file_asset_id INTEGER NOT NULL REFERENCES file_assets (id) ON DELETE CASCADE,
  backend_id INTEGER NOT NULL REFERENCES storage_backends (id),
  container_name TEXT NOT NULL,
  locator TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'missing', 'deleted')),
  created_at INTEGER NOT NULL,
  checked_at INTEGER,
  UNIQUE (backend_id, locator)
) STRICT;
CREATE INDEX file_locations_asset ON file_locations (file_asset_id, state);

CREATE TABLE download_tasks (
  id INTEGER PRIMARY KEY,
  song_id INTEGER NOT NULL UNIQUE REFERENCES songs (id) ON DELETE CASCADE,
  state TEXT NOT NULL CHECK (state IN (
    'pending', 'running', 'done', 'vip_only', 'unavailable', 'rate_limited', 'failed'
  )),
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER,
  requested_quality TEXT,
  achieved_quality TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;
CREATE INDEX download_tasks_state ON download_tasks (state, lease_until);

CREATE VIEW files AS
SELECT s.id AS song_id, s.platform, s.remote_song_id, s.name, s.artist_names,
  a.id AS file_asset_id, a.quality, a.extension, a.size_bytes, a.sha256, a.md5,
  l.id AS file_location_id, l.state, b.kind AS backend_kind, b.name AS backend,
  l.container_name, l.locator,
  l.container_name || '/' || l.locator AS path
FROM file_locations l
JOIN file_assets a ON a.id = l.file_asset_id
JOIN songs s ON s.id = a.song_id
JOIN storage_backends b ON b.id = l.backend_id;
`,
  },
  {
    version: 3,
    name: "lazy artist enrichment",
    sql: `
ALTER TABLE artists ADD COLUMN enrich_status TEXT NOT NULL DEFAULT 'pending'
  CHECK (enrich_status IN ('pending', 'done', 'failed', 'skipped'));
ALTER TABLE artists ADD COLUMN enriched_at INTEGER;
ALTER TABLE artists ADD COLUMN enrich_json TEXT;
ALTER TABLE artists ADD COLUMN enrich_error TEXT;
UPDATE artists SET enrich_status = 'skipped' WHERE remote_artist_id IS NULL;
CREATE INDEX artists_enrich ON artists (enrich_status, id)
  WHERE remote_artist_id IS NOT NULL;
`,
  },
  {
    version: 4,
    name: "artist credits keyed by song",
    // Credits are written a playlist at a time, song by song: keyed by song,
    // each transaction touches a few adjacent pages instead of one page per
    // artist. Every stage reads credits by song; nothing reads them by artist.
    sql: `
CREATE TABLE artist_songs_by_song (
  song_id INTEGER NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
  artist_id INTEGER NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
  credit_order INTEGER NOT NULL,
  PRIMARY KEY (song_id, artist_id)
) STRICT, WITHOUT ROWID;
INSERT INTO artist_songs_by_song (song_id, artist_id, credit_order)
  SELECT song_id, artist_id, credit_order FROM artist_songs;
DROP TABLE artist_songs;
ALTER TABLE artist_songs_by_song RENAME TO artist_songs;
`,
  },
  {
    version: 5,
    name: "download: case-insensitive locator lookups",
    sql: `
CREATE INDEX file_locations_locator_nocase
  ON file_locations (backend_id, locator COLLATE NOCASE);
`,
  },
  {
    version: 6,
    name:
      "tags: the stored file's size and SHA-256, tagging state, covers, lyrics",
    // `size_bytes`, `sha256` and `md5` stay the identity of the body as the
    // platform served it; the file on disk (tags written into it) is
    // `stored_size_bytes` / `stored_sha256`. Files recorded before are
    // untagged: stored as served.
    sql: `
ALTER TABLE file_assets ADD COLUMN stored_size_bytes INTEGER
  CHECK (stored_size_bytes IS NULL OR stored_size_bytes >= 0);
ALTER TABLE file_assets ADD COLUMN stored_sha256 TEXT
  CHECK (stored_sha256 IS NULL OR length(stored_sha256) = 64);
ALTER TABLE file_assets ADD COLUMN tag_state TEXT NOT NULL DEFAULT 'untagged'
  CHECK (tag_state IN ('untagged', 'tagged', 'unsupported', 'failed'));
ALTER TABLE file_assets ADD COLUMN tag_signature TEXT;
ALTER TABLE file_assets ADD COLUMN tagged_at INTEGER;
ALTER TABLE file_assets ADD COLUMN tag_error TEXT;
UPDATE file_assets SET stored_size_bytes = size_bytes, stored_sha256 = sha256;

CREATE TABLE covers (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL ${PLATFORM_CHECK},
  cover_key TEXT NOT NULL,
  size_px INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ok', 'missing', 'invalid')),
  url TEXT NOT NULL,
  mime TEXT,
  data BLOB,
  sha256 TEXT,
  fetched_at INTEGER NOT NULL,
  UNIQUE (platform, cover_key, size_px)
) STRICT;

CREATE TABLE song_lyrics (
  song_id INTEGER PRIMARY KEY REFERENCES songs (id) ON DELETE CASCADE,
  state TEXT NOT NULL CHECK (state IN ('lyrics', 'none', 'instrumental')),
  lrc TEXT,
  translation TEXT,
  fetched_at INTEGER NOT NULL
) STRICT;

DROP VIEW files;
${FILES_VIEW_V6}`,
  },
  {
    version: 7,
    name: "download: lease holders (host, process id, process start)",
    // A run on the same host takes a dead holder's songs over at once
    // instead of waiting for their leases to expire.
    sql: `
ALTER TABLE download_tasks ADD COLUMN lease_host TEXT;
ALTER TABLE download_tasks ADD COLUMN lease_pid INTEGER;
ALTER TABLE download_tasks ADD COLUMN lease_started TEXT;
`,
  },
  {
    version: 8,
    name:
      "storage: backend URLs, corrupt locations, replicate tasks; leases without process starts",
    // SQLite cannot change a CHECK or drop a UNIQUE constraint, so both
    // tables are rebuilt: children first, so that no foreign key ever
    // points at a dropped table (foreign keys stay on in a transaction).
    // A local backend's URL is its root; bucket and cloud-drive backends
    // share (kind, container_name) when they differ only in prefix or
    // endpoint, so the URL is what is unique. `active` stays the state of
    // a location checked to be there (the queries of the download stage
    // rely on it); an offline volume is a condition of its backend, found
    // at run time and never written to its locations. The columns of both
    // tables are those of migration 2 (migrations 3 to 7 added none), and
    // the `files` view comes back as migration 6 defines it.
    //
    // Whether a lease's owner lives is told by its lock file beside the
    // catalog (tasks/_lease_owner.ts), for download and replicate leases
    // alike: `download_tasks.lease_started` (a process start as `ps` told
    // it) goes; `lease_host` and `lease_pid` stay, written from the owner.
    sql: `
ALTER TABLE download_tasks DROP COLUMN lease_started;
DROP VIEW files;
CREATE TABLE storage_backends_v8 (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('local', 'cloud_drive', 'object_store')),
  name TEXT NOT NULL UNIQUE,
  container_name TEXT NOT NULL,
  url TEXT UNIQUE,
  is_active INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1)),
  config_json TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO storage_backends_v8 (id, kind, name, container_name, url, is_active,
  config_json, created_at, updated_at)
SELECT id, kind, name, container_name,
  CASE kind WHEN 'local' THEN container_name ELSE kind || ':' || container_name END,
  is_active, config_json, created_at, updated_at
FROM storage_backends;
CREATE TABLE file_locations_v8 (
  id INTEGER PRIMARY KEY,
  file_asset_id INTEGER NOT NULL REFERENCES file_assets (id) ON DELETE CASCADE,
  backend_id INTEGER NOT NULL REFERENCES storage_backends_v8 (id),
  container_name TEXT NOT NULL,
  locator TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'missing', 'corrupt', 'deleted')),
  etag TEXT,
  created_at INTEGER NOT NULL,
  checked_at INTEGER,
  UNIQUE (backend_id, locator)
) STRICT;
INSERT INTO file_locations_v8 (id, file_asset_id, backend_id, container_name, locator,
  state, created_at, checked_at)
SELECT id, file_asset_id, backend_id, container_name, locator, state, created_at, checked_at
FROM file_locations;
DROP TABLE file_locations;
DROP TABLE storage_backends;
ALTER TABLE storage_backends_v8 RENAME TO storage_backends;
ALTER TABLE file_locations_v8 RENAME TO file_locations;
CREATE UNIQUE INDEX storage_backends_active ON storage_backends (kind)
  WHERE is_active = 1;
CREATE UNIQUE INDEX storage_backends_local_root ON storage_backends (container_name)
  WHERE kind = 'local';
CREATE INDEX file_locations_asset ON file_locations (file_asset_id, state);
CREATE INDEX file_locations_locator_nocase
  ON file_locations (backend_id, locator COLLATE NOCASE);

CREATE TABLE replicate_tasks (
  id INTEGER PRIMARY KEY,
  file_asset_id INTEGER NOT NULL REFERENCES file_assets (id) ON DELETE CASCADE,
  backend_id INTEGER NOT NULL REFERENCES storage_backends (id) ON DELETE CASCADE,
  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER,
  upload_id TEXT,
  upload_locator TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (file_asset_id, backend_id)
) STRICT;
CREATE INDEX replicate_tasks_backend ON replicate_tasks (backend_id, state);

${FILES_VIEW_V6}`,
  },
];

/** The schema version this code writes. */
export const LATEST_VERSION: number =
  MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** What `migrate()` did. */
export interface MigrationResult {
  /** Schema version before. */
  from: number;
  /** Schema version after. */
  to: number;
  /** Names of the migrations that ran. */
  applied: string[];
}

/**
 * Brings a catalog to `target` (default: the latest version). Refuses a
 * catalog written by a newer version rather than guess at its schema.
 */
export function migrate(
  catalog: MigrationTarget,
  target: number = LATEST_VERSION,
): MigrationResult {
  if (!Number.isInteger(target) || target < 0 || target > LATEST_VERSION) {
    throw new RangeError(
      `Cannot migrate to schema version ${target}: known versions are 0 to ${LATEST_VERSION}`,
    );
  }
  const from = catalog.schemaVersion;
  if (from > LATEST_VERSION) {
    throw new Error(
      `Cannot open catalog ${catalog.path}: it has schema version ${from}, written by a newer catalogsync (this one knows up to ${LATEST_VERSION})`,
    );
  }
  const applied: string[] = [];
  for (const migration of MIGRATIONS) {
    if (migration.version <= from || migration.version > target) continue;
    catalog.immediate(() => {
      // another process may have migrated while we waited for the lock
      if (catalog.schemaVersion >= migration.version) return;
      catalog.exec(migration.sql);
      catalog.run(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        migration.version,
        migration.name,
        Date.now(),
      );
      catalog.exec(`PRAGMA user_version = ${migration.version}`);
      applied.push(migration.name);
    });
  }
  return { from, to: Math.max(from, catalog.schemaVersion), applied };
}
