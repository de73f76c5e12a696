/**
 * The Kuwo probes of `catalogsync doctor`: one small request per path the
 * source uses, and each variant on its own: the square's tags, a page of
 * the recommended list and the chart list (`wapi`), a playlist page from
 * the signed `playListInfo` and from nplserver `pl.svc`, a chart page
 * (signed `bang/musicList`), then a URL at the lowest rung (`128kmp3`) of
 * one song from `mobi.s` with each `source` string, in both forms; then,
 * for `tag`, one of those songs' lyrics from `newlyric.kuwo.cn` and from
 * the H5 `songinfoandlrc` (the fallback, reported dead since 2026-09),
 * each on its own, and its album's cover from `img1`-`img4.kuwo.cn`
 * (`probeTagging`).
 *
 * @module
 */
import { ProbeRefusal, Probes, probeTagging } from "../probe.ts";
import type { ProbeOptions, ProbeResult, SongInfo } from "../types.ts";
import {
  CHART_PREFIX,
  LADDER,
  MOBI_SOURCES,
  RECOMMENDED_POOL_KEY,
  WWW_REFERER,
} from "./_constants.ts";
import { KUWO_TAGGING } from "./_lyrics.ts";
import { parseNplserverPage, parseNplserverSong } from "./_nplserver.ts";
import { judgeAnswer } from "./_offers.ts";
import { parseSong } from "./_parse.ts";
import { chartList, chartPage, squarePage, tagPools } from "./_pages.ts";
import { parsePlaylistPage } from "./_parse_lists.ts";
import type { KuwoTransport, OfferPath } from "./_transport.ts";

/** Songs or playlists a probe page asks for. */
const PROBE_PAGE = 5;

/** Probes every path and `mobi.s` variant of the Kuwo source. */
export async function probeKuwo(
  transport: KuwoTransport,
  options: ProbeOptions = {},
): Promise<ProbeResult[]> {
  const signal = options.signal;
  const probes = new Probes("kuwo", transport.config.now, signal);
  await probes.ask("collect", "square categories", "wapi", async () => {
    const pools = await tagPools(transport, signal);
    return { value: undefined, reason: `${pools.length} tags` };
  });
  const playlistId = await probes.ask(
    "collect",
    "square page",
    "wapi",
    async () => {
      const page = await squarePage(
        transport,
        RECOMMENDED_POOL_KEY,
        1,
        PROBE_PAGE,
        signal,
      );
      const first = page.playlists[0];
      if (!first) throw new ProbeRefusal("the recommended list is empty");
      return { value: first.remoteId, reason: `${page.total} playlists` };
    },
  );
  const chartId = await probes.ask("collect", "charts", "wapi", async () => {
    const charts = await chartList(transport, signal);
    const first = charts[0];
    if (!first) throw new ProbeRefusal("the chart list is empty");
    return {
      value: first.remoteId.slice(CHART_PREFIX.length),
      reason: `${charts.length} charts`,
    };
  });
  const songs: SongInfo[] = [];
  for (const variant of ["signed www", "nplserver"] as const) {
    await probes.askWith(
      playlistId,
      "square page",
      "sync",
      "playlist page",
      variant,
      async (playlistId) => {
        const page = variant === "nplserver"
          ? await nplserverPage(transport, playlistId, signal)
          : await wwwPage(transport, playlistId, signal);
        songs.push(...page.songs);
        return {
          value: undefined,
          reason:
            `playlist ${playlistId}: ${page.songs.length} of ${page.total} songs`,
        };
      },
    );
  }
  await probes.askWith(
    chartId,
    "charts",
    "sync",
    "chart page",
    "signed www",
    async (chartId) => {
      const page = await chartPage(transport, chartId, 1, PROBE_PAGE, signal);
      songs.push(...page.items.map((item) => parseSong(item)));
      return {
        value: undefined,
        reason: `chart ${chartId}: ${page.items.length} of ${page.num} songs`,
      };
    },
  );
  await probeUrls(transport, probes, songs, signal);
  await probeTagging(
    probes,
    transport,
    KUWO_TAGGING,
    songs,
    "playlist page",
    signal,
  );
  return probes.results;
}

async function wwwPage(
  transport: KuwoTransport,
  id: string,
  signal: AbortSignal | undefined,
): Promise<{ total: number; songs: SongInfo[] }> {
  const page = parsePlaylistPage(
    await transport.www(
      "/api/www/playlist/playListInfo",
      `pid=${id}&pn=1&rn=${PROBE_PAGE}`,
      `${WWW_REFERER}playlist_detail/${id}`,
      signal ? { signal } : {},
    ),
  );
  return {
    total: page.total,
    songs: page.items.map((item) => parseSong(item)),
  };
}

async function nplserverPage(
  transport: KuwoTransport,
  id: string,
  signal: AbortSignal | undefined,
): Promise<{ total: number; songs: SongInfo[] }> {
  let result: { total: number; songs: SongInfo[] } | undefined;
  await transport.nplserver(
    `op=getlistinfo&pid=${id}&pn=0&rn=${PROBE_PAGE}`,
    (body) => {
      const page = parseNplserverPage(body);
      result = { total: page.total, songs: page.items.map(parseNplserverSong) };
    },
    signal,
  );
  if (!result) throw new ProbeRefusal("nplserver answered nothing readable");
  return result;
}

/** A URL at `128kmp3` of one available song, from each `source` string in each form. */
async function probeUrls(
  transport: KuwoTransport,
  probes: Probes,
  songs: readonly SongInfo[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const song = songs.find((s) => s.availability === "available");
  const rung = LADDER.at(-1)!;
  for (const path of ["plain", "des"] as OfferPath[]) {
    for (const source of MOBI_SOURCES[path]) {
      const host = new URL(source.origin).host;
      const variant = `${
        path === "plain" ? "f=web" : "KuwoDES"
      } ${source.source} on ${host}`;
      if (song === undefined) {
        probes.skip("download", "song URL", variant, "playlist page");
        continue;
      }
      const rid = song.remoteId.replace(/^MUSIC_/i, "");
      await probes.ask("download", "song URL", variant, async () => {
        const answer = await transport.mobi(rid, rung, path, source, signal);
        const verdict = judgeAnswer(
          answer,
          rid,
          song.durationMs === undefined ? undefined : song.durationMs / 1000,
          path,
          transport.config.urls.real,
        );
        if (verdict.kind !== "offer") {
          throw new ProbeRefusal(
            `song ${rid}: ${verdict.kind}, ${verdict.reason}`,
          );
        }
        return {
          value: undefined,
          reason: `song ${rid}: a URL at ${verdict.rung.br}`,
        };
      });
    }
  }
}
