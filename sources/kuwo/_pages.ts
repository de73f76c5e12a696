/**
 * The Kuwo list requests, each with its parser: the square's tags and a
 * page of a pool's playlists (`wapi`, §5), the chart list and a page of a
 * chart (§6). The source pages through them; `doctor` asks each once, the
 * same way (`_probe.ts`).
 *
 * @module
 */
import type { Json } from "../_json.ts";
import type { PlaylistCandidate, PoolCandidate } from "../types.ts";
import {
  RECOMMENDED_POOL_KEY,
  TAG_LIST_QUERY,
  WAPI_LOGIN_QUERY,
  WWW_REFERER,
} from "./_constants.ts";
import {
  parseBangList,
  parseChartPage,
  parseSquarePage,
  parseTagList,
  type SquarePage,
} from "./_parse_lists.ts";
import type { KuwoTransport } from "./_transport.ts";

/** The square's tags (`getTagList`) as pools. */
export async function tagPools(
  transport: KuwoTransport,
  signal?: AbortSignal,
): Promise<PoolCandidate[]> {
  return parseTagList(
    await transport.wapi(
      "/api/pc/classify/playlist/getTagList",
      TAG_LIST_QUERY,
      signal,
    ),
  );
}

/**
 * Page `pn` (from 1) of a square pool's playlists: a tag's
 * (`getTagPlayList`) or the recommended list's (`getRcmPlayList`, hottest
 * first), `rn` a page.
 */
export async function squarePage(
  transport: KuwoTransport,
  poolKey: string,
  pn: number,
  rn: number,
  signal?: AbortSignal,
): Promise<SquarePage> {
  const body = poolKey === RECOMMENDED_POOL_KEY
    ? await transport.wapi(
      "/api/pc/classify/playlist/getRcmPlayList",
      `${WAPI_LOGIN_QUERY}&pn=${pn}&rn=${rn}&order=hot`,
      signal,
    )
    : await transport.wapi(
      "/api/pc/classify/playlist/getTagPlayList",
      `${WAPI_LOGIN_QUERY}&pn=${pn}&id=${encodeURIComponent(poolKey)}&rn=${rn}`,
      signal,
    );
  return parseSquarePage(body);
}

/** The charts (`bang/list`) as playlists `chart:<sourceid>`. */
export async function chartList(
  transport: KuwoTransport,
  signal?: AbortSignal,
): Promise<PlaylistCandidate[]> {
  return parseBangList(await transport.wapi("/api/pc/bang/list", "", signal));
}

/** Page `pn` (from 1) of a chart (the signed `bang/musicList`), `rn` a page. */
export async function chartPage(
  transport: KuwoTransport,
  bangId: string,
  pn: number,
  rn: number,
  signal?: AbortSignal,
): Promise<{ num: number; items: unknown[]; data: Json }> {
  return parseChartPage(
    await transport.www(
      "/api/www/bang/bang/musicList",
      `bangId=${bangId}&pn=${pn}&rn=${rn}`,
      `${WWW_REFERER}rankList`,
      signal ? { signal } : {},
    ),
  );
}
