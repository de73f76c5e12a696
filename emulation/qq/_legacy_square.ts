/**
 * The legacy square, family A of §3: `fcg_get_diss_tag_conf` (the
 * categories in groups, with the 热门/全部 placeholder) and
 * `fcg_get_diss_by_tag` (a category's playlists, `sin`/`ein` inclusive),
 * shaped as §8 shows them: string `dissid`, HTML entities in names, no
 * song count. Categories carry their own legacy ids, never the musicu ones.
 *
 * @module
 */
import { hexString } from "../_hash.ts";
import type { GenCategory, GenPlaylist, World } from "../world.ts";
import { coverUrl, type QqCatalog } from "./_catalog.ts";
import { chinaDay } from "./period.ts";

type Json = Record<string, unknown>;

/** The `全部` category of the 热门 group: every playlist (§3, §8). */
export const LEGACY_ALL_CATEGORY_ID = 10000000;

/**
 * `sortId`s the service knows (§3, §8): 5 and 3 hottest first, 2 newest.
 * The page does not say what an unknown one gets; the emulation refuses it.
 */
export const LEGACY_SORT_IDS: readonly number[] = [2, 3, 5];

/**
 * The most playlists one `fcg_get_diss_by_tag` page may ask for. The page
 * names sizes 20 and 30 only; the emulation refuses more than this.
 */
export const LEGACY_MAX_PAGE = 100;

/**
 * The legacy id of a category. The world numbers categories `100 + 3i`
 * (their musicu id, ≡ 1 mod 3); legacy ids are `1001 + 3i` (≡ 2 mod 3), so
 * no legacy id is ever a musicu id: a client that mixes the two id spaces
 * gets an empty category rather than the right playlists by accident.
 */
export function legacyCategoryId(category: GenCategory): number {
  return 1001 + category.index * 3;
}

/** A name as the legacy CGIs send it: with HTML entities (§3). */
export function withEntities(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;")
    .replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** The `data` of `fcg_get_diss_tag_conf` (§8). */
export function tagConfData(catalog: QqCatalog): Json {
  const groups = new Map<string, Json[]>();
  for (const category of catalog.categories()) {
    const items = groups.get(category.group) ?? [];
    items.push({
      categoryId: legacyCategoryId(category),
      categoryName: withEntities(category.name),
      usable: 1,
      allsorts: [],
    });
    groups.set(category.group, items);
  }
  return {
    categories: [
      {
        categoryGroupName: "热门",
        usable: 0,
        items: [{
          categoryId: LEGACY_ALL_CATEGORY_ID,
          categoryName: "全部",
          usable: 0,
          allsorts: [
            { sortId: 2, sortName: "最新" },
            { sortId: 3, sortName: "最热" },
          ],
        }],
      },
      ...[...groups].map(([name, items]) => ({
        categoryGroupName: withEntities(name),
        usable: 1,
        items,
      })),
    ],
  };
}

/** A checked `fcg_get_diss_by_tag` request. */
export interface ByTagRequest {
  categoryId: number;
  sortId: number;
  /** First position, 0-based. */
  sin: number;
  /** Last position, inclusive. */
  ein: number;
}

/**
 * Reads and checks the query of `fcg_get_diss_by_tag`: a numeric
 * `categoryId`, a known `sortId`, `0 <= sin <= ein` and at most
 * `LEGACY_MAX_PAGE` positions. `undefined` when the service would refuse.
 */
export function byTagRequest(query: URLSearchParams): ByTagRequest | undefined {
  const categoryId = digits(query.get("categoryId"));
  const sortId = digits(query.get("sortId"));
  const sin = digits(query.get("sin"));
  const ein = digits(query.get("ein"));
  if (
    categoryId === undefined || sortId === undefined || sin === undefined ||
    ein === undefined || !LEGACY_SORT_IDS.includes(sortId) || ein < sin ||
    ein - sin + 1 > LEGACY_MAX_PAGE
  ) {
    return undefined;
  }
  return { categoryId, sortId, sin, ein };
}

/** The `data` of `fcg_get_diss_by_tag` (§8): `list` is positions `sin..ein`. */
export function byTagData(catalog: QqCatalog, request: ByTagRequest): Json {
  const indexes = legacyPlaylists(
    catalog.world,
    request.categoryId,
    request.sortId,
  );
  const world = catalog.world;
  return {
    uin: 0,
    categoryId: request.categoryId,
    sortId: request.sortId,
    sum: indexes.length,
    sin: request.sin,
    ein: request.ein,
    list: indexes.slice(request.sin, request.ein + 1).map((p) =>
      dissItem(world.seed, world.playlist(p))
    ),
  };
}

/**
 * Indexes of the playlists of a legacy category (every playlist for
 * `全部`, none for an unknown id) in the order of a `sortId`: hottest
 * (`listennum`) or newest first, ties by index.
 */
export function legacyPlaylists(
  world: World,
  categoryId: number,
  sortId = 5,
): number[] {
  const category = Array.from(
    { length: world.shape.categories },
    (_, i) => world.category(i),
  ).find((c) => legacyCategoryId(c) === categoryId);
  const indexes = categoryId === LEGACY_ALL_CATEGORY_ID
    ? Array.from({ length: world.shape.playlists }, (_, i) => i)
    : category
    ? world.categoryPlaylists(category.index)
    : [];
  const key = (p: number) => {
    const playlist = world.playlist(p);
    return sortId === 2 ? playlist.updateTime : playlist.playCount;
  };
  return indexes.map((p) => ({ p, key: key(p) }))
    .sort((a, b) => b.key - a.key || a.p - b.p)
    .map(({ p }) => p);
}

/** A playlist as `fcg_get_diss_by_tag` lists it (§8): no song count. */
function dissItem(seed: number, playlist: GenPlaylist): Json {
  return {
    dissid: String(playlist.id),
    createtime: chinaDay(playlist.createTime),
    commit_time: chinaDay(playlist.updateTime),
    dissname: withEntities(playlist.name),
    imgurl: coverUrl(playlist, 600),
    introduction: "",
    listennum: playlist.playCount,
    score: 0,
    version: 0,
    creator: {
      type: 2,
      qq: playlist.creator.id,
      encrypt_uin: hexString(16, seed, 80, playlist.creator.id),
      name: withEntities(playlist.creator.name),
      isVip: 0,
      avatarUrl: "",
      followflag: 0,
    },
  };
}

/** A non-negative integer written in decimal digits only. */
function digits(value: string | null): number | undefined {
  if (value === null || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}
