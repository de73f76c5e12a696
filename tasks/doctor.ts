/**
 * The doctor stage: asks each platform's source to probe every path and
 * variant it uses, one small request each, without falling back
 * (`Source.probe()`), and says which platforms still have a working path
 * for every stage. A stage works when each of its paths (square
 * categories, charts, a playlist page, a song URL, lyrics...) has at least
 * one variant that answers as expected. The `tag` stage's cover is the one
 * path that may be refused without breaking its stage: one album without a
 * picture (404/403) or a refusal of its host is a warning; a cover host
 * that cannot be reached or answers something that is no picture breaks
 * `tag`, as a lyric path without a working variant does.
 *
 * @module
 */
import { verdictOf } from "../sources/probe.ts";
import {
  type Platform,
  PROBE_STAGES,
  type ProbeResult,
  type ProbeStage,
  type Source,
} from "../sources/types.ts";
import { eachPlatform, finishStage, startStage } from "./_stage.ts";
import type { Context } from "./context.ts";
import type { RunStatus } from "./outcome.ts";

/** Options of `doctor()`. */
export interface DoctorOptions {
  /** Only these platforms. @default every platform the context has a source for */
  platforms?: readonly Platform[];
}

/** One platform's health. */
export interface PlatformHealth {
  /** The platform. */
  platform: Platform;
  /** Whether every path of every stage has a working variant. */
  working: boolean;
  /** The `stage: path` entries without a working variant. */
  broken: string[];
  /**
   * The `stage: path` entries without a working variant that do not break
   * their stage (`tag: cover` refused: one album without a picture).
   */
  warnings: string[];
}

/** What `doctor()` found. */
export interface DoctorSummary {
  /** `ok` when every platform works, `partial` when some do, `failed` when none does. */
  status: RunStatus;
  /** Wall time of the run. */
  durationMs: number;
  /** Each platform's health, in the usual order. */
  platforms: PlatformHealth[];
  /** Every probe, platform by platform, in the order asked. */
  probes: ProbeResult[];
}

/**
 * Probes the platforms of the context and says which work.
 *
 * @example Against the offline emulation
 * ```ts
 * import { createEmulation } from "../emulation/emulation.ts";
 * import { Catalog } from "../catalog/database.ts";
 * import { createSources } from "../sources/registry.ts";
 * import { createContext } from "./context.ts";
 * import { doctor } from "./doctor.ts";
 * import assert from "node:assert/strict";
 *
 * const emulation = createEmulation({ size: "tiny" });
 * const sources = await createSources({
 *   fetch: emulation.fetch,
 *   emulation: "http://emu",
 *   ratePerSecond: 0,
 * });
 * using catalog = Catalog.open(":memory:");
 * const summary = await doctor(createContext({ catalog, sources }));
 * assert.equal(summary.status, "ok");
 * assert.ok(summary.probes.some((p) => p.path === "song URL" && p.verdict === "ok"));
 * ```
 */
export async function doctor(
  context: Context,
  options: DoctorOptions = {},
): Promise<DoctorSummary> {
  const start = startStage(context, options);
  const probed = await eachPlatform(
    context,
    start.platforms,
    (platform, source) => probeSource(context, platform, source),
  );
  const probes = probed.flatMap(([, results]) => results);
  const platforms = probed.map(([platform, results]) =>
    healthOf(platform, results)
  );
  const working = platforms.filter((p) => p.working).length;
  return finishStage(context, start, {
    status: "ok",
    durationMs: 0,
    platforms,
    probes,
  }, {
    failed: platforms.length - working,
    succeeded: working,
    total: platforms.length,
  });
}

/** A source's probes; a source without `probe()`, or whose probing throws, in one row. */
async function probeSource(
  context: Context,
  platform: Platform,
  source: Source,
): Promise<ProbeResult[]> {
  const row = (verdict: ProbeResult["verdict"], reason: string) => [{
    platform,
    stage: "collect" as const,
    path: "probe",
    variant: "-",
    verdict,
    latencyMs: 0,
    reason,
  }];
  if (!source.probe) {
    return row("unreachable", "this source cannot be probed");
  }
  try {
    return await source.probe(
      context.signal === undefined ? {} : { signal: context.signal },
    );
  } catch (error) {
    if (context.signal?.aborted) throw error;
    const { verdict, reason } = verdictOf(error);
    return row(verdict, `the probes broke off: ${reason}`);
  }
}

/**
 * Paths whose variants may all be refused without breaking their stage:
 * the probe's one album may have no picture, which `tag` records and goes
 * on from.
 */
const REFUSAL_IS_A_WARNING: ReadonlySet<string> = new Set(["tag: cover"]);

/** The stages and paths of a platform without a working variant. */
export function healthOf(
  platform: Platform,
  results: readonly ProbeResult[],
): PlatformHealth {
  const paths = new Map<string, ProbeResult[]>();
  const stages = new Set<ProbeStage>();
  for (const result of results) {
    stages.add(result.stage);
    const key = `${result.stage}: ${result.path}`;
    paths.set(key, [...paths.get(key) ?? [], result]);
  }
  const broken: string[] = [];
  const warnings: string[] = [];
  for (const [key, tried] of paths) {
    if (tried.some((r) => r.verdict === "ok")) continue;
    const refusedOnly = tried.every((r) => r.verdict === "refused");
    if (REFUSAL_IS_A_WARNING.has(key) && refusedOnly) warnings.push(key);
    else broken.push(key);
  }
  // a platform must have been probed for every stage to be working
  for (const stage of PROBE_STAGES) {
    if (!stages.has(stage)) broken.push(`${stage}: not probed`);
  }
  return { platform, working: broken.length === 0, broken, warnings };
}
