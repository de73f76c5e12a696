/**
 * The NetEase probes of `catalogsync doctor`: one small request per path
 * the source uses, and each URL variant on its own, without the
 * risk-control recovery (`recover: false`), so that a refusal shows as a
 * refusal: the square's categories, the charts, one chart's detail, one
 * song's detail, then a URL at the lowest level from `player/url/v1` with
 * the minimal cookies, from `download/url/v1` (the extra), and from
 * `player/url/v1` with the anonymous identity; then, for `tag`, that
 * song's lyrics from weapi `song/lyric` and its album's cover from
 * `p1`-`p4.music.126.net` (`probeTagging`).
 *
 * @module
 */
import type { Json } from "../_json.ts";
import { ProbeRefusal, Probes, probeTagging } from "../probe.ts";
import type { ProbeOptions, ProbeResult } from "../types.ts";
import { CODE, type Level } from "./_constants.ts";
import { NETEASE_TAGGING } from "./_lyrics.ts";
import { refusalOf, URL_ENDPOINTS, type UrlEndpoint } from "./_offers.ts";
import { parseSong } from "./_parse.ts";
import {
  parseCatalogue,
  parsePlaylistDetail,
  parseSongDetail,
  parseToplist,
} from "./_parse_lists.ts";
import { parseUrlItem } from "./_parse_offers.ts";
import { parsed } from "./_answers.ts";
import type { NeteaseTransport } from "./_transport.ts";

/** The lowest level of the ladder: what any account may play. */
const LOWEST: Level = "standard";

/** Probes every path and URL variant of the NetEase source. */
export async function probeNetease(
  transport: NeteaseTransport,
  options: ProbeOptions = {},
): Promise<ProbeResult[]> {
  const signal = options.signal;
  const quiet = { recover: false } as const;
  const probes = new Probes("netease", transport.config.now, signal);
  await probes.ask("collect", "square categories", "weapi", async () => {
    const { body, url } = await transport.weapi(
      "playlist/catalogue",
      {},
      signal,
      quiet,
    );
    const pools = parsed(url, () => parseCatalogue(body));
    return { value: pools, reason: `${pools.length} categories` };
  });
  const chart = await probes.ask("collect", "charts", "weapi", async () => {
    const { body, url } = await transport.weapi("toplist", {}, signal, quiet);
    const charts = parsed(url, () => parseToplist(body));
    if (charts.length === 0) throw new ProbeRefusal("the chart list is empty");
    return { value: charts[0]!, reason: `${charts.length} charts` };
  });
  const songId = await probes.askWith(
    chart,
    "charts",
    "sync",
    "playlist page",
    "weapi v6 detail",
    async (chart) => {
      const { body, url } = await transport.weapi(
        "v6/playlist/detail",
        {
          id: chart.remoteId,
          n: 20,
          s: 0,
        },
        signal,
        quiet,
      );
      const detail = parsed(url, () => parsePlaylistDetail(body));
      // a song anyone may play, for the URL probes
      const playable = detail.trackIds.find((id) => {
        const privilege = detail.privileges.get(id);
        return privilege !== undefined && Number(privilege.st) >= 0 &&
          privilege.plLevel !== "none";
      }) ?? detail.trackIds[0];
      if (playable === undefined) {
        throw new ProbeRefusal(`chart ${chart.remoteId} lists no track`);
      }
      return {
        value: playable,
        reason:
          `chart ${chart.remoteId}: ${detail.trackIds.length} of ${detail.declaredCount} tracks`,
      };
    },
  );
  const song = await probes.askWith(
    songId,
    "playlist page",
    "sync",
    "song detail",
    "weapi v3 detail",
    async (songId) => {
      const { body, url } = await transport.weapi(
        "v3/song/detail",
        {
          c: JSON.stringify([{ id: Number(songId) }]),
        },
        signal,
        quiet,
      );
      const found = parsed(url, () => parseSongDetail(body));
      const song = found.songs.get(songId);
      if (!song) throw new ProbeRefusal(`song ${songId} is not in the answer`);
      const info = parsed(
        url,
        () => parseSong(song, found.privileges.get(songId)),
      );
      return { value: info, reason: `song ${songId}: ${info.availability}` };
    },
  );
  const variants: Array<[string, (id: string) => Promise<string>]> = [
    [
      "player/url/v1, minimal cookies",
      (id) => lowestUrl(transport, URL_ENDPOINTS.player, id, signal),
    ],
    [
      "download/url/v1 (extra)",
      (id) => lowestUrl(transport, URL_ENDPOINTS.download, id, signal),
    ],
    ["player/url/v1, anonymous identity", async (id) => {
      await transport.obtainIdentity();
      return await lowestUrl(transport, URL_ENDPOINTS.player, id, signal);
    }],
  ];
  for (const [variant, ask] of variants) {
    await probes.askWith(
      songId,
      "playlist page",
      "download",
      "song URL",
      variant,
      async (id) => ({ value: undefined, reason: await ask(id) }),
    );
  }
  await probeTagging(
    probes,
    transport,
    NETEASE_TAGGING,
    song === undefined ? [] : [song],
    "song detail",
    signal,
  );
  return probes.results;
}

/**
 * A URL at the lowest level from one endpoint, without the risk-control
 * recovery; the download endpoint read leniently, as the ladder reads it
 * (any code but 200 there sends the ladder on to the player).
 */
async function lowestUrl(
  transport: NeteaseTransport,
  endpoint: UrlEndpoint,
  songId: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const lenient = endpoint === URL_ENDPOINTS.download;
  const { body, url } = await transport.eapi(
    endpoint.path,
    endpoint.params(songId, LOWEST),
    signal,
    { lenient, recover: false },
  );
  const code = (body as Json).code;
  if (lenient && code !== CODE.ok) {
    throw new ProbeRefusal(
      `song ${songId}: code ${code} (the ladder goes on with player/url/v1)`,
    );
  }
  // the player's reader for both: an array is no worse than an object here
  const item = parsed(url, () => parseUrlItem(body, songId));
  const refusal = refusalOf(item);
  if (refusal !== undefined) {
    const itemCode = lenient ? "" : ` (item code ${item.code})`;
    throw new ProbeRefusal(
      `song ${songId} at ${LOWEST}: ${refusal}${itemCode}`,
    );
  }
  return `song ${songId}: a URL at ${item.level ?? LOWEST}`;
}
