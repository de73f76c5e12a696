/**
 * A temporary folder for a benchmark's files, removed with everything in
 * it when disposed: `await using dir = await tempDir("sync")`.
 *
 * @module
 */

/** A temporary folder that `await using` removes. */
export interface TempDir extends AsyncDisposable {
  /** Its path. */
  readonly path: string;
}

/** Makes a temporary folder named `catalogsync-bench-<name>-…`. */
export async function tempDir(name: string): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: `catalogsync-bench-${name}-` });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}
