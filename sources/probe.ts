/**
 * What the platforms' `probe()` share: one small request per path and
 * variant, timed, its failure turned into a verdict and a one-line reason
 * (`verdictOf`), and the results in the order asked (`Probes`).
 *
 * @module
 */
import { isSourceError } from "./errors.ts";
import type {
  Platform,
  ProbeResult,
  ProbeStage,
  ProbeVerdict,
} from "./types.ts";

/** The longest reason kept, in characters. */
const MAX_REASON = 160;

/**
 * The verdict and reason of a failed probe: `unreachable` for network
 * failures, timeouts and 5xx; `changed shape` for HTML pages, malformed
 * bodies and parsers that cannot read an answer (`TypeError`); `refused`
 * for everything the platform answers on purpose (business codes, risk
 * control, logins, rate limits, VIP, region).
 *
 * @example Usage
 * ```ts
 * import { SourceError } from "./errors.ts";
 * import { verdictOf } from "./probe.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new SourceError("qq: HTTP 502", { platform: "qq", kind: "http", status: 502 });
 * assert.deepEqual(verdictOf(error), { verdict: "unreachable", reason: "qq: HTTP 502" });
 * ```
 */
export function verdictOf(
  error: unknown,
): { verdict: ProbeVerdict; reason: string } {
  const reason = oneLine(error);
  if (isSourceError(error)) {
    switch (error.kind) {
      case "network":
      case "timeout":
        return { verdict: "unreachable", reason };
      case "http":
        return {
          verdict: error.status !== undefined && error.status >= 500
            ? "unreachable"
            : "refused",
          reason,
        };
      case "html":
      case "malformed":
        return { verdict: "changed shape", reason };
      default:
        return { verdict: "refused", reason };
    }
  }
  if (error instanceof TypeError || error instanceof SyntaxError) {
    return { verdict: "changed shape", reason };
  }
  return { verdict: "unreachable", reason };
}

/** A probe's question failed on purpose: the platform answered, but not with what works. */
export class ProbeRefusal extends Error {
  /** Always `ProbeRefusal`. */
  override readonly name = "ProbeRefusal";
  /** The verdict to record. */
  readonly verdict: ProbeVerdict;

  /** A refusal (or another verdict) with its one-line reason. */
  constructor(reason: string, verdict: ProbeVerdict = "refused") {
    super(reason);
    this.verdict = verdict;
  }
}

/** The probes of one platform, in the order asked. */
export class Probes {
  /** The results so far. */
  readonly results: ProbeResult[] = [];
  #platform: Platform;
  #now: () => number;
  #signal: AbortSignal | undefined;

  /** Probes of a platform, timed by `now`. */
  constructor(
    platform: Platform,
    now: () => number,
    signal?: AbortSignal,
  ) {
    this.#platform = platform;
    this.#now = now;
    this.#signal = signal;
  }

  /**
   * Asks one path in one variant: `ask` resolves to what later probes need
   * and the reason of its success, or throws (a `ProbeRefusal` for an
   * answer that is not good enough). Resolves to the value, or `undefined`
   * after a failure; an abort is thrown.
   */
  async ask<T>(
    stage: ProbeStage,
    path: string,
    variant: string,
    ask: () => Promise<{ value: T; reason: string }>,
  ): Promise<T | undefined> {
    this.#signal?.throwIfAborted();
    const started = this.#now();
    try {
      const { value, reason } = await ask();
      this.#record(stage, path, variant, "ok", started, reason);
      return value;
    } catch (error) {
      if (this.#signal?.aborted) throw this.#signal.reason;
      const { verdict, reason } = error instanceof ProbeRefusal
        ? { verdict: error.verdict, reason: oneLine(error) }
        : verdictOf(error);
      this.#record(stage, path, variant, verdict, started, reason);
      return undefined;
    }
  }

  /**
   * Asks one path with what an earlier probe (`needs`) gave, `input`; when
   * that probe gave nothing, records this one as not asked (`skip()`).
   */
  async askWith<I, T>(
    input: I | undefined,
    needs: string,
    stage: ProbeStage,
    path: string,
    variant: string,
    ask: (input: I) => Promise<{ value: T; reason: string }>,
  ): Promise<T | undefined> {
    if (input === undefined) {
      this.skip(stage, path, variant, needs);
      return undefined;
    }
    return await this.ask(stage, path, variant, () => ask(input));
  }

  /**
   * Records a path that could not be asked because what it needs (an id
   * from an earlier probe) is missing: the verdict of that earlier probe.
   */
  skip(
    stage: ProbeStage,
    path: string,
    variant: string,
    needs: string,
  ): void {
    const earlier = this.results.find((r) =>
      r.path === needs && r.verdict !== "ok"
    );
    this.results.push({
      platform: this.#platform,
      stage,
      path,
      variant,
      verdict: earlier?.verdict ?? "unreachable",
      latencyMs: 0,
      reason: `not asked: it needs ${needs}, which failed`,
    });
  }

  #record(
    stage: ProbeStage,
    path: string,
    variant: string,
    verdict: ProbeVerdict,
    started: number,
    reason: string,
  ): void {
    this.results.push({
      platform: this.#platform,
      stage,
      path,
      variant,
      verdict,
      latencyMs: Math.max(0, Math.round(this.#now() - started)),
      reason,
    });
  }
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split("\n")[0] ?? text).replace(/\s+/g, " ").trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}
