/**
 * Kuwo lyrics (`m.kuwo.cn/newh5/singles/songinfoandlrc`) and album covers
 * (`img1`-`img4.kuwo.cn/star/albumcover/<size>/...`).
 *
 * Lyrics: `GET /newh5/singles/songinfoandlrc?musicId=<rid>&httpsStatus=1`
 * → `{"status":200,"msg":"成功","data":{"songinfo":{...},"lrclist":
 * [{"lineLyric","time":"12.34"}]}}` (protocols/kuwo.md §8.3; lyricova
 * `KuwoLyricResponse`, MusicPlayer clients). A translated song repeats
 * each time: the original line, then its translation [lx-music's Kuwo
 * lyric parser pairs equal times the same way]. A song without lyrics has
 * `lrclist: null`; an instrumental one line "纯音乐，请欣赏". An unknown id
 * answers `{"status":301,"msg":"音乐查询失败"}`, the answer §12 reports for
 * every id in 2026-09 (which is why clients must not treat it as "no
 * lyrics"). The behaviour `kuwoH5LyricsGone` answers it for a seeded share
 * of known songs too (all of them with `1`, as the service does today).
 *
 * Covers: the web song items' `pic`/`albumpic`
 * (`https://img4.kuwo.cn/star/albumcover/500/<a>/<b>/<albumid>.jpg`); the
 * size segment may be 120, 300 or 500 (§7.4); anything else is 404.
 *
 * @module
 */
import { albumIndexById, coverKind, songLyrics } from "../_song_extras.ts";
import { BEHAVIOUR_SALTS, inShare } from "../behaviours.ts";
import { type EmulatorContext, json, type Route } from "../platform.ts";
import { coverImage, serveImage } from "../images.ts";
import type { GenSong, World } from "../world.ts";

/** What the lyric endpoint reads of the catalog (`KuwoCatalog` has it). */
export interface LyricCatalog {
  /** The world. */
  readonly world: World;
  /** The song with a rid. */
  song(rid: string): GenSong | undefined;
}

/** The H5 host of the lyric endpoint. */
export const H5_HOST = "m.kuwo.cn";
/** The lyric endpoint's path. */
export const LYRIC_PATH = "/newh5/singles/songinfoandlrc";
/** The cover hosts. */
export const IMAGE_HOSTS: readonly string[] = [
  "img1.kuwo.cn",
  "img2.kuwo.cn",
  "img3.kuwo.cn",
  "img4.kuwo.cn",
];
/** The sizes of the cover path. */
const COVER_SIZES = [120, 300, 500];

/** The cover URL of an album in web song items, or `""` without one. */
export function albumCoverUrl(
  world: World,
  albumIndex: number | undefined,
): string {
  if (albumIndex === undefined || coverKind(world, albumIndex) === "none") {
    return "";
  }
  const id = world.album(albumIndex).id;
  return `https://img4.kuwo.cn/star/albumcover/500/${id % 100}/${
    id % 37
  }/${id}.jpg`;
}

/**
 * `songinfoandlrc`; a seeded share of songs (`kuwoH5LyricsGone`) answers
 * 301 as an unknown id does.
 */
export function lyricAnswer(
  catalog: LyricCatalog,
  route: Route,
  context: EmulatorContext,
): Response {
  const query = route.url.searchParams;
  const rid = query.get("musicId") ?? "";
  if (!/^\d+$/.test(rid)) {
    return json({ status: 400, msg: "参数错误", data: null });
  }
  const song = catalog.song(rid);
  const world = catalog.world;
  if (
    !song || inShare(
      world.seed,
      BEHAVIOUR_SALTS.kuwoH5LyricsGone,
      song.index,
      context.behaviours.kuwoH5LyricsGone,
    )
  ) return json({ status: 301, msg: "音乐查询失败", data: null });
  const lyrics = songLyrics(world, song.index, song.durationMs);
  const seconds = (ms: number) => (ms / 1000).toFixed(2);
  let lrclist: Array<{ lineLyric: string; time: string }> | null = null;
  if (lyrics.kind === "instrumental") {
    lrclist = [{ lineLyric: "纯音乐，请欣赏", time: "0.00" }];
  } else if (lyrics.kind === "synced") {
    lrclist = lyrics.lines.flatMap((line) => [
      { lineLyric: line.text, time: seconds(line.timeMs) },
      ...(line.translation === undefined
        ? []
        : [{ lineLyric: line.translation, time: seconds(line.timeMs) }]),
    ]);
  }
  return json({
    status: 200,
    msg: "成功",
    profileId: "site",
    curTime: Date.UTC(2026, 10, 1),
    data: {
      songinfo: {
        id: String(song.id),
        songName: song.title,
        artist: song.artists.map((a) => a.name).join("&"),
        album: song.album?.name ?? "",
        albumId: String(song.album?.id ?? 0),
        duration: String(Math.floor(song.durationMs / 1000)),
        pic: albumCoverUrl(world, song.album?.index),
      },
      lrclist,
    },
  });
}

/** Answers the cover hosts: `/star/albumcover/<size>/<a>/<b>/<albumid>.jpg`. */
export function serveKuwoImage(
  request: Request,
  world: World,
  route: Route,
): Response {
  const match = /^\/star\/albumcover\/(\d+)\/(\d+)\/(\d+)\/(\d+)\.jpg$/.exec(
    route.path,
  );
  if (!match) return notFound();
  const [, size, a, b, id] = match;
  const albumId = Number(id);
  if (
    !COVER_SIZES.includes(Number(size)) || Number(a) !== albumId % 100 ||
    Number(b) !== albumId % 37
  ) return notFound();
  const index = albumIndexById(world, albumId);
  if (index === undefined) return notFound();
  const kind = coverKind(world, index);
  if (kind === "none" || kind === "missing") return notFound();
  return serveImage(
    request,
    coverImage(`kuwo:album:${albumId}`, kind, Number(size)),
    kind,
  );
}

function notFound(): Response {
  return new Response(
    "<html><head><title>404 Not Found</title></head></html>",
    {
      status: 404,
      headers: { "content-type": "text/html" },
    },
  );
}
