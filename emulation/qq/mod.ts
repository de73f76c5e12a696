/**
 * The QQ Music emulation: the `musicu.fcg`/`musics.fcg` gateway, the
 * `getcdinfo` CGI, the legacy square CGIs (family A) and the audio CDN
 * over a generated world, as strict as `shared/protocols/qq.md` §11 asks.
 *
 * @module
 */
export {
  API_HOST,
  CDN_HOSTS,
  CGI_HOST,
  createQqEmulator,
  EMULATION_CODES,
  FAMILY_B_SQUARE_MATCH,
  familyBSquareFault,
} from "./emulator.ts";
export {
  LEGACY_ALL_CATEGORY_ID,
  LEGACY_MAX_PAGE,
  legacyCategoryId,
  legacyPlaylists,
} from "./_legacy_square.ts";
export type { QqAccount, QqEmulatorOptions, Tier } from "./emulator.ts";
export { chartPeriod, chinaDay } from "./period.ts";
