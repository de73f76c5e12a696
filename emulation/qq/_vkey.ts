/**
 * The vkey labels of the QQ Music gateway (§7, §11.5, and the corrections
 * of December 2026): the web `vkey.GetVkeyServer` / `CgiGetVkey`, unsigned
 * on `musicu.fcg` or zzc-signed on `musics.fcg`, and the Android app's
 * `music.vkey.GetVkey` / `UrlGetVkey`, which wants the app's `comm`.
 *
 * Rungs are granted by account tier. Beyond that, as real answers do:
 *
 * - a seeded share of songs (`qqUnsignedVkeyEmpty`) gets `code 0` with an
 *   empty `purl` on every rung from the unsigned web call, `retcode 0`
 *   (copws/qq-music-api#2, 2025) or `retcode 104009` with a `msg` naming
 *   `invalidq` (L-1124/QQMusicApi#252, 2026); the signed call grants them
 *   (unless `qqSignedVkeyAnswers` is off), the app call always does;
 * - the app module answers like the unsigned web call unless the `comm`
 *   is the Android profile (`ct` 11 and a `QIMEI36`); its answers carry no
 *   `sip` and give the path in both `purl` and `wifiurl`;
 * - a seeded share of songs (`flakyVkeyRate`) gets one empty answer on
 *   its first call, and a scripted business fault with code 0 empties
 *   every `purl` of the call.
 *
 * @module
 */
import { hashString, hexString, unit } from "../_hash.ts";
import { BEHAVIOUR_SALTS, inShare } from "../behaviours.ts";
import type { EmulatorContext } from "../platform.ts";
import type { GenSong } from "../world.ts";
import type { LabelAnswer, LabelCall } from "./_label.ts";
import { vkeyOf } from "./_cdn.ts";
import { type EmuRung, permitted, type QqCatalog, RUNGS } from "./_catalog.ts";
import {
  APP_VKEY,
  CDN_HOSTS,
  EMULATION_CODES,
  INVALIDQ_RETCODE,
} from "./_constants.ts";

type Json = Record<string, unknown>;

/** Whether the `comm` of an envelope is the Android app's (`ct` 11 and a QIMEI). */
export function isAppComm(comm: unknown): boolean {
  if (typeof comm !== "object" || comm === null) return false;
  const c = comm as Json;
  return Number(c.ct) === 11 && typeof c.QIMEI36 === "string" &&
    /^[0-9a-f]{36}$/i.test(c.QIMEI36);
}

/** Which call asks: the web module (signed or not) or the app's. */
type Variant = "web" | "signed" | "app";

/** The vkey labels over a catalog, with the calls seen per song. */
export class QqVkey {
  #catalog: QqCatalog;
  #flakyRate: number;
  #calls = new Map<string, number>();

  /** Labels over a catalog; `flakyRate` of the songs get an empty first answer. */
  constructor(catalog: QqCatalog, flakyRate: number) {
    this.#catalog = catalog;
    this.#flakyRate = flakyRate;
  }

  /** Answers `CgiGetVkey` (web) or `UrlGetVkey` (app). */
  answer(name: string, param: Json, at: LabelCall): LabelAnswer {
    if (at.session.tier === "invalid") return { code: 1000, data: {} };
    const mids = param.songmid;
    const names = param.filename;
    if (
      !Array.isArray(mids) || mids.length === 0 || mids.length > 100 ||
      (names !== undefined &&
        (!Array.isArray(names) || names.length !== mids.length))
    ) {
      return { code: EMULATION_CODES.badRequest };
    }
    const variant: Variant = name === APP_VKEY
      ? at.app ? "app" : "web"
      : at.signed
      ? "signed"
      : "web";
    const guid = typeof param.guid === "string" ? param.guid : "";
    const tier = at.session.tier;
    const uin = tier === "anonymous" ? "0" : at.session.uin;
    const ttl = at.context.urlTtlSeconds;
    const expires = Math.floor(at.now / 1000) + ttl;
    const behaviours = at.context.behaviours;
    const seed = at.context.world.seed;
    // songs answered empty: a scripted fault, the seeded first-call flake,
    // or the unsigned path refusing a seeded share of songs
    const empty = new Set<string>();
    let invalidq = false;
    for (const mid of new Set(mids)) {
      if (typeof mid !== "string") continue;
      const calls = this.#calls.get(mid) ?? 0;
      this.#calls.set(mid, calls + 1);
      const flaky = calls === 0 &&
        unit(seed, 78, hashString(mid)) < this.#flakyRate;
      const refused = variant === "web" ||
        (variant === "signed" && !behaviours.qqSignedVkeyAnswers);
      const unsignedEmpty = refused &&
        inShare(
          seed,
          BEHAVIOUR_SALTS.qqUnsignedVkeyEmpty,
          hashString(mid),
          behaviours.qqUnsignedVkeyEmpty,
        );
      if (at.fault !== undefined || flaky || unsignedEmpty) empty.add(mid);
      if (unsignedEmpty && invalidqForm(at.context, mid)) invalidq = true;
    }
    const entries = mids.map((mid, i) => {
      const asked = Array.isArray(names) ? names[i] : undefined;
      const song = typeof mid === "string"
        ? this.#catalog.songByMid(mid)
        : undefined;
      const entry = (
        filename: string,
        purl: string,
        vkey: string,
        result: number,
      ) => ({
        songmid: typeof mid === "string" ? mid : "",
        filename,
        purl,
        vkey,
        wifiurl: variant === "app" ? purl : "",
        flowurl: "",
        ekey: "",
        result,
        errtype: "",
        tips: "",
        subcode: 0,
      });
      const refused = (filename: string, result = 104003) =>
        entry(filename, "", "", result);
      if (!song) return refused(typeof asked === "string" ? asked : "");
      const filename = typeof asked === "string"
        ? asked
        : `C400${song.mediaMid}.m4a`;
      const parsed = parseFilename(song, filename);
      if (!parsed) return refused(filename);
      const { rung, normalized } = parsed;
      if (guid === "") return refused(normalized, 104004);
      if (empty.has(song.mid)) return refused(normalized, 0);
      if (this.#catalog.rungSize(song, rung) <= 0) return refused(normalized);
      if (!permitted(song, rung, tier)) return refused(normalized);
      const vkey = vkeyOf(at.context, normalized, guid, uin, expires);
      return entry(
        normalized,
        `${normalized}?guid=${guid}&vkey=${vkey}&uin=${uin}&fromtag=66`,
        vkey,
        0,
      );
    });
    return {
      code: 0,
      data: {
        expiration: ttl,
        login_key: "",
        msg: invalidq ? "invalidq" : "127.0.0.1",
        retcode: invalidq ? INVALIDQ_RETCODE : 0,
        servercheck: hexString(32, seed, 79, expires),
        uin: tier === "anonymous" ? "" : uin,
        verify_type: 0,
        // the app's answers name no CDN: clients bring their own (L11, MDL)
        ...(variant === "app" ? {} : {
          sip: CDN_HOSTS.map((host) => at.context.hostUrl(host, "/")),
          thirdip: ["", ""],
          testfile2g: "",
          testfilewifi: "",
          keepalivefile: "",
        }),
        midurlinfo: entries,
      },
    };
  }
}

/** Whether a song's unsigned refusal takes the `invalidq` form. */
function invalidqForm(context: EmulatorContext, mid: string): boolean {
  switch (context.behaviours.qqUnsignedVkeyForm) {
    case "empty":
      return false;
    case "invalidq":
      return true;
    default:
      return unit(
        context.world.seed,
        BEHAVIOUR_SALTS.qqUnsignedVkeyForm,
        hashString(mid),
      ) < 0.5;
  }
}

/**
 * The rung of a vkey filename and its form-1 spelling (§7.1): the id part
 * may be `media_mid`, `mid + mid` or `mid + media_mid`.
 */
function parseFilename(
  song: GenSong,
  filename: string,
): { rung: EmuRung; normalized: string } | undefined {
  const dot = filename.lastIndexOf(".");
  if (dot < 5) return undefined;
  const prefix = filename.slice(0, 4);
  const extension = filename.slice(dot + 1);
  const id = filename.slice(4, dot);
  const rung = RUNGS.find((r) =>
    r.prefix === prefix && r.extension === extension
  );
  if (!rung) return undefined;
  const forms = [song.mediaMid, song.mid + song.mid, song.mid + song.mediaMid];
  if (!forms.includes(id)) return undefined;
  return { rung, normalized: `${prefix}${song.mediaMid}.${extension}` };
}
