/**
 * Base URLs: the platforms' real hosts, or the same hosts on an emulation
 * server, where each real host is the first path segment.
 *
 * @module
 */

/** Maps a real platform URL to the URL actually called, and back. */
export interface BaseUrls {
  /** The URL to call for a real URL (its path and query kept). */
  to(realUrl: string): string;
  /** The real URL an emulated URL stands for (identity without emulation). */
  real(url: string): string;
}

/** Real URLs, called as they are. */
export const REAL_BASE_URLS: BaseUrls = {
  to: (url) => url,
  real: (url) => url,
};

/**
 * Base URLs on an emulation server: `https://music.163.com/weapi/x` is
 * called as `http://127.0.0.1:8080/music.163.com/weapi/x`.
 */
export function emulatedBaseUrls(emulationUrl: string): BaseUrls {
  const base = emulationUrl.replace(/\/+$/, "");
  return {
    to(realUrl) {
      const real = new URL(realUrl);
      const rest = `${real.pathname}${real.search}`.replace(/^\/(?=$|\?)/, "");
      return `${base}/${real.host}${rest}`;
    },
    real(url) {
      if (!url.startsWith(`${base}/`)) return url;
      const rest = url.slice(base.length + 1);
      const slash = rest.search(/[/?]/);
      const host = slash < 0 ? rest : rest.slice(0, slash);
      const tail = slash < 0 ? "" : rest.slice(slash);
      return `https://${host}${tail.startsWith("?") ? `/${tail}` : tail}`;
    },
  };
}
