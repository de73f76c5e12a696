/**
 * Kuwo download offers: one `mobi.s` request per rung of the ladder, best
 * first, lazily (§9.6); each answer judged (`judgeAnswer`) and, when it is
 * an offer, probed on the CDN. Two forms of the same resolver: the plain
 * `convert_url_with_sign` call (`f=web`, the page's primary path, §9.2)
 * and the KuwoDES `convert_url2` call (`f=kuwo&q=`, §9.3); the transport
 * sends either and reads both into one `MobiAnswer`, so another form (or
 * another `source` string) is a transport matter, not a new ladder.
 *
 * @module
 */
import { isObject } from "../_json.ts";
import { isSourceError, SourceError } from "../errors.ts";
import {
  type Container,
  type DownloadOffer,
  type OfferOptions,
  qualityRank,
  type SongInfo,
} from "../types.ts";
import {
  CDN_HOST_PATTERN,
  CDN_PATH_PATTERN,
  FINAL_CODES,
  LADDER,
  MAX_PLAIN_BITRATE,
  MOBILE_UA,
  PREVIEW_DURATION_SLACK_RATIO,
  PREVIEW_DURATION_SLACK_S,
  REGION_CODE,
  type Rung,
  WWW_REFERER,
} from "./_constants.ts";
import { rungOf, stripMusicPrefix, toNumber } from "./_parse.ts";
import { type MobiAnswer, offerRungs } from "./_parse_offers.ts";
import { type KuwoTransport, type OfferPath, requireId } from "./_transport.ts";

/** Headers the CDN wants (§9.5). */
export const CDN_HEADERS: Readonly<Record<string, string>> = {
  "User-Agent": MOBILE_UA,
  Referer: WWW_REFERER,
};

/** What one `mobi.s` answer means for the ladder (§9.6 step 4). */
export type Verdict =
  | { kind: "offer"; rung: Rung; url: string; expiresAt: number }
  | { kind: "next"; reason: string }
  | { kind: "preview"; reason: string }
  | { kind: "final"; reason: string; code?: number }
  | { kind: "region"; reason: string; code: number };

/**
 * Judges one answer for a rung (§9.6 step 4): region lock; final codes;
 * a preview stub (`type` ≠ 0, `bitrate` ≤ 1, or a duration far off the
 * track's); a foreign `rid` (next tier for JSON, stop for `convert_url2`,
 * as MBG does); no usable URL, an encrypted tier (> 4000 kbps), a tier off
 * the ladder or a URL off the CDN: next tier. A downgraded tier is an offer
 * of the tier achieved.
 */
export function judgeAnswer(
  answer: MobiAnswer,
  rid: string,
  expectedDurationS: number | undefined,
  path: OfferPath,
  realUrl: (url: string) => string,
): Verdict {
  if (answer.code === REGION_CODE) {
    return {
      kind: "region",
      code: REGION_CODE,
      reason: answer.message ?? "not available in your region",
    };
  }
  if (answer.code !== undefined && FINAL_CODES.has(answer.code)) {
    return {
      kind: "final",
      code: answer.code,
      reason: `code ${answer.code}${
        answer.message ? ` (${answer.message})` : ""
      }`,
    };
  }
  if (answer.code !== undefined && answer.code !== 200) {
    return { kind: "next", reason: `code ${answer.code}` };
  }
  if (answer.type !== undefined && answer.type !== 0) {
    return { kind: "preview", reason: `type ${answer.type}` };
  }
  if (answer.bitrateKbps !== undefined && answer.bitrateKbps <= 1) {
    return { kind: "preview", reason: `bitrate ${answer.bitrateKbps}` };
  }
  if (expectedDurationS !== undefined && answer.durationS !== undefined) {
    const slack = Math.max(
      PREVIEW_DURATION_SLACK_S,
      expectedDurationS * PREVIEW_DURATION_SLACK_RATIO,
    );
    if (Math.abs(answer.durationS - expectedDurationS) > slack) {
      return {
        kind: "preview",
        reason: `duration ${answer.durationS} s, the track has ${
          Math.round(expectedDurationS)
        } s`,
      };
    }
  }
  if (answer.rid !== undefined && answer.rid !== rid) {
    const reason = `answered for rid ${answer.rid}`;
    return path === "des"
      ? { kind: "final", reason }
      : { kind: "next", reason };
  }
  const url = answer.url?.trim();
  if (!url || url === "None" || !/^https?:\/\//i.test(url)) {
    return { kind: "next", reason: "no URL" };
  }
  if (answer.bitrateKbps === undefined || answer.format === undefined) {
    return { kind: "next", reason: "no bitrate or format" };
  }
  if (answer.bitrateKbps > MAX_PLAIN_BITRATE) {
    return {
      kind: "next",
      reason: `encrypted tier ${answer.bitrateKbps} kbps ${answer.format}`,
    };
  }
  const rung = rungOf(answer.bitrateKbps, answer.format);
  if (!rung) {
    return {
      kind: "next",
      reason:
        `tier ${answer.bitrateKbps} kbps ${answer.format} is off the ladder`,
    };
  }
  let real: URL;
  try {
    real = new URL(realUrl(url));
  } catch {
    return { kind: "next", reason: "an unparsable URL" };
  }
  const cdnPath = CDN_PATH_PATTERN.exec(real.pathname);
  if (!CDN_HOST_PATTERN.test(real.hostname) || !cdnPath) {
    return { kind: "next", reason: `a URL off the CDN (${real.hostname})` };
  }
  real.protocol = "https:"; // `http` may become `https` (§9.5)
  return {
    kind: "offer",
    rung,
    url: real.href,
    expiresAt: parseInt(cdnPath[2]!, 16) * 1000,
  };
}

/** What the first bytes of a file say about its container. */
export function sniffContainer(bytes: Uint8Array): Container | undefined {
  if (
    bytes[0] === 0x66 && bytes[1] === 0x4c && bytes[2] === 0x61 &&
    bytes[3] === 0x43
  ) return "flac";
  if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) {
    return "mp3";
  }
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0) return "mp3";
  return undefined;
}

/** Options of `resolveOffers()`. */
export interface ResolveOptions extends OfferOptions {
  /** The form of `mobi.s` to ask. */
  path: OfferPath;
  /** Probe the first bytes of each offer (container, exact size). */
  probe: boolean;
}

/**
 * Offers for a song, best first, one `mobi.s` request per rung. Throws
 * `region` on a region lock at any point; `vip`/`unavailable` when the
 * ladder ends (preview stub, final code, nothing usable) before any offer.
 */
export async function* resolveOffers(
  transport: KuwoTransport,
  song: SongInfo,
  options: ResolveOptions,
): AsyncGenerator<DownloadOffer> {
  const { config } = transport;
  const rid = requireId(
    song.remoteId,
    "a song",
    stripMusicPrefix(song.remoteId),
  );
  const item = isObject(song.raw) ? song.raw : undefined;
  const top = options.top;
  const rungs = (item ? offerRungs(item) : rungsFromQualities(song))
    .filter((rung) =>
      top === undefined || qualityRank(rung.label) >= qualityRank(top)
    );
  const expectedS = durationOf(song);
  const paid = song.availability === "vip";
  const fail = (kind: "vip" | "unavailable", reason: string) =>
    new SourceError(
      `kuwo: song ${rid} has no usable download${
        kind === "vip" ? " (VIP only)" : ""
      }: ${reason}`,
      { platform: "kuwo", kind, retryable: false },
    );
  if (rungs.length === 0) {
    throw fail("unavailable", `no tier at or below ${top}`);
  }
  let yielded = 0;
  /** Rank of the last tier achieved: rungs at or above it are not asked again. */
  let achievedRank = -1;
  let lastReason = "no tier answered";
  for (const rung of rungs) {
    if (qualityRank(rung.label) <= achievedRank) continue;
    options.signal?.throwIfAborted();
    let answer: MobiAnswer;
    try {
      answer = await transport.mobi(rid, rung, options.path, options.signal);
    } catch (error) {
      // §9.6 step 4: a non-2xx answer (but 429) or a broken body: next tier
      if (isSourceError(error, "http", "html", "malformed")) {
        lastReason = `${rung.br}: ${error.message}`;
        continue;
      }
      throw error;
    }
    const verdict = judgeAnswer(
      answer,
      rid,
      expectedS,
      options.path,
      config.urls.real,
    );
    switch (verdict.kind) {
      case "region":
        throw new SourceError(
          `kuwo: region lock: mobi.s refuses this region (code ${verdict.code}: ${verdict.reason})`,
          {
            platform: "kuwo",
            kind: "region",
            code: verdict.code,
            retryable: false,
          },
        );
      case "preview":
        if (yielded > 0) return;
        throw fail(
          "vip",
          `${rung.br} answered a preview stub (${verdict.reason})`,
        );
      case "final":
        if (yielded > 0) return;
        throw fail(
          paid ? "vip" : "unavailable",
          `${rung.br}: ${verdict.reason}`,
        );
      case "next":
        lastReason = `${rung.br}: ${verdict.reason}`;
        continue;
      case "offer": {
        const achieved = qualityRank(verdict.rung.label);
        if (
          achieved <= achievedRank ||
          (top !== undefined && achieved < qualityRank(top))
        ) {
          lastReason = `${rung.br}: answered ${verdict.rung.br} again`;
          continue;
        }
        achievedRank = achieved;
        const offer: DownloadOffer = {
          platform: "kuwo",
          songRemoteId: rid,
          quality: verdict.rung.label,
          level: verdict.rung.br,
          url: config.urls.to(verdict.url),
          extension: verdict.rung.format,
          container: verdict.rung.container,
          bitrateKbps: verdict.rung.bitrateKbps,
          expiresAt: verdict.expiresAt,
          headers: { ...CDN_HEADERS },
        };
        if (options.probe) {
          const probed = await probe(transport, offer, options.signal);
          if (probed.kind === "bad") {
            lastReason = `${rung.br}: ${probed.reason}`;
            continue;
          }
          if (probed.kind === "ok" && probed.sizeBytes !== undefined) {
            offer.sizeBytes = probed.sizeBytes;
          }
          // an inconclusive probe (a flaky CDN) leaves the checks to the transfer
        }
        yielded++;
        yield offer;
      }
    }
  }
  if (yielded === 0) {
    throw fail(paid ? "vip" : "unavailable", lastReason);
  }
}

function rungsFromQualities(song: SongInfo): Rung[] {
  const levels = new Set(song.qualities.map((q) => q.level));
  const known = LADDER.filter((rung) => levels.has(rung.br));
  return known.length > 0 ? known : [...LADDER];
}

function durationOf(song: SongInfo): number | undefined {
  if (song.durationMs !== undefined) return song.durationMs / 1000;
  const raw = isObject(song.raw) ? song.raw : {};
  return toNumber(raw.duration ?? raw.DURATION);
}

/** What probing an offer found. */
type Probe =
  | { kind: "ok"; sizeBytes: number | undefined }
  | { kind: "bad"; reason: string }
  | { kind: "unsure"; reason: string };

/** Probes of an offer before it is offered unprobed. */
const PROBE_ATTEMPTS = 3;

/**
 * Reads the first bytes of an offer (§9.6 step 6): the container's magic
 * must match the tier, the size comes from `Content-Range`. A refusal or
 * another container makes the offer `bad`; what a flaky CDN does (an HTML
 * error page, a body cut before its first bytes, a 5xx or a reset that
 * outlasted the HTTP layer's retries) is probed again, and then left
 * `unsure`: the transfer, which retries those on the same rung, decides.
 */
async function probe(
  transport: KuwoTransport,
  offer: DownloadOffer,
  signal: AbortSignal | undefined,
): Promise<Probe> {
  let result: Probe = { kind: "unsure", reason: "not probed" };
  for (let attempt = 0; attempt < PROBE_ATTEMPTS; attempt++) {
    result = await probeOnce(transport, offer, signal);
    if (result.kind !== "unsure") return result;
  }
  return result;
}

async function probeOnce(
  transport: KuwoTransport,
  offer: DownloadOffer,
  signal: AbortSignal | undefined,
): Promise<Probe> {
  let response: Response;
  try {
    response = await transport.cdn(
      offer.url,
      { ...offer.headers, Range: "bytes=0-15" },
      signal,
    );
  } catch (error) {
    if (isSourceError(error) && error.retryable) {
      return { kind: "unsure", reason: `the probe failed: ${error.message}` };
    }
    throw error;
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel().catch(() => {});
    return { kind: "bad", reason: `the CDN answered HTTP ${response.status}` };
  }
  if (/\btext\/html\b/i.test(response.headers.get("content-type") ?? "")) {
    await response.body?.cancel().catch(() => {});
    return { kind: "unsure", reason: "the CDN answered an HTML page" };
  }
  const { head, broken } = await firstBytes(response, 16);
  const container = sniffContainer(head);
  if (container === undefined && (broken || head[0] === 0x3c)) {
    return {
      kind: "unsure",
      reason: broken ? "the probe's body broke off" : "the CDN answered markup",
    };
  }
  if (container !== offer.container) {
    return {
      kind: "bad",
      reason: `the file is not ${offer.container} (${container ?? "unknown"})`,
    };
  }
  const range = /\/(\d+)\s*$/.exec(response.headers.get("content-range") ?? "");
  const length = response.status === 200
    ? toNumber(response.headers.get("content-length"))
    : undefined;
  return { kind: "ok", sizeBytes: range ? Number(range[1]) : length };
}

/** Up to `count` first bytes of a body, and whether it broke off before. */
async function firstBytes(
  response: Response,
  count: number,
): Promise<{ head: Uint8Array; broken: boolean }> {
  const out = new Uint8Array(count);
  let filled = 0;
  let broken = false;
  const reader = response.body?.getReader();
  if (!reader) return { head: out.subarray(0, 0), broken };
  try {
    while (filled < count) {
      const { value, done } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, count - filled);
      out.set(value.subarray(0, take), filled);
      filled += take;
    }
  } catch {
    // a body that breaks off: judge what arrived
    broken = true;
  } finally {
    reader.cancel().catch(() => {});
  }
  return { head: out.subarray(0, filled), broken };
}
