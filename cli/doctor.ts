/**
 * `catalogsync doctor`: one small request per path and variant of each
 * platform, printed as a table (stage, path, variant, verdict, latency,
 * reason), and whether every platform still has a working path for every
 * stage (exit status 0) or not (3).
 *
 * @module
 */
import {
  doctor,
  type DoctorOptions,
  type DoctorSummary,
} from "../tasks/doctor.ts";
import { formatDuration } from "../tasks/format.ts";
import { type Command, defineCommand } from "./command.ts";
import { EXIT } from "./exit.ts";
import { parsePlatforms, SOURCE_OPTION } from "./flags.ts";
import { renderTable } from "./table.ts";

/** Per-attempt timeout of a probe: long enough for a slow platform, short enough to wait for. */
const PROBE_TIMEOUT_MS = 10_000;

/** `catalogsync doctor`. */
export const command: Command = defineCommand({
  usage: "catalogsync doctor [--source P,...]",
  help:
    `Asks each platform every path the stages use, one small request each and
without retries or fallbacks: the square's categories, the charts, a
playlist page, a chart page or a song detail, and a URL at the lowest
quality, then each fallback variant (QQ's signed and app vkey calls, Kuwo's
other mobi.s source strings and nplserver, NetEase's download endpoint and
anonymous identity...), then for tag one song's lyrics from each lyric
endpoint on its own (Kuwo's newlyric and songinfoandlrc) and its album's
cover. Each row says how it went: ok, refused (the platform answered no),
changed shape (an answer the client cannot read any more) or unreachable,
with the latency and the reason. "No lyrics" is an answer, so ok. Nothing
is written.

When something stops working, run 'catalogsync doctor' and attach its output
(or --json) to the bug report.

Exit status: 0 when every platform has a working path for every stage, 3
otherwise. tag works when one lyric endpoint does; a refused cover (that
album has no picture) is only a warning, an unreachable cover host or one
answering no picture is not.

Options:
  --source P,...     netease, qq, kuwo (default all)`,
  options: {
    ...SOURCE_OPTION,
  },
  catalog: "none",
  http: { retries: 0, timeoutMs: PROBE_TIMEOUT_MS },
  sources: (values) => parsePlatforms(values.source),
  toOptions: (values): DoctorOptions => ({
    platforms: parsePlatforms(values.source),
  }),
  run: doctor,
  format: formatDoctorSummary,
  exitCode: (summary) =>
    summary.status === "interrupted"
      ? EXIT.interrupted
      : summary.status === "ok"
      ? EXIT.ok
      : EXIT.partial,
});

/** The text form of a doctor summary: the probes as a table, then each platform's health. */
export function formatDoctorSummary(summary: DoctorSummary): string {
  const rows = [
    ["platform", "stage", "path", "variant", "verdict", "latency", "reason"],
    ...summary.probes.map((p) => [
      p.platform,
      p.stage,
      p.path,
      p.variant,
      p.verdict,
      `${p.latencyMs} ms`,
      p.reason,
    ]),
  ];
  const lines = [
    `doctor ${summary.status}: ${
      summary.platforms.filter((p) => p.working).length
    }/${summary.platforms.length} platforms have a working path for every stage (${
      formatDuration(summary.durationMs)
    })`,
    "",
    renderTable(rows, "lllllrl").split("\n").map((line) => `  ${line}`).join(
      "\n",
    ),
    "",
  ];
  for (const health of summary.platforms) {
    const warnings = health.warnings.length === 0
      ? ""
      : ` (refused, not counted: ${health.warnings.join(", ")})`;
    lines.push(
      health.working
        ? `  ${health.platform}: every stage has a working path${warnings}`
        : `  ${health.platform}: no working variant for ${
          health.broken.join(", ")
        }${warnings}`,
    );
  }
  return lines.join("\n");
}
