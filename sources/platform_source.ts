/**
 * The part of a `Source` every platform builds the same way from what it
 * knows: tagging (`tagInfo()`, `fetchCover()`, `lyrics()`, from its
 * `_lyrics.ts`: how its song records name their page, date and cover,
 * what its image host wants to be asked with, where its lyrics are) and
 * the doctor's probes (`probe()`, from its `_probe.ts`). Each platform's
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

/** What a platform knows about tagging its songs. */
export interface PlatformTagging<T extends ConfiguredTransport> {
  /** What the song's record says for its tags (no request; `Source.tagInfo()`). */
  tagInfo(song: SongInfo, options: { coverSize: number }): SongTagInfo;
  /** The headers the platform's image host wants with a cover request. */
  readonly coverHeaders: Readonly<Record<string, string>>;
  /** The song's lyrics, asked through the platform's transport (`Source.lyrics()`). */
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
  async fetchCover(
    cover: CoverRef,
    options: ExtrasOptions = {},
  ): Promise<Uint8Array | null> {
    const { http, urls } = this.#transport.config;
    const url = urls.to(cover.url);
    const response = await http.request(url, {
      headers: { ...this.#tagging.coverHeaders },
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

  /** The song's lyrics (the platform's `_lyrics.ts`). */
  lyrics(song: SongInfo, options?: ExtrasOptions): Promise<SongLyrics> {
    return this.#tagging.lyrics(this.#transport, song, options);
  }
}
