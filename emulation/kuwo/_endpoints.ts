/**
 * How the Kuwo emulation names its endpoints for the counters
 * (`counters.ts`): by host and path (nplserver by its `op` too), `mobi.s`
 * by its form (`f=web`, `f=kuwo`) as a URL endpoint, the CDN as one
 * endpoint, the image hosts (covers) as `images`; and which answers are refusals (§2.7 "The request is
 * illegal!": `session`; §9.2 code 407: `region`; `newlyric`'s
 * `TP=ERROR REQUEST`: `rate_limited`).
 *
 * @module
 */
import type { Endpoint, RefusalKind } from "../counters.ts";
import type { Route } from "../platform.ts";
import { CDN_HOST, NPLSERVER_HOST } from "./_constants.ts";
import { IMAGE_HOSTS } from "./_lyrics.ts";

/** Paths that answer a song's media URL: `mobi.s`, `anti.s`, `playUrl`. */
const URL_PATH = /\/(?:mobi\.s|anti\.s|[^/]*playUrl)$/i;

/** The endpoint a request to Kuwo is for. */
export function kuwoEndpoint(route: Route): Promise<Endpoint> {
  if (route.host === CDN_HOST) {
    return Promise.resolve({ name: "cdn", kind: "media" });
  }
  if (IMAGE_HOSTS.includes(route.host)) {
    return Promise.resolve({ name: "images", kind: "api" });
  }
  const base = `${route.host}${route.path}`;
  const params = route.url.searchParams;
  if (URL_PATH.test(route.path)) {
    const form = params.get("f");
    return Promise.resolve({
      name: form === null ? base : `${base} f=${form}`,
      kind: "url",
    });
  }
  const op = route.host === NPLSERVER_HOST ? params.get("op") : null;
  return Promise.resolve({
    name: op === null ? base : `${base} op=${op}`,
    kind: "api",
  });
}

/** The refusal a Kuwo answer is. */
export function kuwoRefusal(
  _endpoint: Endpoint,
  body: string,
): RefusalKind | undefined {
  if (body.includes("The request is illegal!")) return "session";
  if (body.startsWith("TP=ERROR REQUEST")) return "rate_limited";
  try {
    const answer = JSON.parse(body) as { code?: unknown } | null;
    return answer?.code === 407 ? "region" : undefined;
  } catch {
    return undefined;
  }
}
