/**
 * The normalized records every platform produces and the `Source` contract
 * the stages consume.
 *
 * @module
 */

/** The platforms catalogsync speaks to. */
export type Platform = "netease" | "qq" | "kuwo";

/** Every platform, in the order stages visit them. */
export const PLATFORMS: readonly Platform[] = ["netease", "qq", "kuwo"];

/** Whether a string names a platform. */
export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

/** The two kinds of playlist pool: the editorial square and the charts. */
export type PoolKind = "square" | "toplist";

/** Every pool kind. */
export const POOL_KINDS: readonly PoolKind[] = ["square", "toplist"];

/**
 * Platform-neutral quality labels, best first. Each platform maps its own
 * levels onto these (NetEase `exhigh` is `320k`, QQ `F000` is `lossless`,
 * Kuwo `2000kflac` is `lossless`, ...).
 */
export const QUALITY_LABELS = [
  "master",
  "hires",
  "lossless",
  "320k",
  "192k",
  "128k",
  "96k",
] as const;

/** A platform-neutral quality label. */
export type QualityLabel = typeof QUALITY_LABELS[number];

/** Whether a string is a quality label. */
export function isQualityLabel(value: string): value is QualityLabel {
  return (QUALITY_LABELS as readonly string[]).includes(value);
}

/** Rank of a quality label: 0 is the best. */
export function qualityRank(label: QualityLabel): number {
  return QUALITY_LABELS.indexOf(label);
}

/** Whether `label` is at or below `top` (every label is when there is no `top`). */
export function atOrBelow(
  label: QualityLabel,
  top: QualityLabel | undefined,
): boolean {
  return top === undefined || qualityRank(label) >= qualityRank(top);
}

/** Audio containers the platforms serve, by the magic bytes they start with. */
export type Container = "flac" | "mp3" | "m4a" | "ogg" | "ape";

/** A playlist pool candidate: a square category or a platform's chart list. */
export interface PoolCandidate {
  /** The platform. */
  platform: Platform;
  /** Square category or chart list. */
  kind: PoolKind;
  /** Stable key of the pool on its platform (category id or name, `toplist`). */
  remoteKey: string;
  /** The name as the platform displays it. */
  name: string;
  /** The group the platform files the category under (语种, 风格, ...). */
  group?: string;
  /** The platform's own record, as parsed from its response. */
  raw?: unknown;
}

/** A playlist as a pool lists it (or as its detail describes it). */
export interface PlaylistCandidate {
  /** The platform. */
  platform: Platform;
  /**
   * The playlist's id. Charts whose songs come from a chart endpoint rather
   * than the playlist endpoint (QQ, Kuwo) carry a `chart:` prefix.
   */
  remoteId: string;
  /** The name as the platform displays it. */
  name: string;
  /** URL of the cover image. */
  coverUrl?: string;
  /** Tracks the platform declares. */
  trackCount?: number;
  /** Plays the platform reports. */
  playCount?: number;
  /** Display name of the creator. */
  creator?: string;
  /** The platform's tags. */
  tags?: string[];
  /** Free text from the platform. */
  description?: string;
  /** Last update on the platform, epoch milliseconds. */
  updatedAt?: number;
  /** The platform's own record, as parsed from its response. */
  raw: unknown;
}

/** An artist credit of a song. */
export interface ArtistRef {
  /** The platform's id of the artist; absent for name-only credits. */
  remoteId?: string;
  /** The name as the platform displays it. */
  name: string;
}

/** A quality a song advertises. */
export interface QualityInfo {
  /** The platform-neutral quality label. */
  label: QualityLabel;
  /** The platform's own name of the level (`exhigh`, `F000`, `2000kflac`). */
  level: string;
  /** Size of the file in bytes, when known. */
  sizeBytes?: number;
  /** Bitrate in kbit/s, when known. */
  bitrateKbps?: number;
  /** File extension without the dot (`flac`, `mp3`, `m4a`). */
  extension?: string;
}

/** Whether a song can be fetched at all by an anonymous or logged-in user. */
export type Availability = "available" | "vip" | "unavailable";

/** A song, normalized: the seed's `SongInfo`. */
export interface SongInfo {
  /** The platform. */
  platform: Platform;
  /** The platform's own id. */
  remoteId: string;
  /** The title as the platform gives it. */
  title: string;
  /** Credits from the raw metadata, in order; empty when the platform gives only a string. */
  artists: ArtistRef[];
  /** The singer string as the platform displays it. */
  artistNames: string;
  /** The album, when the song has one. */
  album?: { remoteId?: string; name: string };
  /** Duration in milliseconds. */
  durationMs?: number;
  /** Advertised qualities, best first. */
  qualities: QualityInfo[];
  /** Whether the song can be fetched at all. */
  availability: Availability;
  /** The platform's own record: everything `downloadOffers()` needs later. */
  raw: unknown;
}

/** The songs of a playlist, with what the platform declared about it. */
export interface PlaylistSongs {
  /** Fresh playlist metadata from the detail call, when there is one. */
  playlist?: PlaylistCandidate;
  /** The track count the platform declares. */
  declaredCount: number;
  /** The songs, in playlist order. */
  songs: SongInfo[];
  /**
   * What the answers held that could not be taken (a song without an id,
   * skipped), one line each naming where; absent when there was none.
   */
  warnings?: string[];
}

/** A resolved download candidate. URLs expire: use it at once. */
export interface DownloadOffer {
  /** The platform. */
  platform: Platform;
  /** The platform's id of the song. */
  songRemoteId: string;
  /** The platform-neutral quality of the offered file. */
  quality: QualityLabel;
  /** The platform's own name of the level actually served. */
  level: string;
  /** The URL to fetch; it expires. */
  url: string;
  /** File extension without the dot (`flac`, `mp3`, `m4a`). */
  extension: string;
  /** The container the file claims to be, by its magic bytes. */
  container: Container;
  /** Size of the file in bytes, when known. */
  sizeBytes?: number;
  /** The platform's hex MD5 of the file, when it gives one. */
  md5?: string;
  /** Bitrate in kbit/s, when known. */
  bitrateKbps?: number;
  /** Epoch milliseconds after which the URL no longer works. */
  expiresAt?: number;
  /** Headers the CDN wants (Referer, User-Agent). */
  headers?: Record<string, string>;
}

/** Options of `Source.downloadOffers()`. */
export interface OfferOptions {
  /** The best quality wanted; the ladder starts here. */
  top?: QualityLabel;
  /** Aborts the work. */
  signal?: AbortSignal;
}

/**
 * Resolves the offers of several songs together, for one download run:
 * each round asks the platform once per rung (or per request variant) for
 * every song given, where `downloadOffers()` asks once per song. The run
 * feeds it the songs its workers take next (see `Source.offerBatcher()`).
 */
export interface OfferBatcher {
  /** Most songs one round takes (the platform's cap on one request). */
  readonly size: number;
  /**
   * One round of requests for `songs` (each new, or left unsettled by the
   * round before). For each song, in order: its offers when the round
   * settled it (what `downloadOffers()` would yield from here on, the
   * first ones resolved already; a refusal is thrown by the iterable), or
   * `undefined` when it needs another round (a rung or variant that was
   * refused: the next one is asked in the next round). A request that
   * fails settles its songs with offers resolved alone. `onSettled` hears
   * of each song as soon as it is settled.
   */
  round(
    songs: readonly SongInfo[],
    onSettled?: OfferSettled,
  ): Promise<Array<AsyncIterable<DownloadOffer> | undefined>>;
}

/**
 * Told as soon as a round settles song `index` (before the round's other
 * requests end): what `round()` will return for it.
 */
export type OfferSettled = (
  index: number,
  offers: AsyncIterable<DownloadOffer>,
) => void;

/** Artist details for lazy enrichment. */
export interface ArtistDetail {
  /** The platform. */
  platform: Platform;
  /** The platform's own id. */
  remoteId: string;
  /** The name as the platform displays it. */
  name: string;
  /** URL of the artist's picture. */
  avatarUrl?: string;
  /** Free text from the platform. */
  description?: string;
  /** Other names of the artist. */
  aliases?: string[];
  /** Songs the platform credits to the artist. */
  songCount?: number;
  /** Albums the platform credits to the artist. */
  albumCount?: number;
  /** The platform's own record, as parsed from its response. */
  raw: unknown;
}

/** A picture to fetch: the album's cover at one size. */
export interface CoverRef {
  /**
   * What the picture belongs to, the same for every song of an album
   * (`album:<id>`), so that it is fetched once per album.
   */
  key: string;
  /** The real URL of the picture at the size asked (or the nearest the platform has). */
  url: string;
  /** The size in pixels the URL asks for. */
  sizePx: number;
}

/** What a song's record says for its tags (no request is made). */
export interface SongTagInfo {
  /** The playlist-independent URL of the song's page on the platform. */
  pageUrl: string;
  /** The track number on its album, when the platform gives it. */
  trackNumber?: number;
  /** The disc number, when the platform gives it. */
  discNumber?: number;
  /** The release date, `YYYY-MM-DD`, when the platform gives it. */
  date?: string;
  /** The album's cover, when the song has one. */
  cover?: CoverRef;
}

/** A song's lyrics as the platform has them. */
export interface SongLyrics {
  /** `lyrics`, `none` (the platform has none) or `instrumental` (its marker for music without words). */
  kind: "lyrics" | "none" | "instrumental";
  /** The lyrics as LRC (`[mm:ss.xx]line`), when `kind` is `lyrics`. */
  lrc?: string;
  /** The platform's translation as LRC, when it has one. */
  translation?: string;
}

/** Options of the requests for a song's extras (lyrics, covers). */
export interface ExtrasOptions {
  /** Aborts the work. */
  signal?: AbortSignal;
}

/** Options of `Source.listPlaylists()`. */
export interface ListPlaylistsOptions {
  /** Stop after this many playlists; `0` or absent means all. */
  limit?: number;
  /** Aborts the work. */
  signal?: AbortSignal;
}

/**
 * The stages `catalogsync doctor` probes, in the order it asks and prints
 * them: `tag` is the lyric endpoints and cover hosts that `tag` (and
 * `download`, which tags by default) ask.
 */
export const PROBE_STAGES = ["collect", "sync", "download", "tag"] as const;

/** The stage a probed path serves. */
export type ProbeStage = typeof PROBE_STAGES[number];

/**
 * How a probed path answered: as expected (`ok`), refused by the platform
 * (a business code, a risk-control or login refusal, an empty URL),
 * with a body the client cannot read any more (`changed shape`), or not at
 * all (`unreachable`: network, timeout, 5xx).
 */
export type ProbeVerdict = "ok" | "refused" | "changed shape" | "unreachable";

/** One small request of one path and variant of a platform, and how it went. */
export interface ProbeResult {
  /** The platform. */
  platform: Platform;
  /** The stage the path serves. */
  stage: ProbeStage;
  /** What was asked (`square categories`, `song URL`...). */
  path: string;
  /** How it was asked (`musicu unsigned`, `mobi.s jiakong`...). */
  variant: string;
  /** How it went. */
  verdict: ProbeVerdict;
  /** Milliseconds the request took (by the source's clock). */
  latencyMs: number;
  /** Why, in one line. */
  reason: string;
}

/** Options of `Source.probe()`. */
export interface ProbeOptions {
  /** Aborts the probes. */
  signal?: AbortSignal;
}

/**
 * One platform. Every method talks to the platform through the shared HTTP
 * layer and throws `SourceError` for everything the platform refuses.
 */
export interface Source {
  /** The platform. */
  readonly platform: Platform;
  /** The square's categories (`square`) or the chart list (`toplist`) as pools. */
  listPools(kind: PoolKind): Promise<PoolCandidate[]>;
  /** The playlists of a pool, paging as the platform pages. */
  listPlaylists(
    pool: PoolCandidate,
    options?: ListPlaylistsOptions,
  ): AsyncIterable<PlaylistCandidate>;
  /** Every track of a playlist or chart, in order: never silently truncated. */
  playlistSongs(remotePlaylistId: string): Promise<PlaylistSongs>;
  /**
   * Usable download offers, best first, resolved lazily one rung at a time.
   * Throws `SourceError` (`vip`, `unavailable`, `region`, ...) when the
   * ladder ends without any usable offer.
   */
  downloadOffers(
    song: SongInfo,
    options?: OfferOptions,
  ): AsyncIterable<DownloadOffer>;
  /**
   * A batcher of several songs' offers for one download run (`top` and
   * `signal` as for `downloadOffers()`). Optional: a source without one
   * has each song resolved alone.
   */
  offerBatcher?(options?: OfferOptions): OfferBatcher;
  /** Details of an artist, for lazy enrichment. */
  artistDetail(remoteArtistId: string): Promise<ArtistDetail>;
  /**
   * One small request per path and variant the source uses (square
   * categories, a chart, a playlist page, a song detail, a URL at the
   * lowest rung, then each fallback variant, then one song's lyrics from
   * each lyric endpoint and its album's cover), without falling back: what
   * `catalogsync doctor` prints. Optional: a source without it is reported
   * as not probed.
   */
  probe?(options?: ProbeOptions): Promise<ProbeResult[]>;
  /**
   * What the song's record says for its tags: its page, track, disc, date
   * and the URL of its album's cover at `coverSize` pixels where the
   * platform scales. Makes no request.
   */
  tagInfo?(song: SongInfo, options: { coverSize: number }): SongTagInfo;
  /**
   * Fetches a cover: its bytes as served, or `null` when the platform has
   * no picture there (404). Throws `SourceError` for anything else.
   */
  fetchCover?(
    cover: CoverRef,
    options?: ExtrasOptions,
  ): Promise<Uint8Array | null>;
  /** The song's lyrics; throws `SourceError` when the platform does not answer. */
  lyrics?(song: SongInfo, options?: ExtrasOptions): Promise<SongLyrics>;
  /**
   * Forgets the login for the rest of this source's life, after the
   * platform refused it (a `login` error): later calls go anonymous.
   * Returns whether there was a login to forget. Absent on a platform
   * without logins.
   */
  dropLogin?(): boolean;
  /**
   * The quality a song will most likely download at with this source's
   * account, at or below `top`: the best rung the song advertises that the
   * account is entitled to (with its advertised size, if any); `null` when
   * a refusal is expected (VIP only, unavailable); `undefined` when the
   * source cannot tell. Sends no request: size estimates use it.
   */
  expectedQuality?(
    song: SongInfo,
    top?: QualityLabel,
  ): QualityInfo | null | undefined;
}
