/**
 * The world as Kuwo shows it: lookups by Kuwo id, and the records of the
 * web and `wapi` endpoints in the shapes the captures have (§8, §13, §15.4):
 * numbers as strings where captures have strings, `MUSIC_` ids, HTML
 * entities in names, `&`-joined artists, `albumid: 0` without an album.
 *
 * @module
 */
import { type RecordKind, type RecordKinds, WorldLookup } from "../_lookup.ts";
import type { GenPlaylist, GenSong } from "../world.ts";
import { KUWO_RUNGS, type KuwoRung } from "./_constants.ts";
import { albumCoverUrl } from "./_lyrics.ts";

/** A tier a song has on Kuwo, with the size of its emulated file. */
export interface KuwoTier extends KuwoRung {
  sizeBytes: number;
}

/**
 * The song's Kuwo tiers, best first: the world's `hires` is `4000kflac`,
 * `lossless` `2000kflac`, then the mp3 tiers. The world's `master` has no
 * plain Kuwo counterpart: it is the encrypted premium tier (`mflac`, see
 * `hasEncryptedTier`); `96k` (aac) is not served.
 */
export function kuwoTiers(song: GenSong): KuwoTier[] {
  const tiers: KuwoTier[] = [];
  for (const rung of KUWO_RUNGS) {
    const tier = song.tiers.find((t) => t.label === rung.label);
    if (tier) tiers.push({ ...rung, sizeBytes: tier.sizeBytes });
  }
  return tiers;
}

/** Whether a song has the encrypted premium tier (the world's `master`). */
export function hasEncryptedTier(song: GenSong): boolean {
  return song.tiers.some((t) => t.label === "master");
}

/** Escapes a name as Kuwo's web API does (`&amp;`, `&quot;`, `&apos;`, ...). */
export function encodeEntities(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    ({
      "&": "&amp;",
      "<": "&lt;",
      ">": "&gt;",
      '"': "&quot;",
      "'": "&apos;",
    })[c]!);
}

function date(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function minutes(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${String(m).padStart(2, "0")}:${
    String(seconds % 60).padStart(2, "0")
  }`;
}

/** World records by their Kuwo ids (decimal strings), in Kuwo's shapes. */
export class KuwoCatalog extends WorldLookup {
  /** The song with a rid (`MUSIC_` prefix allowed). */
  song(rid: string): GenSong | undefined {
    const id = rid.replace(/^MUSIC_/i, "");
    return /^\d{1,15}$/.test(id) ? this.songById(Number(id)) : undefined;
  }

  /** The playlist, chart, artist or category with a Kuwo id (decimal digits). */
  byKuwoId<K extends RecordKind>(
    kind: K,
    id: string,
  ): RecordKinds[K] | undefined {
    return /^\d+$/.test(id) ? this.byId(kind, Number(id)) : undefined;
  }

  /** A web song item (`playListInfo`, `bang/musicList`), as captured (§13). */
  songItem(song: GenSong, track: number): Record<string, unknown> {
    const seconds = Math.floor(song.durationMs / 1000);
    const names = song.artists.map((a) => a.name);
    if (song.nameOnlyCredit !== undefined) names.push(song.nameOnlyCredit);
    const albumId = song.album?.id ?? 0;
    const cover = albumCoverUrl(this.world, song.album?.index);
    const paid = song.access === "vip";
    const gone = song.access === "unavailable";
    return {
      musicrid: `MUSIC_${song.id}`,
      rid: song.id,
      name: encodeEntities(song.title),
      artist: names.map(encodeEntities).join("&"),
      artistid: song.artists[0]?.id ?? 0,
      album: encodeEntities(song.album?.name ?? ""),
      albumid: albumId,
      duration: seconds,
      songTimeMinutes: minutes(seconds),
      track,
      pic: cover,
      albumpic: cover,
      pic120: cover.replace("/500/", "/120/"),
      hasLossless: song.tiers.some((t) =>
        t.label === "lossless" || t.label === "hires" || t.label === "master"
      ),
      hasmv: 0,
      releaseDate: date(song.publishTime),
      isListenFee: paid,
      // 0xFF00FF marks a paid song, 0xFC00FC a free one (§8.2)
      pay: paid ? "16711935" : "16515324",
      online: gone ? 0 : 1,
      payInfo: {
        play: paid ? "1111" : "1100",
        nplay: "00111",
        local_encrypt: "1",
        listen_fragment: paid ? "1" : "0",
        refrain_start: 0,
        refrain_end: 0,
        // set on free songs too: not a VIP signal (§8.2)
        feeType: { song: paid ? "1" : "0", vip: "1" },
        down: "1111",
        download: "1111",
        cannotDownload: gone ? 1 : 0,
        cannotOnlinePlay: gone ? 1 : 0,
      },
    };
  }

  /**
   * A square item (`getTagPlayList`, `getRcmPlayList`): numbers as strings
   * (§5), `total` the song count the platform declares.
   */
  squareItem(playlist: GenPlaylist, declared: number): Record<string, unknown> {
    return {
      id: String(playlist.id),
      name: encodeEntities(playlist.name),
      img: coverOf(playlist),
      uname: encodeEntities(playlist.creator.name),
      uid: String(playlist.creator.id),
      listencnt: String(playlist.playCount),
      total: String(declared),
      favorcnt: String(Math.floor(playlist.playCount / 100)),
      desc: encodeEntities(playlist.description),
      digest: "8",
    };
  }

  /**
   * The `playListInfo` header of a playlist (numbers as numbers, 2020
   * capture), `total` the song count the platform declares.
   */
  playlistInfo(
    playlist: GenPlaylist,
    declared: number,
  ): Record<string, unknown> {
    const img = coverOf(playlist);
    return {
      id: playlist.id,
      name: encodeEntities(playlist.name),
      total: declared,
      listencnt: playlist.playCount,
      tag: playlist.tags.map(encodeEntities).join(","),
      desc: "",
      info: encodeEntities(playlist.description),
      img,
      img300: img.replace("_500.jpg", "_300.jpg"),
      img500: img,
      img700: img.replace("_500.jpg", "_700.jpg"),
      uname: String(playlist.creator.id),
      userName: encodeEntities(playlist.creator.name),
      uPic: "",
    };
  }
}

function coverOf(playlist: GenPlaylist): string {
  return `https://img1.kuwo.cn/star/userpl2015/${playlist.index % 100}/${
    playlist.coverId.slice(-2)
  }/${playlist.coverId}_500.jpg`;
}
