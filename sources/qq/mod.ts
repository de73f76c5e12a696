/**
 * The QQ Music source (`shared/protocols/qq.md`): the `musicu.fcg`
 * gateway with its zzc-signed fallback, square categories (musicu family
 * B, or legacy family A as a whole when B fails: pools keyed
 * `legacy:<categoryId>`), the charts as one `toplist` pool of `chart:<topId>` playlists,
 * playlist songs from `getcdinfo`, and download offers from one
 * `CgiGetVkey` call per song.
 *
 * @module
 */
export { createQqSource } from "./client.ts";
