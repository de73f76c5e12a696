/**
 * The world as QQ Music shows it: song objects (§6), square playlists,
 * charts with their periods, the media files of each song and lookups by
 * the ids the protocol carries.
 *
 * @module
 */
import type { Container, QualityLabel } from "../../sources/types.ts";
import { indexBy, WorldLookup } from "../_lookup.ts";
import type {
  Access,
  GenArtist,
  GenCategory,
  GenChart,
  GenPlaylist,
  GenSong,
} from "../world.ts";
import { chinaDay } from "./period.ts";

type Json = Record<string, unknown>;

/** Who may fetch a rung: everyone, VIP and above, or SVIP only. */
export type RungClass = "free" | "vip" | "svip";

/** A rung the emulated CDN knows (§7.2). */
export interface EmuRung {
  prefix: string;
  extension: string;
  container: Container;
  /** The `file` field holding its size; `size_new` with an index. */
  field: string;
  index?: number;
  class: RungClass;
}

/**
 * Every unencrypted rung of §7.2 and who may fetch it (§11.5): anonymous
 * sessions get the 128k class and below, VIP adds the 320k/lossless class,
 * SVIP everything (master, spatial, hi-res).
 */
export const RUNGS: readonly EmuRung[] = [
  rung("AI00", "flac", "size_new", "svip", 0),
  rung("Q000", "flac", "size_new", "svip", 1),
  rung("Q001", "flac", "size_new", "svip", 2),
  rung("RS01", "flac", "size_hires", "svip"),
  rung("F000", "flac", "size_flac", "vip"),
  rung("A000", "ape", "size_ape", "vip"),
  rung("O801", "ogg", "size_new", "svip", 5),
  rung("O800", "ogg", "size_new", "vip", 3),
  rung("M800", "mp3", "size_320mp3", "vip"),
  rung("O600", "ogg", "size_192ogg", "vip"),
  rung("C600", "m4a", "size_192aac", "vip"),
  rung("M500", "mp3", "size_128mp3", "free"),
  rung("O400", "ogg", "size_96ogg", "free"),
  rung("C400", "m4a", "size_96aac", "free"),
  rung("C200", "m4a", "size_48aac", "free"),
  rung("C100", "m4a", "size_24aac", "free"),
];

function rung(
  prefix: string,
  extension: string,
  field: string,
  cls: RungClass,
  index?: number,
): EmuRung {
  return {
    prefix,
    extension,
    container: extension as Container,
    field,
    ...(index === undefined ? {} : { index }),
    class: cls,
  };
}

/** Where the world's quality tiers live in a song's `file` object. */
const TIER_FIELDS: Record<QualityLabel, { field: string; index?: number }> = {
  master: { field: "size_new", index: 0 },
  hires: { field: "size_hires" },
  lossless: { field: "size_flac" },
  "320k": { field: "size_320mp3" },
  "192k": { field: "size_192aac" },
  "128k": { field: "size_128mp3" },
  "96k": { field: "size_96aac" },
};

const SWITCH_NAMES = [
  "play_lq",
  "play_hq",
  "play_sq",
  "down_lq",
  "down_hq",
  "down_sq",
  "soso",
  "fav",
  "share",
  "bgm",
  "ring",
  "sing",
  "radio",
  "try",
  "give",
];

/** The captured `action.switch` values (§8) standing for each access. */
const SWITCH: Record<Access, number> = {
  // every right but soso, try and give
  free: switchOf(
    SWITCH_NAMES.filter((n) => n !== "soso" && n !== "try" && n !== "give"),
  ),
  hq_vip: 17413891,
  vip: 594177,
  unavailable: 65537,
};

function switchOf(rights: string[]): number {
  let value = 1;
  for (const right of rights) value += 2 ** (SWITCH_NAMES.indexOf(right) + 1);
  return value;
}

/** The world with QQ's ids and shapes. */
export class QqCatalog extends WorldLookup {
  #songsByMid: Map<string, number> | undefined;
  #songsByMediaMid: Map<string, number> | undefined;
  #artistsByMid: Map<string, number> | undefined;

  /** A song by its `mid`. */
  songByMid(mid: string): GenSong | undefined {
    this.#indexSongs();
    const index = this.#songsByMid!.get(mid);
    return index === undefined ? undefined : this.world.song(index);
  }

  /** A song by its files' `media_mid`. */
  songByMediaMid(mediaMid: string): GenSong | undefined {
    this.#indexSongs();
    const index = this.#songsByMediaMid!.get(mediaMid);
    return index === undefined ? undefined : this.world.song(index);
  }

  /** An artist by its `mid`. */
  artistByMid(mid: string): GenArtist | undefined {
    this.#artistsByMid ??= indexBy(
      this.world.shape.artists,
      (i) => this.world.artist(i).mid,
    );
    const index = this.#artistsByMid.get(mid);
    return index === undefined ? undefined : this.world.artist(index);
  }

  /** Every category, in order. */
  categories(): GenCategory[] {
    return Array.from(
      { length: this.world.shape.categories },
      (_, i) => this.world.category(i),
    );
  }

  /** Every chart, in order. */
  charts(): GenChart[] {
    return Array.from(
      { length: this.world.shape.charts },
      (_, i) => this.world.chart(i),
    );
  }

  /** The size of a rung of a song's files; 0 when it has none. */
  rungSize(song: GenSong, r: EmuRung): number {
    const file = fileSizes(song);
    const value = r.index === undefined
      ? file[r.field]
      : (file[r.field] as number[])[r.index];
    return typeof value === "number" ? value : 0;
  }

  #indexSongs(): void {
    if (this.#songsByMid) return;
    // one pass for both ids: a song is costly to compute
    const byMid = new Map<string, number>();
    const byMedia = new Map<string, number>();
    for (let i = 0; i < this.world.shape.songs; i++) {
      const song = this.world.song(i);
      byMid.set(song.mid, i);
      byMedia.set(song.mediaMid, i);
    }
    this.#songsByMid = byMid;
    this.#songsByMediaMid = byMedia;
  }
}

/** An account tier. */
export type Tier = "anonymous" | "vip" | "svip";

/** Whether an account tier may fetch a rung of a song (§6.2, §11.5). */
export function permitted(song: GenSong, rung: EmuRung, tier: Tier): boolean {
  switch (song.access) {
    case "unavailable":
      return false;
    case "vip":
      // pay_play: nothing at all for anonymous sessions
      if (tier === "anonymous") return false;
      break;
    default:
      break;
  }
  if (rung.class === "free") return true;
  if (rung.class === "vip") return tier === "vip" || tier === "svip";
  return tier === "svip";
}

/** The `size_*` fields of a song's `file` object (§6.1). */
function fileSizes(song: GenSong): Json {
  const file: Json = {
    size_try: 0,
    size_24aac: 0,
    size_48aac: 0,
    size_96aac: 0,
    size_192aac: 0,
    size_192ogg: 0,
    size_128mp3: 0,
    size_320mp3: 0,
    size_ape: 0,
    size_flac: 0,
    size_dts: 0,
    size_96ogg: 0,
    size_hires: 0,
  };
  const sizeNew = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const tier of song.tiers) {
    const where = TIER_FIELDS[tier.label];
    if (where.index === undefined) file[where.field] = tier.sizeBytes;
    else sizeNew[where.index] = tier.sizeBytes;
  }
  file.size_new = sizeNew;
  return file;
}

/** The song object, new format (§6, §8). */
export function songObject(song: GenSong): Json {
  const singers: Json[] = song.artists.map((a) => ({
    id: a.id,
    mid: a.mid,
    name: a.name,
    title: a.name,
    type: 0,
    uin: 0,
    pmid: "",
  }));
  if (song.nameOnlyCredit !== undefined) {
    // a credit without an artist page: id 0, no mid
    singers.push({
      id: 0,
      mid: "",
      name: song.nameOnlyCredit,
      title: song.nameOnlyCredit,
      type: 0,
      uin: 0,
      pmid: "",
    });
  }
  const album = song.album
    ? {
      id: song.album.id,
      mid: song.album.mid,
      name: song.album.name,
      title: song.album.name,
      subtitle: "",
      time_public: chinaDay(song.publishTime),
      pmid: `${song.album.mid}_1`,
    }
    : { id: 0, mid: "", name: "", title: "", subtitle: "", time_public: "" };
  const access = song.access;
  return {
    id: song.id,
    type: 0,
    songtype: 0,
    mid: song.mid,
    name: song.title,
    title: song.title,
    subtitle: "",
    interval: Math.floor(song.durationMs / 1000),
    isonly: 0,
    language: 0,
    genre: 0,
    index_cd: 0,
    index_album: 1 + (song.index % 12),
    status: 0,
    time_public: chinaDay(song.publishTime),
    singer: singers,
    album,
    mv: { id: 0, vid: "", name: "", title: "", vt: 0 },
    ksong: { id: 0, mid: "" },
    file: {
      media_mid: song.mediaMid,
      ...fileSizes(song),
      try_begin: 0,
      try_end: 0,
    },
    volume: { gain: 0, peak: 0, lra: 0 },
    pay: {
      pay_month: access === "hq_vip" || access === "vip" ? 1 : 0,
      price_track: 0,
      price_album: access === "vip" ? 1500 : 0,
      pay_play: access === "vip" ? 1 : 0,
      pay_down: access === "hq_vip" || access === "vip" ? 1 : 0,
      pay_status: 0,
      time_free: 0,
    },
    action: {
      switch: SWITCH[access],
      msgid: access === "unavailable" ? 13 : 0,
      msgpay: access === "vip" ? 6 : 0,
      alert: access === "unavailable" ? 0 : 11,
      icons: 0,
    },
    vs: [],
  };
}

/** The song, old format (getcdinfo without `new_format`, §6). */
export function oldSongObject(song: GenSong): Json {
  const file = fileSizes(song);
  const access = song.access;
  return {
    songid: song.id,
    songmid: song.mid,
    songname: song.title,
    albumid: song.album?.id ?? 0,
    albummid: song.album?.mid ?? "",
    albumname: song.album?.name ?? "",
    singer: song.artists.map((a) => ({ id: a.id, mid: a.mid, name: a.name })),
    interval: Math.floor(song.durationMs / 1000),
    size128: file.size_128mp3,
    size320: file.size_320mp3,
    sizeape: file.size_ape,
    sizeflac: file.size_flac,
    sizeogg: file.size_192ogg,
    strMediaMid: song.mediaMid,
    switch: SWITCH[access],
    pay: {
      payplay: access === "vip" ? 1 : 0,
      paydownload: access === "hq_vip" || access === "vip" ? 1 : 0,
      paymonth: access === "hq_vip" || access === "vip" ? 1 : 0,
    },
    preview: { trybegin: 0, tryend: 0, trysize: 0 },
  };
}

/** A playlist cover URL. */
export function coverUrl(playlist: GenPlaylist, size = 300): string {
  return `https://qpic.y.qq.com/music_cover/${playlist.coverId}/${size}?n=1`;
}

/**
 * A square playlist as `get_category_content` lists it (§3, family B), with
 * the song count the platform declares.
 */
export function playlistBasic(playlist: GenPlaylist, declared: number): Json {
  return {
    tid: playlist.id,
    title: playlist.name,
    desc: playlist.description,
    play_cnt: playlist.playCount,
    song_cnt: declared,
    creator: { nick: playlist.creator.name, avatar: "" },
    cover: {
      default_url: coverUrl(playlist, 600),
      medium_url: coverUrl(playlist, 300),
      small_url: coverUrl(playlist, 150),
    },
  };
}

/** A chart's header picture. */
export function chartPicture(chart: GenChart): string {
  return `http://y.gtimg.cn/music/photo_new/T003R500x500M000${
    String(chart.id).padStart(14, "0")
  }.jpg`;
}
