/**
 * The Qq source. (Placeholder until its issue lands: every call fails
 * with a clear message.)
 *
 * @module
 */
import type { SourceConfig } from "../registry.ts";
import type { Source } from "../types.ts";

/** Builds the Qq source. */
export function createQqSource(_config: SourceConfig): Source {
  const fail = (): never => {
    throw new Error("The qq source is not implemented yet");
  };
  return {
    platform: "qq",
    listPools: () =>
      Promise.reject(new Error("The qq source is not implemented yet")),
    listPlaylists: () => fail(),
    playlistSongs: () =>
      Promise.reject(new Error("The qq source is not implemented yet")),
    downloadOffers: () => fail(),
    artistDetail: () =>
      Promise.reject(new Error("The qq source is not implemented yet")),
  };
}
