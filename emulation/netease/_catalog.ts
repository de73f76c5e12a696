/**
 * The world in NetEase's shapes (protocols/netease.md §5–§10, §12): square
 * categories, playlists, charts, songs with their files, privileges per
 * account, URL items and artists. Nothing here is invented beyond
 * presentation: every record maps a world record.
 *
 * @module
 */
import type { Container } from "../../sources/types.ts";
import { hash32 } from "../_hash.ts";
import { type AudioFile, audioMd5 } from "../audio.ts";
import type {
  GenArtist,
  GenChart,
  GenPlaylist,
  GenSong,
  GenTier,
  World,
} from "../world.ts";

type Json = Record<string, unknown>;

/** Who is calling: no (valid) `MUSIC_U`, a VIP, or an SVIP account. */
export type Account = "anonymous" | "vip" | "svip";

/** NetEase levels of the emulated files, best first. */
export const LEVELS = [
  "jymaster",
  "hires",
  "lossless",
  "exhigh",
  "higher",
  "standard",
] as const;

/** A level of the emulated ladder. */
export type Level = typeof LEVELS[number];

/** Rank of a level: 0 is the best. */
export function rank(level: Level): number {
  return LEVELS.indexOf(level);
}

/** The better (`min`) of two levels by rank, or the worse (`max`). */
function worse(a: Level, b: Level): Level {
  return rank(a) >= rank(b) ? a : b;
}

const TIER_LEVELS: Readonly<Record<string, Level>> = {
  master: "jymaster",
  hires: "hires",
  lossless: "lossless",
  "320k": "exhigh",
  "192k": "higher",
  "128k": "standard",
};

/** Levels surround and effect requests are served as (above hires). */
export const SURROUND_LEVELS = ["sky", "jyeffect", "dolby", "vivid"];

/** Highest level a VIP (not SVIP) account plays: jymaster needs SVIP. */
const VIP_CAP: Level = "hires";

/**
 * One in this many free songs with a lossless or better file lets an
 * anonymous account download more than it may play (`dlLevel` > `plLevel`;
 * §9 notes that some songs give non-VIP lossless on a download endpoint,
 * and NCX asks `download/url/v1` for such free songs).
 */
const DOWNLOAD_BEYOND_PLAY_ONE_IN = 3;
/** What an anonymous account plays of such a song. */
const DOWNLOAD_BEYOND_PLAY_PLAY_CAP: Level = "exhigh";
/** What an anonymous account downloads of such a song: non-VIP lossless. */
const DOWNLOAD_BEYOND_PLAY_DOWNLOAD_CAP: Level = "lossless";

/** Which endpoint family asks for a URL item: player (play rights) or download (download rights). */
export type UrlEndpoint = "player" | "download";

/** The first four charts are official: their `ToplistType`, by name. */
const OFFICIAL_TYPES: Readonly<Record<string, string>> = {
  "飙升榜": "S",
  "新歌榜": "N",
  "原创榜": "O",
  "热歌榜": "H",
};

/** Group ids of the square (`categories` of `playlist/catalogue`). */
export const CATEGORY_GROUPS = ["语种", "风格", "场景", "情感", "主题"];

/** Songs the detail of a playlist includes for an anonymous caller. */
export const ANONYMOUS_TRACKS = 6;
/** Songs the detail of a playlist includes for a logged-in caller. */
export const LOGGED_IN_TRACKS = 1000;

/**
 * Whether a song lets an anonymous account download a better file than it
 * may play: a deterministic third of the free songs whose best file is
 * lossless or better. Their availability does not change (they still play).
 */
export function downloadsBeyondPlay(world: World, index: number): boolean {
  const song = world.song(index);
  if (song.access !== "free") return false;
  const top = TIER_LEVELS[song.tiers[0]?.label ?? ""];
  if (top === undefined || rank(top) > rank("lossless")) return false;
  return hash32(world.seed, 305, index) % DOWNLOAD_BEYOND_PLAY_ONE_IN === 0;
}

/** A song's file at one level. */
export interface SongFile {
  level: Level;
  tier: GenTier;
  container: Container;
  audio: AudioFile;
}

/** The world, looked up and rendered the NetEase way. */
export class NeteaseCatalog {
  readonly world: World;
  #playlists = new Map<number, number>();
  #charts = new Map<number, number>();
  #artists = new Map<number, number>();
  #categories = new Map<string, number>();
  #firstSongId: number;

  constructor(world: World) {
    this.world = world;
    const shape = world.shape;
    for (let i = 0; i < shape.playlists; i++) {
      this.#playlists.set(world.playlist(i).id, i);
    }
    for (let i = 0; i < shape.charts; i++) {
      this.#charts.set(world.chart(i).id, i);
    }
    for (let i = 0; i < shape.artists; i++) {
      this.#artists.set(world.artist(i).id, i);
    }
    for (let i = 0; i < shape.categories; i++) {
      this.#categories.set(world.category(i).name, i);
    }
    this.#firstSongId = world.song(0).id;
  }

  // -------------------------------------------------------------- lookups

  /** The song index of a song id, if the world has it. */
  songIndex(id: number): number | undefined {
    if (!Number.isSafeInteger(id)) return undefined;
    // song ids are base + 16 * index + (0..15)
    const guess = Math.floor((id - this.#firstSongId) / 16);
    for (const index of [guess, guess + 1, guess - 1]) {
      if (index < 0 || index >= this.world.shape.songs) continue;
      if (this.world.song(index).id === id) return index;
    }
    return undefined;
  }

  /** A square playlist or a chart by id. */
  playlistById(
    id: number,
  ): { playlist: GenPlaylist } | { chart: GenChart } | undefined {
    const p = this.#playlists.get(id);
    if (p !== undefined) return { playlist: this.world.playlist(p) };
    const c = this.#charts.get(id);
    if (c !== undefined) return { chart: this.world.chart(c) };
    return undefined;
  }

  /** An artist by id. */
  artistById(id: number): GenArtist | undefined {
    const index = this.#artists.get(id);
    return index === undefined ? undefined : this.world.artist(index);
  }

  /** A category index by its name (`cat`). */
  categoryIndex(name: string): number | undefined {
    return this.#categories.get(name);
  }

  // --------------------------------------------------------------- square

  /** `playlist/catalogue`. */
  catalogue(): Json {
    const sub = [];
    for (let i = 0; i < this.world.shape.categories; i++) {
      const category = this.world.category(i);
      sub.push({
        name: category.name,
        resourceCount: this.world.categoryPlaylists(i).length,
        imgId: 0,
        imgUrl: null,
        type: 0,
        category: groupId(category.group),
        resourceType: 0,
        hot: category.hot,
        activity: false,
      });
    }
    return {
      code: 200,
      all: {
        name: "全部歌单",
        resourceCount: this.world.shape.playlists,
        imgId: 0,
        imgUrl: null,
        type: 0,
        category: 4,
        resourceType: 0,
        hot: false,
        activity: false,
      },
      sub,
      categories: Object.fromEntries(
        CATEGORY_GROUPS.map((name, i) => [String(i), name]),
      ),
    };
  }

  /** A square playlist item (`playlist/list`, detail metadata). */
  playlist(p: GenPlaylist, extra: Json = {}): Json {
    const creatorAvatar = `${109951160000000000n + BigInt(p.creator.id)}`;
    return {
      name: p.name,
      id: p.id,
      trackNumberUpdateTime: p.updateTime,
      status: 0,
      userId: p.creator.id,
      createTime: p.createTime,
      updateTime: p.updateTime,
      subscribedCount: Math.floor(p.playCount / 100),
      trackCount: p.trackCount,
      cloudTrackCount: 0,
      coverImgUrl: this.#image(p.coverId),
      coverImgId: Number(p.coverId),
      coverImgId_str: p.coverId,
      description: p.description,
      tags: p.tags,
      playCount: p.playCount,
      trackUpdateTime: p.updateTime,
      specialType: 0,
      totalDuration: 0,
      creator: {
        userId: p.creator.id,
        nickname: p.creator.name,
        avatarUrl: this.#image(creatorAvatar),
        avatarImgId_str: creatorAvatar,
        vipType: 0,
        userType: 0,
      },
      tracks: null,
      subscribers: [],
      subscribed: false,
      commentThreadId: `A_PL_0_${p.id}`,
      newImported: false,
      adType: 0,
      highQuality: p.highQuality,
      privacy: 0,
      ordered: true,
      anonimous: false,
      coverStatus: 3,
      recommendInfo: null,
      shareCount: p.playCount % 1000,
      commentCount: p.playCount % 777,
      alg: "alg_sq_featured",
      ...extra,
    };
  }

  /** A chart as a `toplist` item. */
  chart(c: GenChart): Json {
    const coverId = `${109951170000000000n + BigInt(c.id)}`;
    const official = c.index < 4 ? OFFICIAL_TYPES[c.name] : undefined;
    return {
      subscribers: [],
      subscribed: null,
      creator: null,
      artists: null,
      tracks: null,
      updateFrequency: c.cadence === "daily" ? "每天更新" : "每周四更新",
      backgroundCoverId: 0,
      backgroundCoverUrl: null,
      titleImage: 0,
      titleImageUrl: null,
      englishTitle: null,
      opRecommend: false,
      recommendInfo: null,
      socialPlaylistCover: null,
      tsSongCount: 0,
      algType: null,
      highQuality: false,
      specialType: 10,
      coverImgId: Number(coverId),
      coverImgId_str: coverId,
      coverImgUrl: this.#image(coverId),
      trackCount: c.trackCount,
      userId: 1,
      name: c.name,
      id: c.id,
      playCount: hash32(this.world.seed, 301, c.index) % 1_000_000_000,
      trackNumberUpdateTime: c.updateTime,
      updateTime: c.updateTime,
      createTime: c.updateTime - 86_400_000 * 3650,
      ordered: true,
      description: `${c.name}: an emulated chart.`,
      status: 0,
      tags: [],
      newImported: false,
      privacy: 0,
      anonimous: false,
      commentThreadId: `A_PL_0_${c.id}`,
      trackUpdateTime: c.updateTime,
      totalDuration: 0,
      ...(official ? { ToplistType: official } : {}),
    };
  }

  /** The chart list's artist chart entry. */
  artistToplist(): Json {
    return {
      coverUrl: this.#image("109951163000000000"),
      name: "云音乐歌手榜",
      upateFrequency: "每天更新",
      updateFrequency: "每天更新",
      position: 5,
    };
  }

  // ---------------------------------------------------------------- songs

  /** The files a song has, best first (the world's 96k tier has no level). */
  files(index: number): SongFile[] {
    const song = this.world.song(index);
    const out: SongFile[] = [];
    for (const tier of song.tiers) {
      const level = TIER_LEVELS[tier.label];
      if (!level) continue;
      const container: Container = rank(level) <= rank("lossless")
        ? "flac"
        : "mp3";
      out.push({
        level,
        tier,
        container,
        audio: {
          key: `netease:${song.id}:${level}`,
          container,
          sizeBytes: tier.sizeBytes,
        },
      });
    }
    return out;
  }

  /** The preview served instead of a VIP song: a short, different file. */
  trialFile(index: number): AudioFile {
    const song = this.world.song(index);
    return {
      key: `netease:trial:${song.id}`,
      container: "mp3",
      sizeBytes: Math.max(
        512,
        Math.round(128 * 125 * 30 * this.world.shape.sizeScale),
      ),
    };
  }

  /** The best level a song has. */
  topLevel(index: number): Level {
    return this.files(index)[0]?.level ?? "standard";
  }

  /** The best level an account may play (`none` for none): `plLevel`. */
  playCap(index: number, account: Account): Level | "none" {
    const song = this.world.song(index);
    const top = this.topLevel(index);
    if (song.access === "unavailable") return "none";
    if (account === "svip") return top;
    if (account === "vip") return worse(top, VIP_CAP);
    switch (song.access) {
      case "free":
        return downloadsBeyondPlay(this.world, index)
          ? worse(top, DOWNLOAD_BEYOND_PLAY_PLAY_CAP)
          : top;
      case "hq_vip":
        return "standard";
      default:
        return "none";
    }
  }

  /**
   * The best level an account may download (`none` for none): `dlLevel`.
   * The play cap, except on the songs that download beyond play.
   */
  downloadCap(index: number, account: Account): Level | "none" {
    if (account === "anonymous" && downloadsBeyondPlay(this.world, index)) {
      return worse(this.topLevel(index), DOWNLOAD_BEYOND_PLAY_DOWNLOAD_CAP);
    }
    return this.playCap(index, account);
  }

  /** A song object (`songs[]`, `tracks[]`). */
  song(index: number): Json {
    const song = this.world.song(index);
    const files = this.files(index);
    const quality = (level: Level) => {
      const file = files.find((f) => f.level === level);
      if (!file) return null;
      return {
        br: bitrate(file),
        fid: 0,
        size: file.tier.sizeBytes,
        vd: -((hash32(this.world.seed, 302, index) % 60000) + 1000),
        sr: level === "hires" ? 96000 : 44100,
      };
    };
    const ar = song.artists.map((a) => ({
      id: a.id,
      name: a.name,
      tns: [],
      alias: a.alias,
    }));
    if (song.nameOnlyCredit !== undefined) {
      ar.push({ id: 0, name: song.nameOnlyCredit, tns: [], alias: [] });
    }
    const picId = `${109951165000000000n + BigInt(song.album?.id ?? 0)}`;
    const hasHires = files.some((f) => rank(f.level) <= rank("hires"));
    return {
      name: song.title,
      id: song.id,
      pst: 0,
      t: 0,
      ar,
      alia: [],
      pop: hash32(this.world.seed, 303, index) % 100,
      // availability is the privilege's business (§8): songs say st 0
      st: 0,
      rt: "",
      fee: feeOf(song),
      v: 10 + (index % 30),
      crbt: null,
      cf: "",
      al: song.album
        ? {
          id: song.album.id,
          name: song.album.name,
          picUrl: this.#image(picId),
          tns: [],
          pic_str: picId,
          pic: Number(picId),
        }
        : { id: 0, name: "", picUrl: null, tns: [], pic: 0 },
      dt: song.durationMs,
      h: quality("exhigh"),
      m: quality("higher"),
      l: quality("standard"),
      sq: quality("lossless"),
      hr: quality("hires"),
      a: null,
      cd: "01",
      no: (index % 12) + 1,
      rtUrl: null,
      ftype: 0,
      rtUrls: [],
      djId: 0,
      copyright: 1,
      s_id: 0,
      mark: hasHires ? 17179869184 : 0,
      originCoverType: 0,
      originSongSimpleData: null,
      tagPicList: null,
      resourceState: true,
      version: 1,
      songJumpInfo: null,
      entertainmentTags: null,
      awardTags: null,
      single: 0,
      noCopyrightRcmd: null,
      mv: 0,
      rtype: 0,
      rurl: null,
      mst: 9,
      cp: 0,
      publishTime: song.publishTime,
    };
  }

  /** A song's privilege for an account (§8). */
  privilege(index: number, account: Account): Json {
    const song = this.world.song(index);
    const files = this.files(index);
    const top = files[0]!;
    const cap = this.playCap(index, account);
    const downloadCap = this.downloadCap(index, account);
    const br = (level: Level | "none") => {
      if (level === "none") return 0;
      const file = files.find((f) => f.level === level);
      return file ? bitrate(file) : 0;
    };
    const unavailable = song.access === "unavailable";
    const free = cap === "none"
      ? "none"
      : account === "anonymous"
      ? cap
      : song.access === "free"
      ? cap
      : "standard";
    const fee = feeOf(song);
    return {
      id: song.id,
      fee,
      payed: account !== "anonymous" && (fee === 1 || fee === 8) ? 1 : 0,
      realPayed: 0,
      st: unavailable ? -200 : 0,
      pl: br(cap),
      dl: br(downloadCap),
      sp: unavailable ? 0 : 7,
      cp: unavailable ? 0 : 1,
      subp: unavailable ? 0 : 1,
      cs: false,
      maxbr: br(top.level),
      fl: br(free),
      pc: null,
      toast: false,
      flag: unavailable ? 260 : 4,
      paidBigBang: false,
      preSell: false,
      playMaxbr: br(top.level),
      downloadMaxbr: br(top.level),
      maxBrLevel: top.level,
      playMaxBrLevel: top.level,
      downloadMaxBrLevel: top.level,
      plLevel: cap,
      dlLevel: downloadCap,
      flLevel: free,
      rscl: null,
      freeTrialPrivilege: {
        resConsumable: false,
        userConsumable: false,
        listenType: null,
        cannotListenReason: cap === "none" && !unavailable ? 1 : null,
        playReason: null,
      },
      rightSource: 0,
      chargeInfoList: LEVELS.filter((l) => files.some((f) => f.level === l))
        .reverse().map((level) => ({
          rate: br(level),
          chargeUrl: null,
          chargeMessage: null,
          chargeType: rank(level) <= rank("standard") && fee === 0 ? 0 : 1,
        })),
    };
  }

  /**
   * The URL item of a song at a requested level (§9): a full URL at the
   * best level at or below the request that the account may play (player
   * endpoints) or download (download endpoints), a preview or nothing for
   * VIP songs (downloads never preview), `code 404` without copyright.
   */
  urlItem(
    index: number,
    requested: Level,
    account: Account,
    options: {
      /** Which endpoint asks: its rights cap the level. */
      endpoint: UrlEndpoint;
      /** The caller's `os` cookie: without it URLs are capped at standard. */
      os: boolean;
      /** Signs a CDN object path on a CDN host: the URL and its `expi`. */
      link: (path: string, host: string) => { url: string; expi: number };
    },
  ): Json {
    const song = this.world.song(index);
    const fee = feeOf(song);
    const base = {
      id: song.id,
      url: null,
      br: 0,
      size: 0,
      md5: null,
      code: 404,
      expi: 0,
      type: null,
      gain: 0,
      peak: 0,
      fee,
      uf: null,
      payed: 0,
      flag: 4,
      canExtend: false,
      freeTrialInfo: null,
      level: null,
      encodeType: null,
      channelLayout: null,
      freeTrialPrivilege: {
        resConsumable: false,
        userConsumable: false,
        listenType: null,
        cannotListenReason: null,
        playReason: null,
      },
      freeTimeTrialPrivilege: {
        resConsumable: false,
        userConsumable: false,
        type: 0,
        remainTime: 0,
      },
      urlSource: 0,
      rightSource: 0,
      podcastCtrp: null,
      effectTypes: null,
      time: 0,
      message: null,
      levelConfuse: null,
      musicId: String(song.id),
    };
    if (song.access === "unavailable") return base;
    const cap = options.endpoint === "download"
      ? this.downloadCap(index, account)
      : this.playCap(index, account);
    if (cap === "none") {
      // VIP song, no VIP: every other song gets a ~30 s preview, the rest
      // nothing; the download endpoint gives no previews
      if (
        options.endpoint === "download" ||
        hash32(this.world.seed, 304, index) % 2 === 0
      ) {
        return {
          ...base,
          freeTrialPrivilege: {
            ...base.freeTrialPrivilege,
            cannotListenReason: 1,
          },
        };
      }
      const trial = this.trialFile(index);
      const md5 = audioMd5(trial);
      const { url, expi } = options.link(
        `/obj/trial/${song.id}/standard/${md5}.mp3`,
        "m801.music.126.net",
      );
      return {
        ...base,
        url,
        br: 128000,
        size: trial.sizeBytes,
        md5,
        code: 200,
        expi,
        type: "mp3",
        level: "standard",
        encodeType: "mp3",
        freeTrialInfo: { fragmentType: 0, start: 0, end: 30, algData: null },
        freeTrialPrivilege: {
          ...base.freeTrialPrivilege,
          resConsumable: true,
          cannotListenReason: 1,
        },
        time: 30000,
      };
    }
    let served = worse(requested, cap);
    if (!options.os) served = worse(served, "standard");
    const files = this.files(index);
    const file = files.find((f) => rank(f.level) >= rank(served)) ??
      files[files.length - 1]!;
    const md5 = audioMd5(file.audio);
    const { url, expi } = options.link(
      `/obj/song/${song.id}/${file.level}/${md5}.${file.container}`,
      "m701.music.126.net",
    );
    return {
      ...base,
      url,
      br: bitrate(file),
      size: file.tier.sizeBytes,
      md5,
      code: 200,
      expi,
      type: file.container,
      level: file.level,
      encodeType: file.container,
      payed: account === "anonymous" ? 0 : 1,
      time: song.durationMs,
      fee,
    };
  }

  /** The file behind a CDN object path, if the path names one. */
  objectFile(
    kind: "song" | "trial",
    songId: number,
    level: string,
  ): AudioFile | undefined {
    const index = this.songIndex(songId);
    if (index === undefined) return undefined;
    if (kind === "trial") return this.trialFile(index);
    return this.files(index).find((f) => f.level === level)?.audio;
  }

  // -------------------------------------------------------------- artists

  /** Song indexes led by an artist (every `artists`-th song). */
  artistSongs(artist: GenArtist, limit: number): number[] {
    const out: number[] = [];
    for (
      let i = artist.index;
      i < this.world.shape.songs && out.length < limit;
      i += this.world.shape.artists
    ) {
      out.push(i);
    }
    return out;
  }

  /** `artist/head/info/get` data. */
  artistHead(artist: GenArtist): Json {
    const avatar = `${109951168000000000n + BigInt(artist.id)}`;
    return {
      videoCount: 0,
      identify: null,
      artist: {
        id: artist.id,
        cover: this.#image(avatar),
        avatar: this.#image(avatar),
        name: artist.name,
        transNames: [],
        alias: artist.alias,
        identities: ["歌手"],
        identifyTag: null,
        briefDesc: artist.description,
        rank: null,
        albumSize: artist.albumCount,
        musicSize: artist.songCount,
        mvSize: 0,
      },
      blacklist: false,
      preferShow: 0,
      showPriMsg: false,
      secondaryExpertIdentiy: [],
      eventCount: 0,
      vipRights: null,
    };
  }

  /** `v1/artist/<id>` artist. */
  artistV1(artist: GenArtist): Json {
    const pic = `${109951168000000000n + BigInt(artist.id)}`;
    return {
      id: artist.id,
      name: artist.name,
      trans: "",
      briefDesc: artist.description,
      picUrl: this.#image(pic),
      picId_str: pic,
      picId: Number(pic),
      img1v1Url: this.#image(pic),
      alias: artist.alias,
      musicSize: artist.songCount,
      albumSize: artist.albumCount,
      mvSize: 0,
      followed: false,
      publishTime: this.world.epoch,
      accountId: 0,
      topicPerson: 0,
    };
  }

  #image(id: string): string {
    return `http://p1.music.126.net/${
      this.world.token(22, Number(id.slice(-9)))
    }/${id}.jpg`;
  }
}

/** The id of a category group (`categories` key). */
export function groupId(group: string): number {
  const index = CATEGORY_GROUPS.indexOf(group);
  return index < 0 ? 4 : index;
}

/** `fee` of a song (§8): 0 free/no copyright, 1 VIP, 8 free low quality. */
function feeOf(song: GenSong): number {
  switch (song.access) {
    case "vip":
      return 1;
    case "hq_vip":
      return 8;
    default:
      return 0;
  }
}

/** `br` of a file: NetEase's own numbers for the lossy levels. */
function bitrate(file: SongFile): number {
  return file.tier.bitrateKbps * 1000;
}
