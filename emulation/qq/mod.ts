/**
 * The Qq emulation. (Placeholder until its issue lands: answers 404.)
 *
 * @module
 */
import { json, type PlatformEmulator } from "../platform.ts";
import type { World } from "../world.ts";

/** Builds the Qq emulator over a world. */
export function createQqEmulator(_world: World): PlatformEmulator {
  return {
    platform: "qq",
    hosts: [],
    handle: () => json({ error: "not emulated yet" }, { status: 404 }),
  };
}
