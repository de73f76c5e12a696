/**
 * `catalogsync collect`: lists square categories and charts as pools, with
 * their playlists.
 *
 * @module
 */
import {
  collect,
  COLLECT_DEFAULTS,
  type CollectOptions,
  type CollectSummary,
} from "../tasks/collect.ts";
import { formatDuration } from "../tasks/format.ts";
import { type Command, defineCommand } from "./command.ts";
import {
  parseCount,
  parsePlatforms,
  parsePoolKinds,
  SOURCE_OPTION,
  splitList,
} from "./flags.ts";

/** `catalogsync collect`. */
export const command: Command = defineCommand({
  usage:
    "catalogsync collect [--source P,...] [--pool square,toplist] [--category NAME]... [--limit N]",
  help: `Upserts playlist_pools, playlists and pool_playlists. A second run adds
nothing twice and moves last_seen_at; a playlist that left a pool keeps its
history. Platforms run side by side: one failing (anti-bot, rate limit, a
malformed page) is reported and the others go on (exit status 3, partial).
When --db names no file, collect creates the catalog (and its folder) and
says so on stderr: collect (and pipeline, which starts with it) is the only
command that creates a catalog.

Options:
  --source P,...     netease, qq, kuwo (repeatable or comma-separated; default all)
  --pool K,...       square, toplist (default both)
  --category NAME    only this square category, by name or id (repeatable; default every one)
  --limit N          playlists per pool, 0 = all (default 50)`,
  options: {
    ...SOURCE_OPTION,
    pool: { type: "string", multiple: true },
    category: { type: "string", multiple: true },
    limit: { type: "string" },
  },
  catalog: "create",
  sources: (values) => parsePlatforms(values.source),
  toOptions: (values): CollectOptions => ({
    platforms: parsePlatforms(values.source),
    pools: parsePoolKinds(values.pool),
    categories: splitList(values.category),
    limit: parseCount(values.limit, "--limit", COLLECT_DEFAULTS.limit),
  }),
  run: collect,
  format: formatCollectSummary,
});

/** The text form of a collect summary. */
export function formatCollectSummary(summary: CollectSummary): string {
  const lines = [
    `collect ${summary.status}: ${summary.pools} pools, ${summary.listed} playlists listed, ${summary.newPlaylists} new (${
      formatDuration(summary.durationMs)
    })`,
  ];
  for (const [platform, s] of Object.entries(summary.platforms)) {
    lines.push(
      `  ${platform}: ${s.pools} pools, ${s.listed} playlists, ${s.newPlaylists} new${
        s.error ? ` — stopped: ${s.error}` : ""
      }`,
    );
    for (const e of s.poolErrors) lines.push(`    pool ${e.pool}: ${e.error}`);
  }
  for (const name of summary.unmatchedCategories) {
    lines.push(`  no square category named '${name}'`);
  }
  return lines.join("\n");
}
