/**
 * The integrity baseline of the download benchmark: the same URLs with the
 * same parallelism, each file written by `curl`, hashed by
 * `openssl dgst -sha256` and synced to disk (`sync -d`, an `fdatasync`):
 * the integrity work the download stage does, by the standard tools.
 *
 * `openssl` hashes with the CPU's SHA instructions (about 0.6 CPU-seconds
 * per GiB here, where coreutils `sha256sum` takes 2.8 and would flatter
 * us). Each of `parallelism` lanes is one `sh` that takes every
 * `parallelism`-th file in turn; the three tools run once per file, as
 * the stage's steps do, and their CPU time is this process's children's.
 *
 * @module
 */
import { join } from "node:path";

/** What the integrity baseline did. */
export interface IntegrityRun {
  /** Wall time. */
  seconds: number;
  /** Bytes written. */
  bytes: number;
  /** Files hashed (one SHA-256 line each). */
  hashed: number;
}

/** One lane: fetch, hash and sync each of its files in turn. */
const LANE_SCRIPT = `
set -e
out="$1"; shift
while [ "$#" -gt 0 ]; do
  url="$1"; file="$2"; shift 2
  curl --silent --show-error --fail --output "$file" "$url"
  openssl dgst -sha256 "$file" >> "$out"
  sync -d "$file"
done
`;

/**
 * Runs the baseline on `urls` into `dir` with `parallelism` lanes;
 * `undefined` when curl, openssl or `sync -d` is missing or a lane failed
 * (its error printed by `report`).
 */
export async function runIntegrityBaseline(
  urls: readonly string[],
  dir: string,
  parallelism: number,
  report: (line: string) => void,
): Promise<IntegrityRun | undefined> {
  const lanes = Array.from({ length: parallelism }, (_, lane) => {
    const args: string[] = [join(dir, `hashes-${lane}.txt`)];
    for (let i = lane; i < urls.length; i += parallelism) {
      args.push(urls[i]!, join(dir, `${i}.bin`));
    }
    return args;
  }).filter((args) => args.length > 1);
  const started = performance.now();
  let outputs: Deno.CommandOutput[];
  try {
    outputs = await Promise.all(lanes.map((args) =>
      new Deno.Command("sh", {
        args: ["-c", LANE_SCRIPT, "integrity-lane", ...args],
        stdout: "null",
        stderr: "piped",
      }).output()
    ));
  } catch (error) {
    report(`integrity baseline not available: ${String(error)}`);
    return undefined;
  }
  const seconds = (performance.now() - started) / 1000;
  const failed = outputs.find((output) => !output.success);
  if (failed) {
    report(
      `integrity baseline failed: ${
        new TextDecoder().decode(failed.stderr).trim()
      }`,
    );
    return undefined;
  }
  let bytes = 0;
  let hashed = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".bin")) {
      bytes += (await Deno.stat(join(dir, entry.name))).size;
    } else if (entry.name.startsWith("hashes-")) {
      const text = await Deno.readTextFile(join(dir, entry.name));
      hashed += text.split("\n").filter((line) => /= [0-9a-f]{64}$/.test(line))
        .length;
    }
  }
  return { seconds, bytes, hashed };
}
