/**
 * The file-fetch core of the download stage: one offer's body streamed
 * from its CDN into `<final>.part`, resumed with `Range` where possible,
 * retried with backoff on network errors and 5xx, and checked (length,
 * MD5, magic bytes) before it is handed back to be renamed and recorded.
 *
 * What a flaky CDN or gateway does is told apart from what the offer is:
 * a reset, a cut body or a 5xx is retried (resuming what arrived); an HTML
 * page where the file should be, or a body shorter or longer than offered,
 * is suspect: fetched again from zero a few times, then handed back as
 * `suspect` so that the ladder asks for a fresh URL before it steps down.
 * Only a complete body that is still wrong (its MD5, its magic bytes) or a
 * refusal (403, 404) rejects the offer at once.
 *
 * @module
 */
import type { Fetch, Sleep } from "../sources/http.ts";
import type { DownloadOffer } from "../sources/types.ts";
import {
  type FinishedFile,
  type OpenFile,
  PartFile,
} from "../storage/local.ts";
import {
  describeHead,
  MAGIC_BYTES,
  matchesContainer,
} from "../storage/magic.ts";
import { isNoSpace } from "../storage/errors.ts";
import {
  type HeadResult,
  reserveFor,
  TaggedHead,
} from "../storage/tags/head.ts";
import type { TagSet } from "../storage/tags/tag_set.ts";
import { chunksOf } from "./_body_chunks.ts";
import {
  retryOrGiveUp,
  retrySuspect,
  Stop,
  SuspectAgain,
  Transient,
} from "./_transfer_retry.ts";
import {
  describe,
  headerNumber,
  isHtmlType,
  looksLikeMarkup,
  parseContentRange,
} from "./_cdn_answer.ts";

/** What a transfer needs from its run. */
export interface TransferOptions {
  /** The `fetch` for CDN requests. */
  fetch: Fetch;
  /** Sleeps between retries. */
  sleep: Sleep;
  /** Aborts the transfer (the `.part` is kept). */
  signal: AbortSignal | undefined;
  /** Opens files for writing (a seam for tests). */
  openFile: OpenFile | undefined;
  /**
   * Retries after network errors, cut bodies and 5xx; an HTML page or a
   * body of the wrong length is fetched again at most
   * `min(retries, SUSPECT_RETRIES)` times.
   */
  retries: number;
  /** First backoff delay, doubled on each retry. */
  backoffMs: number;
  /** The clock, to tell an expired URL. */
  now(): number;
  /**
   * Called after each chunk is written with the bytes in the file so far;
   * returning `false` stops the transfer (the lease was lost).
   */
  onBytes(bytesInFile: number, totalBytes: number | undefined): boolean;
  /** Called before a retry, for logs. */
  onRetry?(reason: string, attempt: number, delayMs: number): void;
  /**
   * Tags the file will get: room for them is left before the body, and
   * their head and the stored file's SHA-256 are computed as it streams.
   */
  tags?: TagSet | undefined;
}

/** How a transfer ended. */
export type TransferResult =
  | {
    /** The file is complete and checked; `part.commit()` puts it in place. */
    kind: "ok";
    part: PartFile;
    file: FinishedFile;
    /** Bytes taken over from an interrupted transfer. */
    resumedBytes: number;
    /** The tagged head built while the body streamed (with `tags`). */
    head: HeadResult | undefined;
  }
  | {
    /** The offer is not usable: try the next one. */
    kind: "reject";
    reason: string;
  }
  | {
    /** The URL expired: resolve the offers again (the `.part` is kept). */
    kind: "expired";
    reason: string;
  }
  | {
    /**
     * The URL kept answering something that is not the offered file (an
     * HTML page, a body of the wrong length): worth a fresh URL before the
     * offer is given up (the `.part` is removed).
     */
    kind: "suspect";
    reason: string;
  }
  | {
    /** Retries ran out on a transient failure (the `.part` is kept). */
    kind: "retry_later";
    reason: string;
  }
  | { kind: "interrupted" }
  | { kind: "lease_lost" };

/** A URL is taken as expired this long before its declared expiry. */
const EXPIRY_SKEW_MS = 5_000;
class Rejection extends Error {
  override readonly name = "Rejection";
}

class Expired extends Error {
  override readonly name = "Expired";
}

/** An answer that is not the offered file, but may be next time. */
class Suspect extends Error {
  override readonly name = "Suspect";
  /** Whether its bytes went into the `.part` (then the next try starts from zero). */
  readonly written: boolean;
  constructor(message: string, written: boolean) {
    super(message);
    this.written = written;
  }
}

/**
 * Downloads `offer` to `path` (through `path.part`). Throws
 * `NoSpaceError` when the disk fills up (the `.part` is removed first).
 */
export async function transferOffer(
  path: string,
  offer: DownloadOffer,
  options: TransferOptions,
): Promise<TransferResult> {
  let head: TaggedHead | undefined;
  const tags = options.tags;
  const reserve = tags ? reserveFor(offer.container, tags) : 0;
  const part = await PartFile.prepare(path, {
    platform: offer.platform,
    songRemoteId: offer.songRemoteId,
    level: offer.level,
    extension: offer.extension,
    sizeBytes: offer.sizeBytes ?? null,
    md5: offer.md5?.toLowerCase() ?? null,
  }, {
    md5: offer.md5 !== undefined,
    ...(options.openFile ? { openFile: options.openFile } : {}),
    reserve,
    ...(tags && reserve > 0
      ? {
        observe: (room: number) =>
          head = new TaggedHead(offer.container, tags, room),
      }
      : {}),
  });
  const resumedFrom = part.resumableBytes;
  try {
    const file = await fetchInto(part, offer, options);
    return {
      kind: "ok",
      part,
      file,
      resumedBytes: Math.min(resumedFrom, file.sizeBytes),
      head: head?.finish(),
    };
  } catch (error) {
    if (error instanceof Rejection) {
      await part.discard();
      return { kind: "reject", reason: error.message };
    }
    if (error instanceof SuspectAgain) {
      await part.discard();
      return { kind: "suspect", reason: error.message };
    }
    if (isNoSpace(error)) {
      await part.discard().catch(() => {});
      throw error;
    }
    await part.keep();
    if (error instanceof Stop) return { kind: error.kind };
    if (options.signal?.aborted) return { kind: "interrupted" };
    if (error instanceof Expired) {
      return { kind: "expired", reason: error.message };
    }
    if (error instanceof Transient) {
      return { kind: "retry_later", reason: error.message };
    }
    throw error;
  }
}

async function fetchInto(
  part: PartFile,
  offer: DownloadOffer,
  options: TransferOptions,
): Promise<FinishedFile> {
  const url = offer.url.trim();
  if (url === "") throw new Rejection("the offer has an empty URL");
  try {
    new URL(url);
  } catch {
    throw new Rejection(`the offer's URL is not a URL: '${url}'`);
  }
  let open = false;
  let answered = false;
  let noRange = false;
  /** The bytes in the `.part` are not to be trusted: ask for the whole file. */
  let fromZero = false;
  let failures = 0;
  let suspects = 0;
  let knownEtag = part.resumableEtag;
  const suspect = async (error: Suspect) => {
    if (error.written) fromZero = true;
    suspects = await retrySuspect(error.message, suspects, options);
  };
  for (;;) {
    if (options.signal?.aborted) throw new Stop("interrupted");
    const have = fromZero
      ? 0
      : open
      ? part.size
      : noRange
      ? 0
      : part.resumableBytes;
    const headers = new Headers(offer.headers);
    if (have > 0) headers.set("range", `bytes=${have}-`);
    let response: Response;
    try {
      response = await options.fetch(url, {
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw new Stop("interrupted");
      failures = await retryOrGiveUp(
        `network error: ${describe(error)}`,
        failures,
        options,
      );
      continue;
    }
    const status = response.status;
    if (status !== 200 && status !== 206) {
      await response.body?.cancel().catch(() => {});
      if (status === 416 && have > 0) {
        noRange = true;
        open = false;
        continue;
      }
      if (
        status === 410 ||
        (status === 403 && (answered || expired(offer, options)))
      ) {
        throw new Expired(`the URL expired: HTTP ${status} from the CDN`);
      }
      if (status === 408 || status === 429 || status >= 500) {
        failures = await retryOrGiveUp(
          `HTTP ${status} from the CDN`,
          failures,
          options,
        );
        continue;
      }
      throw new Rejection(`HTTP ${status} from the CDN`);
    }
    if (isHtmlType(response.headers.get("content-type"))) {
      // a gateway's error page: the bytes in the .part are still good
      await response.body?.cancel().catch(() => {});
      await suspect(
        new Suspect(`an HTML page (HTTP ${status}) instead of the file`, false),
      );
      continue;
    }
    answered = true;
    const etag = response.headers.get("etag");
    const length = headerNumber(response.headers.get("content-length"));
    let total: number | undefined;
    if (status === 206) {
      const range = parseContentRange(response.headers.get("content-range"));
      const sameFile = knownEtag === null || etag === null ||
        knownEtag === etag;
      if (
        have === 0 || !range || range.start !== have || !sameFile ||
        (range.total !== undefined && range.end + 1 !== range.total)
      ) {
        // not the continuation we asked for: start over without Range
        await response.body?.cancel().catch(() => {});
        if (noRange) {
          throw new Rejection("the CDN answers 206 to a full request");
        }
        noRange = true;
        open = false;
        continue;
      }
      total = range.total;
    } else {
      // 200: the whole body, whatever we asked for
      total = length;
    }
    if (
      offer.sizeBytes !== undefined && total !== undefined &&
      total !== offer.sizeBytes
    ) {
      await response.body?.cancel().catch(() => {});
      await suspect(
        new Suspect(
          `the CDN serves ${total} bytes where the offer says ${offer.sizeBytes}`,
          status === 206,
        ),
      );
      continue;
    }
    if (status === 206) {
      if (!open) {
        await part.resume();
        open = true;
      }
    } else {
      knownEtag = etag;
      await part.begin(etag);
      open = true;
      fromZero = false;
    }
    try {
      await streamBody(response, part, offer, length, total, options);
    } catch (error) {
      if (error instanceof Suspect) {
        await response.body?.cancel().catch(() => {});
        await suspect(error);
        continue;
      }
      if (
        error instanceof Rejection || error instanceof Stop || isNoSpace(error)
      ) throw error;
      if (options.signal?.aborted) throw new Stop("interrupted");
      // what was received is kept: the retry asks for the rest
      await part.flush();
      failures = await retryOrGiveUp(describe(error), failures, options);
      continue;
    }
    try {
      return await check(part, offer);
    } catch (error) {
      if (!(error instanceof Suspect)) throw error;
      await suspect(error);
    }
  }
}

async function streamBody(
  response: Response,
  part: PartFile,
  offer: DownloadOffer,
  length: number | undefined,
  total: number | undefined,
  options: TransferOptions,
): Promise<void> {
  const body = response.body;
  if (!body) {
    if (length === 0 || length === undefined) return;
    throw new Transient("the CDN sent no body");
  }
  let received = 0;
  const limit = offer.sizeBytes ?? total;
  // Responses built in process (an emulation handler passed as `fetch`) have
  // no URL, and their byte streams may never answer a BYOB read at their
  // end; network responses from `fetch` do.
  const remaining = length ??
    (limit === undefined ? undefined : limit - part.size);
  for await (
    const chunk of chunksOf(body, response.url !== "", remaining)
  ) {
    const before = part.size;
    await part.write(chunk);
    received += chunk.length;
    if (before < MAGIC_BYTES && part.size >= MAGIC_BYTES) {
      checkHead(part.head, offer);
    }
    if (limit !== undefined && part.size > limit) {
      throw new Suspect(
        `the body is longer than the ${limit} bytes offered`,
        true,
      );
    }
    if (!options.onBytes(part.size, limit)) throw new Stop("lease_lost");
    if (options.signal?.aborted) throw new Stop("interrupted");
  }
  if (length !== undefined && received !== length) {
    throw new Transient(
      `the body broke off after ${received} of ${length} bytes`,
    );
  }
}

async function check(
  part: PartFile,
  offer: DownloadOffer,
): Promise<FinishedFile> {
  if (offer.sizeBytes !== undefined && part.size !== offer.sizeBytes) {
    throw new Suspect(
      `the body has ${part.size} bytes where the offer says ${offer.sizeBytes}`,
      true,
    );
  }
  checkHead(part.head, offer);
  const file = await part.finish();
  if (offer.md5 !== undefined && file.md5 !== offer.md5.toLowerCase()) {
    throw new Rejection(
      `the body's MD5 ${file.md5} differs from the platform's ${offer.md5.toLowerCase()}`,
    );
  }
  return file;
}

/**
 * Rejects a body whose first bytes are not the offered container; one
 * that starts like markup (an HTML or XML error page) is suspect instead.
 */
function checkHead(head: Uint8Array, offer: DownloadOffer): void {
  if (matchesContainer(head, offer.container)) return;
  const message = `the body starts with ${
    describeHead(head)
  }, not a ${offer.container} header`;
  if (looksLikeMarkup(head)) throw new Suspect(message, true);
  throw new Rejection(message);
}

function expired(offer: DownloadOffer, options: TransferOptions): boolean {
  return offer.expiresAt !== undefined &&
    options.now() >= offer.expiresAt - EXPIRY_SKEW_MS;
}
