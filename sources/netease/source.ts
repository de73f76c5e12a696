/**
 * The NetEase Cloud Music source: the square and the charts as pools,
 * playlists page by page, every track of a playlist, download offers along
 * the level ladder, and artist details (protocols/netease.md).
 *
 * @module
 */
import { SourceError, type SourceErrorKind } from "../errors.ts";
import { type HttpRequestInit, shortUrl } from "../http.ts";
import type { SourceConfig } from "../config.ts";
import {
  type ArtistDetail,
  type DownloadOffer,
  type ListPlaylistsOptions,
  type OfferOptions,
  type PlaylistCandidate,
  type PlaylistSongs,
  type PoolCandidate,
  type PoolKind,
  type QualityLabel,
  qualityRank,
  type SongInfo,
  type Source,
} from "../types.ts";
import {
  ALL_CATEGORY,
  BROWSER_USER_AGENT,
  CODE,
  DETAIL_SUBSCRIBERS,
  DETAIL_TRACKS,
  EAPI_ORIGIN,
  HIGH_QUALITY_KEY,
  type Level,
  LEVEL_LABELS,
  LEVELS,
  LONG_RATE_LIMIT_SECONDS,
  NETEASE_RSA_KEY,
  PAGE_SIZE,
  PC_APPVER,
  PC_CHANNEL,
  PC_OSVER,
  PC_USER_AGENT,
  type RsaPublicKey,
  SONG_DETAIL_BATCH,
  TOPLIST_KEY,
  WEB_ORIGIN,
} from "./_constants.ts";
import { eapi, weapi } from "./_crypto.ts";
import {
  downloadLevelOf,
  highQualityPool,
  levelRank,
  levelWeight,
  offerFromItem,
  parseArtistHead,
  parseArtistV1,
  parseCatalogue,
  parseDownloadUrlItem,
  parsePlaylistDetail,
  parsePlaylistPage,
  parseSong,
  parseSongDetail,
  parseToplist,
  parseUrlItem,
  privilegeOf,
  type Refusal,
  refusalOf,
  topLevelOf,
  toplistPool,
  type UrlItem,
} from "./_parse.ts";

type Json = Record<string, unknown>;

/**
 * The RSA public key to encrypt weapi secrets with: the emulation's when
 * its configuration publishes one (`rsa: {modulus, exponent}`), NetEase's
 * own otherwise.
 */
export function rsaKeyFrom(
  emulation: Record<string, unknown> | undefined,
): RsaPublicKey {
  const rsa = emulation?.rsa;
  if (typeof rsa === "object" && rsa !== null) {
    const { modulus, exponent } = rsa as Record<string, unknown>;
    if (
      typeof modulus === "string" && /^[0-9a-fA-F]+$/.test(modulus) &&
      typeof exponent === "string" && /^[0-9a-fA-F]+$/.test(exponent)
    ) {
      return { modulus, exponent };
    }
  }
  return NETEASE_RSA_KEY;
}

/** The NetEase implementation of `Source`. */
export class NeteaseSource implements Source {
  readonly platform = "netease" as const;
  #config: SourceConfig;
  #key: RsaPublicKey;
  #deviceId: string;
  /** Set by an anti-bot refusal: the platform is not called again. */
  #stopped: SourceError | undefined;

  constructor(config: SourceConfig) {
    this.#config = config;
    this.#key = rsaKeyFrom(config.emulation);
    let deviceId = "";
    for (let i = 0; i < 32; i++) {
      deviceId += Math.floor(config.random() * 16).toString(16).toUpperCase();
    }
    this.#deviceId = deviceId;
  }

  // ------------------------------------------------------------ pools

  /** The square's categories plus the high-quality list, or the one toplist pool. */
  async listPools(kind: PoolKind): Promise<PoolCandidate[]> {
    if (kind === "toplist") return [toplistPool()];
    const { body, url } = await this.#weapi("playlist/catalogue", {});
    const pools = this.#parse(url, () => parseCatalogue(body));
    return [...pools, highQualityPool()];
  }

  /** The playlists of a pool: square pages by `offset`, the high-quality list by `lasttime`, the charts at once. */
  async *listPlaylists(
    pool: PoolCandidate,
    options: ListPlaylistsOptions = {},
  ): AsyncGenerator<PlaylistCandidate> {
    this.#ownPool(pool);
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const signal = options.signal;
    const seen = new Set<string>();
    const fresh = (p: PlaylistCandidate) => {
      if (seen.has(p.remoteId)) return false;
      seen.add(p.remoteId);
      return true;
    };
    if (limit <= 0) return;
    if (pool.kind === "toplist") {
      const { body, url } = await this.#weapi("toplist", {}, signal);
      for (const chart of this.#parse(url, () => parseToplist(body))) {
        if (!fresh(chart)) continue;
        yield chart;
        if (seen.size >= limit) return;
      }
      return;
    }
    if (pool.remoteKey === HIGH_QUALITY_KEY) {
      let lasttime = 0;
      for (;;) {
        const { body, url } = await this.#weapi("playlist/highquality/list", {
          cat: ALL_CATEGORY,
          limit: PAGE_SIZE,
          lasttime,
          total: true,
        }, signal);
        const page = this.#parse(url, () => parsePlaylistPage(body));
        for (const playlist of page.playlists) {
          if (!fresh(playlist)) continue;
          yield playlist;
          if (seen.size >= limit) return;
        }
        const next = page.lasttime;
        // an empty page or a cursor that does not move would loop forever
        if (
          !page.more || page.playlists.length === 0 || next === undefined ||
          (lasttime !== 0 && next >= lasttime)
        ) {
          return;
        }
        lasttime = next;
      }
    }
    for (let offset = 0;;) {
      const { body, url } = await this.#weapi("playlist/list", {
        cat: pool.remoteKey,
        order: "hot",
        limit: PAGE_SIZE,
        offset,
        total: true,
      }, signal);
      const page = this.#parse(url, () => parsePlaylistPage(body));
      for (const playlist of page.playlists) {
        if (!fresh(playlist)) continue;
        yield playlist;
        if (seen.size >= limit) return;
      }
      if (!page.more || page.playlists.length === 0) return;
      offset += PAGE_SIZE;
    }
  }

  // ------------------------------------------------------------ songs

  /**
   * Every track: `v6/playlist/detail` for the metadata and the complete
   * `trackIds`, then `v3/song/detail` (≤ 1000 ids a call) for the songs the
   * detail left out, joined with their privileges by id in `trackIds` order.
   */
  async playlistSongs(remotePlaylistId: string): Promise<PlaylistSongs> {
    const playlistId = this.#remoteId(remotePlaylistId, "playlist");
    const { body, url } = await this.#weapi("v6/playlist/detail", {
      id: playlistId,
      n: DETAIL_TRACKS,
      s: DETAIL_SUBSCRIBERS,
    });
    const detail = this.#parse(url, () => parsePlaylistDetail(body));
    const songs = new Map(detail.tracks);
    const privileges = new Map(detail.privileges);
    const missing = [
      ...new Set(
        detail.trackIds.filter((id) => !songs.has(id) || !privileges.has(id)),
      ),
    ];
    for (let i = 0; i < missing.length; i += SONG_DETAIL_BATCH) {
      const batch = missing.slice(i, i + SONG_DETAIL_BATCH);
      const answer = await this.#weapi("v3/song/detail", {
        c: JSON.stringify(batch.map((id) => ({ id: Number(id) }))),
      });
      const found = this.#parse(answer.url, () => parseSongDetail(answer.body));
      for (const [id, song] of found.songs) songs.set(id, song);
      for (const [id, privilege] of found.privileges) {
        privileges.set(id, privilege);
      }
    }
    return {
      playlist: detail.playlist,
      declaredCount: detail.declaredCount,
      songs: detail.trackIds.map((id) => {
        const song = songs.get(id);
        // §13: a track id song detail does not return is an unavailable song
        return song
          ? this.#parse(url, () => parseSong(song, privileges.get(id)))
          : missingSong(id);
      }),
    };
  }

  // ----------------------------------------------------------- offers

  /**
   * Usable offers best first, one level at a time from min(`top`, the
   * privilege's `maxBrLevel`) down the ladder (§9). When the privilege lets
   * the account download better than it may play (`dlLevel` outweighs
   * `plLevel`), the ladder starts at the best rung at or below `dlLevel`
   * and that rung is asked of `song/enhance/download/url/v1` first; every
   * other rung, and that one again if the download endpoint refuses, goes
   * to `song/enhance/player/url/v1`. A trial, a missing URL or a non-200
   * item steps down; a lower level served than asked skips the rungs above
   * it; no level is offered twice.
   */
  async *downloadOffers(
    song: SongInfo,
    options: OfferOptions = {},
  ): AsyncGenerator<DownloadOffer> {
    if (song.platform !== "netease") {
      throw new RangeError(
        `Cannot resolve offers of a ${song.platform} song with the netease source`,
      );
    }
    const songId = this.#remoteId(song.remoteId, "song");
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
      const answer = viaDownload
        ? await this.#downloadUrl(songId, level, options.signal)
        : await this.#playerUrl(songId, level, options.signal);
      if ("refusal" in answer) {
        if (answer.refusal !== "unavailable") vipReason = true;
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

  /** `song/enhance/player/url/v1` for one song at one level: `data` is an array. */
  async #playerUrl(
    songId: string,
    level: Level,
    signal: AbortSignal | undefined,
  ): Promise<UrlAnswer> {
    const { body, url } = await this.#eapi(
      "/api/song/enhance/player/url/v1",
      { ids: `[${songId}]`, level, encodeType: "flac" },
      signal,
    );
    const item = this.#parse(url, () => parseUrlItem(body, songId));
    return this.#urlAnswer(url, item, level);
  }

  /**
   * `song/enhance/download/url/v1` for one song at one level (§9: `id`,
   * `level`, `encodeType: "mp3"`; it uses the account's download quota):
   * `data` is one object.
   */
  async #downloadUrl(
    songId: string,
    level: Level,
    signal: AbortSignal | undefined,
  ): Promise<UrlAnswer> {
    const { body, url } = await this.#eapi(
      "/api/song/enhance/download/url/v1",
      { id: songId, level, encodeType: "mp3" },
      signal,
    );
    const item = this.#parse(url, () => parseDownloadUrlItem(body, songId));
    return this.#urlAnswer(url, item, level);
  }

  #urlAnswer(url: string, item: UrlItem, level: Level): UrlAnswer {
    const refusal = refusalOf(item);
    if (refusal !== undefined) return { refusal };
    return {
      offer: this.#parse(
        url,
        () => offerFromItem(item, level, this.#config.now()),
      ),
    };
  }

  // ---------------------------------------------------------- artists

  /** `artist/head/info/get`, falling back to `v1/artist/<id>` when it has no artist. */
  async artistDetail(remoteArtistId: string): Promise<ArtistDetail> {
    const artistId = this.#remoteId(remoteArtistId, "artist");
    const head = await this.#weapi("artist/head/info/get", { id: artistId });
    const data = (head.body as Json).data;
    if (
      typeof data === "object" && data !== null &&
      typeof (data as Json).artist === "object" &&
      (data as Json).artist !== null
    ) {
      return this.#parse(head.url, () => parseArtistHead(head.body));
    }
    const v1 = await this.#weapi(`v1/artist/${artistId}`, {});
    return this.#parse(v1.url, () => parseArtistV1(v1.body));
  }

  // --------------------------------------------------------- requests

  #cookies(extra: Record<string, string> = {}): string {
    const cookies: Record<string, string> = {
      os: "pc",
      appver: PC_APPVER,
      ...extra,
    };
    const musicU = this.#config.credentials.neteaseMusicU;
    if (musicU) cookies.MUSIC_U = musicU;
    return Object.entries(cookies)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join("; ");
  }

  /** A weapi call: `https://music.163.com/weapi/<rest>` (the API path `/api/<rest>`). */
  #weapi(
    rest: string,
    params: Json,
    signal?: AbortSignal,
  ): Promise<{ body: unknown; url: string }> {
    // no __csrf without a login's cookies: anonymous calls send ""
    const csrf = "";
    const form = weapi(
      { ...params, csrf_token: csrf },
      { key: this.#key, random: this.#config.random },
    );
    const url = this.#config.urls.to(
      `${WEB_ORIGIN}/weapi/${rest}?csrf_token=${csrf}`,
    );
    return this.#post(url, new URLSearchParams({ ...form }).toString(), {
      "content-type": "application/x-www-form-urlencoded",
      "referer": WEB_ORIGIN,
      "origin": WEB_ORIGIN,
      "user-agent": BROWSER_USER_AGENT,
      "cookie": this.#cookies(),
    }, signal);
  }

  /** An eapi call for an `/api/...` path, posted to `/eapi/...` on interface3. */
  #eapi(
    apiPath: string,
    params: Json,
    signal?: AbortSignal,
  ): Promise<{ body: unknown; url: string }> {
    const now = this.#config.now();
    const identity: Record<string, string> = {
      osver: PC_OSVER,
      deviceId: this.#deviceId,
      os: "pc",
      appver: PC_APPVER,
      versioncode: "140",
      mobilename: "",
      buildver: String(Math.floor(now / 1000)),
      resolution: "1920x1080",
      __csrf: "",
      channel: PC_CHANNEL,
      requestId: `${now}_${
        String(Math.floor(this.#config.random() * 10_000)).padStart(4, "0")
      }`,
    };
    const musicU = this.#config.credentials.neteaseMusicU;
    const header = musicU ? { ...identity, MUSIC_U: musicU } : identity;
    const encrypted = eapi(apiPath, { ...params, header, e_r: false });
    const url = this.#config.urls.to(
      `${EAPI_ORIGIN}/eapi/${apiPath.replace(/^\/api\//, "")}`,
    );
    return this.#post(
      url,
      new URLSearchParams({ params: encrypted }).toString(),
      {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": PC_USER_AGENT,
        "cookie": this.#cookies({
          osver: PC_OSVER,
          deviceId: this.#deviceId,
          channel: PC_CHANNEL,
          __csrf: "",
        }),
      },
      signal,
    );
  }

  async #post(
    url: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<{ body: unknown; url: string }> {
    if (this.#stopped) {
      throw new SourceError(
        `netease: not calling ${
          shortUrl(url)
        }: the platform refused us as a bot earlier (code ${this.#stopped.code}); stopped`,
        {
          platform: "netease",
          kind: "antibot",
          url,
          code: this.#stopped.code ?? CODE.cheating,
          retryable: false,
          cause: this.#stopped,
        },
      );
    }
    const init: HttpRequestInit = { method: "POST", headers, body };
    if (signal) init.signal = signal;
    try {
      const answer = await this.#config.http.json(
        url,
        init,
        (parsed) => checkBody(parsed, url),
      );
      return { body: answer, url };
    } catch (error) {
      if (error instanceof SourceError && error.kind === "antibot") {
        this.#stopped = error;
      }
      if (error instanceof SourceError && error.kind === "rate_limited") {
        throw new SourceError(
          `netease: still rate limited by ${
            shortUrl(url)
          } after backing off; try again later`,
          {
            platform: "netease",
            kind: "rate_limited",
            url,
            ...(error.status === undefined ? {} : { status: error.status }),
            ...(error.code === undefined ? {} : { code: error.code }),
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  #parse<T>(url: string, parse: () => T): T {
    try {
      return parse();
    } catch (cause) {
      if (cause instanceof SourceError) throw cause;
      throw new SourceError(
        `netease: unexpected answer from ${shortUrl(url)}: ${
          cause instanceof Error ? cause.message : String(cause)
        }`,
        {
          platform: "netease",
          kind: "malformed",
          url,
          retryable: false,
          cause,
        },
      );
    }
  }

  #remoteId(value: string, what: string): string {
    if (!/^\d+$/.test(value)) {
      throw new SourceError(
        `netease: '${value}' is not a ${what} id (expected digits)`,
        { platform: "netease", kind: "not_found" },
      );
    }
    return value;
  }

  #ownPool(pool: PoolCandidate): void {
    if (pool.platform !== "netease") {
      throw new RangeError(
        `Cannot list a ${pool.platform} pool with the netease source`,
      );
    }
    if (pool.kind === "toplist" && pool.remoteKey !== TOPLIST_KEY) {
      throw new RangeError(
        `Cannot list the netease toplist pool '${pool.remoteKey}': expected '${TOPLIST_KEY}'`,
      );
    }
  }
}

/** A URL endpoint's answer for one rung: an offer, or why there is none. */
type UrlAnswer = { offer: DownloadOffer } | { refusal: Refusal };

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

/** A track id song detail did not return (§13: treat it as unavailable). */
function missingSong(id: string): SongInfo {
  return {
    platform: "netease",
    remoteId: id,
    title: `NetEase song ${id}`,
    artists: [],
    artistNames: "",
    qualities: [],
    availability: "unavailable",
    raw: { id: Number(id), missing: true },
  };
}

/**
 * Turns NetEase's business `code` (§11) into a `SourceError`; the HTTP layer
 * retries the retryable ones (405/406).
 */
export function checkBody(body: unknown, url: string): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SourceError(
      `netease: expected a JSON object from ${shortUrl(url)}`,
      { platform: "netease", kind: "malformed", url },
    );
  }
  const record = body as Json;
  const raw = record.code;
  const code = typeof raw === "string" && /^-?\d+$/.test(raw)
    ? Number(raw)
    : raw;
  if (code === CODE.ok) return;
  if (typeof code !== "number") {
    throw new SourceError(
      `netease: the answer from ${shortUrl(url)} has no code`,
      { platform: "netease", kind: "malformed", url },
    );
  }
  const said = [
    record.message,
    record.msg,
    (record.data as Json | null)?.blockText,
  ]
    .find((m) => typeof m === "string" && m !== "") as string | undefined;
  const what = (text: string) =>
    `netease: ${text} (code ${code}${said ? `: ${said}` : ""}) at ${
      shortUrl(url)
    }`;
  const fail = (
    kind: SourceErrorKind,
    text: string,
    extra: { retryable?: boolean; retryAfterSeconds?: number } = {},
  ): never => {
    throw new SourceError(what(text), {
      platform: "netease",
      kind,
      url,
      code,
      ...extra,
    });
  };
  switch (code) {
    case CODE.needsLogin:
    case CODE.privateNeedsLogin:
      return fail("login", "this needs a login: set a MUSIC_U cookie");
    case CODE.cheating:
    case CODE.riskControl:
      return fail(
        "antibot",
        "refused as a bot by risk control; stopping all NetEase calls",
        { retryable: false },
      );
    case CODE.tooFrequent:
      return fail("rate_limited", "asked to slow down");
    case CODE.tooFrequentLong:
      return fail("rate_limited", "asked to slow down", {
        retryAfterSeconds: LONG_RATE_LIMIT_SECONDS,
      });
    case CODE.notFound:
      return fail("not_found", "not found", { retryable: false });
    case CODE.badRequest:
      return fail(
        "sign",
        "refused the request's parameters or encryption",
        { retryable: false },
      );
    default:
      return fail(
        "http",
        "unexpected answer",
        { retryable: code >= 500 && code < 600 },
      );
  }
}

/** Builds the NetEase source. */
export function createNeteaseSource(config: SourceConfig): Source {
  return new NeteaseSource(config);
}
