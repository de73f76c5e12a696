/**
 * The NetEase Cloud Music source: weapi/eapi clients for the playlist
 * square, the charts, playlist tracks, download offers and artist details.
 *
 * Against an emulation the weapi RSA public key comes from the emulation's
 * configuration (`config.emulation.rsa`); against the real platform it is
 * NetEase's own.
 *
 * @module
 */
export { createNeteaseSource } from "./source.ts";
