/**
 * The NetEase audio CDN (`m701`/`m801.music.126.net`, protocols/netease.md
 * §9): signed, expiring object URLs handed out by the URL endpoints, and
 * the server that checks them and serves the audio with `Range`.
 *
 * @module
 */
import { audioMd5, serveAudio } from "../audio.ts";
import type { EmulatorContext, Route } from "../platform.ts";
import type { NeteaseCatalog } from "./_catalog.ts";
import { objectFile } from "./_songs.ts";

/** The CDN hosts: full songs on `m701`, previews on `m801`. */
export const CDN_HOSTS: readonly string[] = [
  "m701.music.126.net",
  "m801.music.126.net",
];

/** A signed, expiring CDN URL: `/<expiry yyyyMMddHHmmss>/<sig>/obj/...`. */
export function cdnLink(
  context: EmulatorContext,
  objectPath: string,
  host: string,
): { url: string; expi: number } {
  const ttl = context.urlTtlSeconds;
  const expiry = Math.floor(context.now() / 1000) + ttl;
  const signature = context.signer.sign(`${host}${objectPath}`, expiry);
  return {
    url: context.hostUrl(host, `/${stamp(expiry)}/${signature}${objectPath}`),
    expi: ttl,
  };
}

/** The CDN over a catalog: the files of its songs and their previews. */
export class NeteaseCdn {
  #catalog: NeteaseCatalog;

  /** The CDN of a catalog. */
  constructor(catalog: NeteaseCatalog) {
    this.#catalog = catalog;
  }

  /** Answers a `GET` or `HEAD`: signature and expiry checked, then the audio. */
  serve(request: Request, route: Route, context: EmulatorContext): Response {
    const match =
      /^\/(\d{14})\/([0-9a-f]{32})(\/obj\/(song|trial)\/(\d+)\/([a-z]+)\/([0-9a-f]{32})\.([a-z0-9]+))$/
        .exec(route.path);
    if (!match) return cdnError(404, "Not Found");
    const [, when, signature, objectPath, kind, id, level, md5, extension] =
      match;
    const expiry = unstamp(when!);
    if (
      expiry === undefined ||
      !context.signer.verify(`${route.host}${objectPath}`, expiry, signature!)
    ) {
      return cdnError(403, "Forbidden");
    }
    if (context.now() > expiry * 1000) return cdnError(403, "Forbidden");
    const index = this.#catalog.songIndexById(Number(id));
    const file = index === undefined ? undefined : objectFile(
      this.#catalog.world,
      kind as "song" | "trial",
      index,
      level!,
    );
    if (!file || file.container !== extension || audioMd5(file) !== md5) {
      return cdnError(404, "Not Found");
    }
    return serveAudio(request, file);
  }
}

function cdnError(status: number, title: string): Response {
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${title}</Code></Error>`,
    { status, headers: { "content-type": "application/xml" } },
  );
}

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** Epoch seconds as `yyyyMMddHHmmss` in China time, as the CDN writes expiries. */
function stamp(seconds: number): string {
  return new Date(seconds * 1000 + CHINA_OFFSET_MS).toISOString()
    .replace(/\.\d+Z$/, "").replace(/[-T:]/g, "");
}

/** Epoch seconds of a `yyyyMMddHHmmss` China-time expiry, if it is one. */
function unstamp(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  return Number.isNaN(ms) ? undefined : (ms - CHINA_OFFSET_MS) / 1000;
}
