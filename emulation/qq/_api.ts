/**
 * The labels of the QQ Music gateway (protocols/qq.md §3–§7, §11): the
 * square of family B, the charts, singers and vkeys (`_vkey.ts`), each checking its
 * `param` as the service does. The gateway (`_gateway.ts`) has read the
 * envelope, the session, the rate and the sign before a label is asked.
 *
 * @module
 */
import { hash32 } from "../_hash.ts";
import { declaredList } from "../_hidden.ts";
import type { FaultRule } from "../faults.ts";
import type { EmulatorContext } from "../platform.ts";
import {
  chartPicture,
  playlistBasic,
  type QqCatalog,
  songObject,
} from "./_catalog.ts";
import {
  APP_VKEY,
  EMULATION_CODES,
  FAMILY_B_SQUARE_MATCH,
  FEEDBACK_URL,
  VKEY,
} from "./_constants.ts";
import type { LabelAnswer, LabelCall } from "./_label.ts";
import { QqVkey } from "./_vkey.ts";
import { chartPeriod, chinaDay } from "./period.ts";

type Json = Record<string, unknown>;

/** The labels over a catalog; the vkey ones in `_vkey.ts`. */
export class QqApi {
  #catalog: QqCatalog;
  #vkey: QqVkey;

  /**
   * Labels over a catalog; `flakyVkeyRate` of the songs get an empty first
   * vkey answer (§7.3).
   */
  constructor(catalog: QqCatalog, flakyVkeyRate: number) {
    this.#catalog = catalog;
    this.#vkey = new QqVkey(catalog, flakyVkeyRate);
  }

  /** Answers a label by `module.method`, or `undefined` for one the service lacks. */
  answer(name: string, param: Json, at: LabelCall): LabelAnswer | undefined {
    switch (name) {
      case "playlist.PlaylistAllCategoriesServer.get_all_categories":
        return this.#categories();
      case "playlist.PlayListCategoryServer.get_category_content":
        return this.#categoryContent(param, at.context);
      case "musicToplist.ToplistInfoServer.GetAll":
        return this.#toplists(at.context, at.now);
      case "musicToplist.ToplistInfoServer.GetDetail":
        return this.#toplistDetail(param, at.context, at.now);
      case VKEY:
      case APP_VKEY:
        return this.#vkey.answer(name, param, at);
      case "music.musichallSinger.SingerInfoInter.GetSingerDetail":
        return this.#singers(param);
      default:
        return undefined;
    }
  }

  #categories(): LabelAnswer {
    const groups = new Map<string, Json[]>();
    for (const category of this.#catalog.categories()) {
      const items = groups.get(category.group) ?? [];
      items.push({ id: category.id, name: category.name });
      groups.set(category.group, items);
    }
    return {
      code: 0,
      data: {
        v_group: [...groups].map(([name, items], i) => ({
          group_id: i + 1,
          group_name: name,
          v_item: items,
        })),
      },
    };
  }

  #categoryContent(param: Json, context: EmulatorContext): LabelAnswer {
    const id = integer(param.category_id);
    const size = integer(param.size ?? 20);
    const page = integer(param.page ?? 0);
    if (
      id === undefined || size === undefined || page === undefined ||
      size < 1 || size > 100 || page < 0
    ) {
      return { code: EMULATION_CODES.badRequest };
    }
    const category = this.#catalog.byId("category", id);
    const indexes = category
      ? this.#catalog.world.categoryPlaylists(category.index)
      : [];
    const slice = indexes.slice(page * size, (page + 1) * size);
    return {
      code: 0,
      data: {
        content: {
          total_cnt: indexes.length,
          v_item: slice.map((p) => {
            const playlist = this.#catalog.world.playlist(p);
            const { declared } = declaredList(
              context.world.seed,
              playlist,
              context.behaviours,
            );
            return { basic: playlistBasic(playlist, declared) };
          }),
        },
      },
    };
  }

  #toplists(context: EmulatorContext, now: number): LabelAnswer {
    const world = this.#catalog.world;
    const groups = [
      { groupId: 0, groupName: "巅峰榜", toplist: [] as Json[] },
      { groupId: 1, groupName: "特色榜", toplist: [] as Json[] },
    ];
    for (const chart of this.#catalog.charts()) {
      const period = chartPeriod(chart, now);
      const list = declaredList(world.seed, chart, context.behaviours);
      const previews = list.page(0, 4).slice(0, 3).map(
        ({ position, song: index }) => {
          const song = world.song(index);
          return {
            rank: position + 1,
            songId: song.id,
            title: song.title,
            singerName: song.artists.map((a) => a.name).join("/"),
            singerMid: song.artists[0]?.mid ?? "",
          };
        },
      );
      groups[chart.cadence === "daily" ? 0 : 1]!.toplist.push({
        topId: chart.id,
        title: chart.name,
        titleDetail: chart.name,
        titleSub: "",
        intro: `${chart.name}<br>An emulated chart.`,
        period,
        updateTime: chinaDay(now),
        listenNum: 1_000_000 + hash32(world.seed, 66, chart.index) % 9_000_000,
        totalNum: list.declared,
        song: previews,
        headPicUrl: chartPicture(chart),
        frontPicUrl: chartPicture(chart),
        h5JumpUrl: "",
        specialScheme: "",
      });
    }
    return {
      code: 0,
      data: { group: groups.filter((g) => g.toplist.length > 0) },
    };
  }

  #toplistDetail(
    param: Json,
    context: EmulatorContext,
    now: number,
  ): LabelAnswer {
    // §4: the real page sends `topid`, others `topId`; both are accepted
    const topId = integer(param.topid ?? param.topId);
    const offset = integer(param.offset ?? 0);
    const num = integer(param.num ?? 10);
    if (topId === undefined || offset === undefined || num === undefined) {
      return { code: EMULATION_CODES.badRequest };
    }
    const chart = this.#catalog.byId("chart", topId);
    if (!chart) return { code: 10007, data: {} };
    const world = this.#catalog.world;
    const current = chartPeriod(chart, now);
    const asked = typeof param.period === "string" ? param.period : "";
    // a wrong or stale period gets the current one and no songs (§4)
    const matches = asked === "" || asked === current;
    const count = Math.max(0, Math.min(num, 300));
    const start = Math.max(0, offset);
    // pages are cut in declared positions; hidden songs are left out
    const list = declaredList(world.seed, chart, context.behaviours);
    const held = matches ? list.page(start, start + count) : [];
    const positions = held.map((h) => h.position);
    const songs = held.map((h) => world.song(h.song));
    return {
      code: 0,
      data: {
        data: {
          topId: chart.id,
          recType: 10005,
          topType: 0,
          updateType: chart.cadence === "daily" ? 1 : 2,
          title: chart.name,
          titleDetail: chart.name,
          titleShare: chart.name,
          titleSub: "",
          intro: `${chart.name}<br>An emulated chart.`,
          cornerMark: 0,
          period: current,
          updateTime: chinaDay(now),
          history: { year: [], subPeriod: [] },
          listenNum: 1_000_000 +
            hash32(world.seed, 66, chart.index) % 9_000_000,
          totalNum: list.declared,
          song: songs.map((song, i) => ({
            rank: positions[i]! + 1,
            rankType: 3,
            rankValue: "0",
            songId: song.id,
            title: song.title,
            singerName: song.artists.map((a) => a.name).join("/"),
            singerMid: song.artists[0]?.mid ?? "",
            albumMid: song.album?.mid ?? "",
            cover: "",
            mvid: 0,
          })),
          headPicUrl: chartPicture(chart),
          frontPicUrl: chartPicture(chart),
          subTopIds: [],
          h5JumpUrl: "",
          tjreport: `2_1_0_1_10005_${chart.id}`,
          rt: 0,
          updateTips: chart.cadence === "daily" ? "每日更新" : "每周更新",
        },
        songInfoList: songs.map(songObject),
        songTagInfoList: null,
        extInfoList: null,
        indexInfoList: null,
      },
    };
  }

  #singers(param: Json): LabelAnswer {
    const mids = Array.isArray(param.singer_mids) ? param.singer_mids : [];
    const list = mids.flatMap((mid) => {
      const artist = typeof mid === "string"
        ? this.#catalog.artistByMid(mid)
        : undefined;
      if (!artist) return [];
      return [{
        basic_info: {
          singer_id: artist.id,
          singer_mid: artist.mid,
          name: artist.name,
          type: 0,
          has_photo: 1,
        },
        ex_info: {
          desc: artist.description,
          foreign_name: artist.alias[0] ?? "",
          genre: "",
        },
        wiki: "",
        pic: {
          pic:
            `https://y.gtimg.cn/music/photo_new/T001R300x300M000${artist.mid}.jpg`,
        },
      }];
    });
    return { code: 0, data: { singer_list: list } };
  }
}

/** Whether a value is a JSON object (not an array, not null). */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An integer from a number or a numeric string. */
export function integer(value: unknown): number | undefined {
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && value.trim() !== ""
    ? Number(value)
    : Number.NaN;
  return Number.isInteger(n) ? n : undefined;
}

/** The answer of a label refused for the rate (2001, §11.2). */
export function rateLimited(): LabelAnswer {
  return {
    code: 2001,
    data: {
      code: 0,
      feedbackURL: FEEDBACK_URL,
      body: { song: { list: [] }, album: { list: [] } },
      meta: { curpage: 1, estimate_sum: 0 },
    },
  };
}

/**
 * A scripted business fault (`Faults.inject()`, or the `rule` of
 * `POST /_emulation/faults`) that makes musicu family B of the square fail
 * for its next `times` calls: code 0 with an empty `data` (an answer
 * without `v_group`, malformed) or any other per-label code. The legacy
 * family A is untouched, so clients can be made to fall back to it.
 */
export function familyBSquareFault(
  options: { code?: number; times?: number } = {},
): FaultRule {
  return {
    kind: "business",
    platform: "qq",
    match: FAMILY_B_SQUARE_MATCH,
    code: options.code ?? EMULATION_CODES.badRequest,
    times: options.times ?? 1,
  };
}
