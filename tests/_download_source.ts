/**
 * A download test bed: a test `Source` whose `downloadOffers()` resolves
 * offers through an emulated API (`api.<platform>.test`) into signed,
 * expiring URLs on an emulated CDN (`cdn.<platform>.test`), both plugged
 * into the project's emulation frame. Every failure kind the download
 * stage handles can be produced on demand: per offer (a preview, an
 * empty URL, 403, 404, a VIP refusal, a wrong length, magic or MD5) and
 * per CDN request (expired, cut, 5xx, reset, no Range, slow).
 */
import { createHash } from "node:crypto";
import {
  markPlaylistSynced,
  replacePlaylistSongs,
  upsertPlaylist,
} from "../catalog/playlists.ts";
import type { Catalog } from "../catalog/database.ts";
import { upsertSong } from "../catalog/songs.ts";
import {
  audioBytes,
  type AudioFile,
  audioMd5,
  serveAudio,
} from "../emulation/audio.ts";
import {
  createEmulation,
  type Emulation,
  RESET_MARKER,
} from "../emulation/emulation.ts";
import { json, type PlatformEmulator } from "../emulation/platform.ts";
import { SourceError, type SourceErrorKind } from "../sources/errors.ts";
import type { Fetch } from "../sources/http.ts";
import {
  type Container,
  type CoverRef,
  type DownloadOffer,
  type OfferOptions,
  type Platform,
  PLATFORMS,
  type QualityLabel,
  qualityRank,
  type SongInfo,
  type SongLyrics,
  type SongTagInfo,
  type Source,
} from "../sources/types.ts";
import { coverImage } from "../emulation/images.ts";

/** What goes wrong with an offer, every time it is resolved. */
export type OfferFault =
  | "trial"
  | "empty_url"
  | "403"
  | "404"
  | "vip_refusal"
  | "wrong_length"
  | "short_body"
  | "wrong_magic"
  | "wrong_md5"
  | "html";

/** One rung of a test song's ladder. */
export interface TestOffer {
  /** The platform's level name. */
  level: string;
  /** Its label. */
  quality: QualityLabel;
  /** The container served. */
  container: Container;
  /** The extension. */
  extension: string;
  /** Bytes of the full file. */
  sizeBytes: number;
  /** What goes wrong. */
  fault?: OfferFault;
  /** Whether the offer carries an MD5. @default true */
  md5?: boolean;
  /** Whether the offer declares its size. @default true */
  declareSize?: boolean;
  /** The size the song advertises for this level. @default sizeBytes */
  advertisedSize?: number;
}

/** A test song. */
export interface TestSong {
  /** Remote id. */
  id: string;
  /** Title (may be hostile). */
  title: string;
  /** Artists string (may be hostile). */
  artist: string;
  /** Duration. */
  durationMs?: number;
  /** The ladder, best first. */
  offers: TestOffer[];
  /** Thrown when the ladder ends (even after offers were yielded). */
  refusal?: SourceErrorKind;
  /** Thrown before any offer. */
  error?: SourceErrorKind;
}

/** A fault applied to the next CDN requests of one file. */
export interface CdnFault {
  /** `song/level` the fault applies to; any file when absent. */
  file?: string;
  /**
   * `expired` answers 403 as for an expired signature; `cut` breaks the
   * body after `bytes`; `5xx` answers 503; `reset` cuts the connection;
   * `no_ranges` ignores `Range`; `slow` waits `ms` before answering;
   * `html` answers an HTML error page with status 200 (a gateway's);
   * `short` answers 200 with a clean body that ends half-way (its
   * Content-Length says so).
   */
  kind:
    | "expired"
    | "cut"
    | "5xx"
    | "reset"
    | "no_ranges"
    | "slow"
    | "html"
    | "short";
  /** Bytes before a cut. */
  bytes?: number;
  /** Delay of a slow answer. */
  ms?: number;
  /** Requests it applies to. @default 1 */
  times?: number;
}

/** A CDN request the emulation saw. */
export interface CdnRequest {
  /** The platform. */
  platform: Platform;
  /** `song/level`. */
  file: string;
  /** The `Range` header, if any. */
  range: string | null;
  /** The status answered. */
  status: number;
}

/** What the test bed's emulation records and can be told. */
export class TestBedState {
  /** Every CDN request. */
  readonly cdn: CdnRequest[] = [];
  /** Every API call (`platform:song/level`). */
  readonly api: string[] = [];
  /** Faults for the next CDN requests. */
  readonly faults: Array<CdnFault & { left: number }> = [];
  /** Sign URLs already expired (a URL that waited too long in a queue), this many times. */
  expiredUrls = 0;

  /** Adds a CDN fault. */
  inject(fault: CdnFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Completed GET requests answered 200/206 per file. */
  fetchedFiles(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.cdn) {
      if (r.status === 200 || r.status === 206) {
        const key = `${r.platform}:${r.file}`;
        out.set(key, (out.get(key) ?? 0) + 1);
      }
    }
    return out;
  }

  take(file: string): CdnFault | undefined {
    const index = this.faults.findIndex((f) =>
      f.file === undefined || f.file === file
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.left--;
    if (fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

/** The audio file of a song's rung (what a correct CDN serves). */
export function audioFile(
  platform: Platform,
  songId: string,
  offer: TestOffer,
): AudioFile {
  return {
    key: `${platform}:${songId}:${offer.level}`,
    container: offer.container,
    sizeBytes: offer.fault === "trial"
      ? Math.max(64, Math.floor(offer.sizeBytes / 10))
      : offer.sizeBytes,
  };
}

/** Hex SHA-256 of a correct file. */
export function audioSha256(file: AudioFile): string {
  const hash = createHash("sha256");
  const step = 1 << 20;
  for (let start = 0; start < file.sizeBytes; start += step) {
    hash.update(
      audioBytes(file, start, Math.min(file.sizeBytes, start + step)),
    );
  }
  return hash.digest("hex");
}

const OTHER_CONTAINER: Record<Container, Container> = {
  flac: "mp3",
  mp3: "ogg",
  m4a: "flac",
  ogg: "flac",
  ape: "flac",
};

/** The test songs of each platform. */
export type TestWorlds = Partial<Record<Platform, TestSong[]>>;

function emulator(
  platform: Platform,
  songs: TestSong[],
  state: TestBedState,
  throttle: TestBedOptions["throttle"],
): PlatformEmulator {
  const api = `api.${platform}.test`;
  const cdn = `cdn.${platform}.test`;
  const byId = new Map(songs.map((s) => [s.id, s]));
  return {
    platform,
    hosts: [api, cdn],
    async handle(request, route, ctx) {
      const url = route.url;
      if (route.host === api) {
        const songId = url.searchParams.get("song") ?? "";
        const level = url.searchParams.get("level") ?? "";
        state.api.push(`${platform}:${songId}/${level}`);
        const song = byId.get(songId);
        const offer = song?.offers.find((o) => o.level === level);
        if (!song || !offer) return json({ code: 404 }, { status: 404 });
        if (offer.fault === "vip_refusal") {
          return json({ code: -10, refused: "vip" });
        }
        const file = audioFile(platform, songId, offer);
        const ttl = ctx.urlTtlSeconds;
        let expires = Math.floor(ctx.now() / 1000) + ttl;
        if (state.expiredUrls > 0) {
          state.expiredUrls--;
          expires = Math.floor(ctx.now() / 1000) - 60;
        }
        const path = `/${
          encodeURIComponent(songId)
        }/${level}.${offer.extension}`;
        const signature = ctx.signer.sign(path, expires);
        const mediaUrl = offer.fault === "empty_url"
          ? ""
          : ctx.hostUrl(cdn, `${path}?e=${expires}&s=${signature}`);
        const md5 = offer.fault === "wrong_md5"
          ? createHash("md5").update("something else").digest("hex")
          : audioMd5(file);
        return json({
          code: 200,
          url: mediaUrl,
          level,
          quality: offer.quality,
          container: offer.container,
          extension: offer.extension,
          size: offer.declareSize === false ? null : file.sizeBytes,
          md5: offer.md5 === false ? null : md5,
          expiresAt: expires * 1000,
        });
      }
      // the CDN
      const match = /^\/([^/]+)\/([^/.]+)\.([a-z0-9]+)$/.exec(route.path);
      const record = (status: number, file: string) =>
        state.cdn.push({
          platform,
          file,
          range: request.headers.get("range"),
          status,
        });
      if (!match) {
        record(404, route.path);
        return new Response("not found", { status: 404 });
      }
      const [, encodedId, level] = match as unknown as [string, string, string];
      const songId = decodeURIComponent(encodedId);
      const fileKey = `${songId}/${level}`;
      const song = byId.get(songId);
      const offer = song?.offers.find((o) => o.level === level);
      const expires = Number(url.searchParams.get("e"));
      const signature = url.searchParams.get("s") ?? "";
      if (
        !song || !offer ||
        !ctx.signer.verify(
          `/${encodedId}/${level}.${offer.extension}`,
          expires,
          signature,
        )
      ) {
        record(403, fileKey);
        return new Response("bad signature", { status: 403 });
      }
      if (expires * 1000 < ctx.now()) {
        record(403, fileKey);
        return new Response("expired", { status: 403 });
      }
      if (offer.fault === "403" || offer.fault === "404") {
        const status = Number(offer.fault);
        record(status, fileKey);
        return new Response("refused", { status });
      }
      const fault = state.take(fileKey);
      if (fault?.kind === "slow") {
        await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 100));
      }
      if (fault?.kind === "expired") {
        record(403, fileKey);
        return new Response("expired", { status: 403 });
      }
      if (fault?.kind === "5xx") {
        record(503, fileKey);
        return new Response("busy", { status: 503 });
      }
      const file = audioFile(platform, songId, offer);
      if (fault?.kind === "reset") {
        // the real answer, cut before its first byte of body
        record(599, fileKey);
        const answer = serveAudio(request, file);
        const headers = new Headers(answer.headers);
        headers.set(RESET_MARKER, "1");
        return new Response(answer.body, { status: answer.status, headers });
      }
      if (fault?.kind === "html") {
        record(200, fileKey);
        return new Response(
          "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
          { status: 200, headers: { "content-type": "text/html" } },
        );
      }
      if (fault?.kind === "short") {
        record(200, fileKey);
        const half = Math.floor(file.sizeBytes / 2);
        return new Response(audioBytes(file, 0, half).slice(), {
          status: 200,
          headers: { "content-length": String(half) },
        });
      }
      if (offer.fault === "html") {
        record(200, fileKey);
        return new Response(
          "<!DOCTYPE html><html><body>gateway error</body></html>",
          { status: 200, headers: { "content-type": "text/html" } },
        );
      }
      let served = file;
      if (offer.fault === "wrong_magic") {
        served = { ...file, container: OTHER_CONTAINER[file.container] };
      }
      if (offer.fault === "wrong_length") {
        served = { ...file, sizeBytes: file.sizeBytes - 100 };
      }
      if (offer.fault === "short_body") {
        // a clean, short body without Content-Length
        record(200, fileKey);
        const bytes = audioBytes(file, 0, Math.floor(file.sizeBytes / 2));
        return new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(bytes);
              controller.close();
            },
          }),
          { status: 200 },
        );
      }
      const response = serveAudio(request, served, {
        ...(fault?.kind === "no_ranges" ? { noRanges: true } : {}),
        ...(fault?.kind === "cut" ? { breakAt: fault.bytes ?? 1000 } : {}),
      });
      record(response.status, fileKey);
      if (throttle && response.body) {
        return new Response(
          slowBody(response.body, throttle.bytes, throttle.delayMs),
          response,
        );
      }
      return response;
    },
  };
}

/** A body re-chunked into `bytes` pieces, each delayed by `delayMs`. */
function slowBody(
  body: ReadableStream<Uint8Array>,
  bytes: number,
  delayMs: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let pending = new Uint8Array(0);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (pending.length < bytes) {
        const { value, done } = await reader.read();
        if (done) break;
        const next = new Uint8Array(pending.length + value.length);
        next.set(pending);
        next.set(value, pending.length);
        pending = next;
      }
      if (pending.length === 0) {
        controller.close();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      controller.enqueue(pending.slice(0, bytes));
      pending = pending.slice(bytes);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** Options of `createTestBed()`. */
export interface TestBedOptions {
  /** Slow every CDN body down: chunks of `bytes`, each after `delayMs`. */
  throttle?: { bytes: number; delayMs: number };
  /** The emulation's clock. @default Date.now */
  now?: () => number;
  /** Seconds a URL stays valid. @default 1200 */
  urlTtlSeconds?: number;
}

/** An emulation serving the test worlds, and what it saw. */
export interface TestBed {
  emulation: Emulation;
  state: TestBedState;
  worlds: TestWorlds;
}

/** Builds the emulation of the test worlds. */
export function createTestBed(
  worlds: TestWorlds,
  options: TestBedOptions = {},
): TestBed {
  const state = new TestBedState();
  const emulators: Partial<Record<Platform, (w: unknown) => PlatformEmulator>> =
    {};
  for (const platform of PLATFORMS) {
    const songs = worlds[platform] ?? [];
    emulators[platform] = () =>
      emulator(platform, songs, state, options.throttle);
  }
  const emulation = createEmulation({
    size: "tiny",
    emulators,
    ...(options.now ? { now: options.now } : {}),
    ...(options.urlTtlSeconds !== undefined
      ? { urlTtlSeconds: options.urlTtlSeconds }
      : {}),
  });
  return { emulation, state, worlds };
}

/** The `SongInfo` of a test song, as sync would have written it. */
export function songInfo(platform: Platform, song: TestSong): SongInfo {
  return {
    platform,
    remoteId: song.id,
    title: song.title,
    artists: [{ name: song.artist }],
    artistNames: song.artist,
    durationMs: song.durationMs ?? 200_000,
    qualities: song.offers.map((o) => ({
      label: o.quality,
      level: o.level,
      sizeBytes: o.advertisedSize ?? o.sizeBytes,
      extension: o.extension,
    })),
    availability: "available",
    raw: { id: song.id },
  };
}

/** A `Source` that resolves test songs through the test bed's API. */
export class TestSource implements Source {
  readonly platform: Platform;
  readonly #fetch: Fetch;
  readonly #base: string;
  readonly #songs: Map<string, TestSong>;
  /** `downloadOffers()` calls, by song id. */
  readonly resolutions: string[] = [];

  constructor(
    platform: Platform,
    songs: TestSong[],
    base: string,
    fetch: Fetch,
  ) {
    this.platform = platform;
    this.#fetch = fetch;
    this.#base = base.replace(/\/+$/, "");
    this.#songs = new Map(songs.map((s) => [s.id, s]));
  }

  listPools(): Promise<never> {
    return Promise.reject(new Error("not in the test source"));
  }

  // deno-lint-ignore require-yield
  async *listPlaylists(): AsyncIterable<never> {
    throw new Error("not in the test source");
  }

  playlistSongs(): Promise<never> {
    return Promise.reject(new Error("not in the test source"));
  }

  artistDetail(): Promise<never> {
    return Promise.reject(new Error("not in the test source"));
  }

  /** Tag facts: a page, and one cover per two songs (an "album"). */
  tagInfo(song: SongInfo, options: { coverSize: number }): SongTagInfo {
    const album = Math.floor(Number(song.remoteId) / 2);
    return {
      pageUrl: `https://example.test/${this.platform}/song/${song.remoteId}`,
      trackNumber: 1 + (Number(song.remoteId) % 2),
      date: "2024-05-06",
      cover: {
        key: `album:${album}`,
        url: `https://img.${this.platform}.test/${album}.jpg`,
        sizePx: options.coverSize,
      },
    };
  }

  /** `fetchCover()` calls, by key. */
  readonly coverFetches: string[] = [];

  /** A JPEG per album, drawn by the emulation's encoder. */
  fetchCover(cover: CoverRef): Promise<Uint8Array> {
    this.coverFetches.push(cover.key);
    return Promise.resolve(
      coverImage(
        `${this.platform}:${cover.key}`,
        "jpeg",
        Math.min(cover.sizePx, 64),
      ),
    );
  }

  /** Lyrics with a translation, in Chinese, Japanese and emoji. */
  lyrics(song: SongInfo): Promise<SongLyrics> {
    return Promise.resolve({
      kind: "lyrics",
      lrc: `[00:01.00]夜空 ${song.title}\n[00:05.50]さくら 🎵\n`,
      translation: "[00:01.00]译：夜空\n[00:05.50]译：樱花\n",
    });
  }

  async *downloadOffers(
    song: SongInfo,
    options: OfferOptions = {},
  ): AsyncGenerator<DownloadOffer> {
    this.resolutions.push(song.remoteId);
    const test = this.#songs.get(song.remoteId);
    const fail = (kind: SourceErrorKind, why: string) =>
      new SourceError(`${this.platform}: song ${song.remoteId} ${why}`, {
        platform: this.platform,
        kind,
      });
    if (!test) throw fail("not_found", "does not exist");
    if (test.error) throw fail(test.error, `refused (${test.error})`);
    const cap = options.top === undefined ? 0 : qualityRank(options.top);
    let yielded = 0;
    let refused = false;
    for (const rung of test.offers) {
      if (qualityRank(rung.quality) < cap) continue;
      const response = await this.#fetch(
        `${this.#base}/api.${this.platform}.test/offer?song=${
          encodeURIComponent(test.id)
        }&level=${encodeURIComponent(rung.level)}`,
        options.signal ? { signal: options.signal } : {},
      );
      const body = await response.json();
      if (body.refused) {
        refused = true;
        continue;
      }
      yielded++;
      yield {
        platform: this.platform,
        songRemoteId: test.id,
        quality: body.quality,
        level: body.level,
        url: body.url,
        extension: body.extension,
        container: body.container,
        ...(body.size === null ? {} : { sizeBytes: body.size }),
        ...(body.md5 === null ? {} : { md5: body.md5 }),
        expiresAt: body.expiresAt,
      };
    }
    if (test.refusal) throw fail(test.refusal, `refused (${test.refusal})`);
    if (yielded === 0) {
      throw refused
        ? fail("vip", "is VIP-only")
        : fail("unavailable", "has no usable file");
    }
  }
}

/** Test sources for every platform of the worlds. */
export function testSources(
  worlds: TestWorlds,
  base: string,
  fetch: Fetch,
): Map<Platform, TestSource> {
  const out = new Map<Platform, TestSource>();
  for (const platform of PLATFORMS) {
    const songs = worlds[platform];
    if (songs) out.set(platform, new TestSource(platform, songs, base, fetch));
  }
  return out;
}

/**
 * Writes the test songs into a catalog as sync would: songs, and one
 * synced playlist per platform holding them in order (`<platform>:all`).
 * Returns song ids by `platform:remote id`.
 */
export function seedCatalog(
  catalog: Catalog,
  worlds: TestWorlds,
  now = Date.UTC(2026, 10, 25),
): Map<string, number> {
  const ids = new Map<string, number>();
  catalog.transaction(() => {
    for (const platform of PLATFORMS) {
      const songs = worlds[platform];
      if (!songs) continue;
      const songIds = songs.map((s) => {
        const id = upsertSong(catalog, songInfo(platform, s), now);
        ids.set(`${platform}:${s.id}`, id);
        return id;
      });
      const playlistId = upsertPlaylist(catalog, {
        platform,
        remoteId: "all",
        name: `All ${platform} songs`,
        raw: null,
      }, now);
      replacePlaylistSongs(catalog, playlistId, songIds);
      markPlaylistSynced(catalog, playlistId, songIds.length, now);
    }
  });
  return ids;
}

/** A plain song with one good rung per given quality. */
export function goodSong(
  id: string,
  sizeBytes = 20_000,
  rungs: Array<[QualityLabel, string, Container, string]> = [
    ["lossless", "lossless", "flac", "flac"],
    ["320k", "exhigh", "mp3", "mp3"],
  ],
): TestSong {
  return {
    id,
    title: `Song ${id}`,
    artist: `Artist ${id}`,
    offers: rungs.map(([quality, level, container, extension], i) => ({
      quality,
      level,
      container,
      extension,
      sizeBytes: Math.max(100, Math.round(sizeBytes / (i + 1))),
    })),
  };
}
