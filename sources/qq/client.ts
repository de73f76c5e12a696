/**
 * The QQ Music source: square categories and their playlists, the charts,
 * the songs of a playlist or chart, download offers and artist details,
 * over the `musicu.fcg` gateway and the `getcdinfo` CGI.
 *
 * @module
 */
import { isSourceError, SourceError } from "../errors.ts";
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
  qualityRank,
  type SongInfo,
  type Source,
} from "../types.ts";
import {
  CATEGORY_PAGE_SIZE,
  CDINFO_URL,
  CDN_REFERER,
  CODES,
  DEFAULT_CDN,
  kindOfCode,
  LEGACY_CGI_QUERY,
  MAX_VKEY_ENTRIES,
  MODULES,
  MV_CHART_ID,
  PAGES_PER_ENVELOPE,
  PLAYLIST_PAGE_SIZE,
  PLAYLIST_REFERER,
  TOPLIST_CACHE_MS,
  TOPLIST_PAGE_SIZE,
  USER_AGENT,
  VKEY_ATTEMPTS,
  VKEY_RESULTS,
} from "./_constants.ts";
import {
  Gateway,
  type GatewayCall,
  type Session,
  sessionOf,
  webHeaders,
} from "./_gateway.ts";
import { LegacySquare } from "./_legacy_square.ts";
import {
  legacyCategoryIdOf,
  malformed,
  parseCategories,
  parseCategoryPage,
  parseCdInfo,
  parseSingerDetail,
  parseToplistDetail,
  parseToplists,
  parseVkey,
  songMedia,
  type ToplistEntry,
  type ToplistPage,
  toplistPool,
  type VkeyAnswer,
  vkeyFilename,
} from "./_parse.ts";

/**
 * Builds the QQ Music source.
 *
 * @example Usage
 * ```ts ignore
 * import { createSources } from "../registry.ts";
 * const sources = await createSources({ platforms: ["qq"] });
 * const qq = sources.get("qq")!;
 * for (const pool of await qq.listPools("toplist")) {
 *   for await (const chart of qq.listPlaylists(pool)) {
 *     const { songs } = await qq.playlistSongs(chart.remoteId);
 *   }
 * }
 * ```
 */
export function createQqSource(config: SourceConfig): Source {
  return new QqSource(config);
}

interface ToplistCache {
  at: number;
  entries: Promise<Map<number, ToplistEntry>>;
}

/** Restarts of a chart's paging when its period rolls over mid-way. */
const PERIOD_RESTARTS = 2;

class QqSource implements Source {
  readonly platform = "qq" as const;
  #config: SourceConfig;
  #session: Session;
  #gateway: Gateway;
  #toplists: ToplistCache | undefined;
  #legacySquare: LegacySquare;

  constructor(config: SourceConfig) {
    this.#config = config;
    this.#session = sessionOf(config.credentials);
    this.#gateway = new Gateway(config, this.#session);
    this.#legacySquare = new LegacySquare(config, this.#session);
  }

  async listPools(kind: PoolKind): Promise<PoolCandidate[]> {
    if (kind === "square") return await this.#squarePools();
    const charts = await this.#toplistEntries(true);
    return [toplistPool({ charts: charts.size })];
  }

  async *listPlaylists(
    pool: PoolCandidate,
    options: ListPlaylistsOptions = {},
  ): AsyncGenerator<PlaylistCandidate> {
    const limit = options.limit !== undefined && options.limit > 0
      ? options.limit
      : Infinity;
    const signal = options.signal;
    let yielded = 0;
    if (pool.kind === "toplist") {
      const charts = await this.#toplistEntries(false, signal);
      for (const entry of charts.values()) {
        if (yielded >= limit) return;
        yielded++;
        yield entry.candidate;
      }
      return;
    }
    // the pool's key names its family: a legacy pool is paged by family A
    const legacyId = legacyCategoryIdOf(pool.remoteKey);
    if (legacyId !== undefined) {
      yield* this.#legacySquare.playlists(legacyId, limit, signal);
      return;
    }
    const categoryId = Number(pool.remoteKey);
    if (!Number.isSafeInteger(categoryId)) {
      throw new TypeError(
        `Cannot list the playlists of QQ category '${pool.remoteKey}': expected a numeric id`,
      );
    }
    yield* this.#musicuPlaylists(categoryId, limit, signal);
  }

  /** A musicu (family B) category's playlists, batching the later pages. */
  async *#musicuPlaylists(
    categoryId: number,
    limit: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<PlaylistCandidate> {
    let yielded = 0;
    const pageCall = (page: number): GatewayCall => ({
      ...MODULES.categoryContent,
      param: {
        titleid: categoryId,
        caller: "0",
        category_id: categoryId,
        size: CATEGORY_PAGE_SIZE,
        page,
        use_page: 1,
      },
    });
    const seen = new Set<string>();
    const first = parseCategoryPage(
      await this.#gateway.one(pageCall(0), signal),
    );
    for (const playlist of first.playlists) {
      if (yielded >= limit) return;
      if (seen.has(playlist.remoteId)) continue;
      seen.add(playlist.remoteId);
      yielded++;
      yield playlist;
    }
    if (first.playlists.length === 0) return;
    const wanted = Math.min(first.total, limit);
    const lastPage = Math.ceil(wanted / CATEGORY_PAGE_SIZE) - 1;
    for (let start = 1; start <= lastPage; start += PAGES_PER_ENVELOPE) {
      const pages: number[] = [];
      for (
        let p = start;
        p <= lastPage && p < start + PAGES_PER_ENVELOPE;
        p++
      ) {
        pages.push(p);
      }
      const results = await this.#gateway.many(pages.map(pageCall), signal);
      for (const result of results) {
        if (!result.ok) throw result.error;
        const page = parseCategoryPage(result.data);
        if (page.playlists.length === 0) return;
        for (const playlist of page.playlists) {
          if (yielded >= limit) return;
          if (seen.has(playlist.remoteId)) continue;
          seen.add(playlist.remoteId);
          yielded++;
          yield playlist;
        }
      }
    }
  }

  // ------------------------------------------------------------ square

  /**
   * The square's categories from musicu family B; when family B fails in a
   * way a second family can help with (see `warrantsLegacyFallback`), every
   * category from legacy family A instead. Never a mix: the pools of one
   * listing all come from one family, and their keys say which one.
   */
  async #squarePools(): Promise<PoolCandidate[]> {
    let musicuError: SourceError;
    try {
      const data = await this.#gateway.one({
        ...MODULES.categories,
        param: { qq: "" },
      });
      return parseCategories(data);
    } catch (error) {
      if (!warrantsLegacyFallback(error)) throw error;
      musicuError = error;
    }
    try {
      return await this.#legacySquare.categories();
    } catch (error) {
      throw bothFamiliesFailed(musicuError, error);
    }
  }

  playlistSongs(remotePlaylistId: string): Promise<PlaylistSongs> {
    return remotePlaylistId.startsWith("chart:")
      ? this.#chartSongs(remotePlaylistId)
      : this.#playlistSongs(remotePlaylistId);
  }

  async *downloadOffers(
    song: SongInfo,
    options: OfferOptions = {},
  ): AsyncGenerator<DownloadOffer> {
    const media = songMedia(song.raw, song.remoteId);
    const topRank = options.top === undefined ? 0 : qualityRank(options.top);
    const rungs = media.rungs.filter((r) =>
      qualityRank(r.rung.label) >= topRank
    ).slice(0, MAX_VKEY_ENTRIES);
    if (rungs.length === 0) {
      throw new SourceError(
        `qq: song ${media.mid} has no file${
          options.top === undefined ? "" : ` at ${options.top} or below`
        }`,
        { platform: "qq", kind: "unavailable" },
      );
    }
    const filenames = rungs.map((r) => vkeyFilename(r.rung, media));
    const granted = new Map<string, Grant>();
    const results = new Map<string, number>();
    let attempts = 0;
    while (attempts < VKEY_ATTEMPTS) {
      attempts++;
      const data = await this.#gateway.one({
        ...MODULES.vkey,
        param: {
          guid: this.#guid(),
          songmid: filenames.map(() => media.mid),
          filename: filenames,
          songtype: filenames.map(() => 0),
          uin: String(this.#session.uin),
          loginflag: 1,
          platform: "20",
        },
      }, options.signal);
      const answer = parseVkey(data);
      const fetchedAt = this.#config.now();
      rungs.forEach((r, i) => {
        const entry = matchEntry(answer, filenames[i]!, r.rung.prefix);
        if (entry === undefined) return;
        if (entry.purl !== "") {
          if (!granted.has(filenames[i]!)) {
            granted.set(filenames[i]!, { answer, purl: entry.purl, fetchedAt });
          }
        } else {
          results.set(filenames[i]!, entry.result);
        }
      });
      // an empty `purl` with result 0 above the best grant is transient (§7.3)
      const best = filenames.findIndex((f) => granted.has(f));
      const transient = filenames.some((f, i) =>
        (best < 0 || i < best) && !granted.has(f) &&
        (results.get(f) ?? VKEY_RESULTS.ok) === VKEY_RESULTS.ok
      );
      if (!transient) break;
    }
    let offered = 0;
    for (let i = 0; i < rungs.length; i++) {
      const grant = granted.get(filenames[i]!);
      if (!grant) continue;
      const { rung, sizeBytes } = rungs[i]!;
      const expiration = grant.answer.expiration;
      offered++;
      yield {
        platform: "qq",
        songRemoteId: song.remoteId,
        quality: rung.label,
        level: rung.prefix,
        url: `${this.#cdn(grant.answer)}${grant.purl}`,
        extension: rung.extension,
        container: rung.container,
        sizeBytes,
        ...(rung.bitrateKbps === undefined
          ? {}
          : { bitrateKbps: rung.bitrateKbps }),
        ...(expiration === undefined || expiration <= 0
          ? {}
          : { expiresAt: grant.fetchedAt + expiration * 1000 }),
        headers: { "Referer": CDN_REFERER, "User-Agent": USER_AGENT },
      };
    }
    if (offered > 0) return;
    const codes = [...new Set(results.values())];
    const refused = codes.includes(VKEY_RESULTS.noPermission);
    const code = refused ? VKEY_RESULTS.noPermission : (codes[0] ?? 0);
    if (song.availability === "unavailable") {
      throw new SourceError(
        `qq: song ${media.mid} is unavailable: no play rights, every rung refused (result ${code})`,
        { platform: "qq", kind: "unavailable", code },
      );
    }
    if (refused) {
      throw new SourceError(
        `qq: song ${media.mid} needs VIP or a purchase at every quality offered (result ${code})`,
        { platform: "qq", kind: "vip", code },
      );
    }
    throw new SourceError(
      `qq: song ${media.mid} got no usable URL (results ${
        codes.join(", ") || "none"
      } after ${attempts} ${attempts === 1 ? "try" : "tries"})`,
      { platform: "qq", kind: "unavailable", code },
    );
  }

  async artistDetail(remoteArtistId: string): Promise<ArtistDetail> {
    const data = await this.#gateway.one({
      ...MODULES.singerDetail,
      param: {
        singer_mids: [remoteArtistId],
        ex_singer: 1,
        wiki_singer: 1,
        group_singer: 0,
        pic: 1,
        photos: 0,
      },
    });
    const detail = parseSingerDetail(data);
    if (!detail) {
      throw new SourceError(`qq: no artist ${remoteArtistId}`, {
        platform: "qq",
        kind: "not_found",
      });
    }
    return detail;
  }

  // ------------------------------------------------------------ charts

  /** `GetAll`, reused for a while: the charts and their current periods. */
  #toplistEntries(
    force: boolean,
    signal?: AbortSignal,
  ): Promise<Map<number, ToplistEntry>> {
    const now = this.#config.now();
    const cache = this.#toplists;
    if (!force && cache && now - cache.at < TOPLIST_CACHE_MS) {
      return cache.entries;
    }
    const entries = this.#gateway.one(
      { ...MODULES.toplists, param: {} },
      signal,
    )
      .then((data) => {
        const map = new Map<number, ToplistEntry>();
        for (const entry of parseToplists(data)) {
          // the MV chart lists videos, not songs (§4, LX)
          if (entry.topId !== MV_CHART_ID) map.set(entry.topId, entry);
        }
        return map;
      });
    const fresh: ToplistCache = { at: now, entries };
    this.#toplists = fresh;
    entries.catch(() => {
      if (this.#toplists === fresh) this.#toplists = undefined;
    });
    return entries;
  }

  async #chartSongs(remoteId: string): Promise<PlaylistSongs> {
    const topId = Number(remoteId.slice("chart:".length));
    if (!Number.isSafeInteger(topId)) {
      throw new SourceError(`qq: '${remoteId}' is not a chart id`, {
        platform: "qq",
        kind: "not_found",
      });
    }
    const entry = (await this.#toplistEntries(false)).get(topId) ??
      (await this.#toplistEntries(true)).get(topId);
    if (!entry) {
      throw new SourceError(`qq: no chart ${topId} in the chart list`, {
        platform: "qq",
        kind: "not_found",
      });
    }
    let period = entry.period;
    for (let restart = 0; restart <= PERIOD_RESTARTS; restart++) {
      const pages = await this.#chartPages(topId, period);
      period = pages.period;
      if (pages.complete) {
        return {
          playlist: {
            ...pages.first.chart,
            raw: { ...(pages.first.chart.raw as object), period },
          },
          declaredCount: pages.first.totalNum,
          songs: pages.songs,
        };
      }
      // the period rolled over while paging: start again with the new one
      this.#rememberPeriod(topId, period);
    }
    throw malformed(
      `chart ${topId} changed its period more than ${PERIOD_RESTARTS} times while paging`,
    );
  }

  /**
   * Every page of a chart in one period. A stale period is corrected once
   * from the first answer; a change while paging returns early, incomplete,
   * with the period the platform names.
   */
  async #chartPages(
    topId: number,
    asked: string,
  ): Promise<
    { complete: boolean; period: string; first: ToplistPage; songs: SongInfo[] }
  > {
    const pageCall = (period: string, offset: number, num: number) => ({
      ...MODULES.toplistDetail,
      param: { topid: topId, offset, num, period },
    });
    let period = asked;
    let first = parseToplistDetail(
      await this.#gateway.one(pageCall(period, 0, TOPLIST_PAGE_SIZE)),
    );
    if (first.period !== "" && first.period !== period) {
      // a stale or wrong period: the answer names the current one (§4)
      period = first.period;
      this.#rememberPeriod(topId, period);
      first = parseToplistDetail(
        await this.#gateway.one(pageCall(period, 0, TOPLIST_PAGE_SIZE)),
      );
      if (first.period !== "" && first.period !== period) {
        return { complete: false, period: first.period, first, songs: [] };
      }
    }
    const total = first.totalNum;
    const songs = [...first.songs];
    const step = first.songs.length;
    if (step === 0 && total > 0) {
      throw malformed(
        `chart ${topId} declares ${total} songs but its first page is empty`,
      );
    }
    const offsets: number[] = [];
    for (let offset = step; offset < total; offset += step) {
      offsets.push(offset);
    }
    for (let i = 0; i < offsets.length; i += PAGES_PER_ENVELOPE) {
      const batch = offsets.slice(i, i + PAGES_PER_ENVELOPE);
      const results = await this.#gateway.many(
        batch.map((offset) => pageCall(period, offset, step)),
      );
      for (const result of results) {
        if (!result.ok) throw result.error;
        const page = parseToplistDetail(result.data);
        if (page.period !== "" && page.period !== period) {
          return { complete: false, period: page.period, first, songs: [] };
        }
        songs.push(...page.songs);
      }
    }
    if (songs.length < total) {
      throw malformed(
        `chart ${topId} declares ${total} songs but its pages hold ${songs.length}`,
      );
    }
    return { complete: true, period, first, songs: dedupe(songs) };
  }

  #rememberPeriod(topId: number, period: string): void {
    const cache = this.#toplists;
    if (!cache) return;
    cache.entries = cache.entries.then((map) => {
      const entry = map.get(topId);
      if (entry) map.set(topId, { ...entry, period });
      return map;
    });
  }

  // ------------------------------------------------------------ playlists

  async #playlistSongs(disstid: string): Promise<PlaylistSongs> {
    if (!/^\d+$/.test(disstid)) {
      throw new SourceError(`qq: '${disstid}' is not a playlist id`, {
        platform: "qq",
        kind: "not_found",
      });
    }
    const songs: SongInfo[] = [];
    let total: number | undefined;
    let playlist: PlaylistCandidate | undefined;
    for (let begin = 0;;) {
      const url = this.#config.urls.to(this.#cdinfoUrl(disstid, begin));
      const body = await this.#config.http.json<unknown>(url, {
        headers: webHeaders(this.#session, PLAYLIST_REFERER),
      }, (answer) => {
        const code = (answer as { code?: unknown } | null)?.code;
        if (code === CODES.rateLimited) {
          throw new SourceError(
            "qq: rate limited by the platform (code 2001)",
            {
              platform: "qq",
              kind: "rate_limited",
              url,
              code,
              retryAfterSeconds: 2,
            },
          );
        }
      });
      const page = parseCdInfo(body);
      if (page.refused) {
        const { code, subcode, message } = page.refused;
        const kind = kindOfCode(code);
        throw new SourceError(
          `qq: playlist ${disstid} is missing or private (code ${code}, subcode ${subcode}${
            message === "" ? "" : `: ${message}`
          })`,
          {
            platform: "qq",
            kind: kind === "http" ? "not_found" : kind,
            url,
            code,
            retryable: false,
          },
        );
      }
      total ??= page.total;
      playlist ??= page.playlist;
      songs.push(...page.songs);
      begin += page.songs.length;
      if (page.songs.length === 0 || songs.length >= total) break;
    }
    if (songs.length < total) {
      throw malformed(
        `playlist ${disstid} declares ${total} songs but its pages hold ${songs.length}`,
      );
    }
    return {
      ...(playlist === undefined ? {} : { playlist }),
      declaredCount: total,
      songs: dedupe(songs),
    };
  }

  #cdinfoUrl(disstid: string, begin: number): string {
    const query = new URLSearchParams({
      type: "1",
      json: "1",
      utf8: "1",
      onlysong: "0",
      new_format: "1",
      disstid,
      song_begin: String(begin),
      song_num: String(PLAYLIST_PAGE_SIZE),
      ...LEGACY_CGI_QUERY,
      nosign: "1",
    });
    return `${CDINFO_URL}?${query}`;
  }

  // ------------------------------------------------------------ downloads

  /** A random `guid` of ten digits (§7). */
  #guid(): string {
    let guid = String(1 + Math.floor(this.#config.random() * 9));
    while (guid.length < 10) {
      guid += String(Math.floor(this.#config.random() * 10));
    }
    return guid;
  }

  /** The CDN host: the first `sip` not on `ws` (JSO), else the first. */
  #cdn(answer: VkeyAnswer): string {
    const sip = answer.sip.find((s) => !s.startsWith("http://ws")) ??
      answer.sip[0];
    return sip ?? this.#config.urls.to(DEFAULT_CDN);
  }
}

interface Grant {
  answer: VkeyAnswer;
  purl: string;
  fetchedAt: number;
}

/** The `midurlinfo` entry of a filename; by prefix when not echoed as sent. */
function matchEntry(answer: VkeyAnswer, filename: string, prefix: string) {
  return answer.entries.find((e) => e.filename === filename) ??
    answer.entries.find((e) =>
      e.filename.startsWith(prefix) &&
      e.filename.endsWith(filename.slice(filename.lastIndexOf(".")))
    );
}

/**
 * Whether musicu family B's category listing failed in a way legacy family
 * A may not share, so that the square falls back to it: a per-label or
 * gateway error code (`http`, `not_found`, `sign` after the signed retry),
 * an answer that is not the JSON §3 describes (`malformed`), or an HTML
 * page (`html`). Not for `network`/`timeout` (the HTTP layer already
 * retried), nor for `rate_limited`, `antibot`, `login` or `region`: those
 * are about the session or the connection, and asking another family
 * would only hide them.
 */
function warrantsLegacyFallback(error: unknown): error is SourceError {
  return isSourceError(
    error,
    "http",
    "html",
    "malformed",
    "not_found",
    "sign",
  );
}

/** The error of a square neither family could list: family A's, naming both. */
function bothFamiliesFailed(
  musicuError: SourceError,
  legacyError: unknown,
): unknown {
  if (!(legacyError instanceof SourceError)) return legacyError;
  return new SourceError(
    `${legacyError.message} (the legacy square, tried because musicu failed: ${musicuError.message})`,
    {
      platform: "qq",
      kind: legacyError.kind,
      ...(legacyError.status === undefined
        ? {}
        : { status: legacyError.status }),
      ...(legacyError.url === undefined ? {} : { url: legacyError.url }),
      ...(legacyError.code === undefined ? {} : { code: legacyError.code }),
      retryable: legacyError.retryable,
      ...(legacyError.retryAfterSeconds === undefined
        ? {}
        : { retryAfterSeconds: legacyError.retryAfterSeconds }),
      cause: legacyError,
    },
  );
}

/** Songs once each (pages may overlap), first position kept. */
function dedupe(songs: SongInfo[]): SongInfo[] {
  const seen = new Set<string>();
  return songs.filter((song) => {
    if (seen.has(song.remoteId)) return false;
    seen.add(song.remoteId);
    return true;
  });
}
