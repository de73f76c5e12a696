/**
 * The sources contract: the `Source` interface every platform implements,
 * the normalized records it produces, its typed errors, and the one HTTP
 * layer every platform uses.
 *
 * @module
 */
export * from "./types.ts";
export { isSourceError, SourceError } from "./errors.ts";
export type { SourceErrorKind, SourceErrorOptions } from "./errors.ts";
export { HttpClient, parseRetryAfter, realSleep } from "./http.ts";
export type {
  BodyCheck,
  Fetch,
  HttpClientOptions,
  HttpRequestInit,
  RetryInfo,
  Sleep,
} from "./http.ts";
export { emulatedBaseUrls, REAL_BASE_URLS } from "./base_url.ts";
export type { BaseUrls } from "./base_url.ts";
