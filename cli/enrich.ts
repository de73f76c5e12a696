/**
 * `catalogsync enrich`: fetches artist details for artists not yet
 * enriched.
 *
 * @module
 */
import {
  enrich,
  ENRICH_DEFAULTS,
  type EnrichOptions,
  type EnrichSummary,
} from "../tasks/enrich.ts";
import { formatDuration } from "../tasks/format.ts";
import { listedLines, stoppedLines } from "./_summary.ts";
import { type Command, defineCommand } from "./command.ts";
import { parseCount, parsePlatforms, SOURCE_OPTION } from "./flags.ts";

/** `catalogsync enrich`. */
export const command: Command = defineCommand({
  usage: "catalogsync enrich [--source P,...] [--limit N] [--retry-failed]",
  help:
    `Lazy artist enrichment: fetches the platform's artist detail for artists that
have a remote id and no enrichment yet, and records status, time and the
detail as JSON on the artist row.

Options:
  --source P,...     netease, qq, kuwo (default all)
  --limit N          artists per platform, 0 = all (default 100)
  --retry-failed     also retry artists whose enrichment failed`,
  options: {
    ...SOURCE_OPTION,
    limit: { type: "string" },
    "retry-failed": { type: "boolean" },
  },
  sources: (values) => parsePlatforms(values.source),
  toOptions: (values): EnrichOptions => ({
    platforms: parsePlatforms(values.source),
    limit: parseCount(values.limit, "--limit", ENRICH_DEFAULTS.limit),
    retryFailed: values["retry-failed"] === true,
  }),
  run: enrich,
  format: formatEnrichSummary,
});

/** The text form of an enrich summary. */
export function formatEnrichSummary(summary: EnrichSummary): string {
  return [
    `enrich ${summary.status}: ${summary.enriched}/${summary.selected} artists enriched, ${summary.failed} failed (${
      formatDuration(summary.durationMs)
    })`,
    ...stoppedLines(summary.platformErrors),
    ...listedLines(
      summary.failures,
      (f) => `  failed ${f.platform}:${f.remoteId} (${f.name}): ${f.error}`,
    ),
  ].join("\n");
}
