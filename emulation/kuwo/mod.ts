/**
 * The Kuwo emulation, as strict as `shared/protocols/kuwo.md` §15 asks:
 *
 * - `www.kuwo.cn`: the home page sets the `Hm_Iuvt_...` cookie (an error
 *   status on demand, the cookie still set); signed routes
 *   (`/api/www/**`, `/api/v1/www/**`) want that cookie, unexpired, and the
 *   matching `Secret`, else `{"success":false,"message":"The request is
 *   illegal!"}` (HTTP 200); `playListInfo` pages capped at 100 and
 *   `bang/musicList` refusing `rn > 30` with `code: -1`;
 * - `wapi.kuwo.cn`: tags, tag playlists, the recommended list, the chart
 *   list, unsigned, pages from `pn=0` or `pn=1`;
 * - `nplserver.kuwo.cn`: `pl.svc?op=getlistinfo`, unsigned, pages from
 *   `pn=0`, `rn` up to 1000 (`_nplserver.ts`);
 * - `mobi.kuwo.cn` / `nmobi.kuwo.cn`: `mobi.s` in both forms (`_mobi.ts`);
 * - `kw-er.kuwo.cn`: the CDN, short-lived signed URLs with `Range`.
 *
 * The only state is the cookies issued, which expire after
 * `cookieTtlMinutes` of the emulation's clock.
 *
 * @module
 */
import {
  COOKIE_NAME,
  PLAYLIST_PAGE_SIZE,
} from "../../sources/kuwo/_constants.ts";
import { secret, secretNonce } from "../../sources/kuwo/_secret.ts";
import { htmlErrorPage } from "../faults.ts";
import {
  type EmulatorContext,
  json,
  parseCookies,
  type PlatformEmulator,
  type Route,
} from "../platform.ts";
import type { World } from "../world.ts";
import { encodeEntities, KuwoCatalog } from "./_catalog.ts";
import { CDN_HOST, MobiResolver } from "./_mobi.ts";
import { handleNplserver, NPLSERVER_HOST } from "./_nplserver.ts";

/** Options of `createKuwoEmulator()`. */
export interface KuwoEmulatorOptions {
  /**
   * Minutes an issued cookie stays valid. Shorter than the client's
   * proactive refresh (25 min, §2.2), so long runs exercise the refresh on
   * "The request is illegal!".
   * @default 20
   */
  cookieTtlMinutes?: number;
}

/** The hosts the emulator answers for. */
export const KUWO_HOSTS = [
  "www.kuwo.cn",
  "wapi.kuwo.cn",
  NPLSERVER_HOST,
  "mobi.kuwo.cn",
  "nmobi.kuwo.cn",
  CDN_HOST,
] as const;

/** Largest `rn` of a chart page (§6: `rn > 30` answers `code: -1`). */
const CHART_MAX_RN = 30;

/** Largest `rn` the square serves (unconfirmed upstream: 200 seen, §5). */
const SQUARE_MAX_RN = 100;

const ILLEGAL = { success: false, message: "The request is illegal!" };

/** Issued cookies and when they were issued. */
class CookieJar {
  #issued = new Map<string, number>();
  #counter = 0;
  #ttlMs: number;
  #world: World;

  constructor(world: World, ttlMs: number) {
    this.#world = world;
    this.#ttlMs = ttlMs;
  }

  issue(now: number): string {
    for (const [value, at] of this.#issued) {
      if (now - at >= this.#ttlMs) this.#issued.delete(value);
    }
    const value = this.#world.token(32, 0x6b77, ++this.#counter);
    this.#issued.set(value, now);
    return value;
  }

  valid(value: string, now: number): boolean {
    const at = this.#issued.get(value);
    return at !== undefined && now - at < this.#ttlMs;
  }
}

function intParam(url: URL, name: string, fallback: number): number {
  const value = url.searchParams.get(name);
  if (value === null || !/^-?\d+$/.test(value.trim())) return fallback;
  return Number(value);
}

/** Builds the Kuwo emulator over a world. */
export function createKuwoEmulator(
  world: World,
  options: KuwoEmulatorOptions = {},
): PlatformEmulator {
  const catalog = new KuwoCatalog(world);
  const mobi = new MobiResolver(catalog);
  const ttlMinutes = options.cookieTtlMinutes ?? 20;
  const jar = new CookieJar(world, ttlMinutes * 60_000);

  const envelope = (data: unknown, context: EmulatorContext, code = 200) =>
    json({
      code,
      curTime: context.now(),
      msg: code === 200 ? "success" : "failed",
      profileId: "site",
      reqId: world.token(32, 0x7271, context.now() % 1_000_000_007),
      tId: "",
      data,
    });

  function home(route: Route, context: EmulatorContext): Response {
    const value = jar.issue(context.now());
    const fault = context.business(`/${route.host}/`);
    const status = fault ? Number(fault.code ?? 403) : 200;
    return new Response(
      status === 200
        ? "<!DOCTYPE html><html><head><title>酷我音乐-无损音质正版在线试听网站</title></head><body></body></html>"
        : htmlErrorPage(status, "Forbidden"),
      {
        status,
        headers: {
          "content-type": "text/html;charset=UTF-8",
          "set-cookie": `${COOKIE_NAME}=${value}; Path=/; Max-Age=${
            ttlMinutes * 60
          }`,
        },
      },
    );
  }

  /** Whether a signed request carries an issued cookie and its `Secret` (§15.2). */
  function signed(request: Request, context: EmulatorContext): boolean {
    const value = parseCookies(request.headers.get("cookie")).get(COOKIE_NAME);
    if (!value || !jar.valid(value, context.now())) return false;
    const header = request.headers.get("secret") ?? "";
    const nonce = secretNonce(header);
    return nonce !== undefined &&
      secret(value, COOKIE_NAME, nonce) === header;
  }

  function www(
    request: Request,
    route: Route,
    context: EmulatorContext,
  ): Response {
    const { path, url } = route;
    if (path === "/" || path === "") return home(route, context);
    if (!/^\/api\/(?:v1\/)?www\//.test(path)) return notFound();
    if (!signed(request, context)) return json(ILLEGAL);
    const fault = context.business(`/${route.host}${path}`);
    if (fault) {
      return fault.code === undefined || fault.code === "illegal"
        ? json(ILLEGAL)
        : envelope(null, context, Number(fault.code));
    }
    switch (path) {
      case "/api/www/playlist/playListInfo": {
        const playlist = catalog.playlist(url.searchParams.get("pid") ?? "");
        if (!playlist) return envelope(null, context, -1);
        const rn = Math.min(
          PLAYLIST_PAGE_SIZE,
          Math.max(1, intParam(url, "rn", 30)),
        );
        const pn = Math.max(1, intParam(url, "pn", 1));
        const start = Math.min(playlist.trackCount, (pn - 1) * rn);
        const end = Math.min(playlist.trackCount, pn * rn);
        const musicList = [];
        for (let i = start; i < end; i++) {
          musicList.push(
            catalog.songItem(world.song(playlist.track(i)), i + 1),
          );
        }
        return envelope(
          { ...catalog.playlistInfo(playlist), musicList },
          context,
        );
      }
      case "/api/www/bang/bang/musicList": {
        const chart = catalog.chart(url.searchParams.get("bangId") ?? "");
        const rn = intParam(url, "rn", 30);
        // §6: rn > 30 answers code -1 and an empty list
        if (!chart || rn > CHART_MAX_RN || rn < 1) {
          return envelope({ musicList: [] }, context, -1);
        }
        const pn = Math.max(1, intParam(url, "pn", 1));
        const start = Math.min(chart.trackCount, (pn - 1) * rn);
        const end = Math.min(chart.trackCount, pn * rn);
        const musicList = [];
        for (let i = start; i < end; i++) {
          musicList.push(catalog.songItem(world.song(chart.track(i)), i + 1));
        }
        return envelope({
          img: `https://img1.kuwo.cn/star/upload/11/11/${chart.id}_.png`,
          num: String(chart.trackCount),
          pub: new Date(chart.updateTime).toISOString().slice(0, 10),
          musicList,
        }, context);
      }
      case "/api/www/artist/artist": {
        const artist = catalog.artist(url.searchParams.get("artistid") ?? "");
        if (!artist) return envelope(null, context, -1);
        const pic = `https://img1.kuwo.cn/star/starheads/300/${
          artist.id % 100
        }/${artist.id}.jpg`;
        return envelope({
          id: artist.id,
          name: encodeEntities(artist.name),
          aartist: artist.alias.map(encodeEntities).join("&"),
          pic,
          pic300: pic,
          info: artist.description,
          musicNum: artist.songCount,
          albumNum: artist.albumCount,
          isStar: 0,
        }, context);
      }
      default:
        return envelope(null, context, -1);
    }
  }

  function squarePage(
    url: URL,
    playlists: number[],
    context: EmulatorContext,
  ): Response {
    const rn = Math.min(SQUARE_MAX_RN, Math.max(1, intParam(url, "rn", 20)));
    // the square takes pn=0 and pn=1 as the first page (§15.3)
    const pn = Math.max(1, intParam(url, "pn", 1));
    const page = playlists.slice((pn - 1) * rn, pn * rn);
    return json({
      code: 200,
      msg: "success",
      curTime: context.now(),
      data: {
        total: playlists.length,
        pn,
        rn,
        data: page.map((p) => catalog.squareItem(world.playlist(p))),
      },
    });
  }

  let recommended: number[] | undefined;

  function wapi(route: Route, context: EmulatorContext): Response {
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
        const category = catalog.category(url.searchParams.get("id") ?? "");
        return squarePage(
          url,
          category === undefined ? [] : world.categoryPlaylists(category),
          context,
        );
      }
      case "/api/pc/classify/playlist/getRcmPlayList": {
        recommended ??= Array.from(
          { length: world.shape.playlists },
          (_, i) => i,
        ).sort((a, b) =>
          world.playlist(b).playCount - world.playlist(a).playCount || a - b
        );
        const order = url.searchParams.get("order");
        return squarePage(
          url,
          order === "new"
            ? recommended.toSorted((a, b) => a - b) // index order is newest first
            : recommended,
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

  return {
    platform: "kuwo",
    hosts: KUWO_HOSTS,
    handle(request, route, context) {
      switch (route.host) {
        case "www.kuwo.cn":
          return www(request, route, context);
        case "wapi.kuwo.cn":
          return wapi(route, context);
        case NPLSERVER_HOST:
          return handleNplserver(catalog, route, context) ?? notFound();
        case "mobi.kuwo.cn":
        case "nmobi.kuwo.cn":
          return route.path === "/mobi.s"
            ? mobi.handle(route, context)
            : notFound();
        default:
          return mobi.serveCdn(request, route, context);
      }
    },
    publicConfig: () => ({ cookieTtlMinutes: ttlMinutes }),
  };
}

function notFound(): Response {
  return new Response(htmlErrorPage(404, "Not Found"), {
    status: 404,
    headers: { "content-type": "text/html" },
  });
}
