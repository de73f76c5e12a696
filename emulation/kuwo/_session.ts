/**
 * The web session of the Kuwo emulation (§2, §15.1–2): the home page that
 * issues the `Hm_Iuvt_...` cookie (an error status on demand, the cookie
 * still set), and the check of signed requests: an issued, unexpired
 * cookie and the `Secret` the server computes for it.
 *
 * The only state is the cookies issued, which expire after `ttlMinutes` of
 * the emulation's clock.
 *
 * @module
 */
import { htmlErrorPage } from "../faults.ts";
import { type EmulatorContext, parseCookies, type Route } from "../platform.ts";
import type { World } from "../world.ts";
import { COOKIE_NAME } from "./_constants.ts";
import { secretAccepted, secretKey } from "./_secret.ts";

const HOME_PAGE =
  "<!DOCTYPE html><html><head><title>酷我音乐-无损音质正版在线试听网站</title></head><body></body></html>";

const KEY = secretKey(COOKIE_NAME)!;

/** Issued cookies, when they were issued, and the checks against them. */
export class KuwoSession {
  /** Minutes an issued cookie stays valid. */
  readonly ttlMinutes: number;
  #issued = new Map<string, number>();
  #counter = 0;
  #world: World;

  /** A session store whose cookies live `ttlMinutes` of the emulation's clock. */
  constructor(world: World, ttlMinutes: number) {
    this.#world = world;
    this.ttlMinutes = ttlMinutes;
  }

  /** `GET /` on the www host: the home page, setting a fresh cookie. */
  home(route: Route, context: EmulatorContext): Response {
    const value = this.#issue(context.now());
    const fault = context.business(`/${route.host}/`);
    const status = fault ? Number(fault.code ?? 403) : 200;
    return new Response(
      status === 200 ? HOME_PAGE : htmlErrorPage(status, "Forbidden"),
      {
        status,
        headers: {
          "content-type": "text/html;charset=UTF-8",
          "set-cookie": `${COOKIE_NAME}=${value}; Path=/; Max-Age=${
            this.ttlMinutes * 60
          }`,
        },
      },
    );
  }

  /** Whether a signed request carries an issued cookie and its `Secret` (§15.2). */
  signed(request: Request, context: EmulatorContext): boolean {
    const value = parseCookies(request.headers.get("cookie")).get(COOKIE_NAME);
    if (!value || !this.#valid(value, context.now())) return false;
    return secretAccepted(KEY, value, request.headers.get("secret") ?? "");
  }

  #issue(now: number): string {
    const ttlMs = this.ttlMinutes * 60_000;
    for (const [value, at] of this.#issued) {
      if (now - at >= ttlMs) this.#issued.delete(value);
    }
    const value = this.#world.token(32, 0x6b77, ++this.#counter);
    this.#issued.set(value, now);
    return value;
  }

  #valid(value: string, now: number): boolean {
    const at = this.#issued.get(value);
    return at !== undefined && now - at < this.ttlMinutes * 60_000;
  }
}
