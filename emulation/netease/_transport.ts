/**
 * NetEase's four transports on the server side (protocols/netease.md §3,
 * §11, §14): which host and path take which encryption, the user agents
 * each accepts (anything else is a bot: `-460`), the `__csrf` check, and
 * the bodies of the business faults the service answers.
 *
 * @module
 */
import { json, type Route } from "../platform.ts";
import {
  decryptEapi,
  decryptLinuxapi,
  decryptWeapi,
  Rejection,
  type RsaKeyPair,
} from "./_crypto.ts";

type Json = Record<string, unknown>;

/** The web host: weapi, plain api and linuxapi. */
export const WEB_HOST = "music.163.com";
/** The eapi hosts. */
export const EAPI_HOSTS: readonly string[] = [
  "interface.music.163.com",
  "interface3.music.163.com",
  "interfacepc.music.163.com",
];

/** Bodies of the business faults the service answers (§11). */
export function faultBody(code: number | string | undefined): Json {
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

/** A request body read through its transport. */
export interface Unwrapped {
  /** The `/api/...` path the call is for. */
  path: string;
  /** Its parameters. */
  params: Json;
  /** The eapi `header` (what the app says of itself); empty elsewhere. */
  header: Json;
  /** Whether the answer goes back encrypted (eapi `e_r`). */
  encrypted: boolean;
}

/**
 * Reads a POST body by the transport its host and path name, or the
 * answer the service gives instead (a bot, a bad `__csrf`, a body it
 * cannot read, a path it does not have).
 */
export function unwrap(
  key: RsaKeyPair,
  route: Route,
  form: URLSearchParams,
  agent: string,
  cookies: ReadonlyMap<string, string>,
): Unwrapped | Response {
  let path: string;
  let params: Json;
  let header: Json = {};
  let encrypted = false;
  try {
    if (route.host === WEB_HOST && route.path.startsWith("/weapi/")) {
      // a desktop browser or nothing: anything else is a bot (§11, -460)
      if (!agent.startsWith("Mozilla/")) return json(faultBody(-460));
      const plain = decryptWeapi(key, form);
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
  return { path, params, header, encrypted };
}

/** The answer to a body the service cannot read. */
export function rejected(error: Rejection): Response {
  // the live answer to a body it cannot read is undocumented (§14): a
  // consistent HTTP 200 with code 400
  return json({ code: 400, msg: "参数错误", message: error.message });
}

/** A value if it is a string. */
export function stringOf(value: unknown): string | undefined {
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
