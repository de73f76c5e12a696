/**
 * What a platform plugs into the emulation frame, and what the frame hands
 * it for each request.
 *
 * @module
 */
import { createHmac } from "node:crypto";
import type { Platform } from "../sources/types.ts";
import type { Behaviours } from "./behaviours.ts";
import type { Endpoint, RefusalKind } from "./counters.ts";
import type { FaultRule } from "./faults.ts";
import type { World } from "./world.ts";

/** Where a request was routed: the emulated host and the path on it. */
export interface Route {
  /** The real host the request is for, e.g. `music.163.com`. */
  host: string;
  /** The path on that host, starting with `/`, without the query. */
  path: string;
  /** The full request URL (its query is the platform's query). */
  url: URL;
}

/** What the frame gives a platform's handler. */
export interface EmulatorContext {
  /** The platform. */
  readonly platform: Platform;
  /** The platform's generated catalog. */
  readonly world: World;
  /** Origin of the emulation server, e.g. `http://127.0.0.1:8080`. */
  readonly origin: string;
  /** Seconds a signed media URL stays valid. */
  readonly urlTtlSeconds: number;
  /** Signs and checks expiring media URLs. */
  readonly signer: UrlSigner;
  /** The modelled behaviours of real answers in force (`behaviours.ts`). */
  readonly behaviours: Readonly<Behaviours>;
  /** The emulation's clock, epoch milliseconds. */
  now(): number;
  /** A scripted business fault for this call, if one is pending. */
  business(path: string): FaultRule | undefined;
  /** The emulation URL of a path on an emulated host. */
  hostUrl(host: string, pathAndQuery: string): string;
}

/** One platform's emulation. */
export interface PlatformEmulator {
  /** The platform. */
  readonly platform: Platform;
  /** The real hosts it answers for (API hosts and CDN hosts). */
  readonly hosts: readonly string[];
  /** Answers one request routed to one of its hosts. */
  handle(
    request: Request,
    route: Route,
    context: EmulatorContext,
  ): Response | Promise<Response>;
  /**
   * Public configuration a client needs to talk to this emulation (NetEase's
   * RSA public key, test accounts), served at `/_emulation/config`.
   */
  publicConfig?(): Record<string, unknown>;
  /**
   * Names the endpoint a request is for, as `/_emulation/stats` counts it
   * (`<host><path>`, kind `api`, when absent). `body()` reads a copy of the
   * request's body, for endpoints named inside it.
   */
  endpoint?(route: Route, body: () => Promise<string>): Promise<Endpoint>;
  /**
   * The kind of refusal (`rate`, `antibot`, `login`, `sign`) a small answer
   * is in the platform's own protocol, if it is one.
   */
  refusal?(endpoint: Endpoint, body: string): RefusalKind | undefined;
}

/** Builds a platform's emulator over its world. */
export type EmulatorFactory = (world: World) => PlatformEmulator;

/** Signs and checks expiring media URLs with an HMAC the emulation keeps. */
export class UrlSigner {
  #secret: string;

  /** A signer keyed by a secret only the emulation knows. */
  constructor(secret: string) {
    this.#secret = secret;
  }

  /** A 32-hex signature of a path and an expiry (epoch seconds). */
  sign(path: string, expiresAtSeconds: number): string {
    return createHmac("sha256", this.#secret)
      .update(`${path}|${expiresAtSeconds}`)
      .digest("hex")
      .slice(0, 32);
  }

  /** Whether a signature matches (expiry is checked by the caller). */
  verify(path: string, expiresAtSeconds: number, signature: string): boolean {
    return this.sign(path, expiresAtSeconds) === signature.toLowerCase();
  }
}

/** A JSON response. */
export function json(
  body: unknown,
  init: ResponseInit & { contentType?: string } = {},
): Response {
  const { contentType, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (!headers.has("content-type")) {
    headers.set(
      "content-type",
      contentType ?? "application/json;charset=UTF-8",
    );
  }
  return new Response(JSON.stringify(body), { ...rest, headers });
}

/** A plain-text response. */
export function text(body: string, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  if (!headers.has("content-type")) {
    headers.set("content-type", "text/plain;charset=UTF-8");
  }
  return new Response(body, { ...init, headers });
}

/** The methods that read a resource. */
export const READS: readonly string[] = ["GET", "HEAD"];

/**
 * A 405 answer with `body` when the request's method is none of `allowed`;
 * `undefined` when it is one of them.
 */
export function refuseMethod(
  request: Request,
  allowed: readonly string[],
  body: string,
): Response | undefined {
  if (allowed.includes(request.method)) return undefined;
  return text(body, { status: 405 });
}

/** Parses a `Cookie` header into a map. */
export function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}
