/**
 * The probe of a Kuwo offer before it is offered (§9.6 step 6): the first
 * bytes of the CDN's answer, read with `Range`, say whether the file is the
 * container its tier promises and how large it is.
 *
 * @module
 */
import { isSourceError } from "../errors.ts";
import type { Container, DownloadOffer } from "../types.ts";

import { asNumber } from "../_json.ts";
import type { KuwoTransport } from "./_transport.ts";

/** What the first bytes of a file say about its container. */
export function sniffContainer(bytes: Uint8Array): Container | undefined {
  if (
    bytes[0] === 0x66 && bytes[1] === 0x4c && bytes[2] === 0x61 &&
    bytes[3] === 0x43
  ) return "flac";
  if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) {
    return "mp3";
  }
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0) return "mp3";
  return undefined;
}

/** What probing an offer found. */
export type Probe =
  | { kind: "ok"; sizeBytes: number | undefined }
  | { kind: "bad"; reason: string }
  | { kind: "unsure"; reason: string };

/** Probes of an offer before it is offered unprobed. */
const PROBE_ATTEMPTS = 3;

/**
 * Reads the first bytes of an offer (§9.6 step 6): the container's magic
 * must match the tier, the size comes from `Content-Range`. A refusal or
 * another container makes the offer `bad`; what a flaky CDN does (an HTML
 * error page, a body cut before its first bytes, a 5xx or a reset that
 * outlasted the HTTP layer's retries) is probed again, and then left
 * `unsure`: the transfer, which retries those on the same rung, decides.
 */
export async function probe(
  transport: KuwoTransport,
  offer: DownloadOffer,
  signal: AbortSignal | undefined,
): Promise<Probe> {
  let result: Probe = { kind: "unsure", reason: "not probed" };
  for (let attempt = 0; attempt < PROBE_ATTEMPTS; attempt++) {
    result = await probeOnce(transport, offer, signal);
    if (result.kind !== "unsure") return result;
  }
  return result;
}

async function probeOnce(
  transport: KuwoTransport,
  offer: DownloadOffer,
  signal: AbortSignal | undefined,
): Promise<Probe> {
  let response: Response;
  try {
    response = await transport.cdn(
      offer.url,
      { ...offer.headers, Range: "bytes=0-15" },
      signal,
    );
  } catch (error) {
    if (isSourceError(error) && error.retryable) {
      return { kind: "unsure", reason: `the probe failed: ${error.message}` };
    }
    throw error;
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel().catch(() => {});
    return { kind: "bad", reason: `the CDN answered HTTP ${response.status}` };
  }
  if (/\btext\/html\b/i.test(response.headers.get("content-type") ?? "")) {
    await response.body?.cancel().catch(() => {});
    return { kind: "unsure", reason: "the CDN answered an HTML page" };
  }
  const { head, broken } = await firstBytes(response, 16);
  const container = sniffContainer(head);
  if (container === undefined && (broken || head[0] === 0x3c)) {
    return {
      kind: "unsure",
      reason: broken ? "the probe's body broke off" : "the CDN answered markup",
    };
  }
  if (container !== offer.container) {
    return {
      kind: "bad",
      reason: `the file is not ${offer.container} (${container ?? "unknown"})`,
    };
  }
  const range = /\/(\d+)\s*$/.exec(response.headers.get("content-range") ?? "");
  const length = response.status === 200
    ? asNumber(response.headers.get("content-length"))
    : undefined;
  return { kind: "ok", sizeBytes: range ? Number(range[1]) : length };
}

/** Up to `count` first bytes of a body, and whether it broke off before. */
async function firstBytes(
  response: Response,
  count: number,
): Promise<{ head: Uint8Array; broken: boolean }> {
  const out = new Uint8Array(count);
  let filled = 0;
  let broken = false;
  const reader = response.body?.getReader();
  if (!reader) return { head: out.subarray(0, 0), broken };
  try {
    while (filled < count) {
      const { value, done } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, count - filled);
      out.set(value.subarray(0, take), filled);
      filled += take;
    }
  } catch {
    // a body that breaks off: judge what arrived
    broken = true;
  } finally {
    reader.cancel().catch(() => {});
  }
  return { head: out.subarray(0, filled), broken };
}
