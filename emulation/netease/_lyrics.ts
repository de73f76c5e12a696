/**
 * NetEase lyrics (`/api/song/lyric`, reached through weapi, eapi or the
 * plain api like the other endpoints) and album covers on the image hosts
 * `p1`-`p4.music.126.net`.
 *
 * Lyric answers, as working clients read them (NeteaseCloudMusicApi
 * `module/lyric.js`: `/api/song/lyric` with `{id, tv: -1, lv: -1, rv: -1,
 * kv: -1}`; lyricova's `NetEaseResponseSingleLyrics`): `lrc.lyric` (LRC
 * text), `tlyric.lyric` (the translation, empty when there is none),
 * `klyric`, `romalrc`; a song without lyrics answers `uncollected: true`,
 * an instrumental `nolyric: true` (older answers instead carry one line
 * "纯音乐，请欣赏" in `lrc`; both eras are served) [UNSURE: the flags'
 * exact meaning is from client code, not a capture].
 *
 * Covers: `al.picUrl` is `http://p1.music.126.net/<token>/<picId>.jpg`;
 * `?param=<w>y<h>` scales it (e.g. `param=800y800`). The host checks the
 * token, serves a JPEG or a PNG (under the same `.jpg` name, as NetEase
 * does for PNG uploads), or 404 for an album whose picture is gone.
 *
 * @module
 */
import { hash32 } from "../_hash.ts";
import {
  albumIndexById,
  coverKind,
  lrcTime,
  songLyrics,
} from "../_song_extras.ts";
import { coverImage, serveImage } from "../images.ts";
import type { World } from "../world.ts";
import type { NeteaseCatalog } from "./_catalog.ts";
import { Rejection } from "./_crypto.ts";

type Json = Record<string, unknown>;

/** The image hosts. */
export const IMAGE_HOSTS: readonly string[] = [
  "p1.music.126.net",
  "p2.music.126.net",
  "p3.music.126.net",
  "p4.music.126.net",
];

/** The picture id of an album's cover. */
export const ALBUM_PIC_BASE = 109951165000000000n;

/** `/api/song/lyric`: `id` is required. */
export function lyricAnswer(catalog: NeteaseCatalog, params: Json): Json {
  const raw = params.id;
  const id = typeof raw === "number"
    ? raw
    : typeof raw === "string" && /^\d+$/.test(raw)
    ? Number(raw)
    : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new Rejection(`id: not an id: ${JSON.stringify(raw)}`);
  }
  const flags = { sgc: false, sfy: false, qfy: false };
  const index = catalog.songIndexById(id);
  if (index === undefined) return { ...flags, uncollected: true, code: 200 };
  const world = catalog.world;
  const song = world.song(index);
  const lyrics = songLyrics(world, index, song.durationMs);
  if (lyrics.kind === "none") {
    return { ...flags, sgc: true, uncollected: true, code: 200 };
  }
  if (lyrics.kind === "instrumental") {
    if (hash32(world.seed, 421, index) % 2 === 0) {
      return { ...flags, nolyric: true, code: 200 };
    }
    return {
      ...flags,
      lrc: { version: 1, lyric: "[00:00.00]纯音乐，请欣赏\n" },
      klyric: { version: 0, lyric: "" },
      tlyric: { version: 0, lyric: "" },
      code: 200,
    };
  }
  const header = `[00:00.000] 作词 : ${song.artists[0]?.name ?? ""}\n`;
  const lrc = header +
    lyrics.lines.map((l) => `${lrcTime(l.timeMs)}${l.text}\n`).join("");
  const tlyric = lyrics.translated
    ? "[by:译者]\n" +
      lyrics.lines.map((l) => `${lrcTime(l.timeMs)}${l.translation}\n`).join("")
    : "";
  return {
    ...flags,
    lrc: { version: 3 + (index % 5), lyric: lrc },
    klyric: { version: 0, lyric: "" },
    tlyric: { version: lyrics.translated ? 1 : 0, lyric: tlyric },
    romalrc: { version: 0, lyric: "" },
    code: 200,
  };
}

/**
 * Answers the image hosts: `/<token>/<picId>.jpg[?param=WyH]`. Album
 * pictures are served as the world says; other pictures (playlists,
 * avatars) as a small JPEG.
 */
export function serveNeteaseImage(
  request: Request,
  world: World,
  path: string,
  query: URLSearchParams,
): Response {
  const match = /^\/([A-Za-z0-9_=-]{22})\/(\d{15,19})\.jpg$/.exec(path);
  if (!match) return notFound();
  const [, token, id] = match;
  if (token !== world.token(22, Number(id!.slice(-9)))) return notFound();
  const param = query.get("param");
  let size = 1000;
  if (param !== null) {
    const sized = /^(\d{1,4})y(\d{1,4})$/.exec(param);
    if (!sized || Number(sized[1]) < 1) return notFound();
    size = Math.min(2000, Number(sized[1]));
  }
  const picId = BigInt(id!);
  const albumIndex =
    picId > ALBUM_PIC_BASE && picId < ALBUM_PIC_BASE + 10n ** 9n
      ? albumIndexById(world, Number(picId - ALBUM_PIC_BASE))
      : undefined;
  if (albumIndex === undefined) {
    return serveImage(
      request,
      coverImage(`netease:${id}`, "jpeg", size),
      "jpeg",
    );
  }
  const kind = coverKind(world, albumIndex);
  if (kind === "none" || kind === "missing") return notFound();
  return serveImage(
    request,
    coverImage(`netease:album:${world.album(albumIndex).id}`, kind, size),
    kind,
  );
}

function notFound(): Response {
  return new Response("<html><body><h1>404 Not Found</h1></body></html>", {
    status: 404,
    headers: { "content-type": "text/html" },
  });
}
