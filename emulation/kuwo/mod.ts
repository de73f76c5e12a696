/**
 * The Kuwo emulation, as strict as `shared/protocols/kuwo.md` §15 asks:
 *
 * - `www.kuwo.cn`: the home page and its cookie (`_session.ts`), the signed
 *   routes (`_api.ts`);
 * - `wapi.kuwo.cn`: the square and the chart list, unsigned (`_api.ts`);
 * - `nplserver.kuwo.cn`: `pl.svc?op=getlistinfo`, unsigned (`_nplserver.ts`);
 * - `mobi.kuwo.cn` / `nmobi.kuwo.cn`: `mobi.s` in both forms (`_mobi.ts`);
 * - `kw-er.kuwo.cn`: the CDN, short-lived signed URLs with `Range`;
 * - `newlyric.kuwo.cn` (lyrics, XOR + zlib): `_newlyric.ts`;
 * - `m.kuwo.cn` (the H5 lyrics) and `img1`-`img4.kuwo.cn` (covers):
 *   `_lyrics.ts`.
 *
 * It checks `Secret` and decrypts KuwoDES with code of its own
 * (`_secret.ts`, `_kuwo_des.ts`), never the client's.
 *
 * @module
 */
import { type PlatformEmulator, READS, refuseMethod } from "../platform.ts";
import type { World } from "../world.ts";
import { KuwoApi, notFound } from "./_api.ts";
import { KuwoCatalog } from "./_catalog.ts";
import {
  CDN_HOST,
  MOBI_HOSTS,
  NPLSERVER_HOST,
  WAPI_HOST,
  WWW_HOST,
} from "./_constants.ts";
import {
  H5_HOST,
  IMAGE_HOSTS,
  LYRIC_PATH,
  lyricAnswer,
  serveKuwoImage,
} from "./_lyrics.ts";
import { kuwoEndpoint, kuwoRefusal } from "./_endpoints.ts";
import { MobiResolver } from "./_mobi.ts";
import { NEWLYRIC_HOST, NEWLYRIC_PATH, NewlyricServer } from "./_newlyric.ts";
import { handleNplserver } from "./_nplserver.ts";
import { KuwoSession } from "./_session.ts";

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
export const KUWO_HOSTS: readonly string[] = [
  WWW_HOST,
  WAPI_HOST,
  NPLSERVER_HOST,
  ...MOBI_HOSTS,
  CDN_HOST,
  H5_HOST,
  NEWLYRIC_HOST,
  ...IMAGE_HOSTS,
];

/** Builds the Kuwo emulator over a world. */
export function createKuwoEmulator(
  world: World,
  options: KuwoEmulatorOptions = {},
): PlatformEmulator {
  const catalog = new KuwoCatalog(world);
  const session = new KuwoSession(world, options.cookieTtlMinutes ?? 20);
  const api = new KuwoApi(catalog, session);
  const mobi = new MobiResolver(catalog);
  const newlyric = new NewlyricServer(catalog);
  return {
    platform: "kuwo",
    hosts: KUWO_HOSTS,
    handle(request, route, context) {
      switch (route.host) {
        case WWW_HOST:
          return api.www(request, route, context);
        case WAPI_HOST:
          return api.wapi(route, context);
        case NPLSERVER_HOST:
          return handleNplserver(catalog, route, context) ?? notFound();
        case CDN_HOST:
          return mobi.serveCdn(request, route, context);
        case H5_HOST:
          if (route.path !== LYRIC_PATH) return notFound();
          return refuseMethod(request, READS, "Method Not Allowed") ??
            lyricAnswer(catalog, route, context);
        case NEWLYRIC_HOST:
          if (route.path !== NEWLYRIC_PATH) return notFound();
          return refuseMethod(request, READS, "Method Not Allowed") ??
            newlyric.handle(route, context);
        default:
          if (IMAGE_HOSTS.includes(route.host)) {
            return refuseMethod(request, READS, "Method Not Allowed") ??
              serveKuwoImage(request, catalog.world, route);
          }
          // the mobi.s hosts
          return route.path === "/mobi.s"
            ? mobi.handle(route, context)
            : notFound();
      }
    },
    publicConfig: () => ({ cookieTtlMinutes: session.ttlMinutes }),
    endpoint: kuwoEndpoint,
    refusal: kuwoRefusal,
  };
}
