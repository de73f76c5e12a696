/**
 * NetEase download offers (§9): the level ladder of a song from its
 * privilege, one URL endpoint call per rung, and the items they answer
 * judged and turned into offers.
 *
 * The URL endpoints are entries of one table (`URL_ENDPOINTS`): the ladder
 * picks an endpoint per rung, so another endpoint, or another order of
 * them, is a new entry and a new choice, not a new loop. A song's way down
 * is one state (`NeteaseLadder`), walked one song at a time here
 * (`resolveOffers`) and many songs per request by `NeteaseBatcher`
 * (`_batch.ts`).
 *
 * @module
 */
import type { Json } from "../_json.ts";
import { SourceError } from "../errors.ts";
import {
  atOrBelow,
  type Container,
  type DownloadOffer,
  type OfferOptions,
  type QualityLabel,
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
export type UrlAnswer = { offer: DownloadOffer } | {
  refusal: Refusal | "extra";
};

/** One ask of a song's ladder: an endpoint at a level. */
export interface LadderAsk {
  /** The endpoint to ask. */
  endpoint: UrlEndpoint;
  /** The level to ask it for. */
  level: Level;
}

/**
 * One song's way down the level ladder (§9), one ask at a time: from
 * min(`top`, the privilege's `maxBrLevel`) down. When the privilege lets
 * the account download better than it may play (`dlLevel` outweighs
 * `plLevel`), the ladder starts at the best rung at or below `dlLevel` and
 * that rung is asked of `song/enhance/download/url/v1` first; every other
 * rung, and that one again if the download endpoint gives anything but a
 * usable URL (an extra, never a dead end: `301`, `-110`, `-460`, a shape
 * it cannot read), goes to `song/enhance/player/url/v1`. A trial, a
 * missing URL or a non-200 item steps down, but for a song the privilege
 * says the account may not play at all (`plLevel` `none`, §8: VIP or a
 * purchase): its refusal is final, since no lower level plays either; a
 * lower level served than asked skips the rungs above it; no level is
 * offered twice.
 *
 * `resolveOffers()` walks it one song at a time; `NeteaseBatcher` walks
 * many at once (`_batch.ts`).
 */
export class NeteaseLadder {
  /** The song's id. */
  readonly songId: string;
  #ladder: Level[];
  #downloadLevel: Level | undefined;
  #playWeight: number;
  #unplayable: boolean;
  #vipReason: boolean;
  #downloadAsked = false;
  #playerAsked = false;
  #yielded = new Set<string>();
  #i = 0;

  /**
   * The ladder of a NetEase song; throws `unavailable` for a song without
   * copyright (`st < 0`) or without a level at or below `top`.
   */
  constructor(song: SongInfo, top: QualityLabel | undefined) {
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
    let ladder = ladderOf(privilege, top);
    if (ladder.length === 0) {
      throw new SourceError(
        `netease: song ${songId} has no level at or below ${top}`,
        { platform: "netease", kind: "unavailable" },
      );
    }
    const downloadLevel = downloadLevelOf(privilege, ladder);
    if (downloadLevel !== undefined) {
      // neither endpoint grants more than dlLevel: start at its rung
      ladder = ladder.slice(ladder.indexOf(downloadLevel));
    }
    this.songId = songId;
    this.#ladder = ladder;
    this.#downloadLevel = downloadLevel;
    this.#playWeight = levelWeight(privilege?.plLevel) ?? 0;
    this.#unplayable = privilege?.plLevel === "none";
    this.#vipReason = this.#unplayable;
  }

  /** The next ask, or `undefined` when the ladder is over. */
  next(): LadderAsk | undefined {
    const level = this.#ladder[this.#i];
    if (level === undefined) return undefined;
    const viaDownload = !this.#downloadAsked && level === this.#downloadLevel;
    return {
      endpoint: viaDownload ? URL_ENDPOINTS.download : URL_ENDPOINTS.player,
      level,
    };
  }

  /**
   * Whether no player rung was asked yet: the next player ask is the top
   * of the song's ladder, where the server serves the best level at or
   * below the one asked (§9), so any level above it answers the same.
   */
  get atTop(): boolean {
    return this.#i === 0 && !this.#playerAsked;
  }

  /**
   * Takes the answer to the ask `next()` returned; the offer to yield, if
   * the answer is one worth yielding.
   */
  take(ask: LadderAsk, answer: UrlAnswer): DownloadOffer | undefined {
    const viaDownload = ask.endpoint === URL_ENDPOINTS.download;
    if (viaDownload) this.#downloadAsked = true;
    else this.#playerAsked = true;
    if ("refusal" in answer) {
      if (answer.refusal !== "unavailable" && answer.refusal !== "extra") {
        this.#vipReason = true;
      }
      // a refused download rung is asked of the player next
      if (!viaDownload) {
        this.#i = this.#unplayable ? this.#ladder.length : this.#i + 1;
      }
      return undefined;
    }
    const { offer } = answer;
    // the download endpoint is only worth what play cannot give: a level
    // not above plLevel is left to the player, in ladder order
    if (viaDownload && (levelWeight(offer.level) ?? 0) <= this.#playWeight) {
      return undefined;
    }
    const fresh = !this.#yielded.has(offer.level);
    this.#yielded.add(offer.level);
    // the server may serve less than asked: go on below what it served
    const served = levelRank(offer.level);
    let next = this.#i + 1;
    while (
      next < this.#ladder.length && levelRank(this.#ladder[next]!) <= served
    ) next++;
    this.#i = next;
    return fresh ? offer : undefined;
  }

  /** Why the ladder ended without any offer; `undefined` when it gave one. */
  failure(): SourceError | undefined {
    if (this.#yielded.size > 0) return undefined;
    return this.#vipReason
      ? new SourceError(
        `netease: song ${this.songId} is VIP-only: no full-length URL at any level for this account`,
        { platform: "netease", kind: "vip" },
      )
      : new SourceError(
        `netease: song ${this.songId} is unavailable: no URL at any level`,
        { platform: "netease", kind: "unavailable" },
      );
  }
}

/** Usable offers best first, one level at a time (see `NeteaseLadder`). */
export async function* resolveOffers(
  transport: NeteaseTransport,
  song: SongInfo,
  options: OfferOptions = {},
): AsyncGenerator<DownloadOffer> {
  yield* walkLadder(
    transport,
    new NeteaseLadder(song, options.top),
    options.signal,
  );
}

/** The rest of a ladder, one ask at a time; its failure when it gave nothing. */
export async function* walkLadder(
  transport: NeteaseTransport,
  ladder: NeteaseLadder,
  signal: AbortSignal | undefined,
): AsyncGenerator<DownloadOffer> {
  for (let ask = ladder.next(); ask; ask = ladder.next()) {
    const answer = await askUrl(transport, ask, ladder.songId, signal);
    const offer = ladder.take(ask, answer);
    if (offer) yield offer;
  }
  const failure = ladder.failure();
  if (failure) throw failure;
}

/**
 * One endpoint's answer for one song at one level: an offer or a refusal.
 * The download endpoint is asked leniently: whatever it answers other than
 * a usable URL is `extra` (the player is asked for the same level), and so
 * is a call that fails there, but for an abort.
 */
export async function askUrl(
  transport: NeteaseTransport,
  { endpoint, level }: LadderAsk,
  songId: string,
  signal: AbortSignal | undefined,
): Promise<UrlAnswer> {
  const lenient = endpoint === URL_ENDPOINTS.download;
  try {
    const { body, url } = await transport.eapi(
      endpoint.path,
      endpoint.params(songId, level),
      signal,
      { lenient },
    );
    if (lenient && (body as Json).code !== CODE.ok) return { refusal: "extra" };
    return judgeItem(transport, endpoint, body, url, songId, level);
  } catch (error) {
    if (!lenient || signal?.aborted || !(error instanceof SourceError)) {
      throw error;
    }
    return { refusal: "extra" };
  }
}

/**
 * The answer an endpoint's body holds for one song asked at `level`
 * (the level its offer is named after when the item names none).
 */
export function judgeItem(
  transport: NeteaseTransport,
  endpoint: UrlEndpoint,
  body: unknown,
  url: string,
  songId: string,
  level: Level,
): UrlAnswer {
  const lenient = endpoint === URL_ENDPOINTS.download;
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
  return ladder.filter((level) => atOrBelow(LEVEL_LABELS[level], top));
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
