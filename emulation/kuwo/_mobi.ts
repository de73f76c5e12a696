/**
 * `mobi.s`, the download URL resolver (§9.2, §9.3, §15.5), and the CDN
 * that serves what it resolves (§9.5, §15.6).
 *
 * Per tier: the tier the song has is served; a tier it lacks is
 * downgraded to the best one below; `hq_vip` songs are free up to 320k
 * mp3 and downgraded above it; VIP-only songs answer the preview stub
 * (a foreign `rid`, `bitrate: 1`, `duration: 11`, `type: 1`); songs without
 * copyright answer `code: -1`; asking `4000kflac` of a song whose top tier
 * is the world's `master` answers the encrypted premium tier (`bitrate:
 * 20900`, `format: mflac`); `code: 407` (and any other code) on demand
 * through a scripted business fault.
 *
 * As real answers do (corrections of December 2026): a `source` string it
 * does not know, or one the `kuwoRefusedSources` behaviour names, is
 * refused (`SOURCE_REFUSED`); a seeded share of the songs without
 * copyright (`kuwoNotFound`) answers `code: 404` "music not found"; and a
 * KuwoDES `convert_url2` query with a `br` answers a URL that serves an
 * error tone, not the song (QiuChenlyOpenSource/MusicDownload PR #35).
 *
 * @module
 */
import { type AudioFile, serveAudio } from "../audio.ts";
import type { EmulatorContext, Route } from "../platform.ts";
import { json, text } from "../platform.ts";
import type { GenSong } from "../world.ts";
import { hasEncryptedTier, type KuwoCatalog, kuwoTiers } from "./_catalog.ts";
import { BEHAVIOUR_SALTS, inShare } from "../behaviours.ts";
import { CDN_HOST, MOBI_SOURCES, SOURCE_REFUSED } from "./_constants.ts";
import { kuwoDesDecrypt } from "./_kuwo_des.ts";

/** Longest life of a CDN URL: MBG assumes ten minutes (§9.5). */
const MAX_URL_TTL_SECONDS = 600;

/** The rid of the clip every preview stub points to: never the song's own. */
const PREVIEW_RID = 7_149_583;

/** Preview clips: 11 s at 128 kbps, scaled as the world scales sizes. */
const PREVIEW_SECONDS = 11;

/** The error tone a KuwoDES query with `br` gets: 3 s at 128 kbps, scaled. */
const TONE_SECONDS = 3;

const FILE_PREFIX: Record<string, string> = {
  "4000kflac": "F100",
  "2000kflac": "F000",
  "320kmp3": "M800",
  "192kmp3": "M300",
  "128kmp3": "M500",
};

/**
 * Parses a raw query: `&`/`=` split, percent-decoded, and `+` kept as `+`
 * (a KuwoDES `q` carries Base64, §3).
 */
export function rawQuery(search: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of search.replace(/^\?/, "").split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    try {
      params.set(decodeURIComponent(key), decodeURIComponent(value));
    } catch {
      params.set(key, value);
    }
  }
  return params;
}

/** What the resolver settled on for one request. */
type Resolution =
  | { kind: "code"; code: number; message: string }
  | {
    kind: "url";
    bitrate: number;
    format: string;
    rid: number;
    duration: number;
    type: number;
    url: string;
  };

function regionRefusal(): Resolution {
  return {
    kind: "code",
    code: 407,
    message:
      "Sorry, this song is not available in your region or country due to copyright protection",
  };
}

/** The bitrate a `br` asks for (`320kmp3` → 320), if it names one. */
function askedBitrate(br: string): number | undefined {
  const match = /^(\d+)k/i.exec(br);
  return match ? Number(match[1]) : undefined;
}

/** The `mobi.s` handler. */
export class MobiResolver {
  #catalog: KuwoCatalog;

  constructor(catalog: KuwoCatalog) {
    this.#catalog = catalog;
  }

  handle(route: Route, context: EmulatorContext): Response {
    const params = rawQuery(route.url.search);
    const f = params.get("f");
    let query = params;
    if (f === "kuwo") {
      const q = params.get("q");
      if (!q) return json({ code: -1, msg: "missing q" });
      let plain: string;
      try {
        plain = kuwoDesDecrypt(q);
      } catch {
        return json({ code: -1, msg: "bad q" });
      }
      // the decrypted text is a query of its own, `+` kept as well
      query = rawQuery(plain);
      if (!/^[\x20-\x7e]*$/.test(plain) || !query.has("type")) {
        return json({ code: -1, msg: "bad q" });
      }
    } else if (f !== "web") {
      return json({ code: -1, msg: "unknown f" });
    }
    const type = query.get("type");
    if (type !== "convert_url_with_sign" && type !== "convert_url2") {
      return json({ code: -1, msg: `unknown type ${type}` });
    }
    const source = query.get("source") ?? "";
    if (
      !MOBI_SOURCES.includes(source) ||
      context.behaviours.kuwoRefusedSources.includes(source)
    ) {
      return json(SOURCE_REFUSED);
    }
    const resolution = this.#resolve(query, route, context, f === "kuwo");
    if (type === "convert_url2") {
      // failures of the text form come back as the JSON error object [UNSURE]
      if (resolution.kind === "code") {
        return json(errorBody(resolution));
      }
      return text(
        [
          `format=${resolution.format}`,
          `bitrate=${resolution.bitrate}`,
          `url=${resolution.url}`,
          `sig=${sigOf(resolution.rid, resolution.bitrate)}`,
          `rid=${resolution.rid}`,
          `duration=${resolution.duration}`,
          `type=${resolution.type}`,
        ].join("\r\n") + "\r\n",
      );
    }
    if (resolution.kind === "code") return json(errorBody(resolution));
    return json({
      code: 200,
      msg: "success",
      data: {
        bitrate: resolution.bitrate,
        duration: resolution.duration,
        format: resolution.format,
        sig: sigOf(resolution.rid, resolution.bitrate),
        // type drift: `rid` a string on odd ids, `type` sometimes "0" (§9.2)
        rid: resolution.rid % 2 === 1 ? String(resolution.rid) : resolution.rid,
        type: resolution.type === 0 && resolution.rid % 3 === 0
          ? "0"
          : resolution.type,
        url: resolution.url,
      },
    });
  }

  #resolve(
    query: Map<string, string>,
    route: Route,
    context: EmulatorContext,
    des: boolean,
  ): Resolution {
    const fault = context.business(`/${route.host}${route.path}`);
    if (fault) {
      const code = Number(fault.code ?? 407);
      return code === 407 ? regionRefusal() : {
        kind: "code",
        code,
        message: "scripted failure",
      };
    }
    const song = this.#catalog.song(query.get("rid") ?? "");
    if (!song) return { kind: "code", code: -1, message: "no such song" };
    if (song.access === "unavailable") {
      return inShare(
          context.world.seed,
          BEHAVIOUR_SALTS.kuwoNotFound,
          song.index,
          context.behaviours.kuwoNotFound,
        )
        ? { kind: "code", code: 404, message: "music not found" }
        : { kind: "code", code: -1, message: "not available" };
    }
    if (song.access === "vip") return this.#preview(song, context);
    const br = query.get("br");
    const formats = (query.get("format") ?? "mp3|flac").toLowerCase()
      .split("|");
    const asked = br === undefined ? Infinity : askedBitrate(br);
    if (asked === undefined) {
      return { kind: "code", code: -1, message: `bad br ${br}` };
    }
    if (asked >= 4000 && br !== undefined && hasEncryptedTier(song)) {
      return this.#encrypted(song, context);
    }
    // hq_vip: free up to 320k mp3 only; VIP above (our call, documented)
    const cap = song.access === "hq_vip" ? Math.min(asked, 320) : asked;
    const tier = kuwoTiers(song).find((t) =>
      t.bitrateKbps <= cap && (br !== undefined || formats.includes(t.format))
    );
    if (!tier) return { kind: "code", code: -1, message: "no such tier" };
    // a `br` inside the KuwoDES query gets an error tone (PR #35)
    const file = des && br !== undefined
      ? `/resource/tone/${song.id}/T000${song.id}.${tier.format}`
      : `/resource/n${song.index % 4 + 1}/${tier.br}/${
        FILE_PREFIX[tier.br]
      }${song.id}.${tier.format}`;
    return {
      kind: "url",
      bitrate: tier.bitrateKbps,
      format: tier.format,
      rid: song.id,
      duration: Math.floor(song.durationMs / 1000),
      type: 0,
      url: cdnUrl(context, file, tier.format, query.get("source") ?? ""),
    };
  }

  #preview(song: GenSong, context: EmulatorContext): Resolution {
    return {
      kind: "url",
      bitrate: 1,
      format: "mp3",
      rid: PREVIEW_RID,
      duration: PREVIEW_SECONDS,
      type: 1,
      url: cdnUrl(
        context,
        `/resource/preview/${song.id}/P000${PREVIEW_RID}.mp3`,
        "mp3",
        "",
      ),
    };
  }

  #encrypted(song: GenSong, context: EmulatorContext): Resolution {
    return {
      kind: "url",
      bitrate: 20900,
      format: "mflac",
      rid: song.id,
      duration: Math.floor(song.durationMs / 1000),
      type: 0,
      url: cdnUrl(
        context,
        `/resource/zp/${song.id}/Z000${song.id}.mflac`,
        "mflac",
        "",
      ),
    };
  }

  /** Serves a CDN request: signature and expiry checked, then the audio. */
  serveCdn(
    request: Request,
    route: Route,
    context: EmulatorContext,
  ): Response {
    const match = /^\/([0-9a-f]{32})\/([0-9a-f]{8})(\/resource\/.+)$/.exec(
      route.path,
    );
    if (!match) return text("Not Found", { status: 404 });
    const [, signature, expiryHex, file] = match as unknown as [
      string,
      string,
      string,
      string,
    ];
    const expiry = parseInt(expiryHex, 16);
    if (!context.signer.verify(file, expiry, signature)) {
      return text("Forbidden", { status: 403 });
    }
    if (expiry * 1000 <= context.now()) {
      return text("Forbidden: the link has expired", { status: 403 });
    }
    const audio = this.#fileOf(file);
    if (!audio) return text("Forbidden", { status: 403 });
    return serveAudio(request, audio);
  }

  #fileOf(file: string): AudioFile | undefined {
    const tone = /^\/resource\/tone\/(\d+)\/T000\d+\.(flac|mp3)$/.exec(file);
    if (tone) {
      const song = this.#catalog.song(tone[1]!);
      if (!song) return undefined;
      return {
        key: `kuwo:tone:${song.id}`,
        container: tone[2] === "flac" ? "flac" : "mp3",
        sizeBytes: Math.max(
          512,
          Math.round(
            128 * 125 * TONE_SECONDS * this.#catalog.world.shape.sizeScale,
          ),
        ),
      };
    }
    const preview = /^\/resource\/preview\/(\d+)\//.exec(file);
    if (preview) {
      const song = this.#catalog.song(preview[1]!);
      if (!song) return undefined;
      return {
        key: `kuwo:preview:${song.id}`,
        container: "mp3",
        sizeBytes: Math.max(
          512,
          Math.round(
            128 * 125 * PREVIEW_SECONDS * this.#catalog.world.shape.sizeScale,
          ),
        ),
      };
    }
    const full = /^\/resource\/n\d\/(\w+)\/[A-Z]\d{3}(\d+)\.(flac|mp3)$/.exec(
      file,
    );
    if (!full) return undefined; // encrypted files are nobody's to fetch
    const song = this.#catalog.song(full[2]!);
    const tier = song && kuwoTiers(song).find((t) => t.br === full[1]);
    if (!song || !tier) return undefined;
    return {
      key: `kuwo:${song.id}:${tier.br}`,
      container: tier.container,
      sizeBytes: tier.sizeBytes,
    };
  }
}

function errorBody(resolution: { code: number; message: string }) {
  return resolution.code === 407
    ? {
      code: 407,
      data: { format: "None", sig: "None", url: "None" },
      msg: resolution.message,
    }
    : { code: resolution.code, msg: resolution.message };
}

function sigOf(rid: number, bitrate: number): string {
  return String(7802435212922719570n + BigInt(rid) * 1000n + BigInt(bitrate));
}

/** A short-lived signed CDN URL: `/<sig>/<hex expiry>/resource/...` (§9.5). */
function cdnUrl(
  context: EmulatorContext,
  file: string,
  format: string,
  source: string,
): string {
  const ttl = Math.min(context.urlTtlSeconds, MAX_URL_TTL_SECONDS);
  const expiry = Math.floor(context.now() / 1000) + ttl;
  const signature = context.signer.sign(file, expiry);
  const bitrate = /\/(\d+)k\w+\//.exec(file)?.[1] ?? "1";
  return context.hostUrl(
    CDN_HOST,
    `/${signature}/${expiry.toString(16).padStart(8, "0")}${file}` +
      `?bitrate$${bitrate}&format$${format}&source$${source}` +
      `&type$convert_url_with_sign&user$0&loginUid$`,
  );
}
