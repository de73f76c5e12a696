/**
 * QQ download offers (§7): the rungs a song's files declare, one
 * `CgiGetVkey` request for all of them (asked again while answers come back
 * empty with result 0), and the granted `purl`s turned into offers on the
 * CDN, best first.
 *
 * The request is one function (`askVkey`): another form of it (another
 * endpoint or module of the same `midurlinfo` answer) slots in there
 * without touching the ladder.
 *
 * @module
 */
import { SourceError } from "../errors.ts";
import {
  type DownloadOffer,
  type OfferOptions,
  qualityRank,
  type SongInfo,
} from "../types.ts";
import {
  CDN_REFERER,
  DEFAULT_CDN,
  MAX_VKEY_ENTRIES,
  MODULES,
  USER_AGENT,
  VKEY_ATTEMPTS,
  VKEY_RESULTS,
} from "./_constants.ts";
import {
  parseVkey,
  songMedia,
  type VkeyAnswer,
  vkeyFilename,
} from "./_parse_offers.ts";
import type { QqTransport } from "./_transport.ts";

/** A granted URL path and the answer that granted it. */
interface Grant {
  answer: VkeyAnswer;
  purl: string;
  fetchedAt: number;
}

/**
 * Usable offers best first: the song's rungs at or below `top`, their vkey
 * filenames asked of `CgiGetVkey` together (up to `VKEY_ATTEMPTS` times
 * while a rung above the best grant answers an empty `purl` with result 0,
 * §7.3), each granted rung an offer on the CDN. Without any grant: `vip`
 * when a rung was refused for rights (104003), `unavailable` otherwise.
 */
export async function* resolveOffers(
  transport: QqTransport,
  song: SongInfo,
  options: OfferOptions = {},
): AsyncGenerator<DownloadOffer> {
  const media = songMedia(song.raw, song.remoteId);
  const topRank = options.top === undefined ? 0 : qualityRank(options.top);
  const rungs = media.rungs.filter((r) => qualityRank(r.rung.label) >= topRank)
    .slice(0, MAX_VKEY_ENTRIES);
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
    const answer = await askVkey(
      transport,
      media.mid,
      filenames,
      options.signal,
    );
    const fetchedAt = transport.config.now();
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
      url: `${cdnOf(transport, grant.answer)}${grant.purl}`,
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

/** One vkey request for a song's filenames: the web `CgiGetVkey` module (§7). */
async function askVkey(
  transport: QqTransport,
  mid: string,
  filenames: readonly string[],
  signal: AbortSignal | undefined,
): Promise<VkeyAnswer> {
  const data = await transport.one({
    ...MODULES.vkey,
    param: {
      guid: guidOf(transport.config),
      songmid: filenames.map(() => mid),
      filename: filenames,
      songtype: filenames.map(() => 0),
      uin: String(transport.session.uin),
      loginflag: 1,
      platform: "20",
    },
  }, signal);
  return parseVkey(data);
}

/** A random `guid` of ten digits (§7). */
function guidOf(config: { random(): number }): string {
  let guid = String(1 + Math.floor(config.random() * 9));
  while (guid.length < 10) {
    guid += String(Math.floor(config.random() * 10));
  }
  return guid;
}

/** The CDN host: the first `sip` not on `ws` (JSO), else the first. */
function cdnOf(transport: QqTransport, answer: VkeyAnswer): string {
  const sip = answer.sip.find((s) => !s.startsWith("http://ws")) ??
    answer.sip[0];
  return sip ?? transport.config.urls.to(DEFAULT_CDN);
}

/** The `midurlinfo` entry of a filename; by prefix when not echoed as sent. */
function matchEntry(answer: VkeyAnswer, filename: string, prefix: string) {
  return answer.entries.find((e) => e.filename === filename) ??
    answer.entries.find((e) =>
      e.filename.startsWith(prefix) &&
      e.filename.endsWith(filename.slice(filename.lastIndexOf(".")))
    );
}
