/**
 * The URL endpoints of the NetEase emulation (§9 and the corrections of
 * December 2026): `song/enhance/player/url(/v1)` answers by the play
 * rights, `song/enhance/download/url(/v1)` by the download rights, and as
 * real answers do:
 *
 * - `download/url/v1` answers `301` (needs login; anonymous callers) or
 *   `-110` instead of a URL for a seeded share of the songs asked
 *   (`neteaseDownloadRefused`): clients go on with the player;
 * - every URL endpoint answers `-460` for a seeded share of songs
 *   (`neteaseRiskControl`) until the caller presents an anonymous identity
 *   (an issued `MUSIC_A`, see `register()` in `mod.ts`).
 *
 * @module
 */
import { hash32 } from "../_hash.ts";
import { BEHAVIOUR_SALTS, inShare } from "../behaviours.ts";
import type { NeteaseCatalog } from "./_catalog.ts";
import { cdnLink } from "./_cdn.ts";
import { type ApiCall, bad, ids, int, requiredId, str } from "./_params.ts";
import {
  type Level,
  LEVELS,
  SURROUND_LEVELS,
  type UrlEndpoint,
} from "./_rights.ts";
import { missingUrlItem, urlItem } from "./_songs.ts";
import { faultBody } from "./_transport.ts";

type Json = Record<string, unknown>;

/** A requested level: ladder levels, surround levels (served from the top), or `br`. */
function levelParam(params: Json, by: "level" | "br"): Level {
  if (by === "br") {
    const br = int(params, "br", 999000, 1);
    return br >= 999000
      ? "lossless"
      : br >= 320000
      ? "exhigh"
      : br >= 192000
      ? "higher"
      : "standard";
  }
  const level = str(params, "level", "standard");
  if ((LEVELS as readonly string[]).includes(level)) return level as Level;
  if (SURROUND_LEVELS.includes(level)) return LEVELS[0];
  return bad(`level: '${level}'`);
}

/** Encodings a URL call may ask for (§9: `flac` for player, `mp3` for download). */
const ENCODE_TYPES = ["flac", "mp3", "aac"];

/** Refuses an `encodeType` the service does not know; absent is fine. */
function checkEncodeType(params: Json): void {
  const encodeType = str(params, "encodeType", "flac");
  if (!ENCODE_TYPES.includes(encodeType)) bad(`encodeType: '${encodeType}'`);
}

function urlItems(
  catalog: NeteaseCatalog,
  call: ApiCall,
  songIds: number[],
  level: Level,
  endpoint: UrlEndpoint,
): Json[] {
  return songIds.map((id) => {
    const index = catalog.songIndexById(id);
    if (index === undefined) return missingUrlItem(id);
    return urlItem(catalog.world, index, level, call.account, {
      endpoint,
      os: call.os,
      link: (path, host) => cdnLink(call.context, path, host),
    });
  });
}

/**
 * `-460` for a song of the risk-controlled share asked without an
 * anonymous identity; `undefined` when the call may go on.
 */
function riskControl(
  catalog: NeteaseCatalog,
  call: ApiCall,
  songIds: readonly number[],
): Json | undefined {
  if (call.identity) return undefined;
  const share = call.context.behaviours.neteaseRiskControl;
  const hit = songIds.some((id) => {
    const index = catalog.songIndexById(id);
    return index !== undefined &&
      inShare(
        catalog.world.seed,
        BEHAVIOUR_SALTS.neteaseRiskControl,
        index,
        share,
      );
  });
  return hit ? faultBody(-460) : undefined;
}

/**
 * Most ids one player URL call takes: pyncm's `GetTrackAudioV1` notes
 * "song_ids 项目数应 <= 1000" (mos9527/pyncm `pyncm/apis/track.py`); the
 * service's answer to more is undocumented, so it is refused as a bad
 * request, as `v3/song/detail` refuses more than its 1000.
 */
export const URL_IDS_LIMIT = 1000;

/** Salt of the seeded order of a player answer's items. */
const ITEM_ORDER_SALT = 306;

/**
 * `song/enhance/player/url(/v1)`: `data` an array, by the play rights, one
 * item per distinct id. The items do not come in the order asked
 * (Binaryify/NeteaseCloudMusicApi#109: `347231,347230,515796410` came back
 * `347231, 515796410, 347230`): clients match them by `id`.
 */
export function playerUrl(
  catalog: NeteaseCatalog,
  call: ApiCall,
  by: "level" | "br",
): Json {
  if (call.params.ids === undefined) bad("missing ids");
  const songIds = [...new Set(ids(call.params.ids, "ids"))];
  if (songIds.length === 0) bad("ids: empty");
  if (songIds.length > URL_IDS_LIMIT) {
    bad(`${songIds.length} ids: at most ${URL_IDS_LIMIT} per call`);
  }
  const level = levelParam(call.params, by);
  checkEncodeType(call.params);
  const refused = riskControl(catalog, call, songIds);
  if (refused) return refused;
  const seed = catalog.world.seed;
  const shuffled = songIds.length < 2
    ? songIds
    : [...songIds].sort((a, b) =>
      hash32(seed, ITEM_ORDER_SALT, a) - hash32(seed, ITEM_ORDER_SALT, b) ||
      a - b
    );
  return {
    code: 200,
    data: urlItems(catalog, call, shuffled, level, "player"),
  };
}

/**
 * `song/enhance/download/url(/v1)`: `data` one object, by the download
 * rights; a seeded share of songs answers `301` or `-110` instead.
 */
export function downloadUrl(
  catalog: NeteaseCatalog,
  call: ApiCall,
  by: "level" | "br",
): Json {
  // one song by `id` (`"<id>_0"` accepted), never a list of `ids`
  const id = requiredId(call.params, "id");
  const level = levelParam(call.params, by);
  checkEncodeType(call.params);
  const refused = riskControl(catalog, call, [id]);
  if (refused) return refused;
  const index = catalog.songIndexById(id);
  const seed = catalog.world.seed;
  if (
    index !== undefined &&
    inShare(
      seed,
      BEHAVIOUR_SALTS.neteaseDownloadRefused,
      index,
      call.context.behaviours.neteaseDownloadRefused,
    )
  ) {
    // the shapes are the service's (§11); -110's body is [UNSURE]
    return call.account === "anonymous" &&
        hash32(seed, BEHAVIOUR_SALTS.neteaseDownloadCode, index) % 2 === 0
      ? faultBody(301)
      : { code: -110, message: "下载受限", data: null };
  }
  // what it grants follows the download rights (`dlLevel`), not the play
  // rights; download endpoints answer an object, not an array (§9)
  const [item] = urlItems(catalog, call, [id], level, "download");
  return { code: 200, data: item };
}
