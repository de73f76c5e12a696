/** A catalog synced from the tiny emulation, for in-process CLI tests. */
import { Catalog } from "../catalog/database.ts";
import { createEmulation, type Emulation } from "../emulation/emulation.ts";
import type { Platform } from "../sources/types.ts";
import { createSources } from "../sources/registry.ts";
import { collect } from "../tasks/collect.ts";
import { createContext } from "../tasks/context.ts";
import { sync } from "../tasks/sync.ts";

/**
 * Creates a catalog at `path` with `platforms`' toplists (two per
 * platform) collected and synced from a tiny emulation; returns the
 * emulation, whose `fetch` also serves the songs' files.
 */
export async function syncedCatalog(
  path: string,
  platforms: Platform[] = ["netease"],
): Promise<Emulation> {
  const emulation = createEmulation({ size: "tiny" });
  using catalog = Catalog.open(path);
  const sources = await createSources({
    fetch: emulation.fetch,
    emulation: "http://emulation",
    ratePerSecond: 0,
    platforms,
  });
  const context = createContext({ catalog, sources });
  await collect(context, { pools: ["toplist"], limit: 2 });
  await sync(context, {});
  return emulation;
}

/**
 * The flags that point a command at the catalog `db` and the in-process
 * emulation, unpaced (pass the emulation's `fetch` in the `Io`).
 */
export function againstEmulation(db: string): string[] {
  return ["--db", db, "--emulation", "http://emulation", "--rate", "0"];
}

/** Runs `fn` in a new temporary folder, removed afterwards. */
export async function inTempDir<T>(
  fn: (dir: string) => Promise<T>,
  prefix = "catalogsync-cli-",
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
