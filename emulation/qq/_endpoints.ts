/**
 * How the QQ Music emulation names its endpoints for the counters
 * (`counters.ts`): a gateway request by the `module.method` of its labels
 * (`u.y.qq.com vkey.GetVkeyServer.CgiGetVkey`; a vkey module is a URL
 * endpoint), a CGI by its host and path, the CDN as one endpoint and
 * `y.gtimg.cn` (covers) as `images`; and which
 * answers are refusals (§12: label `code` 2001 rate limit, 2000 sign,
 * 1000/104400/104401 login).
 *
 * @module
 */
import type { Endpoint, RefusalKind } from "../counters.ts";
import type { Route } from "../platform.ts";
import { API_HOST, CDN_HOSTS } from "./_constants.ts";
import { IMAGE_HOST } from "./_lyrics.ts";

/** The endpoint a request to QQ Music is for. */
export async function qqEndpoint(
  route: Route,
  body: () => Promise<string>,
): Promise<Endpoint> {
  if ((CDN_HOSTS as readonly string[]).includes(route.host)) {
    return { name: "cdn", kind: "media" };
  }
  if (route.host === IMAGE_HOST) return { name: "images", kind: "api" };
  const plain = { name: `${route.host}${route.path}`, kind: "api" } as const;
  if (route.host !== API_HOST) return plain;
  const text = route.url.searchParams.get("data") ?? await body();
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    return plain;
  }
  if (typeof envelope !== "object" || envelope === null) return plain;
  const labels: string[] = [];
  for (const [label, call] of Object.entries(envelope)) {
    if (label === "comm" || typeof call !== "object" || call === null) {
      continue;
    }
    const { module, method } = call as Record<string, unknown>;
    labels.push(`${String(module)}.${String(method)}`);
  }
  if (labels.length === 0) return plain;
  return {
    name: `${route.host} ${labels.join("+")}`,
    kind: labels.some((label) => /vkey/i.test(label)) ? "url" : "api",
  };
}

const REFUSALS: Readonly<Record<number, RefusalKind>> = {
  2001: "rate",
  2000: "sign",
  1000: "login",
  104400: "login",
  104401: "login",
};

/** The refusal a gateway answer is: the first refused label's code. */
export function qqRefusal(
  _endpoint: Endpoint,
  body: string,
): RefusalKind | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(body.replace(/^[^({]*\(|\)\s*;?\s*$/g, ""));
  } catch {
    return undefined;
  }
  if (typeof answer !== "object" || answer === null) return undefined;
  for (const value of Object.values(answer)) {
    if (typeof value !== "object" || value === null) continue;
    const code = (value as { code?: unknown }).code;
    if (typeof code === "number" && REFUSALS[code]) return REFUSALS[code];
  }
  return undefined;
}
