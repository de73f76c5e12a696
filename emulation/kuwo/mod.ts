/**
 * The Kuwo emulation. (Placeholder until its issue lands: answers 404.)
 *
 * @module
 */
import { json, type PlatformEmulator } from "../platform.ts";
import type { World } from "../world.ts";

/** Builds the Kuwo emulator over a world. */
export function createKuwoEmulator(_world: World): PlatformEmulator {
  return {
    platform: "kuwo",
    hosts: [],
    handle: () => json({ error: "not emulated yet" }, { status: 404 }),
  };
}
