// deno-lint-ignore-file no-console -- a benchmark child prints its result
/**
 * One measured replicate run of `bench/replicate.ts`, in its own process:
 * `deno run -A bench/_replicate_child.ts DB BACKEND CONCURRENCY`. Prints
 * `{ms, peakRssMb, copied, bytes, status}` as JSON on its last line.
 *
 * @module
 */
import { Catalog } from "../catalog/database.ts";
import { createContext } from "../tasks/context.ts";
import { replicate } from "../tasks/replicate.ts";
import { S3RVER_KEY } from "../tests/_storage_servers.ts";
import { samplePeakRss } from "./_child.ts";

const [db, to, concurrency] = Deno.args;
using catalog = Catalog.open(db!);
const context = createContext({ catalog });
const rss = samplePeakRss();
const started = performance.now();
const summary = await replicate(context, {
  to: to!,
  concurrency: Number(concurrency),
  credentials: {
    s3: S3RVER_KEY,
    webdav: { user: "bench", password: "bench" },
  },
});
const ms = performance.now() - started;
console.log(JSON.stringify({
  ms,
  peakRssMb: rss.stop(),
  copied: summary.copied,
  bytes: summary.bytes,
  status: summary.status,
  failures: summary.failures,
  stopped: summary.stopped,
}));
