/**
 * The Kuwo endpoints of the emulation, as strict as `shared/protocols/kuwo.md`
 * §15 asks:
 *
 * - `www.kuwo.cn`: signed routes (`/api/www/**`, `/api/v1/www/**`) want an
 *   issued, unexpired cookie and the matching `Secret` (`_session.ts`),
 *   else `{"success":false,"message":"The request is illegal!"}` (HTTP
 *   200); `playListInfo` pages capped at 100 and `bang/musicList` refusing
 *   `rn > 30` with `code: -1`;
 * - `wapi.kuwo.cn`: tags, tag playlists, the recommended list, the chart
 *   list, unsigned, pages from `pn=0` or `pn=1`.
 *
 * @module
 */
import { type DeclaredList, declaredList } from "../_hidden.ts";
import { htmlErrorPage } from "../faults.ts";
import { type EmulatorContext, json, type Route } from "../platform.ts";
import { encodeEntities, type KuwoCatalog } from "./_catalog.ts";
import { ILLEGAL, MAX_RN } from "./_constants.ts";
import type { KuwoSession } from "./_session.ts";

/** The www and wapi endpoints over one catalog and one session store. */
export class KuwoApi {
  #catalog: KuwoCatalog;
  #session: KuwoSession;
  #recommended: number[] | undefined;

  /** The endpoints of a catalog, signed routes checked against a session store. */
  constructor(catalog: KuwoCatalog, session: KuwoSession) {
    this.#catalog = catalog;
    this.#session = session;
  }

  /** Answers a request to `www.kuwo.cn`: the home page or a signed route. */
  www(request: Request, route: Route, context: EmulatorContext): Response {
    const { path, url } = route;
    if (path === "/" || path === "") return this.#session.home(route, context);
    if (!/^\/api\/(?:v1\/)?www\//.test(path)) return notFound();
    if (!this.#session.signed(request, context)) return json(ILLEGAL);
    const fault = context.business(`/${route.host}${path}`);
    if (fault) {
      return fault.code === undefined || fault.code === "illegal"
        ? json(ILLEGAL)
        : this.#envelope(context, null, Number(fault.code));
    }
    const query = url.searchParams;
    switch (path) {
      case "/api/www/playlist/playListInfo":
        return this.#playListInfo(query, context);
      case "/api/www/bang/bang/musicList":
        return this.#musicList(query, context);
      case "/api/www/artist/artist":
        return this.#artist(query, context);
      default:
        return this.#envelope(context, null, -1);
    }
  }

  /** A page of a playlist's songs (§7.1): `rn` capped at 100, pages from 1. */
  #playListInfo(query: URLSearchParams, context: EmulatorContext): Response {
    const playlist = this.#catalog.byKuwoId("playlist", query.get("pid") ?? "");
    if (!playlist) return this.#envelope(context, null, -1);
    const rn = Math.min(
      MAX_RN.playlist,
      Math.max(1, intParam(query, "rn", 30)),
    );
    const list = declaredList(context.world.seed, playlist, context.behaviours);
    const musicList = this.#songItems(list, query, rn);
    return this.#envelope(context, {
      ...this.#catalog.playlistInfo(playlist, list.declared),
      musicList,
    });
  }

  /** A page of a chart's songs (§6): `rn > 30` answers code -1 and no list. */
  #musicList(query: URLSearchParams, context: EmulatorContext): Response {
    const chart = this.#catalog.byKuwoId("chart", query.get("bangId") ?? "");
    const rn = intParam(query, "rn", 30);
    if (!chart || rn > MAX_RN.chart || rn < 1) {
      return this.#envelope(context, { musicList: [] }, -1);
    }
    const list = declaredList(context.world.seed, chart, context.behaviours);
    return this.#envelope(context, {
      img: `https://img1.kuwo.cn/star/upload/11/11/${chart.id}_.png`,
      num: String(list.declared),
      pub: new Date(chart.updateTime).toISOString().slice(0, 10),
      musicList: this.#songItems(list, query, rn),
    });
  }

  /** An artist's details (§10). */
  #artist(query: URLSearchParams, context: EmulatorContext): Response {
    const artist = this.#catalog.byKuwoId(
      "artist",
      query.get("artistid") ?? "",
    );
    if (!artist) return this.#envelope(context, null, -1);
    const pic = `https://img1.kuwo.cn/star/starheads/300/${
      artist.id % 100
    }/${artist.id}.jpg`;
    return this.#envelope(context, {
      id: artist.id,
      name: encodeEntities(artist.name),
      aartist: artist.alias.map(encodeEntities).join("&"),
      pic,
      pic300: pic,
      info: artist.description,
      musicNum: artist.songCount,
      albumNum: artist.albumCount,
      isStar: 0,
    });
  }

  /**
   * The web song items of page `pn` (from 1) of `rn` declared positions of
   * a list: hidden songs are left out, so such a page comes back short.
   */
  #songItems(
    list: DeclaredList,
    query: URLSearchParams,
    rn: number,
  ): Record<string, unknown>[] {
    const pn = Math.max(1, intParam(query, "pn", 1));
    return list.page((pn - 1) * rn, pn * rn).map(({ position, song }) =>
      this.#catalog.songItem(this.#catalog.world.song(song), position + 1)
    );
  }

  /** Answers a request to `wapi.kuwo.cn`: the square and the chart list. */
  wapi(route: Route, context: EmulatorContext): Response {
    const catalog = this.#catalog;
    const world = catalog.world;
    const { path, url } = route;
    switch (path) {
      case "/api/pc/classify/playlist/getTagList": {
        const groups = new Map<string, Record<string, unknown>[]>();
        for (let c = 0; c < world.shape.categories; c++) {
          const category = world.category(c);
          const tags = groups.get(category.group) ?? [];
          groups.set(category.group, tags);
          tags.push({
            id: String(category.id),
            name: category.name,
            digest: "10000",
            extend: category.hot ? "|HOT" : "",
            isnew: "0",
            img: "",
          });
        }
        return json({
          code: 200,
          curTime: context.now(),
          msg: "success",
          profileId: "site",
          data: [...groups].map(([name, data], i) => ({
            id: String(i + 1),
            name,
            type: "list",
            mdigest: "5",
            img: "",
            data,
          })),
        });
      }
      case "/api/pc/classify/playlist/getTagPlayList": {
        const category = catalog.byKuwoId(
          "category",
          url.searchParams.get("id") ?? "",
        );
        return this.#squarePage(
          url,
          category === undefined ? [] : world.categoryPlaylists(category.index),
          context,
        );
      }
      case "/api/pc/classify/playlist/getRcmPlayList": {
        this.#recommended ??= Array.from(
          { length: world.shape.playlists },
          (_, i) => i,
        ).sort((a, b) =>
          world.playlist(b).playCount - world.playlist(a).playCount || a - b
        );
        const order = url.searchParams.get("order");
        return this.#squarePage(
          url,
          order === "new"
            ? this.#recommended.toSorted((a, b) => a - b) // index order is newest first
            : this.#recommended,
          context,
        );
      }
      case "/api/pc/bang/list": {
        const official: Record<string, unknown>[] = [];
        const featured: Record<string, unknown>[] = [];
        for (let c = 0; c < world.shape.charts; c++) {
          const chart = world.chart(c);
          const pic = `https://img1.kuwo.cn/star/upload/11/11/${chart.id}_.png`;
          (chart.cadence === "daily" ? official : featured).push({
            sourceid: String(chart.id),
            name: chart.name,
            intro: `${chart.name} (${chart.trackCount})`,
            pic,
            pic2: pic.replace("_.png", "_2.png"),
            pic5: pic.replace("_.png", "_5.png"),
          });
        }
        return json({
          child: [
            { disname: "官方榜", child: official },
            { disname: "特色榜", child: featured },
          ].filter((group) => group.child.length > 0),
        });
      }
      default:
        return notFound();
    }
  }

  /** Kuwo's web envelope around `data`, with its `code`. */
  #envelope(context: EmulatorContext, data: unknown, code = 200): Response {
    return json({
      code,
      curTime: context.now(),
      msg: code === 200 ? "success" : "failed",
      profileId: "site",
      reqId: this.#catalog.world.token(
        32,
        0x7271,
        context.now() % 1_000_000_007,
      ),
      tId: "",
      data,
    });
  }

  /** A page of square playlists: `rn` capped, `pn=0` and `pn=1` both the first. */
  #squarePage(
    url: URL,
    playlists: number[],
    context: EmulatorContext,
  ): Response {
    const rn = Math.min(
      MAX_RN.square,
      Math.max(1, intParam(url.searchParams, "rn", 20)),
    );
    // the square takes pn=0 and pn=1 as the first page (§15.3)
    const pn = Math.max(1, intParam(url.searchParams, "pn", 1));
    const page = playlists.slice((pn - 1) * rn, pn * rn);
    return json({
      code: 200,
      msg: "success",
      curTime: context.now(),
      data: {
        total: playlists.length,
        pn,
        rn,
        data: page.map((p) => {
          const playlist = this.#catalog.world.playlist(p);
          return this.#catalog.squareItem(
            playlist,
            declaredList(context.world.seed, playlist, context.behaviours)
              .declared,
          );
        }),
      },
    });
  }
}

function intParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
): number {
  const value = query.get(name);
  if (value === null || !/^-?\d+$/.test(value.trim())) return fallback;
  return Number(value);
}

/** The 404 page of Kuwo's hosts. */
export function notFound(): Response {
  return new Response(htmlErrorPage(404, "Not Found"), {
    status: 404,
    headers: { "content-type": "text/html" },
  });
}
