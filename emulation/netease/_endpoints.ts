/**
 * How the NetEase emulation names its endpoints for the counters
 * (`counters.ts`): an API call by its host and path (weapi and eapi carry
 * the API path in the URL), the CDN as one endpoint, the image hosts
 * (covers) as `images`; and which answers are
 * refusals in NetEase's own protocol (§11: `-460`/`-462` anti-bot, `405`
 * rate limit, `301` login).
 *
 * @module
 */
import type { Endpoint, RefusalKind } from "../counters.ts";
import type { Route } from "../platform.ts";
import { CDN_HOSTS } from "./_cdn.ts";
import { IMAGE_HOSTS } from "./_lyrics.ts";

/** API paths that answer a song's media URL: `.../player/url/v1`, `.../download/url`... */
const URL_PATH = /\/url(?:\/v\d+)?$/;

/** The endpoint a request to NetEase is for. */
export function neteaseEndpoint(route: Route): Promise<Endpoint> {
  if (CDN_HOSTS.includes(route.host)) {
    return Promise.resolve({ name: "cdn", kind: "media" });
  }
  if (IMAGE_HOSTS.includes(route.host)) {
    return Promise.resolve({ name: "images", kind: "api" });
  }
  return Promise.resolve({
    name: `${route.host}${route.path}`,
    kind: URL_PATH.test(route.path) ? "url" : "api",
  });
}

const REFUSALS: Readonly<Record<number, RefusalKind>> = {
  [-460]: "antibot",
  [-462]: "antibot",
  405: "rate",
  406: "rate",
  301: "login",
};

/** The refusal a NetEase answer is, from its top-level `code`. */
export function neteaseRefusal(
  _endpoint: Endpoint,
  body: string,
): RefusalKind | undefined {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === "number" ? REFUSALS[code] : undefined;
  } catch {
    return undefined;
  }
}
