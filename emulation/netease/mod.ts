/**
 * The NetEase Cloud Music emulation: `music.163.com` (weapi, plain api,
 * linuxapi), `interface.music.163.com` and `interface3.music.163.com`
 * (eapi), and the audio CDN (`m701`/`m801.music.126.net`), as strict as the
 * service (protocols/netease.md §14).
 *
 * It holds its own RSA key pair, derived from the world's seed, and
 * issues anonymous identities (`/api/register/anonimous`, `_identity.ts`);
 * it publishes the RSA public half with test accounts in `publicConfig()`:
 * `{ rsa: { modulus, exponent }, accounts: { vip, svip } }`. A `MUSIC_U`
 * cookie equal to one of the account tokens plays as that account.
 *
 * The transports are read in `_transport.ts` with crypto of its own
 * (`_crypto.ts`), never the client's; the endpoints are `_api.ts` over the
 * catalog (`_catalog.ts`, `_songs.ts`, `_rights.ts`); the CDN is `_cdn.ts`;
 * lyrics and the album covers on the image hosts are `_lyrics.ts`.
 *
 * @module
 */
import {
  type EmulatorContext,
  json,
  parseCookies,
  type PlatformEmulator,
  READS,
  refuseMethod,
  type Route,
} from "../platform.ts";
import type { World } from "../world.ts";
import { answer } from "./_api.ts";
import type { ApiCall } from "./_params.ts";
import { neteaseEndpoint, neteaseRefusal } from "./_endpoints.ts";
import { NeteaseCatalog } from "./_catalog.ts";
import { CDN_HOSTS, NeteaseCdn } from "./_cdn.ts";
import {
  encryptEapiResponse,
  generateRsaKeyPair,
  Rejection,
  type RsaKeyPair,
} from "./_crypto.ts";
import { AnonymousIdentities } from "./_identity.ts";
import { IMAGE_HOSTS, serveNeteaseImage } from "./_lyrics.ts";
import type { Account } from "./_rights.ts";
import {
  EAPI_HOSTS,
  faultBody,
  rejected,
  stringOf,
  unwrap,
  WEB_HOST,
} from "./_transport.ts";

type Json = Record<string, unknown>;

/** The NetEase emulator. */
class NeteaseEmulator implements PlatformEmulator {
  readonly platform = "netease" as const;
  readonly hosts: readonly string[] = [
    WEB_HOST,
    ...EAPI_HOSTS,
    ...CDN_HOSTS,
    ...IMAGE_HOSTS,
  ];
  readonly catalog: NeteaseCatalog;
  readonly cdn: NeteaseCdn;
  readonly key: RsaKeyPair;
  /** `MUSIC_U` tokens of the test accounts. */
  readonly accounts: Readonly<{ vip: string; svip: string }>;
  /** The anonymous identities issued (`MUSIC_A`). */
  readonly identities: AnonymousIdentities;
  readonly endpoint = neteaseEndpoint;
  readonly refusal = neteaseRefusal;

  constructor(world: World) {
    this.catalog = new NeteaseCatalog(world);
    this.identities = new AnonymousIdentities(world);
    this.cdn = new NeteaseCdn(this.catalog);
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
    if (IMAGE_HOSTS.includes(route.host)) {
      return refuseMethod(request, READS, "Method Not Allowed") ??
        serveNeteaseImage(
          request,
          this.catalog.world,
          route.path,
          route.url.searchParams,
        );
    }
    if (CDN_HOSTS.includes(route.host)) {
      return refuseMethod(request, READS, "Method Not Allowed") ??
        this.cdn.serve(request, route, context);
    }
    const refused = refuseMethod(request, ["POST"], "Method Not Allowed");
    if (refused) return refused;
    const form = new URLSearchParams(await request.text());
    const cookies = parseCookies(request.headers.get("cookie"));
    const fault = context.business(`/${route.host}${route.path}`);
    if (fault) return json(faultBody(fault.code));
    const agent = request.headers.get("user-agent") ?? "";
    const unwrapped = unwrap(this.key, route, form, agent, cookies);
    if (unwrapped instanceof Response) return unwrapped;
    const { path, params, header, encrypted } = unwrapped;
    if (path === "/api/register/anonimous") {
      return this.identities.register(params, context.now());
    }
    const musicU = cookies.get("MUSIC_U") ?? stringOf(header.MUSIC_U);
    const musicA = stringOf(header.MUSIC_A) ?? cookies.get("MUSIC_A");
    const os = cookies.get("os") ?? stringOf(header.os);
    const call: ApiCall = {
      path,
      params,
      account: this.#account(musicU),
      os: os !== undefined && os !== "",
      identity: this.identities.knows(musicA),
      context,
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
}

/** Builds the NetEase emulator over a world. */
export function createNeteaseEmulator(world: World): PlatformEmulator {
  return new NeteaseEmulator(world);
}
