/**
 * The legacy CGIs of `c.y.qq.com` (family A): `getcdinfo`, a playlist and
 * a page of its songs (§5), and the legacy square (§3, `_legacy_square.ts`).
 * Both want a Referer on y.qq.com and answer JSON or JSONP (§1.1, §1.4).
 *
 * @module
 */
import { hexString } from "../_hash.ts";
import { declaredList } from "../_hidden.ts";
import {
  type EmulatorContext,
  json,
  READS,
  refuseMethod,
  type Route,
  text,
} from "../platform.ts";
import { integer } from "./_api.ts";
import {
  coverUrl,
  oldSongObject,
  type QqCatalog,
  songObject,
} from "./_catalog.ts";
import { EMULATION_CODES, FEEDBACK_URL, PATHS } from "./_constants.ts";
import { byTagData, byTagRequest, tagConfData } from "./_legacy_square.ts";
import { LYRIC_PATH, lyricBody } from "./_lyrics.ts";

type Json = Record<string, unknown>;

/** The CGIs over a catalog. */
export class QqCgi {
  #catalog: QqCatalog;

  /** The CGIs of a catalog. */
  constructor(catalog: QqCatalog) {
    this.#catalog = catalog;
  }

  /** Answers a request to `c.y.qq.com`. */
  handle(request: Request, route: Route, context: EmulatorContext): Response {
    switch (route.path) {
      case PATHS.cdinfo:
        return this.#cdinfo(request, route, context);
      case PATHS.tagConf:
      case PATHS.byTag:
        return this.#legacySquare(request, route, context);
      case LYRIC_PATH:
        return this.#lyric(request, route, context);
      default:
        return text("404 Not Found", { status: 404 });
    }
  }

  /**
   * The legacy square (§3 family A, §11.3): GET only, a Referer on y.qq.com
   * (`code != 0` without it), scripted business faults, then the answer.
   */
  #legacySquare(
    request: Request,
    route: Route,
    context: EmulatorContext,
  ): Response {
    const refused = refuseMethod(request, READS, "405 Method Not Allowed");
    if (refused) return refused;
    const query = route.url.searchParams;
    const refuse = (code: number, message: string) =>
      jsonp(query, { code, subcode: code, message, default: 0, data: {} });
    if (!refererOk(request.headers.get("referer"))) {
      return refuse(EMULATION_CODES.badReferer, "referer check failed");
    }
    const fault = context.business(`/${route.host}${route.path}`);
    if (fault) return refuse(Number(fault.code ?? 0), "scripted fault");
    let data: Json;
    if (route.path === PATHS.tagConf) data = tagConfData(this.#catalog);
    else {
      const asked = byTagRequest(query);
      if (!asked) return refuse(EMULATION_CODES.badParam, "param error");
      data = byTagData(this.#catalog, asked);
    }
    return jsonp(query, { code: 0, subcode: 0, message: "", default: 0, data });
  }

  /** The lyric CGI (`_lyrics.ts`): JSON with `format=json`, else JSONP. */
  #lyric(request: Request, route: Route, context: EmulatorContext): Response {
    const refused = refuseMethod(request, READS, "405 Method Not Allowed");
    if (refused) return refused;
    const body = lyricBody(this.#catalog, request, route, context, refererOk);
    const query = route.url.searchParams;
    if (query.get("format") === "json") return jsonp(query, body);
    const name = (query.get("callback") ?? "MusicJsonCallback_lrc")
      .replace(/[^\w$.]/g, "");
    return text(`${name}(${JSON.stringify(body)})`, {
      headers: { "content-type": "application/javascript;charset=utf-8" },
    });
  }

  /** `getcdinfo` (§5): a playlist and a page of its songs. */
  #cdinfo(request: Request, route: Route, context: EmulatorContext): Response {
    const query = route.url.searchParams;
    const answer = (body: Json) => jsonp(query, body);
    if (!refererOk(request.headers.get("referer"))) {
      return answer({
        code: EMULATION_CODES.badReferer,
        subcode: EMULATION_CODES.badReferer,
        msg: "referer check failed",
        cdlist: [],
      });
    }
    const fault = context.business(`/${route.host}${route.path}`);
    if (fault) {
      const code = Number(fault.code ?? 0);
      return answer({
        code,
        subcode: code,
        msg: "scripted fault",
        cdlist: [],
        ...(code === 2001 ? { feedbackURL: FEEDBACK_URL } : {}),
      });
    }
    const disstid = query.get("disstid") ?? "";
    const begin = integer(query.get("song_begin") ?? "0");
    const num = integer(query.get("song_num") ?? "1000");
    if (
      query.get("type") !== "1" || query.get("json") !== "1" ||
      query.get("utf8") !== "1" || !/^\d+$/.test(disstid) ||
      begin === undefined || num === undefined || begin < 0 || num < 0
    ) {
      return answer({
        code: EMULATION_CODES.badParam,
        subcode: EMULATION_CODES.badParam,
        msg: "param error",
        cdlist: [],
      });
    }
    const playlist = this.#catalog.byId("playlist", Number(disstid));
    if (!playlist) {
      return answer({
        code: EMULATION_CODES.noPlaylist,
        subcode: EMULATION_CODES.noPlaylist,
        msg: "歌单不存在",
        cdnum: 0,
        cdlist: [],
      });
    }
    const world = this.#catalog.world;
    // pages are cut in declared positions; hidden songs are left out
    const list = declaredList(world.seed, playlist, context.behaviours);
    const songs = list.page(begin, begin + Math.min(num, 1000)).map((h) =>
      world.song(h.song)
    );
    const newFormat = query.get("new_format") === "1";
    return answer({
      code: 0,
      subcode: 0,
      accessed_plaza_cache: 1,
      accessed_favbase: 0,
      login: "",
      cdnum: 1,
      realcdnum: 1,
      cdlist: [{
        disstid: String(playlist.id),
        dirid: 0,
        dissid: playlist.index + 1,
        encrypt_uin: hexString(16, world.seed, 80, playlist.creator.id),
        dissname: playlist.name,
        logo: coverUrl(playlist, 600),
        desc: playlist.description,
        ctime: Math.floor(playlist.createTime / 1000),
        mtime: Math.floor(playlist.updateTime / 1000),
        nick: playlist.creator.name,
        nickname: playlist.creator.name,
        isvip: 0,
        tags: playlist.categories.map((c) => {
          const category = world.category(c);
          return { id: category.id, name: category.name, pid: category.id };
        }),
        songnum: list.declared,
        songids: songs.map((s) => s.id).join(","),
        songtypes: songs.map(() => "0").join(","),
        total_song_num: list.declared,
        song_begin: begin,
        cur_song_num: songs.length,
        songlist: songs.map(newFormat ? songObject : oldSongObject),
        visitnum: playlist.playCount,
      }],
    });
  }
}

/** `c.y.qq.com` wants a Referer on y.qq.com (§1.4, §5). */
function refererOk(referer: string | null): boolean {
  if (referer === null) return false;
  try {
    const host = new URL(referer).hostname;
    return host === "y.qq.com" || host.endsWith(".y.qq.com") ||
      host === "qq.com" || host.endsWith(".qq.com");
  } catch {
    return false;
  }
}

/** JSON, or JSONP for `callback`/`jsonpCallback`/`format=jsonp` (§1.1). */
function jsonp(query: URLSearchParams, body: Json): Response {
  const name = query.get("callback") ?? query.get("jsonpCallback") ??
    (query.get("format") === "jsonp" ? "MusicJsonCallback" : null);
  if (name === null) return json(body);
  const safe = name.replace(/[^\w$.]/g, "");
  return text(`${safe}(${JSON.stringify(body)})`, {
    headers: { "content-type": "application/javascript;charset=utf-8" },
  });
}
