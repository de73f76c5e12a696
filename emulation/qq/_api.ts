/**
 * The labels of the QQ Music gateway (protocols/qq.md §3–§7, §11): the
 * square of family B, the charts, singers and vkeys, each checking its
 * `param` as the service does. The gateway (`_gateway.ts`) has read the
 * envelope, the session, the rate and the sign before a label is asked.
 *
 * @module
 */
import { hash32, hashString, hexString, unit } from "../_hash.ts";
import { declaredList } from "../_hidden.ts";
import type { FaultRule } from "../faults.ts";
import type { EmulatorContext, Route } from "../platform.ts";
import type { GenSong } from "../world.ts";
import { vkeyOf } from "./_cdn.ts";
import {
  chartPicture,
  type EmuRung,
  permitted,
  playlistBasic,
  type QqCatalog,
  RUNGS,
  songObject,
  type Tier,
} from "./_catalog.ts";
import {
  CDN_HOSTS,
  EMULATION_CODES,
  FAMILY_B_SQUARE_MATCH,
  FEEDBACK_URL,
  VKEY,
} from "./_constants.ts";
import { chartPeriod, chinaDay } from "./period.ts";

type Json = Record<string, unknown>;

/** Who a request comes from: a tier, or a key the service does not take. */
export type Session =
  | { tier: Tier; uin: string }
  | { tier: "invalid"; uin: string };

/** A label's answer: its `code` and, on success, its `data`. */
export interface LabelAnswer {
  /** The label's code: 0, or the service's refusal. */
  code: number;
  /** What the label answers. */
  data?: unknown;
}

/** What the gateway tells a label about the request. */
export interface LabelCall {
  /** Where the request went. */
  route: Route;
  /** The frame's context (clock, signer, URLs, the world). */
  context: EmulatorContext;
  /** Who is asking. */
  session: Session;
  /** Whether it came through the zzc-signed `musics.fcg` (sign checked). */
  signed: boolean;
  /** The emulation's clock at the request. */
  now: number;
  /** A scripted business fault the label answers itself (vkey code 0). */
  fault: FaultRule | undefined;
}

/** The labels over a catalog, with the vkey calls seen per song. */
export class QqApi {
  #catalog: QqCatalog;
  #flakyRate: number;
  #vkeyCalls = new Map<string, number>();

  /**
   * Labels over a catalog; `flakyVkeyRate` of the songs get an empty first
   * vkey answer (§7.3).
   */
  constructor(catalog: QqCatalog, flakyVkeyRate: number) {
    this.#catalog = catalog;
    this.#flakyRate = flakyVkeyRate;
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
        return this.#vkey(param, at);
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

  #vkey(param: Json, at: LabelCall): LabelAnswer {
    if (at.session.tier === "invalid") return { code: 1000, data: {} };
    const mids = param.songmid;
    const names = param.filename;
    if (
      !Array.isArray(mids) || mids.length === 0 || mids.length > 100 ||
      (names !== undefined &&
        (!Array.isArray(names) || names.length !== mids.length))
    ) {
      return { code: EMULATION_CODES.badRequest };
    }
    const guid = typeof param.guid === "string" ? param.guid : "";
    const tier = at.session.tier;
    const uin = tier === "anonymous" ? "0" : at.session.uin;
    const ttl = at.context.urlTtlSeconds;
    const expires = Math.floor(at.now / 1000) + ttl;
    // a scripted fault, or the seeded first-call flake of some songs (§7.3)
    const flaky = new Set<string>();
    for (const mid of new Set(mids)) {
      if (typeof mid !== "string") continue;
      const calls = this.#vkeyCalls.get(mid) ?? 0;
      this.#vkeyCalls.set(mid, calls + 1);
      if (
        at.fault !== undefined ||
        (calls === 0 &&
          unit(at.context.world.seed, 78, hashString(mid)) < this.#flakyRate)
      ) {
        flaky.add(mid);
      }
    }
    const entries = mids.map((mid, i) => {
      const asked = Array.isArray(names) ? names[i] : undefined;
      const song = typeof mid === "string"
        ? this.#catalog.songByMid(mid)
        : undefined;
      const entry = (
        filename: string,
        purl: string,
        vkey: string,
        result: number,
      ) => ({
        songmid: typeof mid === "string" ? mid : "",
        filename,
        purl,
        vkey,
        wifiurl: "",
        flowurl: "",
        ekey: "",
        result,
        errtype: "",
        tips: "",
        subcode: 0,
      });
      const refused = (filename: string, result = 104003) =>
        entry(filename, "", "", result);
      if (!song) return refused(typeof asked === "string" ? asked : "");
      const filename = typeof asked === "string"
        ? asked
        : `C400${song.mediaMid}.m4a`;
      const parsed = this.#parseFilename(song, filename);
      if (!parsed) return refused(filename);
      const { rung, normalized } = parsed;
      if (guid === "") return refused(normalized, 104004);
      if (flaky.has(song.mid)) return refused(normalized, 0);
      if (this.#catalog.rungSize(song, rung) <= 0) return refused(normalized);
      if (!permitted(song, rung, tier)) return refused(normalized);
      const vkey = vkeyOf(at.context, normalized, guid, uin, expires);
      return entry(
        normalized,
        `${normalized}?guid=${guid}&vkey=${vkey}&uin=${uin}&fromtag=66`,
        vkey,
        0,
      );
    });
    return {
      code: 0,
      data: {
        expiration: ttl,
        login_key: "",
        msg: "127.0.0.1",
        retcode: 0,
        servercheck: hexString(32, at.context.world.seed, 79, expires),
        uin: tier === "anonymous" ? "" : uin,
        verify_type: 0,
        sip: CDN_HOSTS.map((host) => at.context.hostUrl(host, "/")),
        thirdip: ["", ""],
        testfile2g: "",
        testfilewifi: "",
        keepalivefile: "",
        midurlinfo: entries,
      },
    };
  }

  /**
   * The rung of a vkey filename and its form-1 spelling (§7.1): the id part
   * may be `media_mid`, `mid + mid` or `mid + media_mid`.
   */
  #parseFilename(
    song: GenSong,
    filename: string,
  ): { rung: EmuRung; normalized: string } | undefined {
    const dot = filename.lastIndexOf(".");
    if (dot < 5) return undefined;
    const prefix = filename.slice(0, 4);
    const extension = filename.slice(dot + 1);
    const id = filename.slice(4, dot);
    const rung = RUNGS.find((r) =>
      r.prefix === prefix && r.extension === extension
    );
    if (!rung) return undefined;
    const forms = [
      song.mediaMid,
      song.mid + song.mid,
      song.mid + song.mediaMid,
    ];
    if (!forms.includes(id)) return undefined;
    return { rung, normalized: `${prefix}${song.mediaMid}.${extension}` };
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
