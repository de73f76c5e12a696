/**
 * Counts the URL requests a client makes of the emulation, by platform and
 * endpoint, from the requests themselves (the eapi parameters decrypted,
 * the gateway's labels read): NetEase `player/url/v1` and
 * `download/url/v1` with their level and ids, QQ's vkey labels with their
 * variant and entries, Kuwo's `mobi.s` with its rid and tier. A rewrite
 * hook may change NetEase URL answers.
 */
import { decryptEapi } from "../emulation/netease/_crypto.ts";
import type { Fetch } from "../sources/http.ts";
import type { Platform } from "../sources/types.ts";

/** One URL request. */
export interface UrlRequest {
  /** The platform asked. */
  platform: Platform;
  /**
   * `player/url/v1`, `download/url/v1` (NetEase); `CgiGetVkey unsigned`,
   * `CgiGetVkey signed`, `UrlGetVkey` (QQ); `mobi.s` (Kuwo).
   */
  endpoint: string;
  /** The level asked (NetEase), or the tier (`br`, Kuwo). */
  level?: string;
  /** The songs asked, once each, in order: ids, mids or rids. */
  songs: string[];
  /** The entries asked (QQ: one filename per rung, over every label). */
  entries: string[];
  /** The labels of a gateway request (QQ). */
  labels: number;
}

/** Rewrites a NetEase URL answer for a request. */
export type UrlRewrite = (
  request: UrlRequest,
  body: Record<string, unknown>,
) => Record<string, unknown>;

/** A fetch that records URL requests (and may rewrite NetEase's answers). */
export function urlRequests(
  inner: Fetch,
  rewrite?: UrlRewrite,
): { fetch: Fetch; requests: UrlRequest[] } {
  const requests: UrlRequest[] = [];
  const fetch: Fetch = async (input, init) => {
    const request = new Request(input, init);
    const seen = await urlRequestOf(request.clone());
    if (seen) requests.push(seen);
    const response = await inner(request);
    if (!seen || !rewrite || seen.platform !== "netease") return response;
    const body = await response.json() as Record<string, unknown>;
    return Response.json(rewrite(seen, body));
  };
  return { fetch, requests };
}

/** The URL requests of one platform (and endpoint, when given). */
export function requestsOf(
  requests: readonly UrlRequest[],
  platform: Platform,
  endpoint?: string,
): UrlRequest[] {
  return requests.filter((r) =>
    r.platform === platform &&
    (endpoint === undefined || r.endpoint === endpoint)
  );
}

async function urlRequestOf(request: Request): Promise<UrlRequest | undefined> {
  const url = new URL(request.url);
  const path = url.pathname;
  const urlEndpoint = /\/song\/enhance\/(player|download)\/url\/v1$/.exec(path);
  if (urlEndpoint && path.includes("/eapi/")) {
    const form = new URLSearchParams(await request.text());
    const params = decryptEapi(form.get("params") ?? "").payload;
    const ids = params.ids !== undefined
      ? JSON.parse(String(params.ids)) as unknown[]
      : [params.id];
    return {
      platform: "netease",
      endpoint: `${urlEndpoint[1]}/url/v1`,
      level: String(params.level),
      songs: ids.map((id) => String(id).replace(/_0$/, "")),
      entries: [],
      labels: 1,
    };
  }
  if (/\/cgi-bin\/music[su]\.fcg$/.test(path) && request.method === "POST") {
    const envelope = JSON.parse(await request.text()) as Record<
      string,
      { module?: string; param?: { songmid?: string[]; filename?: string[] } }
    >;
    const vkeys = Object.entries(envelope).filter(([label, call]) =>
      label !== "comm" && /vkey/i.test(call.module ?? "")
    ).map(([, call]) => call);
    if (vkeys.length === 0) return undefined;
    const app = vkeys.some((c) => c.module === "music.vkey.GetVkey");
    const signed = path.endsWith("musics.fcg");
    return {
      platform: "qq",
      endpoint: app
        ? "UrlGetVkey"
        : `CgiGetVkey ${signed ? "signed" : "unsigned"}`,
      songs: [...new Set(vkeys.flatMap((c) => c.param?.songmid ?? []))],
      entries: vkeys.flatMap((c) => c.param?.filename ?? []),
      labels: vkeys.length,
    };
  }
  if (path.endsWith("/mobi.s")) {
    return {
      platform: "kuwo",
      endpoint: "mobi.s",
      ...(url.searchParams.has("br")
        ? { level: url.searchParams.get("br")! }
        : {}),
      songs: [url.searchParams.get("rid") ?? ""],
      entries: [],
      labels: 1,
    };
  }
  return undefined;
}
