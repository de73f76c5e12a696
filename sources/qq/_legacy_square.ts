/**
 * The legacy square, family A of §3: `fcg_get_diss_tag_conf` for the
 * categories and `fcg_get_diss_by_tag` for a category's playlists, both
 * plain GETs on `c.y.qq.com`. The client uses it as a whole when musicu
 * family B cannot list the square's categories: the two families number
 * categories differently, so one never pages the other's ids.
 *
 * @module
 */
import { SourceError } from "../errors.ts";
import type { BodyCheck } from "../http.ts";
import type { SourceConfig } from "../config.ts";
import type { PlaylistCandidate, PoolCandidate } from "../types.ts";
import {
  CODES,
  DISS_BY_TAG_URL,
  DISS_TAG_CONF_URL,
  kindOfCode,
  LEGACY_CGI_QUERY,
  LEGACY_PAGE_SIZE,
  LEGACY_SORT_HOT,
  WEB_REFERER,
} from "./_constants.ts";
import { type Session, webHeaders } from "./_gateway.ts";
import { parseLegacyCategories, parseLegacyCategoryPage } from "./_parse.ts";

/** The legacy square of one source. */
export class LegacySquare {
  #config: SourceConfig;
  #session: Session;

  /** The legacy square, spoken to with a source's HTTP layer and session. */
  constructor(config: SourceConfig, session: Session) {
    this.#config = config;
    this.#session = session;
  }

  /** Every usable category, as `legacy:<categoryId>` pools. */
  async categories(signal?: AbortSignal): Promise<PoolCandidate[]> {
    const body = await this.#get(DISS_TAG_CONF_URL, {}, signal);
    return parseLegacyCategories(body);
  }

  /**
   * The playlists of a category, hottest first, in pages of
   * `LEGACY_PAGE_SIZE` (`sin` 0-based, `ein` inclusive) until `sum` or
   * `limit`; each playlist once.
   */
  async *playlists(
    categoryId: number,
    limit: number,
    signal?: AbortSignal,
  ): AsyncGenerator<PlaylistCandidate> {
    const seen = new Set<string>();
    for (let sin = 0; sin < limit;) {
      const page = parseLegacyCategoryPage(
        await this.#get(DISS_BY_TAG_URL, pageQuery(categoryId, sin), signal),
      );
      for (const playlist of page.playlists) {
        if (seen.size >= limit) return;
        if (seen.has(playlist.remoteId)) continue;
        seen.add(playlist.remoteId);
        yield playlist;
      }
      sin += LEGACY_PAGE_SIZE;
      if (page.playlists.length === 0 || sin >= page.total) return;
    }
  }

  #get(
    endpoint: string,
    query: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const search = new URLSearchParams({ ...query, ...LEGACY_CGI_QUERY });
    const url = this.#config.urls.to(`${endpoint}?${search}`);
    return this.#config.http.json<unknown>(url, {
      // §3: the legacy CGIs want a Referer on y.qq.com
      headers: webHeaders(this.#session, WEB_REFERER),
      ...(signal === undefined ? {} : { signal }),
    }, refusalCheck(url));
  }
}

/** The query of a page of `fcg_get_diss_by_tag` starting at `sin`. */
function pageQuery(categoryId: number, sin: number): Record<string, string> {
  return {
    categoryId: String(categoryId),
    sortId: String(LEGACY_SORT_HOT),
    sin: String(sin),
    // inclusive (Rain120/qq-music-api#16)
    ein: String(sin + LEGACY_PAGE_SIZE - 1),
  };
}

/**
 * Turns a legacy `code` other than 0 into a `SourceError`, inside the HTTP
 * layer's retries: 2001 backs off and is retried, other codes are final.
 */
function refusalCheck(url: string): BodyCheck<unknown> {
  return (answer) => {
    if (typeof answer !== "object" || answer === null) return;
    const code = (answer as { code?: unknown }).code;
    if (code === undefined || code === 0) return;
    const numeric = typeof code === "number" ? code : Number(code);
    if (numeric === CODES.rateLimited) {
      throw new SourceError("qq: rate limited by the platform (code 2001)", {
        platform: "qq",
        kind: "rate_limited",
        url,
        code: numeric,
        retryAfterSeconds: 2,
      });
    }
    const message = (answer as { message?: unknown; msg?: unknown }).message ??
      (answer as { msg?: unknown }).msg;
    throw new SourceError(
      `qq: ${new URL(url).pathname.split("/").pop()} failed with code ${
        String(code)
      }${typeof message === "string" && message !== "" ? `: ${message}` : ""}`,
      {
        platform: "qq",
        kind: Number.isFinite(numeric) ? kindOfCode(numeric) : "malformed",
        url,
        code: typeof code === "number" || typeof code === "string"
          ? code
          : String(code),
        retryable: false,
      },
    );
  };
}
