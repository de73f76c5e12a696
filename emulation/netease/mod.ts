/**
 * The Netease emulation. (Placeholder until its issue lands: answers 404.)
 *
 * @module
 */
import { json, type PlatformEmulator } from "../platform.ts";
import type { World } from "../world.ts";

/** Builds the Netease emulator over a world. */
export function createNeteaseEmulator(_world: World): PlatformEmulator {
  return {
    platform: "netease",
    hosts: [],
    handle: () => json({ error: "not emulated yet" }, { status: 404 }),
  };
}
