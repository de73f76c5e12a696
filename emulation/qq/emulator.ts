/**
 * The QQ Music emulation, as strict as the protocol page's §11: the
 * `musicu.fcg` gateway (POST JSON and GET `?data=`) dispatched by
 * module+method with per-label codes, the zzc-checked `musics.fcg`, the
 * `getcdinfo` CGI and the legacy square CGIs of family A (Referer
 * required, JSONP), vkeys by account tier, and an audio CDN that checks
 * the vkey and honours `Range`.
 *
 * @module
 */
import { hash32, hashString, hexString, unit } from "../_hash.ts";
import { serveAudio } from "../audio.ts";
import type { FaultRule } from "../faults.ts";
import {
  type EmulatorContext,
  json,
  parseCookies,
  type PlatformEmulator,
  type Route,
  text,
} from "../platform.ts";
import type { GenSong, World } from "../world.ts";
import {
  chartPicture,
  coverUrl,
  type EmuRung,
  oldSongObject,
  playlistBasic,
  QqCatalog,
  RUNGS,
  songObject,
} from "./_catalog.ts";
import { byTagData, byTagRequest, tagConfData } from "./_legacy_square.ts";
import { expectedSign, keyHash } from "./_sign.ts";
import { chartPeriod, chinaDay } from "./period.ts";

type Json = Record<string, unknown>;

/** The gateway host. */
export const API_HOST = "u.y.qq.com";
/** The legacy CGI host. */
export const CGI_HOST = "c.y.qq.com";
/** The audio CDN hosts `sip` lists. */
export const CDN_HOSTS = [
  "dl.stream.qqmusic.qq.com",
  "isure.stream.qqmusic.qq.com",
] as const;

/**
 * Codes the page does not document, chosen by the emulation: a label (or
 * envelope) it cannot read, and a `getcdinfo` call it refuses.
 */
export const EMULATION_CODES = {
  badRequest: 500001,
  badReferer: -1,
  badParam: -2,
  noPlaylist: 4000,
} as const;

const FEEDBACK_URL =
  "https://y.qq.com/wk_v17/common_login.html#/login?QQAppid=100497308";

/** Options of `createQqEmulator()`. */
export interface QqEmulatorOptions {
  /**
   * Gateway requests within one second of the emulation's clock above
   * which every label answers 2001 (a sliding window). A clock that stands
   * still measures no rate, so tests that freeze time never trip it.
   * @default 600
   */
  maxRequestsPerSecond?: number;
  /** `module.method` keys that answer 2000 on the unsigned gateway. @default [] */
  signRequired?: readonly string[];
  /**
   * Share of songs whose first vkey answer comes back with every `purl`
   * empty and `result` 0; the next answer is normal. @default 0.03
   */
  flakyVkeyRate?: number;
}

/** An account tier. */
export type Tier = "anonymous" | "vip" | "svip";

/** A test account the emulation publishes. */
export interface QqAccount {
  /** The QQ number, sent as the `uin` cookie. */
  uin: string;
  /** The musickey, sent as the `qm_keyst` cookie. */
  key: string;
}

interface Account extends QqAccount {
  tier: Tier | "expired";
}

/** Who a request comes from. */
type Session =
  | { tier: Tier; uin: string }
  | { tier: "invalid"; uin: string };

interface LabelAnswer {
  code: number;
  data?: unknown;
}

/** Builds the QQ Music emulator over a world. */
export function createQqEmulator(
  world: World,
  options: QqEmulatorOptions = {},
): PlatformEmulator {
  return new QqEmulator(world, options);
}

class QqEmulator implements PlatformEmulator {
  readonly platform = "qq" as const;
  readonly hosts = [API_HOST, CGI_HOST, ...CDN_HOSTS];
  #catalog: QqCatalog;
  #accounts: Account[];
  #maxPerSecond: number;
  #signRequired: ReadonlySet<string>;
  #flakyRate: number;
  // the instance's own counters: rate window, vkey calls per song, traces
  /** Times of the last `maxRequestsPerSecond` gateway requests, oldest first. */
  #recent: number[] = [];
  #vkeyCalls = new Map<string, number>();
  #requests = 0;

  constructor(world: World, options: QqEmulatorOptions) {
    this.#catalog = new QqCatalog(world);
    this.#maxPerSecond = options.maxRequestsPerSecond ?? 600;
    this.#signRequired = new Set(options.signRequired ?? []);
    this.#flakyRate = options.flakyVkeyRate ?? 0.03;
    const account = (tier: Account["tier"], salt: number): Account => ({
      tier,
      uin: String(100_000_000 + hash32(world.seed, 900, salt) % 800_000_000),
      key: `Q_H_L_${world.token(48, 910, salt).toUpperCase()}`,
    });
    this.#accounts = [
      account("vip", 1),
      account("svip", 2),
      account("expired", 3),
    ];
  }

  publicConfig(): Record<string, unknown> {
    const accounts: Record<string, QqAccount> = {};
    for (const { tier, uin, key } of this.#accounts) {
      accounts[tier] = { uin, key };
    }
    return { accounts };
  }

  handle(
    request: Request,
    route: Route,
    context: EmulatorContext,
  ): Response | Promise<Response> {
    if (route.host === API_HOST) return this.#gateway(request, route, context);
    if (route.host === CGI_HOST) return this.#cgi(request, route, context);
    return this.#cdn(request, route, context);
  }

  // ------------------------------------------------------------ gateway

  async #gateway(
    request: Request,
    route: Route,
    context: EmulatorContext,
  ): Promise<Response> {
    const signed = route.path === "/cgi-bin/musics.fcg";
    if (!signed && route.path !== "/cgi-bin/musicu.fcg") {
      return text("404 Not Found", { status: 404 });
    }
    let body: string | null;
    if (request.method === "POST") body = await request.text();
    else if (request.method === "GET") {
      body = route.url.searchParams.get("data");
    } else return text("405 Method Not Allowed", { status: 405 });
    const now = context.now();
    const limited = this.#overRate(now);
    const envelope = parseEnvelope(body);
    const head = {
      ts: now,
      start_ts: now,
      traceid: hexString(16, hash32(context.world.seed, 77), this.#requests++),
    };
    if (envelope === undefined) {
      return json({ code: EMULATION_CODES.badRequest, ...head });
    }
    const signOk = signed &&
      route.url.searchParams.get("sign") === expectedSign(body ?? "");
    const session = this.#session(request, envelope.comm);
    const out: Json = { code: 0, ...head };
    for (const [label, call] of Object.entries(envelope)) {
      if (label === "comm") continue;
      out[label] = this.#label(call, {
        route,
        context,
        limited,
        signed,
        signOk,
        session,
        now,
      });
    }
    return json(out);
  }

  #overRate(now: number): boolean {
    this.#recent.push(now);
    if (this.#recent.length <= this.#maxPerSecond) return false;
    const oldest = this.#recent.shift()!;
    return now > oldest && now - oldest < 1000;
  }

  #session(request: Request, comm: unknown): Session {
    const cookies = parseCookies(request.headers.get("cookie"));
    const key = cookies.get("qm_keyst") ?? cookies.get("qqmusic_key") ?? "";
    const uin = (cookies.get("uin") ?? cookies.get("qqmusic_uin") ??
      cookies.get("wxuin") ?? "").replace(/\D/g, "");
    if (key === "") return { tier: "anonymous", uin: "0" };
    const account = this.#accounts.find((a) => a.key === key && a.uin === uin);
    if (!account || account.tier === "expired") return { tier: "invalid", uin };
    // the web client sends the key's hash in `comm` (§1.5)
    const c = isObject(comm) ? comm : {};
    const gtk = Number(c.g_tk ?? c.g_tk_new_20200303);
    if (gtk !== keyHash(key)) return { tier: "invalid", uin };
    return { tier: account.tier, uin };
  }

  #label(call: unknown, at: LabelContext): LabelAnswer {
    if (
      !isObject(call) || typeof call.module !== "string" ||
      typeof call.method !== "string"
    ) {
      return { code: EMULATION_CODES.badRequest };
    }
    const name = `${call.module}.${call.method}`;
    const param = isObject(call.param) ? call.param : {};
    if (at.limited) return rateLimited();
    if (at.signed && !at.signOk) return { code: 2000 };
    if (!at.signed && this.#signRequired.has(name)) return { code: 2000 };
    const fault = at.context.business(
      `/${at.route.host}${at.route.path}#${name}`,
    );
    if (fault && !(name === VKEY && Number(fault.code ?? 0) === 0)) {
      const code = Number(fault.code ?? 0);
      return code === 2001 ? rateLimited() : { code, data: {} };
    }
    switch (name) {
      case "playlist.PlaylistAllCategoriesServer.get_all_categories":
        return this.#categories();
      case "playlist.PlayListCategoryServer.get_category_content":
        return this.#categoryContent(param);
      case "musicToplist.ToplistInfoServer.GetAll":
        return this.#toplists(at.now);
      case "musicToplist.ToplistInfoServer.GetDetail":
        return this.#toplistDetail(param, at.now);
      case VKEY:
        return this.#vkey(param, at, fault);
      case "music.musichallSinger.SingerInfoInter.GetSingerDetail":
        return this.#singers(param);
      default:
        return { code: EMULATION_CODES.badRequest };
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

  #categoryContent(param: Json): LabelAnswer {
    const id = integer(param.category_id);
    const size = integer(param.size ?? 20);
    const page = integer(param.page ?? 0);
    if (
      id === undefined || size === undefined || page === undefined ||
      size < 1 || size > 100 || page < 0
    ) {
      return { code: EMULATION_CODES.badRequest };
    }
    const category = this.#catalog.categoryById(id);
    const indexes = category
      ? this.#catalog.world.categoryPlaylists(category.index)
      : [];
    const slice = indexes.slice(page * size, (page + 1) * size);
    return {
      code: 0,
      data: {
        content: {
          total_cnt: indexes.length,
          v_item: slice.map((p) => ({
            basic: playlistBasic(this.#catalog.world.playlist(p)),
          })),
        },
      },
    };
  }

  #toplists(now: number): LabelAnswer {
    const world = this.#catalog.world;
    const groups = [
      { groupId: 0, groupName: "巅峰榜", toplist: [] as Json[] },
      { groupId: 1, groupName: "特色榜", toplist: [] as Json[] },
    ];
    for (const chart of this.#catalog.charts()) {
      const period = chartPeriod(chart, now);
      const previews = Array.from(
        { length: Math.min(3, chart.trackCount) },
        (_, i) => {
          const song = world.song(chart.track(i));
          return {
            rank: i + 1,
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
        totalNum: chart.trackCount,
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

  #toplistDetail(param: Json, now: number): LabelAnswer {
    // §4: the real page sends `topid`, others `topId`; both are accepted
    const topId = integer(param.topid ?? param.topId);
    const offset = integer(param.offset ?? 0);
    const num = integer(param.num ?? 10);
    if (topId === undefined || offset === undefined || num === undefined) {
      return { code: EMULATION_CODES.badRequest };
    }
    const chart = this.#catalog.chartById(topId);
    if (!chart) return { code: 10007, data: {} };
    const world = this.#catalog.world;
    const current = chartPeriod(chart, now);
    const asked = typeof param.period === "string" ? param.period : "";
    // a wrong or stale period gets the current one and no songs (§4)
    const matches = asked === "" || asked === current;
    const count = Math.max(0, Math.min(num, 300));
    const start = Math.max(0, offset);
    const positions = matches
      ? Array.from(
        { length: Math.max(0, Math.min(count, chart.trackCount - start)) },
        (_, i) => start + i,
      )
      : [];
    const songs = positions.map((p) => world.song(chart.track(p)));
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
          totalNum: chart.trackCount,
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

  // ------------------------------------------------------------ vkey

  #vkey(
    param: Json,
    at: LabelContext,
    fault: FaultRule | undefined,
  ): LabelAnswer {
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
        fault !== undefined ||
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

  // ------------------------------------------------------------ CGI

  #cgi(request: Request, route: Route, context: EmulatorContext): Response {
    switch (route.path) {
      case CDINFO_PATH:
        return this.#cdinfo(request, route, context);
      case TAG_CONF_PATH:
      case BY_TAG_PATH:
        return this.#legacySquare(request, route, context);
      default:
        return text("404 Not Found", { status: 404 });
    }
  }

  /**
   * The legacy square (§3 family A, §11.3): GET only, a Referer on y.qq.com
   * (`code != 0` without it), scripted business faults, then the answer.
   */
  #legacySquare(
    request: Request,
    route: Route,
    context: EmulatorContext,
  ): Response {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text("405 Method Not Allowed", { status: 405 });
    }
    const query = route.url.searchParams;
    const refuse = (code: number, message: string) =>
      jsonp(query, { code, subcode: code, message, default: 0, data: {} });
    if (!refererOk(request.headers.get("referer"))) {
      return refuse(EMULATION_CODES.badReferer, "referer check failed");
    }
    const fault = context.business(`/${route.host}${route.path}`);
    if (fault) return refuse(Number(fault.code ?? 0), "scripted fault");
    let data: Json;
    if (route.path === TAG_CONF_PATH) data = tagConfData(this.#catalog);
    else {
      const asked = byTagRequest(query);
      if (!asked) return refuse(EMULATION_CODES.badParam, "param error");
      data = byTagData(this.#catalog, asked);
    }
    return jsonp(query, { code: 0, subcode: 0, message: "", default: 0, data });
  }

  /** `getcdinfo` (§5): a playlist and a page of its songs. */
  #cdinfo(request: Request, route: Route, context: EmulatorContext): Response {
    const query = route.url.searchParams;
    const answer = (body: Json) => jsonp(query, body);
    if (!refererOk(request.headers.get("referer"))) {
      return answer({
        code: EMULATION_CODES.badReferer,
        subcode: EMULATION_CODES.badReferer,
        msg: "referer check failed",
        cdlist: [],
      });
    }
    const fault = context.business(`/${route.host}${route.path}`);
    if (fault) {
      const code = Number(fault.code ?? 0);
      return answer({
        code,
        subcode: code,
        msg: "scripted fault",
        cdlist: [],
        ...(code === 2001 ? { feedbackURL: FEEDBACK_URL } : {}),
      });
    }
    const disstid = query.get("disstid") ?? "";
    const begin = integer(query.get("song_begin") ?? "0");
    const num = integer(query.get("song_num") ?? "1000");
    if (
      query.get("type") !== "1" || query.get("json") !== "1" ||
      query.get("utf8") !== "1" || !/^\d+$/.test(disstid) ||
      begin === undefined || num === undefined || begin < 0 || num < 0
    ) {
      return answer({
        code: EMULATION_CODES.badParam,
        subcode: EMULATION_CODES.badParam,
        msg: "param error",
        cdlist: [],
      });
    }
    const playlist = this.#catalog.playlistById(Number(disstid));
    if (!playlist) {
      return answer({
        code: EMULATION_CODES.noPlaylist,
        subcode: EMULATION_CODES.noPlaylist,
        msg: "歌单不存在",
        cdnum: 0,
        cdlist: [],
      });
    }
    const world = this.#catalog.world;
    const count = Math.max(
      0,
      Math.min(num, 1000, playlist.trackCount - begin),
    );
    const songs = Array.from(
      { length: count },
      (_, i) => world.song(playlist.track(begin + i)),
    );
    const newFormat = query.get("new_format") === "1";
    return answer({
      code: 0,
      subcode: 0,
      accessed_plaza_cache: 1,
      accessed_favbase: 0,
      login: "",
      cdnum: 1,
      realcdnum: 1,
      cdlist: [{
        disstid: String(playlist.id),
        dirid: 0,
        dissid: playlist.index + 1,
        encrypt_uin: hexString(16, world.seed, 80, playlist.creator.id),
        dissname: playlist.name,
        logo: coverUrl(playlist, 600),
        desc: playlist.description,
        ctime: Math.floor(playlist.createTime / 1000),
        mtime: Math.floor(playlist.updateTime / 1000),
        nick: playlist.creator.name,
        nickname: playlist.creator.name,
        isvip: 0,
        tags: playlist.categories.map((c) => {
          const category = world.category(c);
          return { id: category.id, name: category.name, pid: category.id };
        }),
        songnum: playlist.trackCount,
        songids: songs.map((s) => s.id).join(","),
        songtypes: songs.map(() => "0").join(","),
        total_song_num: playlist.trackCount,
        song_begin: begin,
        cur_song_num: songs.length,
        songlist: songs.map(newFormat ? songObject : oldSongObject),
        visitnum: playlist.playCount,
      }],
    });
  }

  // ------------------------------------------------------------ CDN

  #cdn(request: Request, route: Route, context: EmulatorContext): Response {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text("405 Method Not Allowed", { status: 405 });
    }
    const filename = route.path.slice(1);
    const query = route.url.searchParams;
    const vkey = query.get("vkey") ?? "";
    const guid = query.get("guid") ?? "";
    const uin = query.get("uin") ?? "";
    const expires = parseInt(vkey.slice(0, 8), 16);
    if (
      !/^[0-9A-F]{40}$/.test(vkey) ||
      vkeyOf(context, filename, guid, uin, expires) !== vkey
    ) {
      return text("403 Forbidden: bad vkey", { status: 403 });
    }
    if (context.now() / 1000 > expires) {
      return text("403 Forbidden: vkey expired", { status: 403 });
    }
    const dot = filename.lastIndexOf(".");
    const song = this.#catalog.songByMediaMid(filename.slice(4, dot));
    const rung = RUNGS.find((r) =>
      r.prefix === filename.slice(0, 4) &&
      r.extension === filename.slice(dot + 1)
    );
    const size = song && rung ? this.#catalog.rungSize(song, rung) : 0;
    if (!song || !rung || size <= 0) {
      return text("404 Not Found", { status: 404 });
    }
    return serveAudio(request, {
      key: `qq:${song.mediaMid}:${rung.prefix}`,
      container: rung.container,
      sizeBytes: size,
    });
  }
}

const VKEY = "vkey.GetVkeyServer.CgiGetVkey";
const CDINFO_PATH = "/qzone/fcg-bin/fcg_ucc_getcdinfo_byids_cp.fcg";
const TAG_CONF_PATH = "/splcloud/fcgi-bin/fcg_get_diss_tag_conf.fcg";
const BY_TAG_PATH = "/splcloud/fcgi-bin/fcg_get_diss_by_tag.fcg";

/**
 * The `match` of a scripted fault that hits musicu family B of the square
 * (both `playlist.PlaylistAllCategoriesServer` and
 * `playlist.PlayListCategoryServer`), and nothing else.
 */
export const FAMILY_B_SQUARE_MATCH = "#playlist.";

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

interface LabelContext {
  route: Route;
  context: EmulatorContext;
  limited: boolean;
  signed: boolean;
  signOk: boolean;
  session: Session;
  now: number;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An integer from a number or a numeric string. */
function integer(value: unknown): number | undefined {
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && value.trim() !== ""
    ? Number(value)
    : Number.NaN;
  return Number.isInteger(n) ? n : undefined;
}

function parseEnvelope(body: string | null): Json | undefined {
  if (body === null || body === "") return undefined;
  try {
    const parsed = JSON.parse(body);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function rateLimited(): LabelAnswer {
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

/** Whether an account tier may fetch a rung of a song (§6.2, §11.5). */
function permitted(song: GenSong, rung: EmuRung, tier: Tier): boolean {
  switch (song.access) {
    case "unavailable":
      return false;
    case "vip":
      // pay_play: nothing at all for anonymous sessions
      if (tier === "anonymous") return false;
      break;
    default:
      break;
  }
  if (rung.class === "free") return true;
  if (rung.class === "vip") return tier === "vip" || tier === "svip";
  return tier === "svip";
}

/** A vkey: its expiry (8 hex digits) and a signature of the grant. */
function vkeyOf(
  context: EmulatorContext,
  filename: string,
  guid: string,
  uin: string,
  expires: number,
): string {
  const signature = context.signer.sign(
    `qq|${filename}|${guid}|${uin}`,
    expires,
  );
  return `${expires.toString(16).padStart(8, "0")}${signature}`.toUpperCase();
}

/** `c.y.qq.com` wants a Referer on y.qq.com (§1.4, §5). */
function refererOk(referer: string | null): boolean {
  if (referer === null) return false;
  try {
    const host = new URL(referer).hostname;
    return host === "y.qq.com" || host.endsWith(".y.qq.com") ||
      host === "qq.com" || host.endsWith(".qq.com");
  } catch {
    return false;
  }
}

/** JSON, or JSONP for `callback`/`jsonpCallback`/`format=jsonp` (§1.1). */
function jsonp(query: URLSearchParams, body: Json): Response {
  const name = query.get("callback") ?? query.get("jsonpCallback") ??
    (query.get("format") === "jsonp" ? "MusicJsonCallback" : null);
  if (name === null) return json(body);
  const safe = name.replace(/[^\w$.]/g, "");
  return text(`${safe}(${JSON.stringify(body)})`, {
    headers: { "content-type": "application/javascript;charset=utf-8" },
  });
}
