/**
 * The Kuwo source. (Placeholder until its issue lands: every call fails
 * with a clear message.)
 *
 * @module
 */
import type { SourceConfig } from "../registry.ts";
import type { Source } from "../types.ts";

/** Builds the Kuwo source. */
export function createKuwoSource(_config: SourceConfig): Source {
  const fail = (): never => {
    throw new Error("The kuwo source is not implemented yet");
  };
  return {
    platform: "kuwo",
    listPools: () =>
      Promise.reject(new Error("The kuwo source is not implemented yet")),
    listPlaylists: () => fail(),
    playlistSongs: () =>
      Promise.reject(new Error("The kuwo source is not implemented yet")),
    downloadOffers: () => fail(),
    artistDetail: () =>
      Promise.reject(new Error("The kuwo source is not implemented yet")),
  };
}
