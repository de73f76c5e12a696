import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Catalog } from "../catalog/database.ts";
import { LATEST_VERSION } from "../catalog/migrations.ts";
import { runCli } from "./_cli.ts";

const COMMANDS = [
  "collect",
  "sync",
  "download",
  "pipeline",
  "tag",
  "enrich",
  "status",
  "export",
  "doctor",
  "check",
  "storage",
  "replicate",
  "verify",
  "whereis",
  "emulator",
];

Deno.test("catalogsync --help lists every command and exits 0", async () => {
  const run = await runCli(["--help"]);
  assert.equal(run.code, 0);
  for (const command of COMMANDS) {
    assert.match(run.stdout, new RegExp(`^  ${command} `, "m"));
  }
  assert.equal(run.stderr, "");
});

Deno.test("every command's --help prints its usage on stdout and exits 0", async () => {
  for (const command of COMMANDS) {
    const run = await runCli([command, "--help"]);
    assert.equal(run.code, 0, command);
    assert.match(
      run.stdout,
      new RegExp(`^Usage: catalogsync ${command}`),
      command,
    );
  }
});

// Golden files: the --help text of the CLI and of every command is kept in
// tests/testdata/help/<command>.txt (catalogsync.txt for the global help),
// so that a change to the CLI shows up in review. After changing a help
// text on purpose, rewrite them with
//   UPDATE_GOLDEN=1 deno task test tests/cli_test.ts
// and review the diff of tests/testdata/help/.
const HELP_DIR = fileURLToPath(new URL("./testdata/help/", import.meta.url));
const UPDATE_GOLDEN = Deno.env.get("UPDATE_GOLDEN") === "1";

Deno.test("--help texts match the golden files in tests/testdata/help/", async (t) => {
  for (const command of ["catalogsync", ...COMMANDS]) {
    await t.step(command, async () => {
      const args = command === "catalogsync" ? ["--help"] : [command, "--help"];
      const run = await runCli(args);
      assert.equal(run.code, 0);
      const path = join(HELP_DIR, `${command}.txt`);
      if (UPDATE_GOLDEN) {
        await Deno.mkdir(HELP_DIR, { recursive: true });
        await Deno.writeTextFile(path, run.stdout);
        return;
      }
      const golden = await Deno.readTextFile(path).catch(() => undefined);
      assert.ok(
        golden !== undefined,
        `no golden file ${path}: run UPDATE_GOLDEN=1 deno task test tests/cli_test.ts`,
      );
      assert.equal(
        run.stdout,
        golden,
        `catalogsync ${
          args.join(" ")
        } differs from ${path}; if the change is meant, run UPDATE_GOLDEN=1 deno task test tests/cli_test.ts`,
      );
    });
  }
});

Deno.test("download and export --help list every flag they take", async () => {
  const download = await runCli(["download", "--help"]);
  for (
    const flag of [
      "--source",
      "--playlist",
      "--pool",
      "--limit",
      "--quality",
      "--library",
      "--next-dir",
      "--min-free",
      "--concurrency",
      "--retry",
      "--upgrade",
      "--dry-run",
    ]
  ) {
    assert.match(download.stdout, new RegExp(`^  ${flag} `, "m"), flag);
  }
  assert.match(download.stdout, /exit status 75/);
  const exported = await runCli(["export", "--help"]);
  assert.match(exported.stdout, /^Usage: catalogsync export m3u8 --out DIR/);
  for (const flag of ["--out", "--source", "--playlist"]) {
    assert.match(exported.stdout, new RegExp(`^  ${flag} `, "m"), flag);
  }
  assert.doesNotMatch(
    download.stdout + exported.stdout,
    /not implemented/i,
  );
});

Deno.test("usage errors print one line on stderr and exit 2", async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [
      ["status", "--bogus"],
      /^error: Unknown option '--bogus'\. Try 'catalogsync status --help'\n$/,
    ],
    [
      ["sync", "--limit", "-3"],
      /^error: (Invalid --limit|Option '--limit' needs a value)/,
    ],
    [
      ["sync", "--limit", "ten"],
      /^error: Invalid --limit 'ten': expected a whole number/,
    ],
    [
      ["sync", "--stale", "soon"],
      /^error: Invalid --stale 'soon': expected a duration/,
    ],
    [
      ["sync", "--playlist", "spotify:1"],
      /^error: Invalid --playlist 'spotify:1': expected PLATFORM:ID/,
    ],
    [
      ["collect", "--source", "spotify"],
      /^error: Invalid --source 'spotify': expected one of netease, qq, kuwo/,
    ],
    [["collect", "--pool", "albums"], /^error: Invalid --pool 'albums'/],
    [["collect", "--db"], /^error: Option '--db' needs a value/],
    [
      ["collect", "--json=yes"],
      /^error: Option '--json' does not take a value/,
    ],
    [["status", "extra"], /^error: Unexpected argument 'extra'/],
    [
      ["frobnicate"],
      /^error: Unknown command 'frobnicate': commands are collect, sync/,
    ],
    [
      ["--db", "x.db", "status"],
      /^error: Unknown command '--db': put the command first/,
    ],
    [
      ["emulator", "--size", "huge"],
      /^error: Invalid --size 'huge': expected one of tiny, demo, test, bench/,
    ],
    [
      ["emulator", "--fault-5xx", "2"],
      /^error: Invalid --fault-5xx '2': expected a share from 0 to 1/,
    ],
    [
      ["collect", "--emulation", "not a url"],
      /^error: Invalid --emulation 'not a url'/,
    ],
    [
      ["download", "--quality", "ultra"],
      /^error: Invalid --quality 'ultra': expected best, lossless, 320k or 128k/,
    ],
    [
      ["download", "--retry", "done"],
      /^error: Invalid --retry 'done': expected one of vip_only, unavailable, rate_limited, failed/,
    ],
    [
      ["download", "--min-free", "lots"],
      /^error: Invalid --min-free 'lots': expected a size like 2GiB/,
    ],
    [
      ["download", "--concurrency", "0"],
      /^error: Invalid --concurrency '0': expected 1 or more/,
    ],
    [
      ["export", "csv", "--out", "x", "--db", ":memory:"],
      /^error: Unknown export format 'csv': expected m3u8/,
    ],
    [
      ["export", "m3u8", "--db", ":memory:"],
      /^error: Missing --out DIR/,
    ],
    [["export"], /^error: Missing argument: catalogsync export m3u8/],
    [
      ["collect", "--rate", "-1"],
      /^error: (Invalid --rate|Option '--rate' needs a value)/,
    ],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), async () => {
      const run = await runCli(args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, pattern);
      assert.equal(run.stderr.trim().split("\n").length, 1, "one line");
      assert.equal(run.stdout, "");
    });
  }
});

Deno.test("no command prints the help on stderr and exits 2", async () => {
  const run = await runCli([]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /Usage: catalogsync <command>/);
});

Deno.test("status refuses a catalog that does not exist, in one line without a stack", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "missing", "catalog.db");
    const run = await runCli(["status", "--db", path]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: status: No catalog at '.*missing\/catalog\.db': run 'catalogsync collect' first/,
    );
    assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    const verbose = await runCli(["status", "--db", path, "--verbose"]);
    assert.match(verbose.stderr, /\n\s*at /, "a stack trace with --verbose");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("status prints counts as text and as JSON", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "catalog.db");
    Catalog.open(path).close();
    const text = await runCli(["status", "--db", path]);
    assert.equal(text.code, 0);
    assert.match(
      text.stdout,
      new RegExp(
        `^catalog .*catalog\\.db \\(schema version ${LATEST_VERSION}\\)`,
      ),
    );
    assert.match(text.stdout, /^songs\s+0\s+0\s+0$/m);
    const json = await runCli(["status", "--db", path, "--json"]);
    const summary = JSON.parse(json.stdout);
    assert.equal(summary.schemaVersion, LATEST_VERSION);
    assert.equal(summary.tables.songs, 0);
    assert.deepEqual(Object.keys(summary.platforms), ["netease", "qq", "kuwo"]);
    // CATALOGSYNC_DB is the default --db
    const env = await runCli(["status", "--json"], {
      envVars: { CATALOGSYNC_DB: path },
    });
    assert.equal(JSON.parse(env.stdout).catalog, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("emulator serves on 127.0.0.1, prints its URL, and stops on the signal", async () => {
  const controller = new AbortController();
  let url = "";
  const run = runCli(["emulator", "--size", "tiny"], {
    signal: controller.signal,
    stdout: (text) => (url += text),
  });
  while (!url.includes("\n")) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\n$/);
  const stats = await (await fetch(`${url.trim()}/_emulation/stats`)).json();
  assert.equal(stats.netease.songs, 12);
  controller.abort();
  const result = await run;
  assert.equal(result.code, 0);
});

Deno.test("the terminal UI colours a terminal's stderr as NO_COLOR and FORCE_COLOR say", async (t) => {
  const red = "\x1b[31merror:\x1b[39m";
  const line = " Unknown option '--bogus'. Try 'catalogsync status --help'\n";
  const cases: Array<[string, boolean, Record<string, string>, boolean]> = [
    ["a terminal", true, {}, true],
    ["a terminal with NO_COLOR=1", true, { NO_COLOR: "1" }, false],
    ["a terminal with an empty NO_COLOR", true, { NO_COLOR: "" }, true],
    ["a terminal with FORCE_COLOR=0", true, { FORCE_COLOR: "0" }, false],
    ["a pipe", false, {}, false],
    ["a pipe with FORCE_COLOR=1", false, { FORCE_COLOR: "1" }, true],
    [
      "a terminal with NO_COLOR=1 and FORCE_COLOR=1",
      true,
      { NO_COLOR: "1", FORCE_COLOR: "1" },
      true,
    ],
  ];
  for (const [name, isTerminal, envVars, colour] of cases) {
    await t.step(name, async () => {
      const run = await runCli(["status", "--bogus"], {
        stderrIsTerminal: isTerminal,
        envVars,
      });
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `${colour ? red : "error:"}${line}`);
      // the unknown-command error, printed before any command is loaded
      const unknown = await runCli(["frobnicate"], {
        stderrIsTerminal: isTerminal,
        envVars,
      });
      assert.equal(unknown.stderr.includes("\x1b["), colour);
    });
  }
});

Deno.test("emulator --json prints one JSON line with its URL on listen", async () => {
  const controller = new AbortController();
  let out = "";
  const run = runCli(["emulator", "--size", "tiny", "--json"], {
    signal: controller.signal,
    stdout: (text) => (out += text),
  });
  while (!out.includes("\n")) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const first = out.slice(0, out.indexOf("\n"));
  const { url } = JSON.parse(first);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(JSON.parse(first), { url });
  const stats = await (await fetch(`${url}/_emulation/stats`)).json();
  assert.equal(stats.netease.songs, 12);
  controller.abort();
  assert.equal((await run).code, 0);
});

Deno.test("emulator --help says what it serves, without the stale note", async () => {
  const run = await runCli(["emulator", "--help"]);
  assert.doesNotMatch(run.stdout, /arrive with each\s+platform's issue/);
  assert.match(run.stdout, /with --json, one JSON line\n\{"url":/);
});
