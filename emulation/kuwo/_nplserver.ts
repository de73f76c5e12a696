/**
 * nplserver `pl.svc?op=getlistinfo` (§7.2, §15.3): a playlist's songs
 * without auth, from the same world as the web `playListInfo`, so both
 * give the same songs in the same order.
 *
 * Strict: `op` must be `getlistinfo`, `pid` a known playlist, `pn` an
 * integer from 0, `rn` an integer 1..1000; anything else answers a
 * `result` other than `"ok"`. The page names no failure body beyond that
 * (§7.2 success is `result === "ok"`, §12 retries the rest), so the
 * emulation's is `{"result":"error","msg":...}` [UNSURE]. A page past the
 * end is `"ok"` with an empty `musiclist`, as `playListInfo`'s is.
 *
 * Shape: `{result, id, title, info, uname, playnum, pic (…_150.jpg),
 * total, pn, rn, musiclist[{id, name, artist, album, albumid, artistid,
 * duration, formats, N_MINFO, payInfo?}]}`: lower-case `musiclist`, ids
 * and durations as strings, names with `&amp;`; `payInfo` only on songs
 * that are not free to play ("sometimes", §7.2).
 *
 * @module
 */
import { declaredList } from "../_hidden.ts";
import type { EmulatorContext, Route } from "../platform.ts";
import { json } from "../platform.ts";
import type { GenPlaylist, GenSong } from "../world.ts";
import {
  encodeEntities,
  hasEncryptedTier,
  type KuwoCatalog,
  kuwoTiers,
} from "./_catalog.ts";
import { MAX_RN } from "./_constants.ts";

/** `N_MINFO` level names by rung; `ff`, `p`, `h` are the page's (§8.1), the rest the emulation's. */
const LEVELS: Readonly<Record<string, string>> = {
  "4000kflac": "hr",
  "2000kflac": "ff",
  "320kmp3": "p",
  "192kmp3": "m",
  "128kmp3": "h",
};

/** `formats` tokens by rung (§8.1). */
const FORMAT_TOKENS: Readonly<Record<string, string>> = {
  "4000kflac": "HIRFLAC",
  "2000kflac": "ALFLAC",
  "320kmp3": "MP3H",
  "192kmp3": "MP3192",
  "128kmp3": "MP3128",
};

/** A `MINFO` size: megabytes with two decimals, kilobytes below 1 MB. */
export function minfoSize(bytes: number): string {
  return bytes >= 1024 ** 2
    ? `${(bytes / 1024 ** 2).toFixed(2)}Mb`
    : `${(bytes / 1024).toFixed(2)}Kb`;
}

/**
 * A song's `N_MINFO`: the encrypted premium tier first when it has one
 * (DRM, clients ignore it), then its plain tiers best first, as in the
 * page's `r.s` capture (§13).
 */
export function nMinfoOf(song: GenSong): string {
  const entries: string[] = [];
  if (hasEncryptedTier(song)) {
    const master = song.tiers.find((t) => t.label === "master")!;
    entries.push(
      `level:zply,bitrate:20900,format:mflac,size:${
        minfoSize(master.sizeBytes)
      }`,
    );
  }
  for (const tier of kuwoTiers(song)) {
    entries.push(
      `level:${
        LEVELS[tier.br]
      },bitrate:${tier.bitrateKbps},format:${tier.format},size:${
        minfoSize(tier.sizeBytes)
      }`,
    );
  }
  return entries.join(";");
}

/** A song's `formats`: `|`-separated, lowest first, `WMA96` always (§8.1). */
function formatsOf(song: GenSong): string {
  const tokens = kuwoTiers(song).map((tier) => FORMAT_TOKENS[tier.br]!);
  return ["WMA96", ...tokens.reverse()].join("|");
}

/** `payInfo` of a song that is not free to play; `undefined` for the others. */
function payInfoOf(song: GenSong): Record<string, unknown> | undefined {
  if (song.access !== "vip" && song.access !== "unavailable") return undefined;
  // VIP songs play a fragment; songs without copyright neither play nor load
  const paid = song.access === "vip";
  return {
    play: paid ? "1111" : "0000",
    listen_fragment: paid ? "1" : "0",
    cannotOnlinePlay: paid ? "0" : "1",
    cannotDownload: paid ? "0" : "1",
    feeType: { song: paid ? "1" : "0", vip: "1" },
  };
}

/** A `musiclist` item: string ids and duration, `&amp;` in names (§7.2). */
export function nplserverItem(song: GenSong): Record<string, unknown> {
  const names = song.artists.map((a) => a.name);
  if (song.nameOnlyCredit !== undefined) names.push(song.nameOnlyCredit);
  const payInfo = payInfoOf(song);
  return {
    id: String(song.id),
    name: encodeEntities(song.title),
    artist: names.map(encodeEntities).join("&"),
    artistid: String(song.artists[0]?.id ?? 0),
    album: encodeEntities(song.album?.name ?? ""),
    albumid: String(song.album?.id ?? 0),
    duration: String(Math.floor(song.durationMs / 1000)),
    formats: formatsOf(song),
    N_MINFO: nMinfoOf(song),
    ...(payInfo ? { payInfo } : {}),
  };
}

/** The header fields of a playlist's answer. */
function header(playlist: GenPlaylist): Record<string, unknown> {
  return {
    id: String(playlist.id),
    title: encodeEntities(playlist.name),
    info: encodeEntities(playlist.description),
    uname: encodeEntities(playlist.creator.name),
    playnum: playlist.playCount,
    pic: `https://img1.kuwo.cn/star/userpl2015/${playlist.index % 100}/${
      playlist.coverId.slice(-2)
    }/${playlist.coverId}_150.jpg`,
  };
}

/** A failure answer: any `result` but `"ok"`. */
function failure(message: string, result = "error"): Response {
  return json({ result, msg: message });
}

/** An integer query parameter, or `undefined` when absent or not an integer. */
function integerParam(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  return value !== null && /^-?\d{1,9}$/.test(value)
    ? Number(value)
    : undefined;
}

/** Answers `GET /pl.svc` on the nplserver host. */
export function handleNplserver(
  catalog: KuwoCatalog,
  route: Route,
  context: EmulatorContext,
): Response | undefined {
  if (route.path !== "/pl.svc") return undefined;
  const { url } = route;
  const fault = context.business(`/${route.host}${route.path}`);
  if (fault) return failure("scripted failure", String(fault.code ?? "error"));
  const op = url.searchParams.get("op");
  if (op !== "getlistinfo") return failure(`unknown op ${op}`);
  const pn = integerParam(url, "pn");
  if (pn === undefined || pn < 0) return failure("pn counts from 0");
  const rn = integerParam(url, "rn");
  if (rn === undefined || rn < 1 || rn > MAX_RN.nplserver) {
    return failure(`rn must be 1..${MAX_RN.nplserver}`);
  }
  const playlist = catalog.byKuwoId(
    "playlist",
    url.searchParams.get("pid") ?? "",
  );
  if (!playlist) return failure("no such playlist");
  // pages are cut in declared positions; hidden songs are left out
  const list = declaredList(context.world.seed, playlist, context.behaviours);
  const musiclist = list.page(pn * rn, (pn + 1) * rn).map(({ song }) =>
    nplserverItem(catalog.world.song(song))
  );
  return json({
    result: "ok",
    ...header(playlist),
    total: list.declared,
    pn,
    rn,
    musiclist,
  });
}
