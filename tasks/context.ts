/**
 * The one object that carries the outside world into a task: catalog,
 * sources, clock, sleep, logs and progress, stdin prompt, free-space
 * probe, cancellation and hooks. Real defaults are built in one place
 * (`createContext()`); tests pass fakes.
 *
 * @module
 */
import type { Catalog } from "../catalog/database.ts";
import { realSleep, type Sleep } from "../sources/http.ts";
import { type Platform, PLATFORMS, type Source } from "../sources/types.ts";
import { type FreeSpaceProbe, statfsFreeBytes } from "../storage/free_space.ts";
import type { Hooks } from "./hooks.ts";
import type { Prompt } from "./prompt.ts";
import { type Logger, memoryUi, type Progress } from "./ui.ts";

/** What a task gets from the outside world. */
export interface Context {
  /** The catalog database. */
  catalog: Catalog;
  /** The sources the command may use. */
  sources: ReadonlyMap<Platform, Source>;
  /** Epoch milliseconds. */
  now(): number;
  /** Sleeps (injectable for tests). */
  sleep: Sleep;
  /** Log lines for people (stderr). */
  log: Logger;
  /** Live progress (drawn on a terminal only). */
  progress: Progress;
  /** Asks a question on stderr and reads one line from stdin (`null` at end of input). */
  prompt: Prompt;
  /** Bytes free on the file system holding a path. */
  freeSpace: FreeSpaceProbe;
  /** Aborted when the user interrupts: tasks stop between units of work. */
  signal: AbortSignal | undefined;
  /** Library users' hooks into the stages. */
  hooks: Hooks;
}

/** What `createContext()` needs; everything else has a real default. */
export interface ContextOptions extends Partial<Omit<Context, "catalog">> {
  /** The catalog database. */
  catalog: Catalog;
}

/**
 * A context with real defaults for what is not given: the system clock,
 * timers, `statfs`, no sources, no hooks, a prompt that answers end of
 * input, and a UI that keeps logs in memory.
 */
export function createContext(options: ContextOptions): Context {
  const ui = memoryUi();
  return {
    catalog: options.catalog,
    sources: options.sources ?? new Map(),
    now: options.now ?? Date.now,
    sleep: options.sleep ?? realSleep,
    log: options.log ?? ui.log,
    progress: options.progress ?? ui.progress,
    prompt: options.prompt ?? (() => Promise.resolve(null)),
    freeSpace: options.freeSpace ?? statfsFreeBytes,
    signal: options.signal,
    hooks: options.hooks ?? {},
  };
}

/** The platforms a context has sources for, in the usual order. */
export function contextPlatforms(context: Context): Platform[] {
  return PLATFORMS.filter((p) => context.sources.has(p));
}

/** The sources of a context for some platforms, failing clearly when one is missing. */
export function sourcesFor(
  context: Context,
  platforms: readonly Platform[],
): Array<[Platform, Source]> {
  return platforms.map((platform) => {
    const source = context.sources.get(platform);
    if (!source) {
      throw new Error(`Cannot use ${platform}: no source configured for it`);
    }
    return [platform, source];
  });
}
