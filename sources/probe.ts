/**
 * What the platforms' `probe()` share: one small request per path and
 * variant, timed, its failure turned into a verdict and a one-line reason
 * (`verdictOf`), the results in the order asked (`Probes`), and the `tag`
 * stage's probes, built the same way for every platform from its tagging
 * parts (`probeTagging`: one song's lyrics from each lyric variant, and
 * its album's cover).
 *
 * @module
 */
import { isSourceError } from "./errors.ts";
import {
  type ConfiguredTransport,
  fetchCover,
  type PlatformTagging,
} from "./platform_source.ts";
import type {
  CoverRef,
  Platform,
  ProbeResult,
  ProbeStage,
  ProbeVerdict,
  SongInfo,
  SongLyrics,
} from "./types.ts";

/** The longest reason kept, in characters. */
const MAX_REASON = 160;

/**
 * The verdict and reason of a failed probe: `unreachable` for network
 * failures, timeouts and 5xx; `changed shape` for HTML pages, malformed
 * bodies and parsers that cannot read an answer (`TypeError`); `refused`
 * for everything the platform answers on purpose (business codes, risk
 * control, logins, rate limits, VIP, region).
 *
 * @example Usage
 * ```ts
 * import { SourceError } from "./errors.ts";
 * import { verdictOf } from "./probe.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new SourceError("qq: HTTP 502", { platform: "qq", kind: "http", status: 502 });
 * assert.deepEqual(verdictOf(error), { verdict: "unreachable", reason: "qq: HTTP 502" });
 * ```
 */
export function verdictOf(
  error: unknown,
): { verdict: ProbeVerdict; reason: string } {
  const reason = oneLine(error);
  if (isSourceError(error)) {
    switch (error.kind) {
      case "network":
      case "timeout":
        return { verdict: "unreachable", reason };
      case "http":
        return {
          verdict: error.status !== undefined && error.status >= 500
            ? "unreachable"
            : "refused",
          reason,
        };
      case "html":
      case "malformed":
        return { verdict: "changed shape", reason };
      default:
        return { verdict: "refused", reason };
    }
  }
  if (error instanceof TypeError || error instanceof SyntaxError) {
    return { verdict: "changed shape", reason };
  }
  return { verdict: "unreachable", reason };
}

/** A probe's question failed on purpose: the platform answered, but not with what works. */
export class ProbeRefusal extends Error {
  /** Always `ProbeRefusal`. */
  override readonly name = "ProbeRefusal";
  /** The verdict to record. */
  readonly verdict: ProbeVerdict;

  /** A refusal (or another verdict) with its one-line reason. */
  constructor(reason: string, verdict: ProbeVerdict = "refused") {
    super(reason);
    this.verdict = verdict;
  }
}

/** The probes of one platform, in the order asked. */
export class Probes {
  /** The results so far. */
  readonly results: ProbeResult[] = [];
  #platform: Platform;
  #now: () => number;
  #signal: AbortSignal | undefined;

  /** Probes of a platform, timed by `now`. */
  constructor(
    platform: Platform,
    now: () => number,
    signal?: AbortSignal,
  ) {
    this.#platform = platform;
    this.#now = now;
    this.#signal = signal;
  }

  /**
   * Asks one path in one variant: `ask` resolves to what later probes need
   * and the reason of its success, or throws (a `ProbeRefusal` for an
   * answer that is not good enough). Resolves to the value, or `undefined`
   * after a failure; an abort is thrown.
   */
  async ask<T>(
    stage: ProbeStage,
    path: string,
    variant: string,
    ask: () => Promise<{ value: T; reason: string }>,
  ): Promise<T | undefined> {
    this.#signal?.throwIfAborted();
    const started = this.#now();
    try {
      const { value, reason } = await ask();
      this.#record(stage, path, variant, "ok", started, reason);
      return value;
    } catch (error) {
      if (this.#signal?.aborted) throw this.#signal.reason;
      const { verdict, reason } = error instanceof ProbeRefusal
        ? { verdict: error.verdict, reason: oneLine(error) }
        : verdictOf(error);
      this.#record(stage, path, variant, verdict, started, reason);
      return undefined;
    }
  }

  /**
   * Asks one path with what an earlier probe (`needs`) gave, `input`; when
   * that probe gave nothing, records this one as not asked (`skip()`).
   */
  async askWith<I, T>(
    input: I | undefined,
    needs: string,
    stage: ProbeStage,
    path: string,
    variant: string,
    ask: (input: I) => Promise<{ value: T; reason: string }>,
  ): Promise<T | undefined> {
    if (input === undefined) {
      this.skip(stage, path, variant, needs);
      return undefined;
    }
    return await this.ask(stage, path, variant, () => ask(input));
  }

  /**
   * Records a path that could not be asked because what it needs (an id
   * from an earlier probe) is missing: the verdict of that earlier probe.
   */
  skip(
    stage: ProbeStage,
    path: string,
    variant: string,
    needs: string,
  ): void {
    const earlier = this.results.find((r) =>
      r.path === needs && r.verdict !== "ok"
    );
    this.results.push({
      platform: this.#platform,
      stage,
      path,
      variant,
      verdict: earlier?.verdict ?? "unreachable",
      latencyMs: 0,
      reason: `not asked: it needs ${needs}, which failed`,
    });
  }

  #record(
    stage: ProbeStage,
    path: string,
    variant: string,
    verdict: ProbeVerdict,
    started: number,
    reason: string,
  ): void {
    this.results.push({
      platform: this.#platform,
      stage,
      path,
      variant,
      verdict,
      latencyMs: Math.max(0, Math.round(this.#now() - started)),
      reason,
    });
  }
}

/** The cover size the probe asks: small, and one every platform has. */
const PROBE_COVER_SIZE = 300;

/**
 * The `tag` stage's probes of a platform, after its other probes found
 * `songs` (through the path `needs`): the lyrics of one song from each
 * lyric variant on its own (path `lyrics`; "no lyrics" and "instrumental"
 * are answers, so `ok`; a rate limit is `refused` with its reason), then
 * its album's cover (path `cover`, the variant naming the image host),
 * checked by its magic bytes as tagging checks it. The song is the first
 * whose record names a cover, else the first. A cover the host has not
 * (404/403) is `refused`; bytes that are neither JPEG nor PNG are
 * `changed shape`.
 */
export async function probeTagging<T extends ConfiguredTransport>(
  probes: Probes,
  transport: T,
  tagging: PlatformTagging<T>,
  songs: readonly SongInfo[],
  needs: string,
  signal?: AbortSignal,
): Promise<void> {
  const covered = songs.map((song) => ({
    song,
    cover: tagging.tagInfo(song, { coverSize: PROBE_COVER_SIZE }).cover,
  })).find((s) => s.cover !== undefined);
  const song = covered?.song ?? songs[0];
  for (const variant of tagging.lyricVariants) {
    await probes.askWith(
      song,
      needs,
      "tag",
      "lyrics",
      variant.name,
      async (song) => {
        const lyrics = await variant.ask(transport, song, {
          quiet: true,
          ...(signal === undefined ? {} : { signal }),
        });
        return {
          value: undefined,
          reason: `song ${song.remoteId}: ${describeLyrics(lyrics)}`,
        };
      },
    );
  }
  const cover = covered?.cover;
  if (song === undefined) {
    probes.skip("tag", "cover", "-", needs);
    return;
  }
  const host = cover === undefined ? "-" : new URL(cover.url).host;
  await probes.ask("tag", "cover", host, async () => {
    if (cover === undefined) {
      throw new ProbeRefusal(
        `none of ${songs.length} songs' records names an album cover`,
      );
    }
    const bytes = await fetchCover(
      transport,
      tagging,
      cover,
      signal === undefined ? {} : { signal },
    );
    return { value: undefined, reason: judgeCover(cover, bytes) };
  });
}

/** What a lyric answer holds, in a few words. */
function describeLyrics(lyrics: SongLyrics): string {
  switch (lyrics.kind) {
    case "none":
      return "no lyrics (an answer: the endpoint works)";
    case "instrumental":
      return "instrumental (an answer: the endpoint works)";
    default: {
      const lines = (lyrics.lrc ?? "").split("\n").filter((l) => l.trim())
        .length;
      return `${lines} lines${
        lyrics.translation === undefined ? "" : " and a translation"
      }`;
    }
  }
}

/**
 * The reason of a cover fetched as `bytes`; throws a `ProbeRefusal` for
 * no picture (`refused`) or bytes that are no JPEG or PNG (`changed
 * shape`). The magic bytes are those tagging checks (`pictureOf()` of
 * `storage/tags/tag_set.ts`, which this layer may not import).
 */
function judgeCover(cover: CoverRef, bytes: Uint8Array | null): string {
  const what = `${cover.key} at ${cover.sizePx} px`;
  if (bytes === null) {
    throw new ProbeRefusal(`${what}: no picture there (404/403)`);
  }
  const has = (at: number, magic: readonly number[]) =>
    magic.every((b, i) => bytes[at + i] === b);
  const kind = has(0, [0xff, 0xd8, 0xff])
    ? "JPEG"
    : has(0, [0x89, 0x50, 0x4e, 0x47]) && has(12, [0x49, 0x48, 0x44, 0x52])
    ? "PNG"
    : undefined;
  if (kind === undefined) {
    const head = new TextDecoder().decode(bytes.subarray(0, 24));
    throw new ProbeRefusal(
      `${what}: ${bytes.length} bytes that are neither JPEG nor PNG (${
        JSON.stringify(head)
      })`,
      "changed shape",
    );
  }
  return `${what}: ${kind}, ${bytes.length} bytes`;
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split("\n")[0] ?? text).replace(/\s+/g, " ").trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}
