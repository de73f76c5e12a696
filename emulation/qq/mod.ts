/**
 * The QQ Music emulation: the `musicu.fcg`/`musics.fcg` gateway, the
 * `getcdinfo` CGI and the audio CDN over a generated world, as strict as
 * `shared/protocols/qq.md` §11 asks.
 *
 * @module
 */
export {
  API_HOST,
  CDN_HOSTS,
  CGI_HOST,
  createQqEmulator,
  EMULATION_CODES,
} from "./emulator.ts";
export type { QqAccount, QqEmulatorOptions, Tier } from "./emulator.ts";
export { chartPeriod, chinaDay } from "./period.ts";
