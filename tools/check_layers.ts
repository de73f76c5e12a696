/**
 * The house rules of the layout, as a check that fails: run by
 * `deno task ok` and CI.
 *
 * - Layers: `sources < catalog < storage < tasks < cli < main.ts/mod.ts`. A
 *   file imports only its own layer or lower ones; `tests/`, `bench/` and
 *   `tools/` may import anything.
 * - `storage/` takes from `sources/` only the contract (`types.ts`,
 *   `errors.ts`).
 * - `emulation/` takes from the project only `sources/types.ts`,
 *   `sources/errors.ts` and public protocol constants (a `constants.ts`
 *   without a leading `_`), never a client's private file; only `cli/`,
 *   `main.ts`, `mod.ts`, tests, benchmarks and tools import it.
 * - No circle between files (type-only imports count: they are
 *   dependencies a reader follows too).
 * - No SQL outside `catalog/`: no `prepare(`, `exec(` or `.query(` call on a
 *   literal, and no string that starts with an SQL statement.
 * - No source file (outside tests) above 500 lines.
 *
 * Usage: `deno run --allow-read tools/check_layers.ts [ROOT]` prints one line
 * per broken rule (`file:line: rule: what`) and exits 1, or prints a
 * one-line summary and exits 0.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, resolve, sep } from "node:path";
import { findImports, type Token, tokenize } from "./_lexer.ts";

/** A broken rule: where, which rule, and what. */
export interface Violation {
  /** The file, relative to the root, with `/` separators. */
  file: string;
  line: number;
  rule: "layer" | "storage" | "emulation" | "circle" | "sql" | "size";
  message: string;
}

/** The layers in order, lowest first; `top` is `main.ts` and `mod.ts`. */
export const LAYERS = [
  "sources",
  "catalog",
  "storage",
  "tasks",
  "cli",
  "top",
] as const;

type Layer = typeof LAYERS[number];
/** Where a file sits: a layer, the emulation beside them, or free (tests, bench, tools). */
type Place = Layer | "emulation" | "free";

/** The most lines a source file outside tests may have. */
export const MAX_LINES = 500;

/** Folders that are not the project's code. */
const SKIP_DIRS = new Set([
  ".git",
  "node_modules",
  "demo",
  ".bench",
  "coverage",
]);

/** Files the emulation may take from the sources: the contract and public constants. */
function emulationMayImport(target: string): boolean {
  if (target === "sources/types.ts" || target === "sources/errors.ts") {
    return true;
  }
  const name = target.split("/").pop() ?? "";
  return target.startsWith("sources/") && !name.startsWith("_") &&
    /(^|_)constants\.ts$/.test(name);
}

/** What an SQL statement starts with (an HTTP `DELETE /path` is not one). */
const SQL_START = new RegExp(
  "^\\s*(" + [
    "SELECT\\s",
    "(INSERT|REPLACE)\\s+(OR\\s+[A-Z]+\\s+)?INTO\\s",
    "UPDATE\\s+\\S+\\s+SET\\s",
    "DELETE\\s+FROM\\s",
    "WITH\\s+(RECURSIVE\\s+)?\\w+.*\\sAS\\s*\\(",
    "(CREATE|DROP)\\s+(TEMP\\s+|TEMPORARY\\s+|UNIQUE\\s+)?(TABLE|INDEX|VIEW|TRIGGER)\\s",
    "ALTER\\s+TABLE\\s",
    "PRAGMA\\s+\\w",
    "BEGIN(\\s+(IMMEDIATE|EXCLUSIVE|DEFERRED))?\\s*(;|$|TRANSACTION)",
    "(COMMIT|ROLLBACK|VACUUM|ANALYZE)\\s*(;|$)",
    "(SAVEPOINT|RELEASE)\\s+\\w",
    "ATTACH\\s+(DATABASE\\s+)?\\S",
  ].join("|") + ")",
  "s",
);

/** Calls that run SQL when given a literal. */
const SQL_CALLS = new Set(["prepare", "exec", "query"]);

function placeOf(file: string): Place {
  if (file === "main.ts" || file === "mod.ts") return "top";
  const top = file.split("/")[0]!;
  if ((LAYERS as readonly string[]).includes(top)) return top as Layer;
  if (top === "emulation") return "emulation";
  return "free";
}

function isTestOrTool(file: string): boolean {
  const top = file.split("/")[0];
  return top === "tests" || top === "bench" || top === "tools";
}

/** Every `.ts` file below `root`, relative, with `/` separators, sorted. */
export function listSources(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile() && /\.(ts|tsx|mts)$/.test(entry.name)) {
        files.push(relative(root, join(dir, entry.name)).split(sep).join("/"));
      }
    }
  };
  walk(root);
  return files.sort();
}

/** Resolves a relative specifier of `from` to a root-relative path, or `undefined` for others. */
function resolveSpecifier(
  root: string,
  from: string,
  specifier: string,
): string | undefined {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) {
    return undefined;
  }
  const absolute = normalize(resolve(root, dirname(from), specifier));
  const path = relative(root, absolute).split(sep).join("/");
  return path.startsWith("..") ? undefined : path;
}

function sqlViolations(file: string, tokens: readonly Token[]): Violation[] {
  const found: Violation[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === "string" || token.kind === "template") {
      if (SQL_START.test(token.text)) {
        found.push({
          file,
          line: token.line,
          rule: "sql",
          message: `SQL outside catalog/: '${
            token.text.trim().split(/\s+/).slice(0, 4).join(" ")
          } ...' belongs behind a catalog/ function`,
        });
      }
      continue;
    }
    if (token.kind !== "word" || !SQL_CALLS.has(token.text)) continue;
    // `/re/.exec("text")` runs a regular expression, not SQL.
    if (tokens[i - 2]?.kind === "punct" && tokens[i - 2]?.text === "regex") {
      continue;
    }
    const open = tokens[i + 1];
    const argument = tokens[i + 2];
    if (
      open?.kind === "punct" && open.text === "(" &&
      (argument?.kind === "string" || argument?.kind === "template") &&
      !SQL_START.test(argument.text)
    ) {
      found.push({
        file,
        line: token.line,
        rule: "sql",
        message:
          `SQL outside catalog/: ${token.text}() on a literal belongs behind a catalog/ function`,
      });
    }
  }
  return found;
}

/**
 * Checks the tree at `root` against the house rules; returns every
 * violation, sorted by file and line (empty when the tree is clean).
 */
export function checkLayers(root: string): Violation[] {
  const files = listSources(root);
  const known = new Set(files);
  const violations: Violation[] = [];
  const graph = new Map<string, { target: string; line: number }[]>();

  for (const file of files) {
    const source = readFileSync(join(root, file), "utf8");
    const place = placeOf(file);
    const tokens = tokenize(source);
    const edges: { target: string; line: number }[] = [];
    for (const ref of findImports(tokens)) {
      const target = resolveSpecifier(root, file, ref.specifier);
      if (target === undefined) continue;
      if (!known.has(target)) continue;
      edges.push({ target, line: ref.line });
      const targetPlace = placeOf(target);
      const at = { file, line: ref.line };
      const what = `imports '${ref.specifier}'`;
      if (place === "free") continue;
      if (place === "emulation") {
        if (targetPlace !== "emulation" && !emulationMayImport(target)) {
          violations.push({
            ...at,
            rule: "emulation",
            message:
              `${what}: the emulation takes from the project only sources/types.ts, sources/errors.ts and public protocol constants (it must not share the client's code)`,
          });
        }
        continue;
      }
      if (targetPlace === "emulation") {
        if (place !== "cli" && place !== "top") {
          violations.push({
            ...at,
            rule: "emulation",
            message:
              `${what}: only cli/, main.ts, mod.ts, tests, bench and tools import the emulation`,
          });
        }
        continue;
      }
      if (targetPlace === "free") {
        violations.push({
          ...at,
          rule: "layer",
          message: `${what}: code does not import tests, benchmarks or tools`,
        });
        continue;
      }
      if (LAYERS.indexOf(targetPlace) > LAYERS.indexOf(place)) {
        violations.push({
          ...at,
          rule: "layer",
          message: `${what}: ${place} is below ${targetPlace} (order: ${
            LAYERS.join(" < ")
          })`,
        });
        continue;
      }
      if (
        place === "storage" && targetPlace === "sources" &&
        target !== "sources/types.ts" && target !== "sources/errors.ts"
      ) {
        violations.push({
          ...at,
          rule: "storage",
          message:
            `${what}: storage takes from sources/ only types.ts and errors.ts`,
        });
      }
    }
    if (!isTestOrTool(file)) {
      graph.set(file, edges);
      if (place !== "catalog") violations.push(...sqlViolations(file, tokens));
      const lines = source.split("\n").length - (source.endsWith("\n") ? 1 : 0);
      if (lines > MAX_LINES) {
        violations.push({
          file,
          line: MAX_LINES + 1,
          rule: "size",
          message:
            `${lines} lines: split it (at most ${MAX_LINES} lines per source file)`,
        });
      }
    }
  }
  violations.push(...findCircles(graph));
  return violations.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line
  );
}

/** One violation per import circle (strongly connected component), naming the path around it. */
function findCircles(
  graph: Map<string, { target: string; line: number }[]>,
): Violation[] {
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const next = edges[frame.edge++]!.target;
        if (!graph.has(next)) continue;
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          work.push({ node: next, edge: 0 });
        } else if (onStack.has(next)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) {
        low.set(
          parent.node,
          Math.min(low.get(parent.node)!, low.get(frame.node)!),
        );
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = (graph.get(frame.node) ?? []).some((e) =>
          e.target === frame.node
        );
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((component) => {
    const members = new Set(component);
    const first = [...component].sort()[0]!;
    // Walk inside the component from its first file back to itself.
    const path = [first];
    const seen = new Set([first]);
    let current = first;
    let line = 0;
    for (;;) {
      const edges = (graph.get(current) ?? []).filter((e) =>
        members.has(e.target)
      );
      const back = edges.find((e) => e.target === first);
      const step = back ?? edges.find((e) => !seen.has(e.target)) ?? edges[0]!;
      if (current === first) line = step.line;
      path.push(step.target);
      if (step.target === first || seen.has(step.target)) break;
      seen.add(step.target);
      current = step.target;
    }
    return {
      file: first,
      line,
      rule: "circle" as const,
      message: `import circle: ${path.join(" -> ")}`,
    };
  });
}

if (import.meta.main) {
  const root = resolve(Deno.args[0] ?? join(import.meta.dirname ?? ".", ".."));
  if (!statSync(root).isDirectory()) {
    // deno-lint-ignore no-console
    console.error(`check_layers: '${root}' is not a folder`);
    Deno.exit(2);
  }
  const violations = checkLayers(root);
  for (const v of violations) {
    // deno-lint-ignore no-console
    console.log(`${v.file}:${v.line}: ${v.rule}: ${v.message}`);
  }
  if (violations.length > 0) {
    // deno-lint-ignore no-console
    console.error(
      `check_layers: ${violations.length} broken rule(s); see the module doc of tools/check_layers.ts`,
    );
    Deno.exit(1);
  }
  // deno-lint-ignore no-console
  console.log(
    `check_layers: ${listSources(root).length} files, every rule holds`,
  );
}
