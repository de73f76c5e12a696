/**
 * The world in NetEase's shapes (protocols/netease.md §5–§10, §12): lookups
 * by the ids and names the protocol carries, the square's categories and
 * playlists, charts and artists. Songs, their files and rights are
 * `_songs.ts` and `_rights.ts`. Nothing here is invented beyond
 * presentation: every record maps a world record.
 *
 * @module
 */
import { hash32 } from "../_hash.ts";
import { indexBy, WorldLookup } from "../_lookup.ts";
import type { GenArtist, GenChart, GenPlaylist } from "../world.ts";
import { imageUrl } from "./_songs.ts";

type Json = Record<string, unknown>;

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

/** The world, looked up and rendered the NetEase way. */
export class NeteaseCatalog extends WorldLookup {
  #categories: Map<string, number> | undefined;

  /** A square playlist or a chart by id: `playlist/detail` takes both. */
  listById(
    id: number,
  ): { playlist: GenPlaylist } | { chart: GenChart } | undefined {
    const playlist = this.byId("playlist", id);
    if (playlist) return { playlist };
    const chart = this.byId("chart", id);
    return chart ? { chart } : undefined;
  }

  /** A category index by its name (`cat`). */
  categoryIndex(name: string): number | undefined {
    this.#categories ??= indexBy(
      this.world.shape.categories,
      (i) => this.world.category(i).name,
    );
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
      coverImgUrl: imageUrl(this.world, p.coverId),
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
        avatarUrl: imageUrl(this.world, creatorAvatar),
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
      coverImgUrl: imageUrl(this.world, coverId),
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
      coverUrl: imageUrl(this.world, "109951163000000000"),
      name: "云音乐歌手榜",
      upateFrequency: "每天更新",
      updateFrequency: "每天更新",
      position: 5,
    };
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
        cover: imageUrl(this.world, avatar),
        avatar: imageUrl(this.world, avatar),
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
      picUrl: imageUrl(this.world, pic),
      picId_str: pic,
      picId: Number(pic),
      img1v1Url: imageUrl(this.world, pic),
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
}

/** The id of a category group (`categories` key). */
export function groupId(group: string): number {
  const index = CATEGORY_GROUPS.indexOf(group);
  return index < 0 ? 4 : index;
}
