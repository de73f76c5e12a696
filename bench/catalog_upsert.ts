// deno-lint-ignore-file no-console -- a benchmark prints its figures
/**
 * Benchmark: upserting 100,000 songs with their playlist and artist links
 * through the catalog's repositories (the write path of sync: one
 * transaction per playlist, upserts by natural key, artists found by id or
 * name), next to a raw baseline: the same rows inserted with plain
 * prepared statements in one transaction. Target: at least half the
 * baseline's rows per second.
 *
 * Run: deno task bench (or deno run -A bench/catalog_upsert.ts [songs])
 *
 * @module
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { replaceSongArtists, upsertArtist } from "../catalog/artists.ts";
import { Catalog } from "../catalog/database.ts";
import {
  markPlaylistSynced,
  replacePlaylistSongs,
  upsertPlaylist,
} from "../catalog/playlists.ts";
import { writeSong } from "../catalog/songs.ts";
import { World } from "../emulation/world.ts";
import type { SongInfo } from "../sources/types.ts";
import { tempDir } from "./_temp_dir.ts";

const SONGS = Number(
  Deno.args.find((arg) => /^\d+$/.test(arg)) ??
    (Deno.args.includes("--quick") ? 10_000 : 100_000),
);
const PLAYLISTS = Math.max(1, Math.round(SONGS / 100));

/** Songs grouped by playlist, as sync would see them. */
function workload(): Array<{ id: string; songs: SongInfo[] }> {
  const world = new World({
    seed: 7,
    shape: "bench",
    overrides: {
      songs: SONGS,
      playlists: PLAYLISTS,
      artists: Math.max(1, Math.round(SONGS / 12)),
      bigPlaylistTracks: Math.min(SONGS, 100),
      minTracks: 100,
      maxTracks: 100,
    },
  });
  const out: Array<{ id: string; songs: SongInfo[] }> = [];
  const seen = new Set<number>();
  for (let p = 0; p < PLAYLISTS; p++) {
    const playlist = world.playlist(p);
    const songs: SongInfo[] = [];
    for (let j = 0; j < playlist.trackCount; j++) {
      const index = playlist.track(j);
      if (seen.has(index)) continue; // each song once: we measure upserts, not re-reads
      seen.add(index);
      const s = world.song(index);
      songs.push({
        platform: "netease",
        remoteId: String(s.id),
        title: s.title,
        artists: s.artists.map((a) => ({
          remoteId: String(a.id),
          name: a.name,
        })),
        artistNames: s.artists.map((a) => a.name).join("/"),
        ...(s.album
          ? { album: { remoteId: String(s.album.id), name: s.album.name } }
          : {}),
        durationMs: s.durationMs,
        qualities: s.tiers.map((t) => ({
          label: t.label,
          level: t.label,
          sizeBytes: t.sizeBytes,
        })),
        availability: s.access === "vip"
          ? "vip"
          : s.access === "unavailable"
          ? "unavailable"
          : "available",
        raw: { id: s.id, mid: s.mid, tiers: s.tiers },
      });
    }
    out.push({ id: String(playlist.id), songs });
  }
  return out;
}

function ours(path: string, data: ReturnType<typeof workload>): number {
  using catalog = Catalog.open(path);
  const now = Date.now();
  let rows = 0;
  for (const playlist of data) {
    catalog.immediate(() => {
      const playlistId = upsertPlaylist(
        catalog,
        {
          platform: "netease",
          remoteId: playlist.id,
          name: playlist.id,
          raw: null,
        },
        now,
      );
      const songIds: number[] = [];
      for (const song of playlist.songs) {
        const { id: songId, created } = writeSong(catalog, song, now);
        songIds.push(songId);
        const artistIds = song.artists.map((ref) =>
          upsertArtist(catalog, "netease", ref, now).id
        );
        replaceSongArtists(catalog, songId, artistIds, { newSong: created });
        rows += 1 + artistIds.length;
      }
      replacePlaylistSongs(catalog, playlistId, songIds);
      markPlaylistSynced(catalog, playlistId, songIds.length, now);
      rows += songIds.length;
    });
  }
  return rows;
}

function baseline(path: string, data: ReturnType<typeof workload>): number {
  // the same schema, the same rows, plain INSERTs with known ids in one transaction
  Catalog.open(path).close();
  const db = new DatabaseSync(path);
  db.exec(
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
  );
  const now = Date.now();
  const insertPlaylist = db.prepare(
    `INSERT INTO playlists (id, platform, remote_playlist_id, name, raw_json, first_seen_at, updated_at)
     VALUES (?, 'netease', ?, ?, 'null', ?, ?)`,
  );
  const insertSong = db.prepare(
    `INSERT INTO songs (id, platform, remote_song_id, name, artist_names, album_name, remote_album_id,
       duration_ms, availability, qualities, raw_json, first_seen_at, updated_at)
     VALUES (?, 'netease', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertArtist = db.prepare(
    `INSERT INTO artists (id, platform, remote_artist_id, name, match_key, first_seen_at, updated_at)
     VALUES (?, 'netease', ?, ?, ?, ?, ?)`,
  );
  const insertCredit = db.prepare(
    "INSERT INTO artist_songs (artist_id, song_id, credit_order) VALUES (?, ?, ?)",
  );
  const insertTrack = db.prepare(
    "INSERT INTO playlist_songs (playlist_id, position, song_id) VALUES (?, ?, ?)",
  );
  const artistIds = new Map<string, number>();
  let rows = 0;
  let songId = 0;
  db.exec("BEGIN");
  data.forEach((playlist, p) => {
    insertPlaylist.run(p + 1, playlist.id, playlist.id, now, now);
    playlist.songs.forEach((song, position) => {
      songId++;
      insertSong.run(
        songId,
        song.remoteId,
        song.title,
        song.artistNames,
        song.album?.name ?? null,
        song.album?.remoteId ?? null,
        song.durationMs ?? null,
        song.availability,
        JSON.stringify(song.qualities),
        JSON.stringify(song.raw),
        now,
        now,
      );
      song.artists.forEach((ref, order) => {
        let id = artistIds.get(ref.remoteId!);
        if (id === undefined) {
          id = artistIds.size + 1;
          artistIds.set(ref.remoteId!, id);
          insertArtist.run(
            id,
            ref.remoteId!,
            ref.name,
            ref.name.toLowerCase(),
            now,
            now,
          );
        }
        insertCredit.run(id, songId, order);
        rows++;
      });
      insertTrack.run(p + 1, position, songId);
      rows += 2;
    });
  });
  db.exec("COMMIT");
  db.close();
  return rows;
}

function measure(
  label: string,
  run: () => number,
): { label: string; rows: number; seconds: number; rate: number } {
  const start = performance.now();
  const rows = run();
  const seconds = (performance.now() - start) / 1000;
  return { label, rows, seconds, rate: rows / seconds };
}

if (import.meta.main) {
  await using dir = await tempDir("upsert");
  const data = workload();
  const songs = data.reduce((n, p) => n + p.songs.length, 0);
  const base = measure(
    "baseline: plain INSERTs, one transaction",
    () => baseline(join(dir.path, "base.db"), data),
  );
  const repo = measure(
    "catalogsync: repository upserts, one transaction per playlist",
    () => ours(join(dir.path, "ours.db"), data),
  );
  const line = (m: typeof base) =>
    `  ${m.label.padEnd(64)} ${
      m.rows.toLocaleString("en-US").padStart(9)
    } rows  ${m.seconds.toFixed(2).padStart(6)} s  ${
      Math.round(m.rate).toLocaleString("en-US").padStart(9)
    } rows/s`;
  const ratio = repo.rate / base.rate;
  console.log(
    `catalog upsert: ${
      songs.toLocaleString("en-US")
    } songs in ${data.length} playlists`,
  );
  console.log(line(base));
  console.log(line(repo));
  console.log(
    `  ours / baseline = ${
      (ratio * 100).toFixed(0)
    } % (target: at least 50 %) ${ratio >= 0.5 ? "MET" : "NOT MET"}`,
  );
}
