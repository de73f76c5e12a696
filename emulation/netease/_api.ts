/**
 * The NetEase API endpoints of the emulation, by `/api/...` path, once the
 * transport (weapi, eapi, linuxapi, plain) has been decrypted: parameters
 * checked as the service checks them, pages as documented (§5–§10, §14).
 *
 * @module
 */
import { declaredList, type GenList } from "../_hidden.ts";
import {
  ANONYMOUS_TRACKS,
  groupId,
  LOGGED_IN_TRACKS,
  type NeteaseCatalog,
} from "./_catalog.ts";
import {
  type ApiCall,
  bad,
  ids,
  int,
  oneId,
  requiredId,
  str,
} from "./_params.ts";
import { lyricAnswer } from "./_lyrics.ts";
import { privilege, songObject } from "./_songs.ts";
import { downloadUrl, playerUrl } from "./_urls.ts";

type Json = Record<string, unknown>;

/** Most ids `v3/song/detail` takes. */
export const SONG_DETAIL_LIMIT = 1000;

/** Answers a call, or `undefined` for a path the service does not have. */
export function answer(
  catalog: NeteaseCatalog,
  call: ApiCall,
): Json | undefined {
  const path = call.path.replace(/\/+$/, "");
  const artistV1 = /^\/api\/v1\/artist\/(\d+)$/.exec(path);
  if (artistV1) return artistV1Answer(catalog, Number(artistV1[1]));
  switch (path) {
    case "/api/playlist/catalogue":
      return catalog.catalogue();
    case "/api/playlist/hottags":
      return hotTags(catalog);
    case "/api/playlist/list":
      return playlistList(catalog, call);
    case "/api/playlist/highquality/tags":
      return highQualityTags(catalog);
    case "/api/playlist/highquality/list":
      return highQualityList(catalog, call);
    case "/api/toplist":
      return toplist(catalog, call, false);
    case "/api/toplist/detail":
      return toplist(catalog, call, true);
    case "/api/v6/playlist/detail":
    case "/api/v3/playlist/detail":
      return playlistDetail(catalog, call);
    case "/api/v3/song/detail":
      return songDetail(catalog, call);
    case "/api/artist/head/info/get":
      return artistHead(catalog, call.params);
    case "/api/song/enhance/player/url/v1":
      return playerUrl(catalog, call, "level");
    case "/api/song/enhance/player/url":
      return playerUrl(catalog, call, "br");
    case "/api/song/enhance/download/url/v1":
      return downloadUrl(catalog, call, "level");
    case "/api/song/enhance/download/url":
      return downloadUrl(catalog, call, "br");
    case "/api/song/lyric":
      return lyricAnswer(catalog, call.params);
    default:
      return undefined;
  }
}

// -------------------------------------------------------------- square

function hotTags(catalog: NeteaseCatalog): Json {
  const world = catalog.world;
  const tags = [];
  for (let i = 0; i < world.shape.categories; i++) {
    const category = world.category(i);
    if (!category.hot) continue;
    tags.push({
      playlistTag: {
        id: category.id,
        name: category.name,
        category: groupId(category.group),
        usedCount: world.categoryPlaylists(i).length,
        type: 0,
        position: tags.length + 1,
        highQuality: 0,
        highQualityPos: 0,
        officialPos: 0,
      },
      activity: false,
      hot: true,
      position: tags.length + 1,
      name: category.name,
      id: category.id,
    });
  }
  return { code: 200, tags };
}

/** Playlist indexes of a category name (`全部` is every playlist). */
function playlistsOf(catalog: NeteaseCatalog, cat: string): number[] {
  if (cat === "全部" || cat === "全部歌单") {
    return Array.from({ length: catalog.world.shape.playlists }, (_, i) => i);
  }
  const category = catalog.categoryIndex(cat);
  return category === undefined
    ? []
    : catalog.world.categoryPlaylists(category);
}

/** The count a list declares under the behaviours in force (hidden songs counted). */
function declared(call: ApiCall, list: GenList): number {
  const { context } = call;
  return declaredList(context.world.seed, list, context.behaviours).declared;
}

function playlistList(catalog: NeteaseCatalog, call: ApiCall): Json {
  const params = call.params;
  const cat = str(params, "cat", "全部");
  const order = str(params, "order", "hot");
  if (order !== "hot" && order !== "new") bad(`order: '${order}'`);
  const limit = int(params, "limit", 50, 1);
  const offset = int(params, "offset", 0);
  const world = catalog.world;
  const all = playlistsOf(catalog, cat).map((i) => world.playlist(i));
  all.sort(
    order === "hot"
      ? (a, b) => b.playCount - a.playCount || a.index - b.index
      : (a, b) => b.updateTime - a.updateTime,
  );
  const page = all.slice(offset, offset + limit);
  return {
    code: 200,
    cat,
    more: offset + page.length < all.length,
    total: all.length,
    playlists: page.map((p) =>
      catalog.playlist(p, { trackCount: declared(call, p) })
    ),
  };
}

function highQualityTags(catalog: NeteaseCatalog): Json {
  const world = catalog.world;
  const tags = [];
  for (let i = 0; i < world.shape.categories; i++) {
    const has = world.categoryPlaylists(i).some((p) =>
      world.playlist(p).highQuality
    );
    if (!has) continue;
    const category = world.category(i);
    tags.push({
      id: category.id,
      name: category.name,
      type: 0,
      category: 0,
      hot: category.hot,
    });
  }
  return { code: 200, tags };
}

function highQualityList(catalog: NeteaseCatalog, call: ApiCall): Json {
  const params = call.params;
  const cat = str(params, "cat", "全部");
  const limit = int(params, "limit", 50, 1);
  const lasttime = int(params, "lasttime", 0);
  const world = catalog.world;
  const all = playlistsOf(catalog, cat)
    .map((i) => world.playlist(i))
    .filter((p) => p.highQuality)
    .sort((a, b) => b.updateTime - a.updateTime);
  const after = lasttime > 0 ? all.filter((p) => p.updateTime < lasttime) : all;
  const page = after.slice(0, limit);
  const last = page[page.length - 1];
  return {
    code: 200,
    more: after.length > page.length,
    lasttime: last ? last.updateTime : 0,
    total: all.length,
    playlists: page.map((p) =>
      catalog.playlist(p, {
        copywriter: `${p.tags[0] ?? "精品"}精选`,
        tag: p.tags.join(","),
        trackCount: declared(call, p),
      })
    ),
  };
}

function toplist(
  catalog: NeteaseCatalog,
  call: ApiCall,
  detail: boolean,
): Json {
  const world = catalog.world;
  const list = [];
  for (let i = 0; i < world.shape.charts; i++) {
    const chart = world.chart(i);
    const item = catalog.chart(chart);
    item.trackCount = declared(call, chart);
    if (detail) {
      const top = Math.min(3, chart.trackCount);
      item.tracks = Array.from({ length: top }, (_, k) => {
        const song = world.song(chart.track(k));
        return {
          first: song.title,
          second: song.artists.map((a) => a.name).join("/"),
        };
      });
    }
    list.push(item);
  }
  return {
    code: 200,
    list,
    artistToplist: catalog.artistToplist(),
    ...(detail ? { rewardToplist: null } : {}),
  };
}

// ------------------------------------------------------------- songs

function playlistDetail(catalog: NeteaseCatalog, call: ApiCall): Json {
  const id = requiredId(call.params, "id");
  const n = int(call.params, "n", 1000);
  const found = catalog.listById(id);
  if (!found) {
    return { code: 404, message: "歌单不存在", msg: "歌单不存在" };
  }
  const list = "playlist" in found ? found.playlist : found.chart;
  const world = catalog.world;
  const meta = "playlist" in found ? catalog.playlist(found.playlist) : {
    ...catalog.chart(found.chart),
    creator: { userId: 1, nickname: "网易云音乐" },
  };
  const trackIds = [];
  const at = list.updateTime;
  for (let k = 0; k < list.trackCount; k++) {
    trackIds.push({
      id: world.song(list.track(k)).id,
      v: 9,
      t: 0,
      at,
      alg: null,
      uid: meta.userId ?? 1,
      rcmdReason: "",
      sc: null,
    });
  }
  // only a prefix of the songs (§7): the rest needs song detail
  const prefix = Math.min(
    list.trackCount,
    n,
    call.account === "anonymous" ? ANONYMOUS_TRACKS : LOGGED_IN_TRACKS,
  );
  const tracks = [];
  const privileges = [];
  for (let k = 0; k < prefix; k++) {
    tracks.push(songObject(catalog.world, list.track(k)));
    privileges.push(privilege(catalog.world, list.track(k), call.account));
  }
  return {
    code: 200,
    relatedVideos: null,
    playlist: {
      ...meta,
      // §7 correction: trackCount may count songs trackIds do not hold
      trackCount: declared(call, list),
      tracks,
      trackIds,
      subscribers: [],
      officialPlaylistType: "playlist" in found ? null : "榜单",
      sharedUsers: null,
      remixVideo: null,
    },
    urls: null,
    privileges,
    sharedPrivilege: null,
    resEntrance: null,
  };
}

function songDetail(catalog: NeteaseCatalog, call: ApiCall): Json {
  let wanted: number[];
  const c = call.params.c;
  if (c !== undefined) {
    let list = c;
    if (typeof list === "string") {
      try {
        list = JSON.parse(list);
      } catch {
        bad("c: not JSON");
      }
    }
    if (!Array.isArray(list)) bad("c: not an array");
    wanted = list.map((item, i) => {
      if (typeof item !== "object" || item === null) bad(`c[${i}]: not {id}`);
      return oneId((item as Json).id, `c[${i}].id`);
    });
  } else if (call.params.ids !== undefined) {
    wanted = ids(call.params.ids, "ids");
  } else {
    bad("missing c");
  }
  if (wanted.length > SONG_DETAIL_LIMIT) {
    bad(`${wanted.length} ids: at most ${SONG_DETAIL_LIMIT} per call`);
  }
  const indexes = [...new Set(wanted)]
    .map((id) => catalog.songIndexById(id))
    .filter((i): i is number => i !== undefined);
  const world = catalog.world;
  // the service does not keep the request's order: match by id (§7)
  const byId = [...indexes].sort((a, b) => world.song(a).id - world.song(b).id);
  return {
    code: 200,
    songs: byId.map((i) => songObject(catalog.world, i)),
    privileges: [...byId].reverse().map((i) =>
      privilege(catalog.world, i, call.account)
    ),
  };
}

// ----------------------------------------------------------- artists

function artistHead(catalog: NeteaseCatalog, params: Json): Json {
  const artist = catalog.byId("artist", requiredId(params, "id"));
  if (!artist) return { code: 404, message: "艺人不存在", data: null };
  return { code: 200, message: "ok", data: catalog.artistHead(artist) };
}

function artistV1Answer(catalog: NeteaseCatalog, id: number): Json {
  const artist = catalog.byId("artist", id);
  if (!artist) return { code: 404, msg: "艺人不存在" };
  const songs = catalog.artistSongs(artist, 50);
  return {
    code: 200,
    artist: catalog.artistV1(artist),
    hotSongs: songs.map((i) => songObject(catalog.world, i)),
    more: songs.length >= 50,
  };
}
