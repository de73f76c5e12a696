/**
 * `tag`: (re)writes the tags, the front cover and the lyrics of files
 * already in the library: files downloaded before tags were written, or
 * after `coverSize` or the parts asked for changed.
 *
 * Each file's head is rendered again from the catalog (the song, its
 * credits, the source's tag facts, the cached cover, the recorded lyrics;
 * covers and lyrics not in the catalog yet are fetched once). A file whose
 * bytes would not change is not touched, so a second run changes no byte.
 * A file that changes is written whole beside itself, synced, and renamed
 * into place in the transaction that records its new size and SHA-256
 * (`file_assets.stored_*`), so a kill at any moment leaves the old file or
 * the new one, each with its record. `.lrc` files beside it are written
 * when their text changed. Files that are gone or whose size is not the
 * recorded one are left alone (the download stage marks them missing).
 *
 * @module
 */
import {
  recordTagging,
  type TaggableFile,
  taggableFiles,
} from "../catalog/tags.ts";
import { songById, songInfoFromRow } from "../catalog/songs.ts";
import type { Container, Platform } from "../sources/types.ts";
import { isNoSpace } from "../storage/errors.ts";
import { fileSize } from "../storage/local.ts";
import { writeLrcFiles } from "../storage/lyric_files.ts";
import { resolveInside } from "../storage/names.ts";
import {
  TagFormatError,
  taggerFor,
  writesAnything,
} from "../storage/tags/head.ts";
import { retagFile } from "../storage/tags/retag.ts";
import type { Context } from "./context.ts";
import type { RunStatus } from "./outcome.ts";
import { finishStage, startStage, workThrough } from "./_stage.ts";
import { Tagger, type TagParts } from "./_tagging.ts";

/** Options of `tag()`. */
export interface TagOptions extends TagParts {
  /** Files of songs of these platforms. @default the platforms the context has sources for */
  platforms?: readonly Platform[];
  /** At most this many files; `0` = all. @default 0 */
  limit?: number;
  /** Files worked on at once. @default 4 */
  concurrency?: number;
}

/** Defaults of `TagOptions`. */
export const TAG_STAGE_DEFAULTS = {
  limit: 0,
  concurrency: 4,
} as const satisfies Partial<TagOptions>;

/** A file the stage could not tag. */
export interface TagFailure {
  /** The song's platform. */
  platform: Platform;
  /** The song's id on its platform. */
  remoteId: string;
  /** The file, relative to its library. */
  locator: string;
  /** Why. */
  error: string;
}

/** The summary of `tag()`. */
export interface TagSummary {
  /** How the run ended. */
  status: RunStatus;
  /** Files visited. */
  files: number;
  /** Files whose bytes changed (new size and SHA-256 recorded). */
  rewritten: number;
  /** Files that already had these tags: not touched. */
  unchanged: number;
  /** Files not there, or not the recorded size: left alone. */
  skipped: number;
  /** Files of containers that are not tagged (Ogg, APE). */
  unsupported: number;
  /** Files whose tags could not be written. */
  failed: number;
  /** Files tagged without their cover or lyrics because a request failed. */
  partial: number;
  /** `.lrc` files written. */
  lrcFiles: number;
  /** Covers fetched from the platforms (the others came from the catalog). */
  coversFetched: number;
  /** Lyrics fetched from the platforms. */
  lyricsFetched: number;
  /** What failed, and why. */
  failures: TagFailure[];
  /** How long the run took, in milliseconds. */
  durationMs: number;
}

const CONTAINERS: Readonly<Record<string, Container>> = {
  flac: "flac",
  mp3: "mp3",
  m4a: "m4a",
  ogg: "ogg",
  ape: "ape",
};

/**
 * (Re)writes the tags of the library's files.
 *
 * @example Download two songs without tags, then tag them; a second run changes nothing
 * ```ts
 * import {
 *   Catalog,
 *   collect,
 *   createContext,
 *   createEmulation,
 *   createSources,
 *   download,
 *   sync,
 *   tag,
 * } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const emulation = createEmulation({ size: "tiny" });
 * using catalog = Catalog.open(":memory:");
 * const sources = await createSources({
 *   fetch: emulation.fetch,
 *   emulation: "http://emulation",
 *   ratePerSecond: 0,
 *   platforms: ["netease"],
 * });
 * const context = createContext({ catalog, sources });
 * await collect(context, { pools: ["toplist"], limit: 1 });
 * await sync(context, { limit: 1 });
 * const library = await Deno.makeTempDir();
 * try {
 *   await download(context, {
 *     library,
 *     limit: 2,
 *     minFree: 0,
 *     fetch: emulation.fetch,
 *     tags: false,
 *     cover: false,
 *     lyrics: false,
 *   });
 *   const first = await tag(context);
 *   assert.equal(first.rewritten, 2);
 *   const second = await tag(context);
 *   assert.equal(second.rewritten, 0);
 *   assert.equal(second.unchanged, 2);
 * } finally {
 *   await Deno.remove(library, { recursive: true });
 * }
 * ```
 */
export async function tag(
  context: Context,
  options: TagOptions = {},
): Promise<TagSummary> {
  const start = startStage(context, options);
  const summary: TagSummary = {
    status: "ok",
    files: 0,
    rewritten: 0,
    unchanged: 0,
    skipped: 0,
    unsupported: 0,
    failed: 0,
    partial: 0,
    lrcFiles: 0,
    coversFetched: 0,
    lyricsFetched: 0,
    failures: [],
    durationMs: 0,
  };
  const files = taggableFiles(
    context.catalog,
    start.platforms,
    options.limit ?? TAG_STAGE_DEFAULTS.limit,
  );
  const tagger = new Tagger(context, options);
  await workThrough(
    context,
    files,
    options.concurrency ?? TAG_STAGE_DEFAULTS.concurrency,
    () => context.signal?.aborted ?? false,
    async (file) => {
      await tagOne(context, tagger, file, summary);
      context.progress.status(
        `tag: ${summary.files}/${files.length} files, ${summary.rewritten} rewritten`,
      );
    },
  );
  return finishStage(context, start, summary, {
    failed: summary.failed,
    succeeded: summary.rewritten + summary.unchanged,
    total: files.length,
  });
}

/** Tags one file and counts what happened. */
async function tagOne(
  context: Context,
  tagger: Tagger,
  file: TaggableFile,
  summary: TagSummary,
): Promise<void> {
  summary.files++;
  const fail = (error: string) => {
    summary.failed++;
    summary.failures.push({
      platform: file.platform,
      remoteId: songById(context.catalog, file.songId)?.remote_song_id ?? "",
      locator: file.locator,
      error,
    });
  };
  const path = resolveInside(file.containerName, file.locator);
  if (await fileSize(path) !== file.storedSizeBytes) {
    summary.skipped++;
    return;
  }
  const container = CONTAINERS[file.extension.toLowerCase()];
  if (!container || !taggerFor(container)) {
    summary.unsupported++;
    return;
  }
  const row = songById(context.catalog, file.songId);
  if (!row) return;
  const prepared = await tagger.prepare(
    file.songId,
    row,
    songInfoFromRow(row),
    context.sources.get(file.platform),
  );
  summary.coversFetched += prepared.fetched.covers;
  summary.lyricsFetched += prepared.fetched.lyrics;
  if (prepared.notes.length > 0) summary.partial++;
  if (!writesAnything(prepared.tagSet)) return;
  const tagging = {
    state: "tagged" as const,
    signature: prepared.signature,
    error: prepared.notes.length > 0 ? prepared.notes.join("; ") : null,
  };
  const temp = `${path}.tag.part`;
  try {
    const result = await retagFile(path, container, prepared.tagSet, temp);
    if (result.kind === "unchanged") {
      summary.unchanged++;
      if (file.tagSignature !== prepared.signature) {
        recordTagging(
          context.catalog,
          file.assetId,
          tagging,
          undefined,
          context.now(),
        );
      }
    } else {
      const recorded = recordTagging(
        context.catalog,
        file.assetId,
        tagging,
        { sizeBytes: result.sizeBytes, sha256: result.sha256 },
        context.now(),
        () => Deno.renameSync(temp, path),
      );
      if (recorded) summary.rewritten++;
      else await Deno.remove(temp).catch(() => {});
    }
    summary.lrcFiles += await writeLrcFiles(path, prepared.lrc);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    if (error instanceof TagFormatError) {
      recordTagging(
        context.catalog,
        file.assetId,
        {
          state: "failed",
          signature: null,
          error: error.message,
        },
        undefined,
        context.now(),
      );
      fail(error.message);
      return;
    }
    if (isNoSpace(error)) {
      fail(error instanceof Error ? error.message : String(error));
      return;
    }
    throw error;
  }
}
