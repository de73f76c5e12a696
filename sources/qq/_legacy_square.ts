/**
 * The legacy square, family A of §3: `fcg_get_diss_tag_conf` for the
 * categories and `fcg_get_diss_by_tag` for a category's playlists, both
 * plain GETs on `c.y.qq.com`, with their parsers. The source uses it as a
 * whole when musicu family B cannot list the square's categories
 * (`warrantsLegacyFallback`): the two families number categories
 * differently, so one never pages the other's ids.
 *
 * @module
 */
import { asNonEmptyText, asNumber, asObject, type Json } from "../_json.ts";
import { isSourceError, restated, SourceError } from "../errors.ts";
import type { ListingLimit } from "../paging.ts";
import type { PlaylistCandidate, PoolCandidate } from "../types.ts";
import {
  DISS_BY_TAG_URL,
  DISS_TAG_CONF_URL,
  LEGACY_ALL_CATEGORY_ID,
  LEGACY_PAGE_SIZE,
  LEGACY_POOL_PREFIX,
  LEGACY_SORT_HOT,
  WEB_REFERER,
} from "./_constants.ts";
import { chinaDate, decodeEntities, plainText, read } from "./_parse.ts";
import { cgiCodeCheck, type QqTransport } from "./_transport.ts";

/** The legacy square of one source. */
export class LegacySquare {
  #transport: QqTransport;

  /** The legacy square, spoken to with a source's transport. */
  constructor(transport: QqTransport) {
    this.#transport = transport;
  }

  /** Every usable category, as `legacy:<categoryId>` pools. */
  async categories(signal?: AbortSignal): Promise<PoolCandidate[]> {
    const body = await this.#get(DISS_TAG_CONF_URL, {}, signal);
    return parseLegacyCategories(body);
  }

  /**
   * The playlists of a category, hottest first, in pages of
   * `LEGACY_PAGE_SIZE` (`sin` 0-based, `ein` inclusive) until `sum` or
   * the listing's limit; each playlist once.
   */
  async *playlists(
    categoryId: number,
    listing: ListingLimit,
    signal?: AbortSignal,
  ): AsyncGenerator<PlaylistCandidate> {
    for (let sin = 0; sin < listing.max;) {
      const page = parseLegacyCategoryPage(
        await this.#get(DISS_BY_TAG_URL, pageQuery(categoryId, sin), signal),
      );
      yield* listing.fresh(page.playlists);
      if (listing.full) return;
      sin += LEGACY_PAGE_SIZE;
      if (page.playlists.length === 0 || sin >= page.total) return;
    }
  }

  async #get(
    endpoint: string,
    query: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    // §3: the legacy CGIs want a Referer on y.qq.com
    const answer = await this.#transport.cgi(
      endpoint,
      query,
      WEB_REFERER,
      cgiCodeCheck,
      signal,
    );
    return answer.body;
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
 * Whether musicu family B's category listing failed in a way legacy family
 * A may not share, so that the square falls back to it: a per-label or
 * gateway error code (`http`, `not_found`, `sign` after the signed retry),
 * an answer that is not the JSON §3 describes (`malformed`), or an HTML
 * page (`html`). Not for `network`/`timeout` (the HTTP layer already
 * retried), nor for `rate_limited`, `antibot`, `login` or `region`: those
 * are about the session or the connection, and asking another family
 * would only hide them.
 */
export function warrantsLegacyFallback(error: unknown): error is SourceError {
  return isSourceError(
    error,
    "http",
    "html",
    "malformed",
    "not_found",
    "sign",
  );
}

/** The error of a square neither family could list: family A's, naming both. */
export function bothFamiliesFailed(
  musicuError: SourceError,
  legacyError: unknown,
): unknown {
  if (!(legacyError instanceof SourceError)) return legacyError;
  return restated(
    legacyError,
    `${legacyError.message} (the legacy square, tried because musicu failed: ${musicuError.message})`,
  );
}

// ---------------------------------------------------------------- parsers

/**
 * The remote key of a legacy (family A) square pool: its `categoryId`
 * behind `legacy:`. The two families number categories in different id
 * spaces (§3: legacy 165 国语 is not musicu 165), so a bare id would let a
 * legacy category overwrite the musicu pool that happens to share its
 * number, and would send its id to the wrong family. The prefix keeps the
 * two apart in the catalog, tells a reader which family listed the pool,
 * and tells `listPlaylists()` which family pages it.
 */
export function legacyPoolKey(categoryId: string): string {
  return `${LEGACY_POOL_PREFIX}${categoryId}`;
}

/**
 * The legacy `categoryId` of a pool key, or `undefined` for a musicu
 * (family B) key. Throws a `TypeError` for a `legacy:` key without a
 * numeric id.
 */
export function legacyCategoryIdOf(remoteKey: string): number | undefined {
  if (!remoteKey.startsWith(LEGACY_POOL_PREFIX)) return undefined;
  const digits = remoteKey.slice(LEGACY_POOL_PREFIX.length);
  const id = Number(digits);
  if (!/^\d+$/.test(digits) || !Number.isSafeInteger(id)) {
    throw new TypeError(
      `Cannot list the playlists of QQ legacy category '${remoteKey}': expected 'legacy:<numeric id>'`,
    );
  }
  return id;
}

/** Whether a legacy group or category is flagged usable (`usable: 1`, §3). */
function usable(record: Json): boolean {
  return asNumber(record.usable) === 1;
}

/** The `data` object of a legacy CGI answer (`{code, subcode, data}`, §8). */
function legacyData(body: unknown): Json {
  return read.object(read.object(body, "").data, "data");
}

/**
 * Square categories of the legacy family A (`fcg_get_diss_tag_conf`, §3,
 * §8) as pools keyed `legacy:<categoryId>`. Only groups and categories
 * flagged `usable: 1` are kept, which drops the 热门 group and its
 * `10000000 全部` placeholder; names are decoded of their HTML entities.
 */
export function parseLegacyCategories(body: unknown): PoolCandidate[] {
  const data = legacyData(body);
  const groups = read.list(data.categories, "data.categories");
  const pools: PoolCandidate[] = [];
  const seen = new Set<string>();
  groups.forEach((g, gi) => {
    const where = `data.categories[${gi}]`;
    const group = read.object(g, where);
    if (!usable(group)) return;
    const groupName = asNonEmptyText(group.categoryGroupName);
    read.optionalList(group.items, `${where}.items`).forEach((it, ii) => {
      const item = read.object(it, `${where}.items[${ii}]`);
      if (!usable(item)) return;
      const id = read.digits(
        item.categoryId,
        `${where}.items[${ii}].categoryId`,
      );
      if (id === String(LEGACY_ALL_CATEGORY_ID) || seen.has(id)) return;
      seen.add(id);
      pools.push({
        platform: "qq",
        kind: "square",
        remoteKey: legacyPoolKey(id),
        name: decodeEntities(asNonEmptyText(item.categoryName) ?? id),
        ...(groupName === undefined
          ? {}
          : { group: decodeEntities(groupName) }),
        raw: { ...item, categoryGroupName: groupName },
      });
    });
  });
  return pools;
}

/** One page of a legacy category (`fcg_get_diss_by_tag`, §3). */
export interface LegacyCategoryPage {
  /** Playlists in the category (`sum`). */
  total: number;
  /** The page's playlists; none carries a track count (§3: no song count). */
  playlists: PlaylistCandidate[];
}

/** Parses a page of a legacy category's playlists. */
export function parseLegacyCategoryPage(body: unknown): LegacyCategoryPage {
  const data = legacyData(body);
  const items = read.optionalList(data.list, "data.list");
  // a page without its total counts as the last one
  const total = asNumber(data.sum) ?? items.length;
  const playlists = items.map((it, i) =>
    legacyPlaylist(read.object(it, `data.list[${i}]`), `data.list[${i}]`)
  );
  return { total, playlists };
}

function legacyPlaylist(item: Json, where: string): PlaylistCandidate {
  const dissid = read.digits(item.dissid, `${where}.dissid`);
  const creator = asObject(item.creator) ?? {};
  const nick = asNonEmptyText(creator.name);
  const cover = asNonEmptyText(item.imgurl);
  const playCount = asNumber(item.listennum);
  const intro = asNonEmptyText(item.introduction);
  const updatedAt = chinaDate(
    asNonEmptyText(item.commit_time) ?? asNonEmptyText(item.createtime),
  );
  return {
    platform: "qq",
    remoteId: dissid,
    name: decodeEntities(asNonEmptyText(item.dissname) ?? ""),
    ...(cover === undefined ? {} : { coverUrl: cover }),
    ...(playCount === undefined ? {} : { playCount }),
    ...(nick === undefined ? {} : { creator: decodeEntities(nick) }),
    ...(intro === undefined ? {} : { description: plainText(intro) }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
    raw: item,
  };
}
