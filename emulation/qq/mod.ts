/**
 * The QQ Music emulation, as strict as `shared/protocols/qq.md` §11 asks:
 * the `musicu.fcg` gateway (POST JSON and GET `?data=`) dispatched by
 * module+method with per-label codes and the zzc-checked `musics.fcg`
 * (`_gateway.ts`, `_api.ts`), the `getcdinfo` CGI and the legacy square
 * CGIs of family A, Referer required, JSONP (`_cgi.ts`,
 * `_legacy_square.ts`), vkeys by account tier, and an audio CDN that
 * checks the vkey and honours `Range` (`_cdn.ts`).
 *
 * It checks signatures with code of its own (`_sign.ts`), never the
 * client's.
 *
 * @module
 */
import { type PlatformEmulator, READS, refuseMethod } from "../platform.ts";
import type { World } from "../world.ts";
import { QqApi } from "./_api.ts";
import { QqCatalog } from "./_catalog.ts";
import { QqCdn } from "./_cdn.ts";
import { QqCgi } from "./_cgi.ts";
import { API_HOST, CDN_HOSTS, CGI_HOST } from "./_constants.ts";
import { qqEndpoint, qqRefusal } from "./_endpoints.ts";
import { QqGateway } from "./_gateway.ts";
import { IMAGE_HOST, serveQqImage } from "./_lyrics.ts";

export {
  API_HOST,
  CDN_HOSTS,
  CGI_HOST,
  EMULATION_CODES,
  FAMILY_B_SQUARE_MATCH,
} from "./_constants.ts";
export { familyBSquareFault } from "./_api.ts";
export type { Tier } from "./_catalog.ts";
export type { QqAccount } from "./_gateway.ts";
export {
  LEGACY_ALL_CATEGORY_ID,
  LEGACY_MAX_PAGE,
  legacyCategoryId,
  legacyPlaylists,
} from "./_legacy_square.ts";
export { chartPeriod, chinaDay } from "./period.ts";

/** Options of `createQqEmulator()`. */
export interface QqEmulatorOptions {
  /**
   * Gateway requests within one second of the emulation's clock above
   * which every label answers 2001 (a sliding window). A clock that stands
   * still measures no rate, so tests that freeze time never trip it.
   * @default 600
   */
  maxRequestsPerSecond?: number;
  /** `module.method` keys that answer 2000 on the unsigned gateway. @default [] */
  signRequired?: readonly string[];
  /**
   * Share of songs whose first vkey answer comes back with every `purl`
   * empty and `result` 0; the next answer is normal. @default 0.03
   */
  flakyVkeyRate?: number;
}

/** Builds the QQ Music emulator over a world. */
export function createQqEmulator(
  world: World,
  options: QqEmulatorOptions = {},
): PlatformEmulator {
  const catalog = new QqCatalog(world);
  const api = new QqApi(catalog, options.flakyVkeyRate ?? 0.03);
  const gateway = new QqGateway(world, api, {
    maxRequestsPerSecond: options.maxRequestsPerSecond ?? 600,
    signRequired: options.signRequired ?? [],
  });
  const cgi = new QqCgi(catalog);
  const cdn = new QqCdn(catalog);
  return {
    platform: "qq",
    hosts: [API_HOST, CGI_HOST, ...CDN_HOSTS, IMAGE_HOST],
    handle(request, route, context) {
      if (route.host === IMAGE_HOST) {
        return refuseMethod(request, READS, "405 Method Not Allowed") ??
          serveQqImage(request, catalog, route);
      }
      if (route.host === API_HOST) {
        return gateway.handle(request, route, context);
      }
      if (route.host === CGI_HOST) {
        return cgi.handle(request, route, context);
      }
      return refuseMethod(request, READS, "405 Method Not Allowed") ??
        cdn.serve(request, route, context);
    },
    publicConfig: () => ({ accounts: gateway.accounts() }),
    endpoint: qqEndpoint,
    refusal: qqRefusal,
  };
}
