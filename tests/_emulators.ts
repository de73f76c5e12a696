/** Stand-in platform emulators for testing the frame without real endpoints. */
import { serveAudio } from "../emulation/audio.ts";
import type { EmulationOptions } from "../emulation/emulation.ts";
import { json, type PlatformEmulator } from "../emulation/platform.ts";
import type { World } from "../emulation/world.ts";
import type { Platform } from "../sources/types.ts";

/** What a stand-in emulator saw of one request. */
export interface Seen {
  platform: Platform;
  host: string;
  path: string;
  search: string;
  method: string;
}

/** The audio file `/audio` answers with. */
export const AUDIO = {
  key: "frame-test",
  container: "flac",
  sizeBytes: 20_000,
} as const;

/**
 * A stand-in emulator: `/audio` serves an audio body, `/business` reports
 * the business fault it takes, `/boom` throws, anything else echoes the
 * route as JSON.
 */
function standIn(
  platform: Platform,
  hosts: string[],
  seen: Seen[],
): (world: World) => PlatformEmulator {
  return (world) => ({
    platform,
    hosts,
    handle: (request, route, context) => {
      seen.push({
        platform,
        host: route.host,
        path: route.path,
        search: route.url.search,
        method: request.method,
      });
      if (route.path === "/audio") return serveAudio(request, AUDIO);
      if (route.path === "/business") {
        const fault = context.business(route.path);
        return json({ code: fault ? fault.code ?? -1 : 200 });
      }
      if (route.path === "/boom") throw new Error("emulator bug");
      return json({
        platform,
        host: route.host,
        path: route.path,
        songs: world.stats().songs,
        origin: context.origin,
      });
    },
    publicConfig: () => ({ account: `${platform}-test` }),
  });
}

/** Stand-ins for NetEase (`test.example`, `cdn.test.example`), QQ (`qq.test.example`) and Kuwo (`kuwo.test.example`). */
export function standIns(): {
  emulators: NonNullable<EmulationOptions["emulators"]>;
  seen: Seen[];
} {
  const seen: Seen[] = [];
  return {
    seen,
    emulators: {
      netease: standIn("netease", ["test.example", "cdn.test.example"], seen),
      qq: standIn("qq", ["qq.test.example"], seen),
      kuwo: standIn("kuwo", ["kuwo.test.example"], seen),
    },
  };
}
