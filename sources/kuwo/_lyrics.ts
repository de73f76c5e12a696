/**
 * Kuwo extras for tags: what a song item says (page, date, album cover),
 * the cover fetch and the lyrics.
 *
 * - Page: `https://www.kuwo.cn/play_detail/<rid>`.
 * - Date `releaseDate` (`YYYY-MM-DD`); no track or disc number (the items'
 *   `track` is not settled as the album's track number).
 * - Cover: the web items' `albumpic`/`pic`
 *   (`https://img4.kuwo.cn/star/albumcover/500/...`), or the mobile items'
 *   `web_albumpic_short` prefixed with `https://img4.kuwo.cn/star/albumcover/`;
 *   the size segment may be 120, 300 or 500 (§7.4: "the size segment can be
 *   swapped"), so 500 is the most Kuwo scales to. The key is
 *   `album:<albumid>`.
 * - Lyrics: `newlyric.kuwo.cn` first (`_newlyric.ts`: the request, the
 *   answer's codec, its sources). Its `TP=ERROR REQUEST` is a rate limit
 *   and ends the call, and newlyric is not asked for the next 30 s (the
 *   songs meanwhile fail the same way): the songs are asked again by a
 *   later `tag`, and the
 *   H5 endpoint is not asked in its place (it is reported dead, and asking
 *   it would only add load while the IP is being limited). Any other
 *   failure (network, HTTP, a malformed answer) falls back to
 *   `GET http://m.kuwo.cn/newh5/singles/songinfoandlrc?musicId=<rid>
 *   &httpsStatus=1` → `data.lrclist[{lineLyric, time}]` (§8.3; lyricova's
 *   `KuwoLyricResponse`); there a translation repeats the time of its line
 *   right after it; `lrclist: null` = none; "纯音乐，请欣赏" = instrumental.
 *   §12 reports it answering `{"status":301}` for every id since 2026-09:
 *   that is an error, never "no lyrics". When both fail, the error says
 *   both and keeps the newlyric one as its cause. Each endpoint is also
 *   askable alone (`lyricVariants`: one request, no pause, no fallback),
 *   as `doctor` asks them.
 *
 * @module
 */
import { asObject, isObject } from "../_json.ts";
import { isSourceError, restated, SourceError } from "../errors.ts";
import { isInstrumental, lrcStamp } from "../lyrics.ts";
import type { LyricVariant, PlatformTagging } from "../platform_source.ts";
import type { SongInfo, SongLyrics, SongTagInfo } from "../types.ts";
import type { KuwoTransport } from "./_transport.ts";
import {
  newlyricUrl,
  parseNewlyric,
  RATE_LIMIT_PAUSE_SECONDS,
} from "./_newlyric.ts";

/** The H5 lyric endpoint, the fallback. */
export const LYRIC_URL = "http://m.kuwo.cn/newh5/singles/songinfoandlrc";
const COVER_BASE = "https://img4.kuwo.cn/star/albumcover/";
const COVER_SIZES = [120, 300, 500];

/**
 * Until when (the source's clock, in ms) a transport's newlyric is not
 * asked: `TP=ERROR REQUEST` lasts minutes for the whole address (§12), so
 * the songs after one get the same error without a request that would
 * only prolong it; a later `tag` fetches their lyrics.
 */
const newlyricPausedUntil = new WeakMap<KuwoTransport, number>();

/** The rid of a song (its remote id without `MUSIC_`). */
function ridOf(song: SongInfo): string {
  return song.remoteId.replace(/^MUSIC_/i, "");
}

/** `newlyric.kuwo.cn` alone: one request, no pause, no fallback. */
const NEWLYRIC: LyricVariant<KuwoTransport> = {
  name: "newlyric",
  async ask(transport, song, options = {}) {
    const url = transport.config.urls.to(newlyricUrl(ridOf(song)));
    return parseNewlyric(
      await transport.config.http.bytes(
        url,
        options.signal ? { signal: options.signal } : {},
      ),
      url,
    );
  },
};

/** The H5 `songinfoandlrc` alone: one request. */
const SONGINFOANDLRC: LyricVariant<KuwoTransport> = {
  name: "songinfoandlrc",
  async ask(transport, song, options = {}) {
    const url = transport.config.urls.to(
      `${LYRIC_URL}?musicId=${encodeURIComponent(ridOf(song))}&httpsStatus=1`,
    );
    return parseKuwoLyrics(
      await transport.config.http.json<unknown>(
        url,
        options.signal ? { signal: options.signal } : {},
      ),
      url,
    );
  },
};

/** What Kuwo knows about tagging its songs (`PlatformSource`). */
export const KUWO_TAGGING: PlatformTagging<KuwoTransport> = {
  tagInfo(song, { coverSize }) {
    const raw = asObject(song.raw) ?? {};
    const info: SongTagInfo = {
      pageUrl: `https://www.kuwo.cn/play_detail/${song.remoteId}`,
    };
    const date = raw.releaseDate;
    if (typeof date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(date)) {
      info.date = date;
    }
    let url = [raw.albumpic, raw.pic].find((p): p is string =>
      typeof p === "string" &&
      /^https?:\/\/.+\/star\/albumcover\/\d+\//.test(p)
    );
    if (
      !url && typeof raw.web_albumpic_short === "string" &&
      raw.web_albumpic_short
    ) {
      url = COVER_BASE + raw.web_albumpic_short;
    }
    const albumId = String(raw.albumid ?? raw.ALBUMID ?? raw.albumId ?? "0");
    if (url && /^\d+$/.test(albumId) && albumId !== "0") {
      let size = COVER_SIZES[0]!;
      for (const s of COVER_SIZES) if (s <= coverSize) size = s;
      info.cover = {
        key: `album:${albumId}`,
        url: url.replace(
          /\/star\/albumcover\/\d+\//,
          `/star/albumcover/${size}/`,
        ),
        sizePx: size,
      };
    }
    return info;
  },

  coverHeaders: { "Referer": "https://www.kuwo.cn/" },

  lyricVariants: [NEWLYRIC, SONGINFOANDLRC],

  async lyrics(transport, song, options = {}) {
    const pausedUntil = newlyricPausedUntil.get(transport) ?? 0;
    if (transport.config.now() < pausedUntil) {
      throw new SourceError(
        `kuwo: newlyric is rate limiting this address; not asked again until ${
          new Date(pausedUntil).toISOString()
        } (a later 'tag' fetches these lyrics)`,
        {
          platform: "kuwo",
          kind: "rate_limited",
          url: transport.config.urls.to(newlyricUrl(ridOf(song))),
          retryable: false,
          retryAfterSeconds: Math.ceil(
            (pausedUntil - transport.config.now()) / 1000,
          ),
        },
      );
    }
    let first: unknown;
    try {
      return await NEWLYRIC.ask(transport, song, options);
    } catch (error) {
      if (isSourceError(error, "rate_limited")) {
        newlyricPausedUntil.set(
          transport,
          transport.config.now() + RATE_LIMIT_PAUSE_SECONDS * 1000,
        );
      }
      if (!isSourceError(error) || error.kind === "rate_limited") throw error;
      if (options.signal?.aborted) throw error;
      first = error;
    }
    try {
      return await SONGINFOANDLRC.ask(transport, song, options);
    } catch (error) {
      if (!isSourceError(error)) throw error;
      const newlyric = (first as SourceError).message;
      throw restated(error, `${error.message} (after ${newlyric})`, {
        cause: first,
      });
    }
  },
};

/** A `songinfoandlrc` answer as `SongLyrics`. */
export function parseKuwoLyrics(body: unknown, url: string): SongLyrics {
  if (!isObject(body) || body.status !== 200 || !isObject(body.data)) {
    const status = isObject(body) ? String(body.status) : "no object";
    throw new SourceError(`kuwo: songinfoandlrc answered status ${status}`, {
      platform: "kuwo",
      kind: "malformed",
      url,
    });
  }
  const list = body.data.lrclist;
  if (!Array.isArray(list) || list.length === 0) return { kind: "none" };
  const lines: string[] = [];
  const translated: string[] = [];
  let previous: string | undefined;
  for (const entry of list) {
    if (!isObject(entry)) continue;
    const text = typeof entry.lineLyric === "string" ? entry.lineLyric : "";
    const time = Number(entry.time);
    if (!Number.isFinite(time)) continue;
    const stamp = lrcStamp(time);
    if (stamp === previous) {
      // the same time again: the translation of the line before
      translated.push(`${stamp}${text}`);
      continue;
    }
    lines.push(`${stamp}${text}`);
    previous = stamp;
  }
  const lrc = lines.join("\n") + "\n";
  if (isInstrumental(lrc)) return { kind: "instrumental" };
  return {
    kind: "lyrics",
    lrc,
    ...(translated.length > 0
      ? { translation: translated.join("\n") + "\n" }
      : {}),
  };
}
