import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkLayers, type Violation } from "../tools/check_layers.ts";
import { findImports, tokenize } from "../tools/_lexer.ts";

/** A temporary tree of files, removed on dispose. */
function tree(files: Record<string, string>): { root: string } & Disposable {
  const root = mkdtempSync(join(tmpdir(), "catalogsync-layers-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return {
    root,
    [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A clean little project: every layer importing downwards. */
const CLEAN: Record<string, string> = {
  "sources/types.ts": "export type Platform = 'netease';\n",
  "sources/errors.ts":
    'import type { Platform } from "./types.ts";\nexport class SourceError extends Error { p?: Platform }\n',
  "sources/http.ts":
    'import { SourceError } from "./errors.ts";\nexport const e = SourceError;\n',
  "sources/netease/_constants.ts": "export const HOST = 'music.163.com';\n",
  "sources/netease/source.ts":
    'import { HOST } from "./_constants.ts";\nimport { e } from "../http.ts";\nexport const s = [HOST, e];\n',
  "catalog/database.ts":
    'export class Catalog { get(sql: string) { return sql; } }\nexport const q = "SELECT 1 FROM songs";\n',
  "catalog/songs.ts":
    'import type { Catalog } from "./database.ts";\nimport type { Platform } from "../sources/types.ts";\nexport const f = (c: Catalog, p: Platform) => c.get(`SELECT * FROM songs WHERE p = ${p}`);\n',
  "storage/local.ts":
    'import type { Platform } from "../sources/types.ts";\nimport { f } from "../catalog/songs.ts";\nexport const g = (p: Platform) => f;\n',
  "tasks/sync.ts": [
    'import { g } from "../storage/local.ts";',
    "/**",
    " * @example",
    " * ```ts",
    ' * import { createEmulation } from "../emulation/emulation.ts";',
    ' * import { main } from "../main.ts";',
    " * ```",
    " */",
    "export const sync = () => g;",
    "// import { x } from '../cli/run.ts';",
    "export const when = /^(\\d+)'s$/.exec('1s');",
    "export const route = 'DELETE /_emulation/faults';",
    "export const t = `select the songs: ${'SELECT'}`;",
    "",
  ].join("\n"),
  "cli/run.ts":
    'import { sync } from "../tasks/sync.ts";\nimport { createEmulation } from "../emulation/emulation.ts";\nexport const run = () => [sync, createEmulation];\n',
  "main.ts": 'export const commands = { run: () => import("./cli/run.ts") };\n',
  "mod.ts": 'export { sync } from "./tasks/sync.ts";\n',
  "emulation/emulation.ts":
    'import type { Platform } from "../sources/types.ts";\nimport { SourceError } from "../sources/errors.ts";\nexport const createEmulation = (p?: Platform) => SourceError;\n',
  "tests/anything_test.ts":
    'import "../sources/netease/_constants.ts";\nimport "../cli/run.ts";\nimport "../catalog/database.ts";\nconst sql = "SELECT * FROM songs";\n',
  "bench/b.ts": 'import "../main.ts";\n',
};

function rules(violations: Violation[]): string[] {
  return violations.map((v) => `${v.file}:${v.line} ${v.rule}`);
}

Deno.test("checkLayers() passes a tree that keeps every rule", () => {
  using t = tree(CLEAN);
  assert.deepEqual(checkLayers(t.root), []);
});

Deno.test("checkLayers() fails an import from a lower layer to a higher one", () => {
  using t = tree({
    ...CLEAN,
    "catalog/uses_tasks.ts":
      'import { sync } from "../tasks/sync.ts";\nexport const x = sync;\n',
    "tasks/uses_cli.ts": '\n\nexport { run } from "../cli/run.ts";\n',
    "cli/uses_main.ts":
      'import type { commands } from "../main.ts";\nexport type C = typeof commands;\n',
  });
  const found = checkLayers(t.root);
  assert.deepEqual(rules(found), [
    "catalog/uses_tasks.ts:1 layer",
    "cli/uses_main.ts:1 layer",
    "tasks/uses_cli.ts:3 layer",
  ]);
  assert.match(
    found[0]!.message,
    /imports '\.\.\/tasks\/sync\.ts': catalog is below tasks/,
  );
});

Deno.test("checkLayers() holds storage to the sources' contract", () => {
  using t = tree({
    ...CLEAN,
    "storage/fetches.ts":
      'import { e } from "../sources/http.ts";\nexport const x = e;\n',
  });
  assert.deepEqual(rules(checkLayers(t.root)), [
    "storage/fetches.ts:1 storage",
  ]);
});

Deno.test("checkLayers() keeps the emulation apart from the clients' code", async (t) => {
  await t.step("the emulation may not import a client's private file", () => {
    using t = tree({
      ...CLEAN,
      "emulation/netease.ts":
        'import { HOST } from "../sources/netease/_constants.ts";\nexport const h = HOST;\n',
    });
    const found = checkLayers(t.root);
    assert.deepEqual(rules(found), ["emulation/netease.ts:1 emulation"]);
    assert.match(found[0]!.message, /sources\/netease\/_constants\.ts/);
  });
  await t.step("nor the HTTP layer or the catalog", () => {
    using t = tree({
      ...CLEAN,
      "emulation/serve.ts":
        'import { e } from "../sources/http.ts";\nimport { Catalog } from "../catalog/database.ts";\nexport const x = [e, Catalog];\n',
    });
    assert.deepEqual(rules(checkLayers(t.root)), [
      "emulation/serve.ts:1 emulation",
      "emulation/serve.ts:2 emulation",
    ]);
  });
  await t.step("public protocol constants are allowed", () => {
    using t = tree({
      ...CLEAN,
      "sources/netease/constants.ts": "export const PUBLIC_KEY = 'k';\n",
      "emulation/netease.ts":
        'import { PUBLIC_KEY } from "../sources/netease/constants.ts";\nexport const k = PUBLIC_KEY;\n',
    });
    assert.deepEqual(checkLayers(t.root), []);
  });
  await t.step(
    "only the CLI and the public module import the emulation",
    () => {
      using t = tree({
        ...CLEAN,
        "tasks/demo.ts":
          'import { createEmulation } from "../emulation/emulation.ts";\nexport const d = createEmulation;\n',
      });
      assert.deepEqual(rules(checkLayers(t.root)), [
        "tasks/demo.ts:1 emulation",
      ]);
    },
  );
});

Deno.test("checkLayers() fails a circle between files, type-only imports included", () => {
  using t = tree({
    ...CLEAN,
    "catalog/a.ts": 'import { b } from "./b.ts";\nexport const a = () => b;\n',
    "catalog/b.ts":
      'import type { c } from "./c.ts";\nexport const b = 1;\nexport type B = typeof c;\n',
    "catalog/c.ts": 'import { a } from "./a.ts";\nexport const c = a;\n',
  });
  const found = checkLayers(t.root);
  assert.deepEqual(rules(found), ["catalog/a.ts:1 circle"]);
  assert.equal(
    found[0]!.message,
    "import circle: catalog/a.ts -> catalog/b.ts -> catalog/c.ts -> catalog/a.ts",
  );
});

Deno.test("checkLayers() fails SQL outside catalog/", () => {
  using t = tree({
    ...CLEAN,
    "tasks/export.ts": [
      'import type { Catalog } from "../catalog/database.ts";',
      "export const rows = (c: Catalog) =>",
      "  c.get(`",
      "    SELECT name FROM playlists WHERE id = ?`);",
      "export const db = { prepare: (s: string) => s, exec: (s: string) => s };",
      'db.prepare("anything at all");',
      "db.exec(`whatever`);",
      'export const u = "UPDATE songs SET name = ?";',
      'export const i = "INSERT OR IGNORE INTO songs (id) VALUES (1)";',
      'export const p = "PRAGMA integrity_check";',
      "",
    ].join("\n"),
  });
  assert.deepEqual(rules(checkLayers(t.root)), [
    "tasks/export.ts:3 sql",
    "tasks/export.ts:6 sql",
    "tasks/export.ts:7 sql",
    "tasks/export.ts:8 sql",
    "tasks/export.ts:9 sql",
    "tasks/export.ts:10 sql",
  ]);
});

Deno.test("checkLayers() fails a source file above 500 lines, not a test", () => {
  const long = "export const x = 1;\n".repeat(501);
  using t = tree({ ...CLEAN, "tasks/big.ts": long, "tests/big_test.ts": long });
  const found = checkLayers(t.root);
  assert.deepEqual(rules(found), ["tasks/big.ts:501 size"]);
  assert.match(found[0]!.message, /^501 lines/);
});

Deno.test("the CLI of check_layers names the file, the import and the rule, and exits 1", async () => {
  using t = tree({
    ...CLEAN,
    "sources/up.ts":
      'import { f } from "../catalog/songs.ts";\nexport const u = f;\n',
  });
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      new URL("../tools/check_layers.ts", import.meta.url).pathname,
      t.root,
    ],
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 1);
  assert.equal(
    stdout,
    "sources/up.ts:1: layer: imports '../catalog/songs.ts': sources is below catalog (order: sources < catalog < storage < tasks < cli < top)\n",
  );
});

Deno.test("tokenize() and findImports() see code, not comments, strings or regular expressions", () => {
  const source = [
    "import a from './a.ts';",
    "import type { B } from './b.ts';",
    "import './side.ts';",
    "export * from './c.ts';",
    "export { d } from './d.ts';",
    "const e = await import('./e.ts');",
    "// import f from './f.ts';",
    "/* import g from './g.ts'; */",
    "const h = 'import i from \"./i.ts\"';",
    "const j = /import k from '.\\/k.ts'/;",
    "const l = `${await import('./l.ts')} import m from './m.ts'`;",
    "export const n = 1;",
    "x.import('./o.ts');",
  ].join("\n");
  assert.deepEqual(
    findImports(tokenize(source)).map((i) => [i.specifier, i.line, i.typeOnly]),
    [
      ["./a.ts", 1, false],
      ["./b.ts", 2, true],
      ["./side.ts", 3, false],
      ["./c.ts", 4, false],
      ["./d.ts", 5, false],
      ["./e.ts", 6, false],
      ["./l.ts", 11, false],
    ],
  );
});

Deno.test("the project's own tree keeps every house rule", () => {
  const root = new URL("..", import.meta.url).pathname;
  assert.deepEqual(
    checkLayers(root).map((v) =>
      `${v.file}:${v.line}: ${v.rule}: ${v.message}`
    ),
    [],
  );
});
