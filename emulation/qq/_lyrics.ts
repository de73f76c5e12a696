/**
 * QQ Music lyrics (the legacy lyric CGI on `c.y.qq.com`) and album covers
 * on `y.gtimg.cn`.
 *
 * Lyrics: `GET /lyric/fcgi-bin/fcg_query_lyric_new.fcg?songmid=<mid>`
 * with `format=json` (else JSONP, `MusicJsonCallback_lrc` by default),
 * `nobase64=1` for plain text (else the lyric and its translation are
 * Base64 of UTF-8) and a Referer on y.qq.com (`code` -1310 without it)
 * [Tmn07/lrc2srt `getlrc_qq.py`; lyricova `QQResponseSinglePlainLyrics`
 * `{retcode, code, subcode, lyric, trans}`]. The plain-text form escapes
 * characters as HTML numeric entities (`&#91;ti&#58;...&#93;&#10;`)
 * [UNSURE: from lyric tools' notes]. A song without lyrics answers `code`
 * -1901 [UNSURE]; an instrumental carries the one line
 * "此歌曲为没有填词的纯音乐，请您欣赏".
 *
 * Covers: `https://y.gtimg.cn/music/photo_new/T002R<S>x<S>M000<albummid>.jpg`
 * with S one of 90, 150, 300, 500, 800, 1000 (protocols/qq.md §6; lx-music,
 * listen1); other sizes and unknown mids answer 404.
 *
 * @module
 */
import { hash32 } from "../_hash.ts";
import type { EmulatorContext, Route } from "../platform.ts";
import {
  albumIndexByMid,
  coverKind,
  lrcTime,
  songLyrics,
} from "../_song_extras.ts";
import { coverImage, serveImage } from "../images.ts";
import type { QqCatalog } from "./_catalog.ts";

type Json = Record<string, unknown>;

/** The image host. */
export const IMAGE_HOST = "y.gtimg.cn";
/** The lyric CGI's path on `c.y.qq.com`. */
export const LYRIC_PATH = "/lyric/fcgi-bin/fcg_query_lyric_new.fcg";
/** The cover sizes the image host has. */
export const COVER_SIZES: readonly number[] = [90, 150, 300, 500, 800, 1000];
/** The instrumental marker line. */
const INSTRUMENTAL = "此歌曲为没有填词的纯音乐，请您欣赏";

/** HTML numeric entities for what the plain-text lyric form escapes. */
function entities(text: string): string {
  return text.replace(/[\[\]:\n().\-' ]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function base64(text: string): string {
  return new TextEncoder().encode(text).toBase64();
}

/**
 * The lyric CGI's answer (before JSON/JSONP wrapping), or `undefined` for
 * a request it refuses as a parameter error.
 */
export function lyricBody(
  catalog: QqCatalog,
  request: Request,
  route: Route,
  context: EmulatorContext,
  refererOk: (referer: string | null) => boolean,
): Json {
  const query = route.url.searchParams;
  if (!refererOk(request.headers.get("referer"))) {
    return { retcode: -1310, code: -1310, subcode: -1310 };
  }
  const fault = context.business(`/${route.host}${route.path}`);
  if (fault) {
    const code = Number(fault.code ?? 0);
    return { retcode: code, code, subcode: code };
  }
  const mid = query.get("songmid") ?? "";
  if (!/^[0-9A-Za-z]{14}$/.test(mid)) {
    return { retcode: -1901, code: -1901, subcode: -1901 };
  }
  const song = catalog.songByMid(mid);
  if (!song) return { retcode: -1901, code: -1901, subcode: -1901 };
  const world = catalog.world;
  const lyrics = songLyrics(world, song.index, song.durationMs);
  if (lyrics.kind === "none") {
    return { retcode: -1901, code: -1901, subcode: -1901 };
  }
  let lyric: string;
  let trans = "";
  if (lyrics.kind === "instrumental") {
    lyric = `[00:00:00]${INSTRUMENTAL}`;
  } else {
    const header = `[ti:${song.title.replace(/[\[\]\n]/g, " ")}]\n[ar:${
      song.artists.map((a) => a.name).join("/").replace(/[\[\]\n]/g, " ")
    }]\n[al:]\n[by:]\n[offset:0]\n`;
    lyric = header +
      lyrics.lines.map((l) => `${lrcTime(l.timeMs)}${l.text}`).join("\n");
    if (lyrics.translated) {
      trans = header +
        lyrics.lines.map((l) => `${lrcTime(l.timeMs)}${l.translation}`).join(
          "\n",
        );
    }
  }
  const plain = query.get("nobase64") === "1";
  const encode = plain ? entities : base64;
  return {
    retcode: 0,
    code: 0,
    subcode: 0,
    lyric: encode(lyric),
    trans: trans === "" ? "" : encode(trans),
    ...(hash32(world.seed, 431, song.index) % 2 === 0 ? { type: 0 } : {}),
  };
}

/** Answers `y.gtimg.cn`: `/music/photo_new/T002R<S>x<S>M000<albummid>.jpg`. */
export function serveQqImage(
  request: Request,
  catalog: QqCatalog,
  route: Route,
): Response {
  const match =
    /^\/music\/photo_new\/T00(\d)R(\d+)x(\d+)M000([0-9A-Za-z]{14})\.jpg$/
      .exec(route.path);
  if (!match) return notFound();
  const [, kind, width, height, mid] = match;
  const size = Number(width);
  if (width !== height || !COVER_SIZES.includes(size)) return notFound();
  const world = catalog.world;
  if (kind !== "2") {
    // artist (T001) and chart (T003) pictures: always there
    return serveImage(
      request,
      coverImage(`qq:${kind}:${mid}`, "jpeg", size),
      "jpeg",
    );
  }
  const index = albumIndexByMid(world, mid!);
  if (index === undefined) return notFound();
  const cover = coverKind(world, index);
  if (cover === "none" || cover === "missing") return notFound();
  return serveImage(request, coverImage(`qq:album:${mid}`, cover, size), cover);
}

function notFound(): Response {
  return new Response("404 Not Found", {
    status: 404,
    headers: { "content-type": "text/html" },
  });
}
