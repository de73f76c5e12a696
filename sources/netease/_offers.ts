/**
 * NetEase download offers (§9): the level ladder of a song from its
 * privilege, one URL endpoint call per rung, and the items they answer
 * judged and turned into offers.
 *
 * The URL endpoints are entries of one table (`URL_ENDPOINTS`): the ladder
 * picks an endpoint per rung, so another endpoint, or another order of
 * them, is a new entry and a new choice, not a new loop.
 *
 * @module
 */
import type { Json } from "../_json.ts";
import { SourceError } from "../errors.ts";
import {
  type Container,
  type DownloadOffer,
  type OfferOptions,
  type QualityLabel,
  qualityRank,
  type SongInfo,
} from "../types.ts";
import {
  CODE,
  type Level,
  LEVEL_LABELS,
  LEVEL_WEIGHTS,
  LEVELS,
} from "./_constants.ts";
import { defined, isLevel, levelRank, privilegeOf } from "./_parse.ts";
import {
  parseDownloadUrlItem,
  parseUrlItem,
  type UrlItem,
} from "./_parse_offers.ts";
import { parsed } from "./_answers.ts";
import { type NeteaseTransport, requireId } from "./_transport.ts";

/** An eapi endpoint that answers a song's URL at one level (§9). */
export interface UrlEndpoint {
  /** The API path (`/api/...`). */
  readonly path: string;
  /** Its parameters for one song at one level. */
  params(songId: string, level: Level): Json;
  /** The item of its answer for the song. */
  item(body: unknown, songId: string): UrlItem;
}

/** The URL endpoints the ladder asks. */
export const URL_ENDPOINTS = {
  /** `song/enhance/player/url/v1`: `data` is an array. */
  player: {
    path: "/api/song/enhance/player/url/v1",
    params: (songId, level) => ({
      ids: `[${songId}]`,
      level,
      encodeType: "flac",
    }),
    item: parseUrlItem,
  },
  /**
   * `song/enhance/download/url/v1` (it uses the account's download quota):
   * `data` is one object. Parameters as NeteaseCloudMusicApi sends them,
   * `{id, immerseType: "c51", level}` (`module/song_download_url_v1.js` in
   * nooblong/NeteaseCloudMusicApiBackup @ed28a57, the v4.25 mirror, and
   * NeteaseCloudMusicApiEnhanced/api-enhanced @7c17de7), not §9's
   * `encodeType` (corrections of December 2026).
   */
  download: {
    path: "/api/song/enhance/download/url/v1",
    params: (songId, level) => ({ id: songId, immerseType: "c51", level }),
    item: parseDownloadUrlItem,
  },
} as const satisfies Record<string, UrlEndpoint>;

/**
 * A URL endpoint's answer for one rung: an offer, or why there is none;
 * `extra` when the download endpoint gave nothing usable (any code but 200,
 * a shape it cannot read, a refused call): the player is asked instead.
 */
type UrlAnswer = { offer: DownloadOffer } | { refusal: Refusal | "extra" };

/**
 * Usable offers best first, one level at a time from min(`top`, the
 * privilege's `maxBrLevel`) down the ladder (§9). When the privilege lets
 * the account download better than it may play (`dlLevel` outweighs
 * `plLevel`), the ladder starts at the best rung at or below `dlLevel`
 * and that rung is asked of `song/enhance/download/url/v1` first; every
 * other rung, and that one again if the download endpoint gives anything
 * but a usable URL (an extra, never a dead end: `301`, `-110`, `-460`, a
 * shape it cannot read), goes to `song/enhance/player/url/v1`. A trial, a missing URL or a non-200
 * item steps down; a lower level served than asked skips the rungs above
 * it; no level is offered twice.
 */
export async function* resolveOffers(
  transport: NeteaseTransport,
  song: SongInfo,
  options: OfferOptions = {},
): AsyncGenerator<DownloadOffer> {
  if (song.platform !== "netease") {
    throw new RangeError(
      `Cannot resolve offers of a ${song.platform} song with the netease source`,
    );
  }
  const songId = requireId(song.remoteId, "a song");
  const privilege = privilegeOf(song.raw);
  if (typeof privilege?.st === "number" && privilege.st < 0) {
    throw new SourceError(
      `netease: song ${songId} is not available (no copyright, st ${privilege.st})`,
      { platform: "netease", kind: "unavailable" },
    );
  }
  let ladder = ladderOf(privilege, options.top);
  if (ladder.length === 0) {
    throw new SourceError(
      `netease: song ${songId} has no level at or below ${options.top}`,
      { platform: "netease", kind: "unavailable" },
    );
  }
  const downloadLevel = downloadLevelOf(privilege, ladder);
  if (downloadLevel !== undefined) {
    // neither endpoint grants more than dlLevel: start at its rung
    ladder = ladder.slice(ladder.indexOf(downloadLevel));
  }
  const playWeight = levelWeight(privilege?.plLevel) ?? 0;
  let vipReason = privilege?.plLevel === "none";
  let downloadAsked = false;
  const yielded = new Set<string>();
  for (let i = 0; i < ladder.length;) {
    const level = ladder[i]!;
    const viaDownload = !downloadAsked && level === downloadLevel;
    if (viaDownload) downloadAsked = true;
    const answer = await askUrl(
      transport,
      viaDownload ? URL_ENDPOINTS.download : URL_ENDPOINTS.player,
      songId,
      level,
      options.signal,
    );
    if ("refusal" in answer) {
      if (answer.refusal !== "unavailable" && answer.refusal !== "extra") {
        vipReason = true;
      }
      // a refused download rung is asked of the player next
      if (!viaDownload) i++;
      continue;
    }
    const { offer } = answer;
    // the download endpoint is only worth what play cannot give: a level
    // not above plLevel is left to the player, in ladder order
    if (viaDownload && (levelWeight(offer.level) ?? 0) <= playWeight) {
      continue;
    }
    if (!yielded.has(offer.level)) {
      yielded.add(offer.level);
      yield offer;
    }
    // the server may serve less than asked: go on below what it served
    const served = levelRank(offer.level);
    let next = i + 1;
    while (next < ladder.length && levelRank(ladder[next]!) <= served) next++;
    i = next;
  }
  if (yielded.size === 0) {
    throw vipReason
      ? new SourceError(
        `netease: song ${songId} is VIP-only: no full-length URL at any level for this account`,
        { platform: "netease", kind: "vip" },
      )
      : new SourceError(
        `netease: song ${songId} is unavailable: no URL at any level`,
        { platform: "netease", kind: "unavailable" },
      );
  }
}

/**
 * One endpoint's answer for one song at one level: an offer or a refusal.
 * The download endpoint is asked leniently: whatever it answers other than
 * a usable URL is `extra` (the player is asked for the same level), and so
 * is a call that fails there, but for an abort.
 */
async function askUrl(
  transport: NeteaseTransport,
  endpoint: UrlEndpoint,
  songId: string,
  level: Level,
  signal: AbortSignal | undefined,
): Promise<UrlAnswer> {
  const answer = judgeUrl(transport, endpoint, songId, level, signal);
  if (endpoint !== URL_ENDPOINTS.download) return await answer;
  try {
    return await answer;
  } catch (error) {
    if (signal?.aborted || !(error instanceof SourceError)) throw error;
    return { refusal: "extra" };
  }
}

async function judgeUrl(
  transport: NeteaseTransport,
  endpoint: UrlEndpoint,
  songId: string,
  level: Level,
  signal: AbortSignal | undefined,
): Promise<UrlAnswer> {
  const lenient = endpoint === URL_ENDPOINTS.download;
  const { body, url } = await transport.eapi(
    endpoint.path,
    endpoint.params(songId, level),
    signal,
    { lenient },
  );
  if (lenient && (body as Json).code !== CODE.ok) return { refusal: "extra" };
  const item = parsed(url, () => endpoint.item(body, songId));
  const refusal = refusalOf(item);
  if (refusal !== undefined) return { refusal: lenient ? "extra" : refusal };
  return {
    offer: parsed(
      url,
      () => offerFromItem(item, level, transport.config.now()),
    ),
  };
}

/**
 * The level ladder of a song: from min(`top`, the privilege's
 * `maxBrLevel`) down to `standard`; empty when `top` is below every level.
 */
function ladderOf(
  privilege: Json | undefined,
  top: QualityLabel | undefined,
): Level[] {
  const ladder: Level[] = LEVELS.slice(levelRank(topLevelOf(privilege)));
  if (top === undefined) return ladder;
  const cap = qualityRank(top);
  return ladder.filter((level) => qualityRank(LEVEL_LABELS[level]) >= cap);
}

/**
 * The best level worth asking for: the privilege's `maxBrLevel` (what
 * exists), or the top of the ladder when unknown.
 */
export function topLevelOf(privilege: Json | undefined): Level {
  const max = privilege?.maxBrLevel;
  if (isLevel(max)) return max;
  // surround levels (sky, jyeffect, dolby) sit above hires; ask for the top
  return LEVELS[0];
}

/** Weight of a privilege level name (§9), or `undefined` for an unknown one. */
export function levelWeight(level: unknown): number | undefined {
  return typeof level === "string" && Object.hasOwn(LEVEL_WEIGHTS, level)
    ? LEVEL_WEIGHTS[level]
    : undefined;
}

/**
 * The rung to ask `song/enhance/download/url/v1` for (§9): when the
 * privilege lets the account download better than it may play (weight of
 * `dlLevel` > weight of `plLevel`), the best rung of the ladder at or
 * below `dlLevel` that is still above `plLevel`. `undefined` otherwise,
 * also when either level is missing or unknown.
 */
export function downloadLevelOf(
  privilege: Json | undefined,
  ladder: readonly Level[],
): Level | undefined {
  const play = levelWeight(privilege?.plLevel);
  const download = levelWeight(privilege?.dlLevel);
  if (play === undefined || download === undefined || download <= play) {
    return undefined;
  }
  return ladder.find((level) => {
    const weight = LEVEL_WEIGHTS[level]!;
    return weight <= download && weight > play;
  });
}

/** Why a URL item is not a usable offer. */
export type Refusal = "trial" | "vip" | "unavailable";

/**
 * Whether an item is usable (§8/§9): `code == 200`, a URL, no
 * `freeTrialInfo`. Otherwise why not: a preview, a VIP refusal (`fee` 1/4/8
 * without a URL), or plain unavailability.
 */
export function refusalOf(item: UrlItem): Refusal | undefined {
  if (item.freeTrialInfo !== null && item.freeTrialInfo !== undefined) {
    return "trial";
  }
  if (item.code === 200 && item.url !== null) return undefined;
  if (item.fee === 1 || item.fee === 4 || item.fee === 8) return "vip";
  return "unavailable";
}

const CONTAINERS: Readonly<Record<string, Container>> = {
  flac: "flac",
  mp3: "mp3",
  m4a: "m4a",
  mp4: "m4a",
  aac: "m4a",
  ogg: "ogg",
  ape: "ape",
};

/**
 * A usable item as a `DownloadOffer`: the level actually served (it may be
 * lower than asked), its `br`, `size`, `md5`, `type` and expiry.
 */
export function offerFromItem(
  item: UrlItem,
  requested: Level,
  now: number,
): DownloadOffer {
  if (item.url === null) {
    throw new TypeError(
      `Cannot make an offer of song ${item.id} without a URL`,
    );
  }
  const level = isLevel(item.level) ? item.level : requested;
  const fromUrl = /\.([a-z0-9]{2,4})(?:\?|$)/i.exec(new URL(item.url).pathname)
    ?.[1]?.toLowerCase();
  const type = item.type ?? fromUrl;
  const known = type === undefined ? undefined : CONTAINERS[type];
  const container: Container = known ??
    (levelRank(level) <= levelRank("lossless") ? "flac" : "mp3");
  const extension = known && type ? type : container;
  return defined({
    platform: "netease" as const,
    songRemoteId: item.id,
    quality: LEVEL_LABELS[level],
    level,
    url: item.url,
    extension,
    container,
    sizeBytes: item.size && item.size > 0 ? item.size : undefined,
    md5: item.md5?.toLowerCase(),
    bitrateKbps: item.br && item.br > 0
      ? Math.round(item.br / 1000)
      : undefined,
    expiresAt: item.expi && item.expi > 0 ? now + item.expi * 1000 : undefined,
  });
}
