/**
 * QQ Music extras for tags: what a song object says (page, track, date,
 * album cover), the cover fetch and the lyrics.
 *
 * - Page: `https://y.qq.com/n/ryqq/songDetail/<songmid>` (the web player's
 *   song page).
 * - Track `index_album` (> 0), date `time_public` (`YYYY-MM-DD`) (§6 song
 *   fields). `index_cd` is not written: whether it counts from 0 or 1 is
 *   not settled by the sources.
 * - Cover: `https://y.gtimg.cn/music/photo_new/T002R<S>x<S>M000<albummid>.jpg`
 *   with S in 90/150/300/500/800/1000 (protocols/qq.md §6 images; lx-music,
 *   listen1 use 300/500/800); an empty album mid (or `空`) = no cover. The
 *   key is `album:<albummid>`.
 * - Lyrics: `GET https://c.y.qq.com/lyric/fcgi-bin/fcg_query_lyric_new.fcg
 *   ?songmid=<mid>&nobase64=1&format=json&g_tk=5381` with
 *   `Referer: https://y.qq.com/portal/player.html` (Tmn07/lrc2srt
 *   `getlrc_qq.py`; lyricova's `{retcode, code, subcode, lyric, trans}`).
 *   The text comes with HTML numeric entities; `code` -1901 = no lyrics
 *   [UNSURE]; "此歌曲为没有填词的纯音乐，请您欣赏" = instrumental. The musicu
 *   module `music.musichallSong.PlayLyricInfo.GetPlayLyricInfo` (QQMusicApi
 *   `lyric.py`) is the newer path; the CGI needs no signature.
 *
 * @module
 */
import { asObject, isObject, type Json } from "../_json.ts";
import { decodeEntities, hasTimedLines, isInstrumental } from "../lyrics.ts";
import { SourceError } from "../errors.ts";
import type { LyricVariant, PlatformTagging } from "../platform_source.ts";
import type { SongLyrics, SongTagInfo } from "../types.ts";
import type { QqTransport } from "./_transport.ts";

/** The lyric CGI. */
export const LYRIC_URL =
  "https://c.y.qq.com/lyric/fcgi-bin/fcg_query_lyric_new.fcg";
/** The Referer the lyric CGI wants. */
const LYRIC_REFERER = "https://y.qq.com/portal/player.html";
/** The cover sizes `y.gtimg.cn` has. */
const COVER_SIZES = [90, 150, 300, 500, 800, 1000];
/** `code` of an answer without lyrics. */
const NO_LYRICS = -1901;

/** The largest cover size not above `size` (the smallest one if none is). */
function coverSize(size: number): number {
  let best = COVER_SIZES[0]!;
  for (const s of COVER_SIZES) if (s <= size) best = s;
  return best;
}

/** The song's mid from its record (new format `mid`, old `songmid`). */
function songMidOf(raw: Json): string | undefined {
  return typeof raw.mid === "string"
    ? raw.mid
    : typeof raw.songmid === "string"
    ? raw.songmid
    : undefined;
}

/** QQ's one lyric path, the CGI `fcg_query_lyric_new.fcg`. */
const LYRIC_CGI: LyricVariant<QqTransport> = {
  name: "fcg_query_lyric_new CGI",
  async ask(transport, song, options = {}) {
    const mid = songMidOf(asObject(song.raw) ?? {}) ?? "";
    if (mid === "") {
      throw new SourceError(
        `qq: song ${song.remoteId} has no mid to ask lyrics for`,
        {
          platform: "qq",
          kind: "not_found",
        },
      );
    }
    const { body, url } = await transport.cgi(
      LYRIC_URL,
      { songmid: mid, nobase64: "1" },
      LYRIC_REFERER,
      () => () => {},
      options.signal,
    );
    return parseQqLyrics(body, url);
  },
};

/** What QQ Music knows about tagging its songs (`PlatformSource`). */
export const QQ_TAGGING: PlatformTagging<QqTransport> = {
  /** Tag facts from a song object, new or old format. */
  tagInfo(song, options) {
    const raw = asObject(song.raw) ?? {};
    const mid = songMidOf(raw) ?? song.remoteId;
    const info: SongTagInfo = {
      pageUrl: `https://y.qq.com/n/ryqq/songDetail/${mid}`,
    };
    const track = raw.index_album;
    if (typeof track === "number" && Number.isSafeInteger(track) && track > 0) {
      info.trackNumber = track;
    }
    const date = raw.time_public;
    if (typeof date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(date)) {
      info.date = date;
    }
    const album = asObject(raw.album);
    const albumMid = typeof album?.mid === "string"
      ? album.mid
      : typeof raw.albummid === "string"
      ? raw.albummid
      : "";
    if (/^[0-9A-Za-z]{14}$/.test(albumMid)) {
      const size = coverSize(options.coverSize);
      info.cover = {
        key: `album:${albumMid}`,
        url:
          `https://y.gtimg.cn/music/photo_new/T002R${size}x${size}M000${albumMid}.jpg`,
        sizePx: size,
      };
    }
    return info;
  },

  coverHeaders: { "Referer": "https://y.qq.com/" },

  lyricVariants: [LYRIC_CGI],

  lyrics(transport, song, options = {}) {
    return LYRIC_CGI.ask(transport, song, options);
  },
};

/** A lyric CGI answer as `SongLyrics`. */
export function parseQqLyrics(body: unknown, url: string): SongLyrics {
  if (!isObject(body)) {
    throw new SourceError("qq: the lyric CGI answered no object", {
      platform: "qq",
      kind: "malformed",
      url,
    });
  }
  const code = typeof body.code === "number" ? body.code : body.retcode;
  if (code === NO_LYRICS) return { kind: "none" };
  if (code !== 0) {
    throw new SourceError(`qq: the lyric CGI answered code ${String(code)}`, {
      platform: "qq",
      kind: code === -1310 ? "antibot" : "malformed",
      url,
    });
  }
  const lyric = typeof body.lyric === "string"
    ? decodeEntities(body.lyric)
    : "";
  if (lyric.trim() === "") return { kind: "none" };
  if (isInstrumental(lyric)) return { kind: "instrumental" };
  const trans = typeof body.trans === "string"
    ? decodeEntities(body.trans)
    : "";
  return {
    kind: "lyrics",
    lrc: lyric,
    ...(hasTimedLines(trans) ? { translation: trans } : {}),
  };
}
