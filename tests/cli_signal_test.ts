/**
 * SIGTERM (what `timeout`, `systemctl stop` and `docker stop` send) stops a
 * run as Ctrl-C does: after the current step, with its summary, its leases
 * given back, and exit status 143.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { serveEmulation } from "../emulation/serve.ts";
import { collectAndSync, spawnMain } from "./_spawn.ts";

for (
  const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const
) {
  Deno.test(`catalogsync download stopped by ${signal}: summary, leases given back, exit ${code}`, async () => {
    const emulation = createEmulation({ size: "demo", seed: 5 });
    await using server = serveEmulation(emulation);
    const dir = await Deno.makeTempDir({ prefix: "catalogsync-signal-" });
    try {
      const db = join(dir, "catalog.db");
      const common = ["--db", db, "--emulation", server.url];
      await collectAndSync(common);
      // every answer takes a while: the run is mid-way when the signal comes
      emulation.faults.setRates({ latencyMs: 150 });
      const before = emulation.requests;
      const child = spawnMain([
        "download",
        ...common,
        "--library",
        join(dir, "library"),
        "--min-free",
        "0",
        "--concurrency",
        "4",
      ]);
      const deadline = Date.now() + 30_000;
      while (emulation.requests < before + 12 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill(signal);
      const output = await child.output();
      const stdout = new TextDecoder().decode(output.stdout);
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, code, stderr);
      assert.match(stdout, /^download interrupted: \d+ downloaded/, stderr);
      assert.match(stderr, /stopping after the current step/);
      using catalog = Catalog.open(db, { readOnly: true });
      assert.equal(
        catalog.get<{ n: number }>(
          "SELECT count(*) AS n FROM download_tasks WHERE state = 'running' OR lease_owner IS NOT NULL",
        )!.n,
        0,
        "no song stays leased",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
