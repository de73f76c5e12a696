/**
 * The NetEase Cloud Music emulation: `music.163.com` (weapi, plain api,
 * linuxapi), `interface.music.163.com` and `interface3.music.163.com`
 * (eapi), and the audio CDN (`m701`/`m801.music.126.net`), as strict as the
 * service (protocols/netease.md §14).
 *
 * It holds its own RSA key pair, derived from the world's seed, and
 * publishes the public half with test accounts in `publicConfig()`:
 * `{ rsa: { modulus, exponent }, accounts: { vip, svip } }`. A `MUSIC_U`
 * cookie equal to one of the account tokens plays as that account.
 *
 * @module
 */
import { audioMd5, serveAudio } from "../audio.ts";
import {
  type EmulatorContext,
  json,
  parseCookies,
  type PlatformEmulator,
  type Route,
  text,
} from "../platform.ts";
import type { World } from "../world.ts";
import { answer, type ApiCall } from "./_api.ts";
import { type Account, NeteaseCatalog } from "./_catalog.ts";
import {
  decryptEapi,
  decryptLinuxapi,
  decryptWeapi,
  encryptEapiResponse,
  generateRsaKeyPair,
  Rejection,
  type RsaKeyPair,
} from "./_crypto.ts";

type Json = Record<string, unknown>;

const WEB_HOST = "music.163.com";
const EAPI_HOSTS = [
  "interface.music.163.com",
  "interface3.music.163.com",
  "interfacepc.music.163.com",
];
const CDN_HOSTS = ["m701.music.126.net", "m801.music.126.net"];

/** Bodies of the business faults the service answers (§11). */
function faultBody(code: number | string | undefined): Json {
  const busy = "网络太拥挤，请稍候再试！";
  const frequent = "操作频繁，请稍候再试";
  switch (Number(code)) {
    case -460:
      return { code: -460, msg: "Cheating" };
    case -462:
      return {
        code: -462,
        data: {
          actionCode: "1000",
          verifyType: 50,
          verifyUrl: "",
          blockText: "网络太拥挤，请稍候再试。",
        },
        message: busy,
      };
    case 405:
      return { msg: frequent, code: 405, message: frequent };
    case 406:
      return { msg: frequent, code: 406, message: frequent };
    case 301:
      return { msg: null, code: 301 };
    case 20001:
      return {
        code: 20001,
        message: "登录后才可查看",
        debugInfo: null,
        data: null,
        failData: null,
        msg: "登录后才可查看",
      };
    default:
      return { code: Number(code ?? 500) || 500, message: "emulated fault" };
  }
}

/** The NetEase emulator. */
class NeteaseEmulator implements PlatformEmulator {
  readonly platform = "netease" as const;
  readonly hosts: readonly string[] = [WEB_HOST, ...EAPI_HOSTS, ...CDN_HOSTS];
  readonly catalog: NeteaseCatalog;
  readonly key: RsaKeyPair;
  /** `MUSIC_U` tokens of the test accounts. */
  readonly accounts: Readonly<{ vip: string; svip: string }>;

  constructor(world: World) {
    this.catalog = new NeteaseCatalog(world);
    this.key = generateRsaKeyPair(world.seed);
    this.accounts = {
      vip: `emu-vip-${world.token(48, 1)}`,
      svip: `emu-svip-${world.token(48, 2)}`,
    };
  }

  /** The RSA public key (hex) and the test accounts' `MUSIC_U` values. */
  publicConfig(): Record<string, unknown> {
    return {
      rsa: {
        modulus: this.key.n.toString(16),
        exponent: this.key.e.toString(16).padStart(6, "0"),
      },
      accounts: { ...this.accounts },
    };
  }

  async handle(
    request: Request,
    route: Route,
    context: EmulatorContext,
  ): Promise<Response> {
    if (CDN_HOSTS.includes(route.host)) {
      return this.#cdn(request, route, context);
    }
    if (request.method !== "POST") {
      return text("Method Not Allowed", { status: 405 });
    }
    const form = new URLSearchParams(await request.text());
    const cookies = parseCookies(request.headers.get("cookie"));
    const fault = context.business(`/${route.host}${route.path}`);
    if (fault) return json(faultBody(fault.code));
    const agent = request.headers.get("user-agent") ?? "";
    let path: string;
    let params: Json;
    let header: Json = {};
    let encrypted = false;
    try {
      if (route.host === WEB_HOST && route.path.startsWith("/weapi/")) {
        // a desktop browser or nothing: anything else is a bot (§11, -460)
        if (!agent.startsWith("Mozilla/")) return json(faultBody(-460));
        const plain = decryptWeapi(this.key, form);
        path = `/api/${route.path.slice("/weapi/".length)}`;
        params = plain.payload;
        const csrf = cookies.get("__csrf");
        if (csrf && params.csrf_token !== csrf) return json(faultBody(301));
      } else if (
        EAPI_HOSTS.includes(route.host) && route.path.startsWith("/eapi/")
      ) {
        if (!/^Mozilla\/|NeteaseMusic/.test(agent)) {
          return json(faultBody(-460));
        }
        const params_ = form.get("params");
        if (!params_) throw new Rejection("missing params");
        const plain = decryptEapi(params_);
        path = plain.path;
        params = plain.payload;
        header = eapiHeader(params.header);
        encrypted = params.e_r === true || params.e_r === "true";
      } else if (route.path === "/api/linux/forward") {
        if (!agent.startsWith("Mozilla/")) return json(faultBody(-460));
        const eparams = form.get("eparams");
        if (!eparams) throw new Rejection("missing eparams");
        const plain = decryptLinuxapi(eparams);
        path = plain.path;
        params = plain.payload;
      } else if (route.path.startsWith("/api/")) {
        if (!agent.startsWith("Mozilla/")) return json(faultBody(-460));
        path = route.path;
        params = Object.fromEntries(form);
      } else {
        return json({ code: 404, msg: "Not Found" }, { status: 404 });
      }
    } catch (error) {
      if (error instanceof Rejection) return rejected(error);
      throw error;
    }
    const musicU = cookies.get("MUSIC_U") ?? stringOf(header.MUSIC_U);
    const os = cookies.get("os") ?? stringOf(header.os);
    const call: ApiCall = {
      path,
      params,
      account: this.#account(musicU),
      os: os !== undefined && os !== "",
      link: (objectPath, host) => this.#link(objectPath, host, context),
    };
    let body: Json | undefined;
    try {
      body = answer(this.catalog, call);
    } catch (error) {
      if (error instanceof Rejection) return rejected(error);
      throw error;
    }
    if (body === undefined) {
      return json({ code: 404, msg: `no API ${path}` }, { status: 404 });
    }
    if (encrypted) {
      return new Response(encryptEapiResponse(JSON.stringify(body)), {
        headers: { "content-type": "application/octet-stream" },
      });
    }
    return json(body);
  }

  #account(musicU: string | undefined): Account {
    if (!musicU) return "anonymous";
    let token = musicU;
    try {
      token = decodeURIComponent(musicU);
    } catch {
      // a token that is not percent-encoded is compared as it is
    }
    if (token === this.accounts.svip) return "svip";
    if (token === this.accounts.vip) return "vip";
    return "anonymous";
  }

  /** A signed, expiring CDN URL: `/<expiry yyyyMMddHHmmss>/<sig>/obj/...`. */
  #link(
    objectPath: string,
    host: string,
    context: EmulatorContext,
  ): { url: string; expi: number } {
    const ttl = context.urlTtlSeconds;
    const expiry = Math.floor(context.now() / 1000) + ttl;
    const signature = context.signer.sign(`${host}${objectPath}`, expiry);
    return {
      url: context.hostUrl(host, `/${stamp(expiry)}/${signature}${objectPath}`),
      expi: ttl,
    };
  }

  #cdn(request: Request, route: Route, context: EmulatorContext): Response {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text("Method Not Allowed", { status: 405 });
    }
    const match =
      /^\/(\d{14})\/([0-9a-f]{32})(\/obj\/(song|trial)\/(\d+)\/([a-z]+)\/([0-9a-f]{32})\.([a-z0-9]+))$/
        .exec(route.path);
    if (!match) return cdnError(404, "Not Found");
    const [, when, signature, objectPath, kind, id, level, md5, extension] =
      match;
    const expiry = unstamp(when!);
    if (
      expiry === undefined ||
      !context.signer.verify(`${route.host}${objectPath}`, expiry, signature!)
    ) {
      return cdnError(403, "Forbidden");
    }
    if (context.now() > expiry * 1000) return cdnError(403, "Forbidden");
    const file = this.catalog.objectFile(
      kind as "song" | "trial",
      Number(id),
      level!,
    );
    if (!file || file.container !== extension || audioMd5(file) !== md5) {
      return cdnError(404, "Not Found");
    }
    return serveAudio(request, file);
  }
}

function rejected(error: Rejection): Response {
  // the live answer to a body it cannot read is undocumented (§14): a
  // consistent HTTP 200 with code 400
  return json({ code: 400, msg: "参数错误", message: error.message });
}

function cdnError(status: number, title: string): Response {
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${title}</Code></Error>`,
    { status, headers: { "content-type": "application/xml" } },
  );
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The eapi `header`: an object, a JSON string, or absent (§13). */
function eapiHeader(value: unknown): Json {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value as Json;
  }
  if (typeof value === "string") {
    try {
      const parsed = JSON.parse(value);
      if (typeof parsed === "object" && parsed !== null) return parsed as Json;
    } catch {
      // an unreadable header is ignored, as an absent one
    }
  }
  return {};
}

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** Epoch seconds as `yyyyMMddHHmmss` in China time, as the CDN writes expiries. */
function stamp(seconds: number): string {
  return new Date(seconds * 1000 + CHINA_OFFSET_MS).toISOString()
    .replace(/\.\d+Z$/, "").replace(/[-T:]/g, "");
}

function unstamp(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  return Number.isNaN(ms) ? undefined : (ms - CHINA_OFFSET_MS) / 1000;
}

/** Builds the NetEase emulator over a world. */
export function createNeteaseEmulator(world: World): PlatformEmulator {
  return new NeteaseEmulator(world);
}
