/**
 * The songs of the world in NetEase's shapes (protocols/netease.md §7–§9):
 * song objects, privileges per account, and the URL items of the player
 * and download endpoints, with the CDN file behind each object path.
 *
 * @module
 */
import { hash32 } from "../_hash.ts";
import { coverKind } from "../_song_extras.ts";
import { type AudioFile, audioMd5 } from "../audio.ts";
import type { World } from "../world.ts";
import {
  type Account,
  bitrate,
  downloadCap,
  feeOf,
  type Level,
  LEVELS,
  playCap,
  rank,
  songFiles,
  trialFile,
  type UrlEndpoint,
  worse,
} from "./_rights.ts";

type Json = Record<string, unknown>;

/** A song object (`songs[]`, `tracks[]`). */
export function songObject(world: World, index: number): Json {
  const song = world.song(index);
  const files = songFiles(world, index);
  const quality = (level: Level) => {
    const file = files.find((f) => f.level === level);
    if (!file) return null;
    return {
      br: bitrate(file),
      fid: 0,
      size: file.tier.sizeBytes,
      vd: -((hash32(world.seed, 302, index) % 60000) + 1000),
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
    pop: hash32(world.seed, 303, index) % 100,
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
        // an album without a cover has no picture (`_lyrics.ts`)
        picUrl: coverKind(world, song.album.index) === "none"
          ? null
          : imageUrl(world, picId),
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
export function privilege(world: World, index: number, account: Account): Json {
  const song = world.song(index);
  const files = songFiles(world, index);
  const top = files[0]!;
  const cap = playCap(world, index, account);
  const dlCap = downloadCap(world, index, account);
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
    dl: br(dlCap),
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
    dlLevel: dlCap,
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

/** The URL item of an id the world does not have (§9): `code 404`, no URL. */
export function missingUrlItem(id: number): Json {
  return {
    id,
    url: null,
    br: 0,
    size: 0,
    md5: null,
    code: 404,
    expi: 0,
    type: null,
    level: null,
    encodeType: null,
    fee: 0,
    freeTrialInfo: null,
  };
}

/**
 * The URL item of a song at a requested level (§9): a full URL at the
 * best level at or below the request that the account may play (player
 * endpoints) or download (download endpoints), a preview or nothing for
 * VIP songs (downloads never preview), `code 404` without copyright.
 */
export function urlItem(
  world: World,
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
  const song = world.song(index);
  const fee = feeOf(song);
  const base = {
    ...missingUrlItem(song.id),
    gain: 0,
    peak: 0,
    fee,
    uf: null,
    payed: 0,
    flag: 4,
    canExtend: false,
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
    ? downloadCap(world, index, account)
    : playCap(world, index, account);
  if (cap === "none") {
    // VIP song, no VIP: every other song gets a ~30 s preview, the rest
    // nothing; the download endpoint gives no previews
    if (
      options.endpoint === "download" ||
      hash32(world.seed, 304, index) % 2 === 0
    ) {
      return {
        ...base,
        freeTrialPrivilege: {
          ...base.freeTrialPrivilege,
          cannotListenReason: 1,
        },
      };
    }
    const trial = trialFile(world, index);
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
  const files = songFiles(world, index);
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

/** The file behind a CDN object path of a song, if the path names one. */
export function objectFile(
  world: World,
  kind: "song" | "trial",
  index: number,
  level: string,
): AudioFile | undefined {
  if (kind === "trial") return trialFile(world, index);
  return songFiles(world, index).find((f) => f.level === level)?.audio;
}

/** The URL of an image id on NetEase's image host. */
export function imageUrl(world: World, id: string): string {
  return `http://p1.music.126.net/${
    world.token(22, Number(id.slice(-9)))
  }/${id}.jpg`;
}
