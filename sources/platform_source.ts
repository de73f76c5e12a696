/**
 * The part of a `Source` every platform builds the same way from what it
 * knows: tagging (`tagInfo()`, `fetchCover()`, `lyrics()`, from its
 * `_lyrics.ts`: how its song records name their page, date and cover,
 * what its image host wants to be asked with, where its lyrics are, each
 * lyric endpoint askable alone as a `LyricVariant`) and the doctor's
 * probes (`probe()`, from its `_probe.ts`, which asks each lyric variant
 * and one cover through `probeTagging()` of `probe.ts`). Each platform's
 * source extends `PlatformSource` with those parts.
 *
 * @module
 */
import type { SourceConfig } from "./config.ts";
import { SourceError } from "./errors.ts";
import type {
  CoverRef,
  ExtrasOptions,
  ProbeOptions,
  ProbeResult,
  SongInfo,
  SongLyrics,
  SongTagInfo,
} from "./types.ts";

/** What the shared calls need of a platform's transport: its configuration. */
export interface ConfiguredTransport {
  /** The source's configuration (HTTP client, base URLs). */
  readonly config: SourceConfig;
}

/** Options of one lyric variant's request. */
export interface LyricVariantOptions extends ExtrasOptions {
  /**
   * Without the transport's recovery (NetEase's risk-control identity), so
   * that a refusal shows as one: how the doctor asks.
   */
  quiet?: boolean;
}

/**
 * One endpoint a platform asks lyrics from, askable alone: one request and
 * its answer, without the fallbacks and pauses of `lyrics()` (which asks
 * the variants in order), so that `doctor` can show each on its own.
 */
export interface LyricVariant<T extends ConfiguredTransport> {
  /** The endpoint, as the doctor's table names it (`song/lyric`, `newlyric`...). */
  readonly name: string;
  /** The song's lyrics from this endpoint; throws `SourceError` when it does not answer. */
  ask(
    transport: T,
    song: SongInfo,
    options?: LyricVariantOptions,
  ): Promise<SongLyrics>;
}

/** What a platform knows about tagging its songs. */
export interface PlatformTagging<T extends ConfiguredTransport> {
  /** What the song's record says for its tags (no request; `Source.tagInfo()`). */
  tagInfo(song: SongInfo, options: { coverSize: number }): SongTagInfo;
  /** The headers the platform's image host wants with a cover request. */
  readonly coverHeaders: Readonly<Record<string, string>>;
  /** Each lyric endpoint on its own, in the order `lyrics()` asks them. */
  readonly lyricVariants: readonly LyricVariant<T>[];
  /**
   * The song's lyrics, asked through the platform's transport
   * (`Source.lyrics()`): the variants with the platform's fallbacks.
   */
  lyrics(
    transport: T,
    song: SongInfo,
    options?: ExtrasOptions,
  ): Promise<SongLyrics>;
}

/** What a platform gives `PlatformSource`. */
export interface PlatformParts<T extends ConfiguredTransport> {
  /** What it knows about tagging its songs. */
  readonly tagging: PlatformTagging<T>;
  /** One small request per path and variant, through its transport (`Source.probe()`). */
  probe(transport: T, options?: ProbeOptions): Promise<ProbeResult[]>;
}

/**
 * `Source.tagInfo()`, `fetchCover()`, `lyrics()` and `probe()` from a
 * platform's parts.
 */
export abstract class PlatformSource<T extends ConfiguredTransport> {
  readonly #transport: T;
  readonly #tagging: PlatformTagging<T>;
  readonly #probe: PlatformParts<T>["probe"];

  /** The shared calls of a source speaking through `transport`. */
  protected constructor(transport: T, { tagging, probe }: PlatformParts<T>) {
    this.#transport = transport;
    this.#tagging = tagging;
    this.#probe = probe;
  }

  /**
   * One small request per path and variant, each on its own (no fallback,
   * no recovery): what `catalogsync doctor` prints (the platform's
   * `_probe.ts`).
   */
  probe(options: ProbeOptions = {}): Promise<ProbeResult[]> {
    return this.#probe(this.#transport, options);
  }

  /** Tag facts from the song's record (the platform's `_lyrics.ts`). */
  tagInfo(song: SongInfo, options: { coverSize: number }): SongTagInfo {
    return this.#tagging.tagInfo(song, options);
  }

  /**
   * Fetches a cover through the platform's HTTP client (pacing, retries on
   * 5xx/429): its bytes, or `null` for a 404 (or 403, which image hosts
   * answer for pictures that are gone).
   */
  fetchCover(
    cover: CoverRef,
    options: ExtrasOptions = {},
  ): Promise<Uint8Array | null> {
    return fetchCover(this.#transport, this.#tagging, cover, options);
  }

  /** The song's lyrics (the platform's `_lyrics.ts`). */
  lyrics(song: SongInfo, options?: ExtrasOptions): Promise<SongLyrics> {
    return this.#tagging.lyrics(this.#transport, song, options);
  }
}

/**
 * Fetches a cover through the transport's HTTP client with the headers its
 * image host wants (`Source.fetchCover()`, and the doctor's cover probe):
 * its bytes, or `null` for a 404 (or 403, which image hosts answer for
 * pictures that are gone). Throws `SourceError` for anything else.
 */
export async function fetchCover<T extends ConfiguredTransport>(
  transport: T,
  tagging: Pick<PlatformTagging<T>, "coverHeaders">,
  cover: CoverRef,
  options: ExtrasOptions = {},
): Promise<Uint8Array | null> {
  const { http, urls } = transport.config;
  const url = urls.to(cover.url);
  const response = await http.request(url, {
    headers: { ...tagging.coverHeaders },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status === 404 || response.status === 403) {
    await response.body?.cancel().catch(() => {});
    return null;
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new SourceError(
      `${http.platform}: HTTP ${response.status} for the cover ${cover.url}`,
      { platform: http.platform, kind: "http", status: response.status, url },
    );
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw new SourceError(
      `${http.platform}: the cover ${cover.url} broke off`,
      { platform: http.platform, kind: "network", url, cause },
    );
  }
}
