/**
 * The offline emulation of NetEase Cloud Music, QQ Music and Kuwo: a pure
 * `(Request) => Promise<Response>` handler over seeded, generated catalogs,
 * served on 127.0.0.1 for end-to-end tests, benchmarks and the demo.
 *
 * @module
 */
export {
  createEmulation,
  Emulation,
  EMULATORS,
  RESET_MARKER,
} from "./emulation.ts";
export type { EmulationOptions, EmulationStats } from "./emulation.ts";
export { serveEmulation } from "./serve.ts";
export type { EmulationServer, ServeEmulationOptions } from "./serve.ts";
export { Faults } from "./faults.ts";
export type { FaultKind, FaultRates, FaultRule } from "./faults.ts";
export { World, WORLD_SIZES } from "./world.ts";
export type {
  GenArtist,
  GenChart,
  GenPlaylist,
  GenSong,
  WorldOptions,
  WorldShape,
  WorldSize,
  WorldStats,
} from "./world.ts";
