/**
 * The QQ Music audio CDN (§7, §11.5): a filename with the vkey the gateway
 * granted, checked against the grant's signature and expiry, then the
 * audio with `Range`.
 *
 * @module
 */
import { serveAudio } from "../audio.ts";
import { type EmulatorContext, type Route, text } from "../platform.ts";
import { type QqCatalog, RUNGS } from "./_catalog.ts";

/** A vkey: its expiry (8 hex digits) and a signature of the grant. */
export function vkeyOf(
  context: EmulatorContext,
  filename: string,
  guid: string,
  uin: string,
  expires: number,
): string {
  const signature = context.signer.sign(
    `qq|${filename}|${guid}|${uin}`,
    expires,
  );
  return `${expires.toString(16).padStart(8, "0")}${signature}`.toUpperCase();
}

/** The CDN over a catalog: the files of its songs, by rung. */
export class QqCdn {
  #catalog: QqCatalog;

  /** The CDN of a catalog. */
  constructor(catalog: QqCatalog) {
    this.#catalog = catalog;
  }

  /** Answers a `GET` or `HEAD`: the vkey checked, then the audio with `Range`. */
  serve(request: Request, route: Route, context: EmulatorContext): Response {
    const filename = route.path.slice(1);
    const query = route.url.searchParams;
    const vkey = query.get("vkey") ?? "";
    const guid = query.get("guid") ?? "";
    const uin = query.get("uin") ?? "";
    const expires = parseInt(vkey.slice(0, 8), 16);
    if (
      !/^[0-9A-F]{40}$/.test(vkey) ||
      vkeyOf(context, filename, guid, uin, expires) !== vkey
    ) {
      return text("403 Forbidden: bad vkey", { status: 403 });
    }
    if (context.now() / 1000 > expires) {
      return text("403 Forbidden: vkey expired", { status: 403 });
    }
    const dot = filename.lastIndexOf(".");
    const song = this.#catalog.songByMediaMid(filename.slice(4, dot));
    const rung = RUNGS.find((r) =>
      r.prefix === filename.slice(0, 4) &&
      r.extension === filename.slice(dot + 1)
    );
    const size = song && rung ? this.#catalog.rungSize(song, rung) : 0;
    if (!song || !rung || size <= 0) {
      return text("404 Not Found", { status: 404 });
    }
    return serveAudio(request, {
      key: `qq:${song.mediaMid}:${rung.prefix}`,
      container: rung.container,
      sizeBytes: size,
    });
  }
}
