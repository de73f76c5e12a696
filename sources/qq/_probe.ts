/**
 * The QQ Music probes of `catalogsync doctor`: one small request per path
 * the source uses, and each variant on its own: the square's categories
 * from musicu (family B) and from the legacy CGI (family A), a page of
 * each family's playlists, the chart list, a playlist page (`getcdinfo`),
 * a chart page (`GetDetail`), then a URL at the lowest rung of one song
 * from each vkey variant (unsigned, zzc-signed, the app's); then, for
 * `tag`, one of those songs' lyrics from the CGI
 * `fcg_query_lyric_new.fcg` and its album's cover from `y.gtimg.cn`
 * (`probeTagging`).
 *
 * @module
 */
import { ListingLimit } from "../paging.ts";
import { ProbeRefusal, Probes, probeTagging } from "../probe.ts";
import type { ProbeOptions, ProbeResult, SongInfo } from "../types.ts";
import { Charts } from "./_charts.ts";
import {
  CDINFO_URL,
  kindOfCode,
  MODULES,
  PLAYLIST_REFERER,
} from "./_constants.ts";
import { legacyCategoryIdOf, LegacySquare } from "./_legacy_square.ts";
import { QQ_TAGGING } from "./_lyrics.ts";
import { askVkey, refusesDevice, VKEY_VARIANTS } from "./_offers.ts";
import {
  parseCategories,
  parseCategoryPage,
  parseCdInfo,
  parseToplistDetail,
} from "./_parse_lists.ts";
import { songMedia, vkeyFilename } from "./_parse_offers.ts";
import { type QqTransport, rateLimitCheck } from "./_transport.ts";

/** Songs or playlists a probe page asks for. */
const PROBE_PAGE = 10;

/** Probes every path and vkey variant of the QQ source. */
export async function probeQq(
  transport: QqTransport,
  options: ProbeOptions = {},
): Promise<ProbeResult[]> {
  const signal = options.signal;
  const legacySquare = new LegacySquare(transport);
  const charts = new Charts(transport);
  const probes = new Probes("qq", transport.config.now, signal);
  const category = await probes.ask(
    "collect",
    "square categories",
    "musicu",
    async () => {
      const pools = parseCategories(
        await transport.one(
          { ...MODULES.categories, param: { qq: "" } },
          signal,
        ),
      );
      if (pools.length === 0) throw new ProbeRefusal("no category");
      return {
        value: Number(pools[0]!.remoteKey),
        reason: `${pools.length} categories`,
      };
    },
  );
  const legacyCategory = await probes.ask(
    "collect",
    "square categories",
    "legacy CGI",
    async () => {
      const pools = await legacySquare.categories(signal);
      const id = pools.map((p) => legacyCategoryIdOf(p.remoteKey))
        .find((id) => id !== undefined);
      if (id === undefined) throw new ProbeRefusal("no usable category");
      return { value: id, reason: `${pools.length} categories` };
    },
  );
  const musicuPlaylistId = await probes.askWith(
    category,
    "square categories",
    "collect",
    "square page",
    "musicu",
    async (category) => {
      const page = parseCategoryPage(
        await transport.one({
          ...MODULES.categoryContent,
          param: {
            titleid: category,
            caller: "0",
            category_id: category,
            size: PROBE_PAGE,
            page: 0,
            use_page: 1,
          },
        }, signal),
      );
      const first = page.playlists[0];
      if (!first) {
        throw new ProbeRefusal(`category ${category} lists no playlist`);
      }
      return {
        value: first.remoteId,
        reason: `category ${category}: ${page.total} playlists`,
      };
    },
  );
  const legacyPlaylistId = await probes.askWith(
    legacyCategory,
    "square categories",
    "collect",
    "square page",
    "legacy CGI",
    async (legacyCategory) => {
      for await (
        const playlist of legacySquare.playlists(
          legacyCategory,
          new ListingLimit(1),
          signal,
        )
      ) {
        return {
          value: playlist.remoteId,
          reason: `category ${legacyCategory}`,
        };
      }
      throw new ProbeRefusal(`category ${legacyCategory} lists no playlist`);
    },
  );
  const playlistId = musicuPlaylistId ?? legacyPlaylistId;
  const chart = await probes.ask("collect", "charts", "musicu", async () => {
    const list = await charts.list(true, signal);
    const first = [...list.values()][0];
    if (!first) throw new ProbeRefusal("the chart list is empty");
    return { value: first, reason: `${list.size} charts` };
  });
  const songs: SongInfo[] = [];
  await probes.askWith(
    playlistId,
    "square page",
    "sync",
    "playlist page",
    "getcdinfo",
    async (id) => {
      const { body } = await transport.cgi(
        CDINFO_URL,
        {
          type: "1",
          json: "1",
          utf8: "1",
          onlysong: "0",
          new_format: "1",
          disstid: id,
          song_begin: "0",
          song_num: String(PROBE_PAGE),
          nosign: "1",
        },
        PLAYLIST_REFERER,
        rateLimitCheck,
        signal,
      );
      const page = parseCdInfo(body);
      if (page.refused) {
        const { code, message } = page.refused;
        throw new ProbeRefusal(
          `playlist ${id}: code ${code} (${kindOfCode(code)})${
            message ? `: ${message}` : ""
          }`,
        );
      }
      songs.push(...page.songs);
      return {
        value: undefined,
        reason: `playlist ${id}: ${page.songs.length} of ${page.total} songs`,
      };
    },
  );
  await probes.askWith(
    chart,
    "charts",
    "sync",
    "chart page",
    "GetDetail",
    async (chart) => {
      const page = parseToplistDetail(
        await transport.one({
          ...MODULES.toplistDetail,
          param: {
            topid: chart.topId,
            offset: 0,
            num: PROBE_PAGE,
            period: chart.period,
          },
        }, signal),
      );
      songs.push(...page.songs);
      return {
        value: undefined,
        reason:
          `chart ${chart.topId}: ${page.songs.length} of ${page.totalNum} songs`,
      };
    },
  );
  await probeUrls(transport, probes, songs, signal);
  await probeTagging(
    probes,
    transport,
    QQ_TAGGING,
    songs,
    "playlist page",
    signal,
  );
  return probes.results;
}

/** A URL at the lowest rung of one available song, from each vkey variant. */
async function probeUrls(
  transport: QqTransport,
  probes: Probes,
  songs: readonly SongInfo[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const song = songs.find((s) =>
    s.availability === "available" && s.qualities.length > 0
  );
  for (const variant of VKEY_VARIANTS) {
    const name = `${variant.name} (${variant.description})`;
    if (song === undefined) {
      probes.skip("download", "song URL", name, "playlist page");
      continue;
    }
    const media = songMedia(song.raw, song.remoteId);
    const lowest = media.rungs.at(-1)!;
    const filename = vkeyFilename(lowest.rung, media);
    await probes.ask("download", "song URL", name, async () => {
      const answer = await askVkey(
        transport,
        variant,
        media.mid,
        [filename],
        signal,
      );
      if (refusesDevice(answer)) {
        throw new ProbeRefusal(
          `song ${media.mid}: retcode ${answer.retcode}${
            answer.msg ? ` (${answer.msg})` : ""
          }`,
        );
      }
      const entry = answer.entries[0];
      if (!entry || (entry.purl === "" && entry.wifiurl === "")) {
        throw new ProbeRefusal(
          `song ${media.mid} at ${lowest.rung.prefix}: empty purl (result ${
            entry?.result ?? "none"
          })`,
        );
      }
      return {
        value: undefined,
        reason: `song ${media.mid}: a URL at ${lowest.rung.prefix}`,
      };
    });
  }
}
