/**
 * Kuwo download offers: one `mobi.s` request per rung of the ladder, best
 * first, lazily (§9.6); each answer judged (`judgeAnswer`) and, when it is
 * an offer, probed on the CDN. Two forms of the same resolver: the plain
 * `convert_url_with_sign` call (`f=web`, the page's primary path, §9.2)
 * and the KuwoDES `convert_url2` call (`f=kuwo&q=`, §9.3, asked by format:
 * no `br` inside the query); the transport sends either and reads both
 * into one `MobiAnswer`.
 *
 * The `source` string is an ordered list (`MOBI_SOURCES`, corrections of
 * December 2026): an answer that refuses the source moves on to the next
 * one for the same rung, and the one that answers is remembered for the
 * run (`MobiRoute`). A "music not found" answer ends the song as
 * unavailable at once. `mobi.s` takes one song per request, so Kuwo has no
 * batches: no request is wasted instead (only the rungs a song advertises,
 * none for a song its signals say is paid or taken down).
 *
 * @module
 */
import { asNumber, isObject } from "../_json.ts";
import { isSourceError, SourceError } from "../errors.ts";
import {
  atOrBelow,
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
  MOBI_SOURCES,
  MOBILE_UA,
  type MobiSource,
  NOT_FOUND_CODE,
  NOT_FOUND_PATTERN,
  PREVIEW_DURATION_SLACK_RATIO,
  PREVIEW_DURATION_SLACK_S,
  REGION_CODE,
  type Rung,
  WWW_REFERER,
} from "./_constants.ts";
import { rungOf, stripMusicPrefix } from "./_parse.ts";
import { type MobiAnswer, offerRungs } from "./_parse_offers.ts";
import { type KuwoTransport, type OfferPath, requireId } from "./_transport.ts";
import { probe } from "./_cdn_probe.ts";

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
  | { kind: "missing"; reason: string }
  | { kind: "refused"; reason: string }
  | { kind: "region"; reason: string; code: number };

/** Which `source` string answered last, per form: the next request starts there. */
export class MobiRoute {
  #first: Partial<Record<OfferPath, MobiSource>> = {};

  /** The sources of a form in the order to try them: the remembered one first. */
  order(path: OfferPath): MobiSource[] {
    const all = MOBI_SOURCES[path];
    const first = this.#first[path] ?? all[0]!;
    return [first, ...all.filter((s) => s !== first)];
  }

  /** Remembers a source that answered (anything but a refusal of the source). */
  answered(path: OfferPath, source: MobiSource): void {
    this.#first[path] = source;
  }
}

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
  const said = `code ${answer.code}${
    answer.message ? ` (${answer.message})` : ""
  }`;
  if (
    answer.code === NOT_FOUND_CODE ||
    (answer.code !== 200 && NOT_FOUND_PATTERN.test(answer.message ?? ""))
  ) {
    return { kind: "missing", reason: `music not found (${said})` };
  }
  if (answer.code !== undefined && FINAL_CODES.has(answer.code)) {
    return { kind: "final", code: answer.code, reason: said };
  }
  if (answer.code !== undefined && answer.code !== 200) {
    // a code the page does not name: the source string is refused
    return { kind: "refused", reason: said };
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

/** Options of `resolveOffers()`. */
export interface ResolveOptions extends OfferOptions {
  /** Which source string answered last in this run (updated). */
  route: MobiRoute;
  /** The form of `mobi.s` to ask. */
  path: OfferPath;
  /** Probe the first bytes of each offer (container, exact size). */
  probe: boolean;
}

/**
 * Offers for a song, best first, one `mobi.s` request per rung the song
 * advertises. Throws `region` on a region lock at any point;
 * `vip`/`unavailable` when the ladder ends (preview stub, final code,
 * "music not found", nothing usable) before any offer, or at once, without
 * a request, for a song its own signals say is paid or taken down.
 */
export async function* resolveOffers(
  transport: KuwoTransport,
  song: SongInfo,
  options: ResolveOptions,
): AsyncGenerator<DownloadOffer> {
  const { config } = transport;
  const route = options.route;
  const rid = requireId(
    song.remoteId,
    "a song",
    stripMusicPrefix(song.remoteId),
  );
  const item = isObject(song.raw) ? song.raw : undefined;
  const top = options.top;
  const rungs = (item ? offerRungs(item) : rungsFromQualities(song))
    .filter((rung) => atOrBelow(rung.label, top));
  const expectedS = durationOf(song);
  const paid = song.availability === "vip";
  const fail = (kind: "vip" | "unavailable", reason: string) =>
    new SourceError(
      `kuwo: song ${rid} has no usable download${
        kind === "vip" ? " (VIP only)" : ""
      }: ${reason}`,
      { platform: "kuwo", kind, retryable: false },
    );
  // what the song's own signals settle costs no request (§9.6 step 2: a
  // paid track is asked only with entitled cookies, and this source has
  // no Kuwo login; a taken-down one fails closed, as MBG does on
  // `cannotOnlinePlay`): the catalog's next sync refreshes the signals
  if (paid) {
    throw fail("vip", "a paid track, and no Kuwo login to ask for it with");
  }
  if (song.availability === "unavailable") {
    throw fail("unavailable", "taken down (online 0 or cannotOnlinePlay)");
  }
  if (rungs.length === 0) {
    throw fail("unavailable", `no tier at or below ${top}`);
  }
  let yielded = 0;
  /** Rank of the last tier achieved: rungs at or above it are not asked again. */
  let achievedRank = -1;
  let lastReason = "no tier answered";
  for (const rung of askedRungs(rungs, options.path)) {
    if (qualityRank(rung.label) <= achievedRank) continue;
    options.signal?.throwIfAborted();
    const verdict = await askSources(transport, route, rid, rung, {
      ...options,
      expectedS,
    });
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
      case "missing":
        if (yielded > 0) return;
        throw fail("unavailable", `${rung.br}: ${verdict.reason}`);
      case "preview":
        if (yielded > 0) return;
        throw fail(
          "vip",
          `${rung.br} answered a preview stub (${verdict.reason})`,
        );
      case "final":
        if (yielded > 0) return;
        throw fail("unavailable", `${rung.br}: ${verdict.reason}`);
      case "next":
      case "refused":
        lastReason = `${rung.br}: ${verdict.reason}`;
        continue;
      case "offer": {
        const achieved = qualityRank(verdict.rung.label);
        if (achieved <= achievedRank || !atOrBelow(verdict.rung.label, top)) {
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
    throw fail("unavailable", lastReason);
  }
}

/**
 * The rungs to ask: all of them in the plain form; one per format in the
 * KuwoDES form, which asks by format (no `br`) and gets the best tier.
 */
function askedRungs(rungs: readonly Rung[], path: OfferPath): Rung[] {
  if (path === "plain") return [...rungs];
  const formats = new Set<string>();
  return rungs.filter((rung) => {
    if (formats.has(rung.format)) return false;
    formats.add(rung.format);
    return true;
  });
}

/**
 * One rung asked of the `source` strings in turn, from the one `route`
 * remembers, until an answer does not refuse the source: its verdict. An
 * HTTP 404 is "music not found"; another 4xx (but 429) refuses the source;
 * an HTTP error, an HTML page or a broken body sends the ladder to its next
 * rung (§9.6 step 4). Every source refusing is `refused`.
 */
async function askSources(
  transport: KuwoTransport,
  route: MobiRoute,
  rid: string,
  rung: Rung,
  options: ResolveOptions & { expectedS: number | undefined },
): Promise<Verdict> {
  const refusals: string[] = [];
  for (const source of route.order(options.path)) {
    let verdict: Verdict;
    try {
      const answer = await transport.mobi(
        rid,
        rung,
        options.path,
        source,
        options.signal,
      );
      verdict = judgeAnswer(
        answer,
        rid,
        options.expectedS,
        options.path,
        transport.config.urls.real,
      );
    } catch (error) {
      if (isSourceError(error, "http") && error.status === NOT_FOUND_CODE) {
        verdict = { kind: "missing", reason: "music not found (HTTP 404)" };
      } else if (
        isSourceError(error, "http") && error.status !== undefined &&
        error.status >= 400 && error.status < 500 && error.status !== 429
      ) {
        verdict = { kind: "refused", reason: `HTTP ${error.status}` };
      } else if (isSourceError(error, "http", "html", "malformed")) {
        return { kind: "next", reason: error.message };
      } else {
        throw error;
      }
    }
    if (verdict.kind !== "refused") {
      route.answered(options.path, source);
      return verdict;
    }
    refusals.push(`${source.source}: ${verdict.reason}`);
  }
  return {
    kind: "refused",
    reason: `every source string refused (${refusals.join("; ")})`,
  };
}

function rungsFromQualities(song: SongInfo): Rung[] {
  const levels = new Set(song.qualities.map((q) => q.level));
  const known = LADDER.filter((rung) => levels.has(rung.br));
  return known.length > 0 ? known : [...LADDER];
}

function durationOf(song: SongInfo): number | undefined {
  if (song.durationMs !== undefined) return song.durationMs / 1000;
  const raw = isObject(song.raw) ? song.raw : {};
  return asNumber(raw.duration ?? raw.DURATION);
}
