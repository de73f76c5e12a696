/**
 * NetEase extras for tags: what a song object says (page, track, disc,
 * date, album cover), the cover fetch and the lyrics.
 *
 * - Page: `https://music.163.com/song?id=<id>` (the song page every client
 *   links, playlist-independent).
 * - Track `no`, disc `cd` (`"01"`, sometimes `"1/2"`), date from
 *   `publishTime` (ms, midnight China time) (§7 song fields).
 * - Cover: `al.picUrl` with `?param=<S>y<S>` to scale it (NeteaseCloudMusicApi
 *   docs, listen1 and lx-music append `?param=300y300`/`800y800`); `al.id`
 *   0 or no `picUrl` = no cover. One fetch per album: the key is `album:<al.id>`.
 * - Lyrics: weapi `song/lyric` = `/api/song/lyric` with
 *   `{id, lv: -1, tv: -1, kv: -1, rv: -1}` (NeteaseCloudMusicApi
 *   `module/lyric.js` sends the same parameters over eapi): `lrc.lyric`
 *   (LRC), `tlyric.lyric` (translation); `nolyric: true` or a lone
 *   "纯音乐，请欣赏" line = instrumental; `uncollected: true` or no `lrc` =
 *   none [UNSURE: the two flags' meaning comes from client code].
 *
 * @module
 */
import { asObject, isObject } from "../_json.ts";
import { hasTimedLines, isInstrumental } from "../lyrics.ts";
import type { LyricVariant, PlatformTagging } from "../platform_source.ts";
import type { SongLyrics, SongTagInfo } from "../types.ts";
import { BROWSER_USER_AGENT, WEB_ORIGIN } from "./_constants.ts";
import { parsed } from "./_answers.ts";
import { type NeteaseTransport, requireId } from "./_transport.ts";

const CHINA_OFFSET_MS = 8 * 3_600_000;

function positive(value: unknown): number | undefined {
  const n = typeof value === "number"
    ? value
    : typeof value === "string"
    ? parseInt(value, 10)
    : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** NetEase's one lyric endpoint, weapi `song/lyric`. */
const SONG_LYRIC: LyricVariant<NeteaseTransport> = {
  name: "weapi song/lyric",
  async ask(transport, song, options = {}) {
    const id = requireId(song.remoteId, "a song");
    const { body, url } = await transport.weapi(
      "song/lyric",
      { id, lv: -1, tv: -1, kv: -1, rv: -1 },
      options.signal,
      options.quiet ? { recover: false } : {},
    );
    return parsed(url, () => parseLyrics(body));
  },
};

/** What NetEase knows about tagging its songs (`PlatformSource`). */
export const NETEASE_TAGGING: PlatformTagging<NeteaseTransport> = {
  tagInfo(song, { coverSize }) {
    const raw = asObject(song.raw) ?? {};
    const info: SongTagInfo = {
      pageUrl: `https://music.163.com/song?id=${song.remoteId}`,
    };
    const track = positive(raw.no);
    if (track) info.trackNumber = track;
    const disc = positive(raw.cd);
    if (disc) info.discNumber = disc;
    const published = raw.publishTime;
    if (typeof published === "number" && published > 0) {
      info.date = new Date(published + CHINA_OFFSET_MS).toISOString().slice(
        0,
        10,
      );
    }
    const album = asObject(raw.al);
    const albumId = positive(album?.id);
    const picUrl = album?.picUrl;
    if (albumId && typeof picUrl === "string" && /^https?:\/\//.test(picUrl)) {
      const size = Math.max(1, Math.round(coverSize));
      const url = new URL(picUrl);
      url.search = `param=${size}y${size}`;
      info.cover = { key: `album:${albumId}`, url: url.href, sizePx: size };
    }
    return info;
  },

  /** The web client's headers. */
  coverHeaders: {
    "referer": `${WEB_ORIGIN}/`,
    "user-agent": BROWSER_USER_AGENT,
  },

  lyricVariants: [SONG_LYRIC],

  lyrics(transport, song, options = {}) {
    return SONG_LYRIC.ask(transport, song, options);
  },
};

/** A `song/lyric` answer as `SongLyrics`. */
export function parseLyrics(body: unknown): SongLyrics {
  if (!isObject(body)) {
    throw new TypeError("Expected the answer to be an object");
  }
  if (body.nolyric === true) return { kind: "instrumental" };
  const lrc = isObject(body.lrc) && typeof body.lrc.lyric === "string"
    ? body.lrc.lyric
    : "";
  if (lrc.trim() === "") return { kind: "none" };
  if (isInstrumental(lrc)) return { kind: "instrumental" };
  const translation = isObject(body.tlyric) &&
      typeof body.tlyric.lyric === "string" && hasTimedLines(body.tlyric.lyric)
    ? body.tlyric.lyric
    : undefined;
  return {
    kind: "lyrics",
    lrc,
    ...(translation === undefined ? {} : { translation }),
  };
}
