/**
 * QQ download offers (§7): the rungs a song's files declare, one vkey
 * request for all of them, and the granted `purl`s turned into offers on
 * the CDN, best first.
 *
 * The request comes in variants (`VKEY_VARIANTS`, corrections of December
 * 2026): the web `CgiGetVkey` unsigned on `musicu.fcg`, the same JSON
 * zzc-signed on `musics.fcg`, and the Android app's `music.vkey.GetVkey` /
 * `UrlGetVkey` with the app's `comm`. What working clients taught:
 *
 * - an unsigned call can answer `code 0` with an empty `purl` on every rung
 *   of a song that plays in the browser, while the signed one answers
 *   (copws/qq-music-api issue #2, April 2025; it comes and goes);
 * - in 2026 such answers carry `data.retcode` 104009 and a `msg` naming
 *   `invalidq`, and L-1124/QQMusicApi asks the app module instead
 *   (its issue #252; `qqmusic_api/modules/song.py` `get_song_urls`:
 *   `music.vkey.GetVkey` / `UrlGetVkey` with `filename`, a 32-hex `guid`,
 *   `songmid`, `songtype`, `uin`, `ctx: 0`; URL = CDN + `purl`, and
 *   CharlesPikachu/musicdl `sources/qq.py` reads `wifiurl` on `isure`).
 *
 * So: every rung of an available song empty (or a device refusal) moves on
 * to the next variant; the variant that answers is remembered for the run
 * (`VkeyRoute`), and the next song starts there. A song is `vip` only when
 * the variants that answered agree (`result` 104003), or when it is
 * `pay_play` and there is no login. A song's way through the variants is
 * one state (`VkeyResolution`), walked one song at a time here and many
 * songs per request by `QqBatcher` (`_batch.ts`).
 *
 * @module
 */
import { SourceError } from "../errors.ts";
import {
  atOrBelow,
  type DownloadOffer,
  type OfferOptions,
  type QualityLabel,
  type SongInfo,
} from "../types.ts";
import {
  CDN_REFERER,
  DEFAULT_CDN,
  INVALIDQ_RETCODE,
  MAX_VKEY_ENTRIES,
  MODULES,
  USER_AGENT,
  VKEY_ATTEMPTS,
  VKEY_RESULTS,
} from "./_constants.ts";
import { read } from "./_parse.ts";
import {
  parseVkey,
  type SongMedia,
  songMedia,
  type VkeyAnswer,
  type VkeyEntry,
  vkeyFilename,
} from "./_parse_offers.ts";
import type { GatewayCall, GatewayForm, QqTransport } from "./_transport.ts";

/** One way of asking for vkeys. */
export interface VkeyVariant {
  /** A short name, for messages and probes. */
  readonly name: "unsigned" | "signed" | "app";
  /** What it sends, for people. */
  readonly description: string;
  /** The module it asks. */
  readonly module: typeof MODULES.vkey | typeof MODULES.appVkey;
  /** How the envelope is sent. */
  readonly form: GatewayForm;
}

/** The variants, in the order a run tries them first. */
export const VKEY_VARIANTS: readonly VkeyVariant[] = [
  {
    name: "unsigned",
    description: "CgiGetVkey on musicu.fcg",
    module: MODULES.vkey,
    form: { signed: false, app: false },
  },
  {
    name: "signed",
    description: "CgiGetVkey zzc-signed on musics.fcg",
    module: MODULES.vkey,
    form: { signed: true, app: false },
  },
  {
    name: "app",
    description: "UrlGetVkey with the Android app's comm",
    module: MODULES.appVkey,
    form: { signed: false, app: true },
  },
];

/** Which variant answered last in a run: the next song starts there. */
export class VkeyRoute {
  #first: VkeyVariant = VKEY_VARIANTS[0]!;

  /** The variants in the order to try them: the remembered one first. */
  order(): VkeyVariant[] {
    return [this.#first, ...VKEY_VARIANTS.filter((v) => v !== this.#first)];
  }

  /** Remembers the variant that granted a URL. */
  answered(variant: VkeyVariant): void {
    this.#first = variant;
  }
}

/** A granted URL path and the answer that granted it. */
interface Grant {
  answer: VkeyAnswer;
  path: string;
  fetchedAt: number;
}

/** What one variant gave for a song's rungs. */
interface VariantOutcome {
  variant: VkeyVariant;
  /** Granted paths by filename. */
  granted: Map<string, Grant>;
  /** `result` of each refused filename. */
  results: Map<string, number>;
  /** Why the whole answer was refused (a `retcode`), when it was. */
  refusal: string | undefined;
  /** Requests made. */
  attempts: number;
}

/**
 * One song's vkeys, variant after variant: its rungs at or below `top`,
 * their filenames asked together of one variant (starting with the one
 * the run's `route` remembered when the song started) until one grants a
 * URL; the same variant again (up to `VKEY_ATTEMPTS` calls) while a rung
 * above the best grant answers an empty `purl` with result 0 (§7.3:
 * transient); an answer with no grant at all goes to the next variant. A
 * song whose answer the catalog knows already (no rights, or `pay_play`
 * without a login) is asked of one variant only.
 *
 * `resolveOffers()` asks for one song at a time; `QqBatcher` (`_batch.ts`)
 * asks for many songs in one request per variant.
 */
export class VkeyResolution {
  /** What the song's record says about its files. */
  readonly media: SongMedia;
  /** The vkey filenames asked, best rung first. */
  readonly filenames: readonly string[];
  readonly #song: SongInfo;
  readonly #rungs: SongMedia["rungs"];
  readonly #route: VkeyRoute;
  readonly #order: VkeyVariant[];
  readonly #anonymous: boolean;
  readonly #settled: boolean;
  readonly #outcomes: VariantOutcome[] = [];
  #again = false;

  /** The resolution of a song; throws `unavailable` when it has no rung to ask. */
  constructor(
    transport: QqTransport,
    route: VkeyRoute,
    song: SongInfo,
    top: QualityLabel | undefined,
  ) {
    const media = songMedia(song.raw, song.remoteId);
    const rungs = media.rungs.filter((r) => atOrBelow(r.rung.label, top))
      .slice(0, MAX_VKEY_ENTRIES);
    if (rungs.length === 0) {
      throw new SourceError(
        `qq: song ${media.mid} has no file${
          top === undefined ? "" : ` at ${top} or below`
        }`,
        { platform: "qq", kind: "unavailable" },
      );
    }
    this.media = media;
    this.filenames = rungs.map((r) => vkeyFilename(r.rung, media));
    this.#song = song;
    this.#rungs = rungs;
    this.#route = route;
    this.#order = route.order();
    this.#anonymous = transport.session.key === undefined;
    // songs the catalog already knows the answer for are asked once
    this.#settled = song.availability === "unavailable" ||
      (song.availability === "vip" && this.#anonymous);
  }

  /** The variant to ask next, or `undefined` when the song is resolved. */
  next(): VkeyVariant | undefined {
    const current = this.#outcomes.at(-1);
    if (current) {
      if (this.#again) return current.variant;
      if (current.granted.size > 0 || this.#settled) return undefined;
    }
    return this.#order[this.#outcomes.length];
  }

  /**
   * Takes an answer of `variant` (the one `next()` named) for the song's
   * filenames; the answer may hold other songs' entries too. A granted
   * variant is remembered by the route.
   */
  take(variant: VkeyVariant, answer: VkeyAnswer, fetchedAt: number): void {
    let current = this.#outcomes.at(-1);
    if (!this.#again || current?.variant !== variant) {
      current = {
        variant,
        granted: new Map(),
        results: new Map(),
        refusal: undefined,
        attempts: 0,
      };
      this.#outcomes.push(current);
    }
    current.attempts++;
    this.#again = false;
    const entries = this.filenames.map((f) =>
      matchEntry(answer, f, this.media.mid)
    );
    const granted = entries.some((e) =>
      e !== undefined && (e.purl !== "" || e.wifiurl !== "")
    );
    if (!granted && refusesCaller(answer)) {
      current.refusal = `retcode ${answer.retcode}${
        answer.msg ? ` (${answer.msg})` : ""
      }`;
      return;
    }
    this.filenames.forEach((filename, i) => {
      const entry = entries[i];
      if (entry === undefined) return;
      const path = entry.purl !== "" ? entry.purl : entry.wifiurl;
      if (path !== "") {
        if (!current.granted.has(filename)) {
          current.granted.set(filename, { answer, path, fetchedAt });
        }
      } else {
        current.results.set(filename, entry.result);
      }
    });
    if (current.granted.size === 0) return;
    this.#route.answered(variant);
    const best = this.filenames.findIndex((f) => current.granted.has(f));
    const transient = this.filenames.some((f, i) =>
      i < best && !current.granted.has(f) &&
      (current.results.get(f) ?? VKEY_RESULTS.ok) === VKEY_RESULTS.ok
    );
    this.#again = transient && current.attempts < VKEY_ATTEMPTS;
  }

  /**
   * The offers of the granted rungs, best first; without any grant, why
   * not: `unavailable` for a song without rights, `vip` for `pay_play`
   * without a login or when every variant that answered (not refusing the
   * caller) refused for rights (104003), `unavailable` otherwise, naming
   * each variant's answer.
   */
  offers(transport: QqTransport): DownloadOffer[] {
    const granted = this.#outcomes.at(-1)?.granted;
    if (!granted || granted.size === 0) throw this.#noOffer();
    return offersOf(
      transport,
      this.#song,
      this.#rungs,
      this.filenames,
      granted,
    );
  }

  #noOffer(): SourceError {
    const song = this.#song;
    const mid = this.media.mid;
    const outcomes = this.#outcomes;
    const answered = outcomes.filter((o) => o.refusal === undefined);
    const codes = [
      ...new Set(answered.flatMap((o) => [...o.results.values()])),
    ];
    const vipAgreed = answered.length > 0 &&
      answered.every((o) =>
        [...o.results.values()].includes(VKEY_RESULTS.noPermission)
      );
    const code = codes.includes(VKEY_RESULTS.noPermission)
      ? VKEY_RESULTS.noPermission
      : (codes[0] ?? 0);
    if (song.availability === "unavailable") {
      return new SourceError(
        `qq: song ${mid} is unavailable: no play rights, every rung refused (result ${code})`,
        { platform: "qq", kind: "unavailable", code },
      );
    }
    if ((song.availability === "vip" && this.#anonymous) || vipAgreed) {
      return new SourceError(
        `qq: song ${mid} needs VIP or a purchase at every quality offered (result ${VKEY_RESULTS.noPermission})`,
        { platform: "qq", kind: "vip", code: VKEY_RESULTS.noPermission },
      );
    }
    const told = outcomes.map((o) =>
      `${o.variant.name}: ${
        o.refusal ??
          `results ${[...new Set(o.results.values())].join(", ") || "none"}`
      }${o.attempts > 1 ? ` after ${o.attempts} tries` : ""}`
    ).join("; ");
    return new SourceError(`qq: song ${mid} got no usable URL (${told})`, {
      platform: "qq",
      kind: "unavailable",
      code,
    });
  }
}

/**
 * Usable offers best first: the song's vkeys asked variant after variant
 * (see `VkeyResolution`), each granted rung an offer on the CDN.
 */
export async function* resolveOffers(
  transport: QqTransport,
  route: VkeyRoute,
  song: SongInfo,
  options: OfferOptions = {},
): AsyncGenerator<DownloadOffer> {
  const resolution = new VkeyResolution(transport, route, song, options.top);
  yield* walkVariants(transport, resolution, options.signal);
}

/** The rest of a song's variants, one request each; its offers or why none. */
export async function* walkVariants(
  transport: QqTransport,
  resolution: VkeyResolution,
  signal: AbortSignal | undefined,
): AsyncGenerator<DownloadOffer> {
  for (let v = resolution.next(); v; v = resolution.next()) {
    const answer = await askVkey(
      transport,
      v,
      resolution.media.mid,
      resolution.filenames,
      signal,
    );
    resolution.take(v, answer, transport.config.now());
  }
  yield* resolution.offers(transport);
}

/** Whether an answer refuses the caller as a whole (`retcode` 104009, `invalidq`). */
export function refusesDevice(answer: VkeyAnswer): boolean {
  return answer.retcode === INVALIDQ_RETCODE ||
    /invalidq/i.test(answer.msg ?? "") ||
    (answer.retcode !== undefined && answer.retcode !== 0 &&
      answer.entries.every((e) => e.purl === "" && e.wifiurl === ""));
}

/**
 * Whether an answer says it refuses the caller (`retcode` 104009, a `msg`
 * naming `invalidq`, or any other `retcode`): its songs without a grant
 * go to the next variant.
 */
function refusesCaller(answer: VkeyAnswer): boolean {
  return answer.retcode === INVALIDQ_RETCODE ||
    /invalidq/i.test(answer.msg ?? "") ||
    (answer.retcode !== undefined && answer.retcode !== 0);
}

/**
 * One vkey request of a variant for a song's filenames (§7): the web
 * `CgiGetVkey` params, or the app's (`ctx: 0`, a 32-hex `guid`; L11).
 */
export async function askVkey(
  transport: QqTransport,
  variant: VkeyVariant,
  mid: string,
  filenames: readonly string[],
  signal: AbortSignal | undefined,
): Promise<VkeyAnswer> {
  const [result] = await transport.ask(
    [vkeyCall(transport, variant, filenames.map(() => mid), filenames)],
    variant.form,
    signal,
  );
  if (!result) throw read.malformed(`no answer for ${variant.description}`);
  if (!result.ok) throw result.error;
  return parseVkey(result.data);
}

/**
 * The gateway call of a variant for vkey filenames, each with its song's
 * mid (`songmid` parallel to `filename`, §7; several songs may share one
 * call, up to `MAX_VKEY_ENTRIES`).
 */
export function vkeyCall(
  transport: QqTransport,
  variant: VkeyVariant,
  mids: readonly string[],
  filenames: readonly string[],
): GatewayCall {
  const { config, session } = transport;
  const common = {
    songmid: mids,
    filename: filenames,
    songtype: filenames.map(() => 0),
    uin: String(session.uin),
  };
  const param = variant.form.app
    ? { ...common, guid: hexGuid(config), ctx: 0 }
    : { ...common, guid: guidOf(config), loginflag: 1, platform: "20" };
  return { ...variant.module, param };
}

/** The offers of the granted rungs, best first. */
function offersOf(
  transport: QqTransport,
  song: SongInfo,
  rungs: SongMedia["rungs"],
  filenames: readonly string[],
  granted: ReadonlyMap<string, Grant>,
): DownloadOffer[] {
  const offers: DownloadOffer[] = [];
  for (let i = 0; i < rungs.length; i++) {
    const grant = granted.get(filenames[i]!);
    if (!grant) continue;
    const { rung, sizeBytes } = rungs[i]!;
    const expiration = grant.answer.expiration;
    offers.push({
      platform: "qq",
      songRemoteId: song.remoteId,
      quality: rung.label,
      level: rung.prefix,
      url: `${cdnOf(transport, grant.answer)}${grant.path}`,
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
    });
  }
  return offers;
}

/** A random `guid` of ten digits (§7, web). */
function guidOf(config: { random(): number }): string {
  let guid = String(1 + Math.floor(config.random() * 9));
  while (guid.length < 10) {
    guid += String(Math.floor(config.random() * 10));
  }
  return guid;
}

/** A random 32-hex `guid` (the app's, L11 `get_guid`). */
function hexGuid(config: { random(): number }): string {
  let guid = "";
  while (guid.length < 32) {
    guid += Math.floor(config.random() * 16).toString(16);
  }
  return guid;
}

/** The CDN host: the first `sip` not on `ws` (JSO), else the first, else the default. */
function cdnOf(transport: QqTransport, answer: VkeyAnswer): string {
  const sip = answer.sip.find((s) => !s.startsWith("http://ws")) ??
    answer.sip[0];
  if (sip !== undefined) return sip;
  // the app's answers name no CDN (L11 asks its own dispatch, MDL uses isure)
  const base = transport.config.urls.to(DEFAULT_CDN);
  return base.endsWith("/") ? base : `${base}/`;
}

/**
 * The `midurlinfo` entry of a filename asked for a song's `mid`; by its
 * prefix and extension among the song's entries when not echoed as sent
 * (an answer may hold several songs).
 */
function matchEntry(
  answer: VkeyAnswer,
  filename: string,
  mid: string,
): VkeyEntry | undefined {
  const prefix = filename.slice(0, 4);
  const extension = filename.slice(filename.lastIndexOf("."));
  return answer.entries.find((e) => e.filename === filename) ??
    answer.entries.find((e) =>
      (e.songmid === mid || e.songmid === "") &&
      e.filename.startsWith(prefix) && e.filename.endsWith(extension)
    );
}
