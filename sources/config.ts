/**
 * What a platform's source is built from (`SourceConfig`), the optional
 * logins it may use (`Credentials`, read from the environment by
 * `credentialsFromEnv()`), and the pace it keeps against the real
 * platforms or an emulation.
 *
 * The platforms' `source.ts` files import this module, never the registry
 * that builds them, so that no import runs in a circle.
 *
 * @module
 */
import type { BaseUrls } from "./base_url.ts";
import type { HttpClient, Sleep } from "./http.ts";
import type { Platform } from "./types.ts";

/** Optional logins. Never printed or logged. */
export interface Credentials {
  /** NetEase `MUSIC_U` cookie. */
  neteaseMusicU?: string;
  /** QQ Music `uin` (QQ number). */
  qqUin?: string;
  /** QQ Music `qm_keyst` / `qqmusic_key` (the musickey). */
  qqMusicKey?: string;
}

/** Environment variables read for credentials. */
export const CREDENTIAL_ENV = {
  neteaseMusicU: "CATALOGSYNC_NETEASE_MUSIC_U",
  qqUin: "CATALOGSYNC_QQ_UIN",
  qqMusicKey: "CATALOGSYNC_QQ_MUSIC_KEY",
} as const satisfies Record<keyof Credentials, string>;

/**
 * Reads credentials from the environment: each variable of
 * `CREDENTIAL_ENV` that is set to more than blanks, trimmed.
 *
 * @example Usage
 * ```ts
 * import { credentialsFromEnv } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const env: Record<string, string> = { CATALOGSYNC_QQ_UIN: " 12345 " };
 * assert.deepEqual(credentialsFromEnv((name) => env[name]), { qqUin: "12345" });
 * ```
 */
export function credentialsFromEnv(
  getEnv: (name: string) => string | undefined,
): Credentials {
  const credentials: Credentials = {};
  for (const [field, name] of Object.entries(CREDENTIAL_ENV)) {
    const value = getEnv(name)?.trim();
    if (value) credentials[field as keyof Credentials] = value;
  }
  return credentials;
}

/** What a platform's source is built from. */
export interface SourceConfig {
  /** The platform's HTTP client (pacing, retries, guards). */
  http: HttpClient;
  /** Real URLs to the URLs to call (identity, or the emulation). */
  urls: BaseUrls;
  /** Optional logins; never printed. */
  credentials: Credentials;
  /**
   * This platform's part of the emulation's `/_emulation/config` (NetEase's
   * RSA public key...), when talking to an emulation.
   */
  emulation: Record<string, unknown> | undefined;
  /** The clock, epoch milliseconds. */
  now(): number;
  /** A source of random numbers in [0, 1). */
  random(): number;
  /**
   * Sleeps, for pauses a source takes itself (NetEase's after a
   * risk-control refusal). @default a `setTimeout` sleep
   */
  sleep?: Sleep;
}

/** Requests per second against the real platforms. */
export const DEFAULT_RATES: Record<Platform, number> = {
  netease: 3,
  qq: 8,
  kuwo: 3,
};

/** Requests per second against an emulation. */
export const EMULATION_RATE = 100;
