/**
 * The first line of a stage's live status: a bar with the share done, the
 * count, the count per platform, and what else the stage adds.
 *
 * @module
 */
import type { Platform } from "../sources/types.ts";

/** Cells of the bar. */
const BAR_CELLS = 20;

/** How far one platform is. */
export interface PlatformProgress {
  /** Units settled. */
  done: number;
  /** Units it set out to do. */
  total: number;
}

/**
 * `[#########-----------]  45%`: a bar of `BAR_CELLS` cells and the share
 * done (a bar of nothing to do is full).
 */
export function progressBar(done: number, total: number): string {
  const share = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const cells = Math.floor(share * BAR_CELLS);
  return `[${"#".repeat(cells)}${"-".repeat(BAR_CELLS - cells)}] ${
    String(Math.floor(share * 100)).padStart(3)
  }%`;
}

/**
 * A stage's progress line: `sync [#####---------------]  25% 3/12
 * playlists · netease 2/6 · qq 1/6 · 240 songs`.
 */
export function progressLine(
  stage: string,
  unit: string,
  perPlatform: ReadonlyMap<Platform | "all", PlatformProgress>,
  extras: readonly string[] = [],
): string {
  let done = 0;
  let total = 0;
  const platforms: string[] = [];
  for (const [platform, p] of perPlatform) {
    done += p.done;
    total += p.total;
    platforms.push(`${platform} ${p.done}/${p.total}`);
  }
  return [
    `${stage} ${progressBar(done, total)} ${done}/${total} ${unit}`,
    ...(platforms.length > 1 ? platforms : []),
    ...extras,
  ].join(" · ");
}
