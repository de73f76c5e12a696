/**
 * `emulator`: serves the offline emulation of the three platforms on
 * 127.0.0.1 until interrupted.
 *
 * @module
 */
import { createEmulation } from "../emulation/emulation.ts";
import type { FaultRates } from "../emulation/faults.ts";
import { serveEmulation } from "../emulation/serve.ts";
import {
  WORLD_SIZES,
  type WorldShape,
  type WorldSize,
} from "../emulation/world.ts";
import { UsageError } from "./errors.ts";

/** Options of `runEmulator()`. */
export interface EmulatorOptions {
  /** 0 picks a free port. */
  port: number;
  size: string;
  seed: number;
  /** Overrides of the size's shape. */
  shape?: Partial<WorldShape>;
  faults: FaultRates;
  /** Stops the server. */
  signal?: AbortSignal;
  onListen(url: string): void;
}

/** Serves the emulation until `signal` aborts; resolves to what it served. */
export async function runEmulator(
  options: EmulatorOptions,
): Promise<{ url: string; requests: number }> {
  if (!(options.size in WORLD_SIZES)) {
    throw new UsageError(
      `Invalid --size '${options.size}': expected one of ${
        Object.keys(WORLD_SIZES).join(", ")
      }`,
    );
  }
  const emulation = createEmulation({
    seed: options.seed,
    size: options.size as WorldSize,
    ...(options.shape ? { shape: options.shape } : {}),
    faults: options.faults,
  });
  let server;
  try {
    server = serveEmulation(emulation, {
      port: options.port,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `Cannot serve the emulation: port ${options.port} is in use`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  options.onListen(server.url);
  await server.finished;
  return { url: server.url, requests: emulation.requests };
}
