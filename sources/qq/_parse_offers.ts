/**
 * Pure parsers for download offers: what a stored song record says about
 * its files (`songMedia`, the vkey filenames of §7.1) and the answer of
 * `CgiGetVkey` (§7.3). They throw a `malformed` `SourceError` when a
 * payload is not shaped as the protocol page says.
 *
 * @module
 */
import { asNonEmptyText, asNumber, isObject } from "../_json.ts";
import type { Rung } from "./_constants.ts";
import { fileOf, read, type SongRung, songRungs } from "./_parse.ts";

/** What a download needs from a stored song record. */
export interface SongMedia {
  /** The song's mid. */
  mid: string;
  /** `file.media_mid`; form 2 (`mid + mid`) is used without it (§7.1). */
  mediaMid: string | undefined;
  /** The rungs the song's `file` object declares, best first. */
  rungs: SongRung[];
}

/** Reads the download-relevant fields of a song's raw record (either format, §6). */
export function songMedia(raw: unknown, fallbackMid: string): SongMedia {
  const song = isObject(raw) ? raw : {};
  const file = fileOf(song);
  return {
    mid: asNonEmptyText(song.mid) ?? asNonEmptyText(song.songmid) ??
      fallbackMid,
    mediaMid: asNonEmptyText(file.media_mid),
    rungs: songRungs(file),
  };
}

/** The vkey filename of a rung (§7.1: form 1, form 2 without a media mid). */
export function vkeyFilename(rung: Rung, media: SongMedia): string {
  const idPart = media.mediaMid ?? `${media.mid}${media.mid}`;
  return `${rung.prefix}${idPart}.${rung.extension}`;
}

// ---------------------------------------------------------------- vkey

/** One `midurlinfo` entry. */
export interface VkeyEntry {
  /** The song's mid. */
  songmid: string;
  /** The filename answered for (as sent, or the rung the server chose). */
  filename: string;
  /** The URL path on the CDN; empty when not granted. */
  purl: string;
  /** The app module's other URL path (§7.3: `purl`, else `wifiurl`). */
  wifiurl: string;
  /** Why not granted (§7.3: 104003 no rights...); 0 otherwise. */
  result: number;
}

/** A `CgiGetVkey` or `UrlGetVkey` answer (§7.3). */
export interface VkeyAnswer {
  /** The answer's own code (`data.retcode`): 0, or a refusal (104009). */
  retcode: number | undefined;
  /** `data.msg`: the caller's IP, or why it was refused (`invalidq`). */
  msg: string | undefined;
  /** Seconds the URLs stay valid, when given. */
  expiration: number | undefined;
  /** The CDN hosts offered, best first. */
  sip: string[];
  /** One entry per filename (`midurlinfo`). */
  entries: VkeyEntry[];
}

/** Parses the `data` of a `CgiGetVkey` or `UrlGetVkey` label. */
export function parseVkey(data: unknown): VkeyAnswer {
  const body = read.object(data, "data");
  const entries = read.list(body.midurlinfo, "data.midurlinfo").map((e, i) => {
    const entry = read.object(e, `data.midurlinfo[${i}]`);
    return {
      songmid: asNonEmptyText(entry.songmid) ?? "",
      filename: asNonEmptyText(entry.filename) ?? "",
      purl: asNonEmptyText(entry.purl) ?? "",
      wifiurl: asNonEmptyText(entry.wifiurl) ?? "",
      result: asNumber(entry.result) ?? 0,
    };
  });
  return {
    retcode: asNumber(body.retcode),
    msg: asNonEmptyText(body.msg),
    expiration: asNumber(body.expiration),
    sip: read.optionalList(body.sip, "data.sip").flatMap((s) =>
      typeof s === "string" && s !== "" ? [s] : []
    ),
    entries,
  };
}
