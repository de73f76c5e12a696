/**
 * The Netease source. (Placeholder until its issue lands: every call fails
 * with a clear message.)
 *
 * @module
 */
import type { SourceConfig } from "../registry.ts";
import type { Source } from "../types.ts";

/** Builds the Netease source. */
export function createNeteaseSource(_config: SourceConfig): Source {
  const fail = (): never => {
    throw new Error("The netease source is not implemented yet");
  };
  return {
    platform: "netease",
    listPools: () =>
      Promise.reject(new Error("The netease source is not implemented yet")),
    listPlaylists: () => fail(),
    playlistSongs: () =>
      Promise.reject(new Error("The netease source is not implemented yet")),
    downloadOffers: () => fail(),
    artistDetail: () =>
      Promise.reject(new Error("The netease source is not implemented yet")),
  };
}
