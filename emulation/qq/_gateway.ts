/**
 * The `musicu.fcg` gateway and its zzc-signed twin `musics.fcg` (§1–§2,
 * §11): the envelope read from a POST body or a GET `data`, the session
 * from the cookies and `comm.g_tk` (§1.5), the sign checked (§2.1), a
 * sliding-window rate limit (2001), scripted business faults per label,
 * then each label answered by `_api.ts`.
 *
 * @module
 */
import { hash32, hexString } from "../_hash.ts";
import {
  type EmulatorContext,
  json,
  parseCookies,
  type Route,
  text,
} from "../platform.ts";
import type { World } from "../world.ts";
import { isObject, type QqApi, rateLimited } from "./_api.ts";
import type { LabelAnswer, Session } from "./_label.ts";
import type { Tier } from "./_catalog.ts";
import { APP_VKEY, EMULATION_CODES, PATHS, VKEY } from "./_constants.ts";
import { expectedSign, keyHash } from "./_sign.ts";
import { isAppComm } from "./_vkey.ts";

type Json = Record<string, unknown>;

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

/** Options of the gateway. */
export interface GatewayOptions {
  /** Gateway requests per second of the emulation's clock above which labels answer 2001. */
  maxRequestsPerSecond: number;
  /** `module.method` keys that answer 2000 on the unsigned gateway. */
  signRequired: readonly string[];
}

/** What `#label()` knows of the request beyond the label. */
interface LabelContext {
  route: Route;
  context: EmulatorContext;
  limited: boolean;
  signed: boolean;
  signOk: boolean;
  app: boolean;
  session: Session;
  now: number;
}

/** The gateway: its test accounts, its rate window and its labels. */
export class QqGateway {
  #api: QqApi;
  #accounts: Account[];
  #maxPerSecond: number;
  #signRequired: ReadonlySet<string>;
  /** Times of the last `maxRequestsPerSecond` gateway requests, oldest first. */
  #recent: number[] = [];
  #requests = 0;

  /** A gateway over the labels of `api`, with accounts derived from the world's seed. */
  constructor(world: World, api: QqApi, options: GatewayOptions) {
    this.#api = api;
    this.#maxPerSecond = options.maxRequestsPerSecond;
    this.#signRequired = new Set(options.signRequired);
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

  /** The test accounts by tier (`vip`, `svip`, `expired`). */
  accounts(): Record<string, QqAccount> {
    const accounts: Record<string, QqAccount> = {};
    for (const { tier, uin, key } of this.#accounts) {
      accounts[tier] = { uin, key };
    }
    return accounts;
  }

  /** Answers a request to the gateway host. */
  async handle(
    request: Request,
    route: Route,
    context: EmulatorContext,
  ): Promise<Response> {
    const signed = route.path === PATHS.signedGateway;
    if (!signed && route.path !== PATHS.gateway) {
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
    const app = isAppComm(envelope.comm);
    const session = this.#session(request, envelope.comm, app);
    const out: Json = { code: 0, ...head };
    for (const [label, call] of Object.entries(envelope)) {
      if (label === "comm") continue;
      out[label] = this.#label(call, {
        route,
        context,
        limited,
        signed,
        signOk,
        app,
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

  #session(request: Request, comm: unknown, app: boolean): Session {
    const cookies = parseCookies(request.headers.get("cookie"));
    const c = isObject(comm) ? comm : {};
    // the app sends its login in `comm` (`qq`, `authst`), the web in cookies
    const fromComm = (value: unknown) =>
      app && typeof value === "string" ? value : "";
    const key = cookies.get("qm_keyst") ?? cookies.get("qqmusic_key") ??
      fromComm(c.authst);
    const uin = (cookies.get("uin") ?? cookies.get("qqmusic_uin") ??
      cookies.get("wxuin") ?? fromComm(c.qq)).replace(/\D/g, "");
    if (key === "") return { tier: "anonymous", uin: "0" };
    const account = this.#accounts.find((a) => a.key === key && a.uin === uin);
    if (!account || account.tier === "expired") return { tier: "invalid", uin };
    if (app) return { tier: account.tier, uin };
    // the web client sends the key's hash in `comm` (§1.5)
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
    // a vkey fault with code 0 is answered by the label: empty purls (§7.3)
    const vkey = name === VKEY || name === APP_VKEY;
    if (fault && !(vkey && Number(fault.code ?? 0) === 0)) {
      const code = Number(fault.code ?? 0);
      return code === 2001 ? rateLimited() : { code, data: {} };
    }
    const { route, context, session, signed, app, now } = at;
    return this.#api.answer(name, param, {
      route,
      context,
      session,
      signed,
      app,
      now,
      fault,
    }) ?? { code: EMULATION_CODES.badRequest };
  }
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
