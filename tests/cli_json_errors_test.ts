/**
 * A command that fails says so in one line on stderr, prefixed `error:`,
 * and with `--json` also as `{"error": {"message", "kind", "exit"}}` on
 * stdout, so that a script reading stdout learns why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CommandError, failureOf, UsageError } from "../cli/exit.ts";
import { SourceError } from "../sources/errors.ts";
import { NoSpaceError } from "../storage/errors.ts";
import { runCli } from "./_cli.ts";

Deno.test("--json failures print {error: {message, kind, exit}} on stdout and one error: line on stderr", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-json-" });
  const missing = join(dir, "missing.db");
  try {
    const cases: Array<{
      args: string[];
      kind: string;
      exit: number;
      message: RegExp;
      fetch?: () => Promise<Response>;
    }> = [
      {
        args: ["sync", "--limit", "ten", "--json"],
        kind: "usage",
        exit: 2,
        message:
          /^Invalid --limit 'ten': expected a whole number \(0 or more\)\. Try 'catalogsync sync --help'$/,
      },
      {
        args: ["status", "--bogus", "--json"],
        kind: "usage",
        exit: 2,
        message: /^Unknown option '--bogus'/,
      },
      {
        args: ["frobnicate", "--json"],
        kind: "usage",
        exit: 2,
        message:
          /^Unknown command 'frobnicate': commands are .*\. Try 'catalogsync --help'$/,
      },
      {
        args: ["--json", "status"],
        kind: "usage",
        exit: 2,
        message: /^Unknown command '--json': put the command first/,
      },
      {
        args: ["download", "--db", missing, "--json"],
        kind: "catalog",
        exit: 1,
        message: /^download: No catalog at '.*missing\.db'/,
      },
      {
        args: ["collect", "--db", missing, "--emulation", "http://x", "--json"],
        kind: "error",
        exit: 1,
        message: /^collect: Cannot reach the emulation at http:\/\/x: refused$/,
        fetch: () => Promise.reject(new Error("refused")),
      },
    ];
    for (const c of cases) {
      await t.step(c.args.join(" "), async () => {
        const run = await runCli(c.args, c.fetch ? { fetch: c.fetch } : {});
        assert.equal(run.code, c.exit, run.stderr);
        const lines = run.stdout.trimEnd().split("\n");
        assert.equal(lines.length, 1, "one JSON line");
        const { error } = JSON.parse(lines[0]!);
        assert.deepEqual(Object.keys(error), ["message", "kind", "exit"]);
        assert.equal(error.kind, c.kind);
        assert.equal(error.exit, c.exit);
        assert.match(error.message, c.message);
        assert.equal(run.stderr.split("\n")[0], `error: ${error.message}`);
      });
    }
    await t.step("without --json, stdout stays empty", async () => {
      const run = await runCli(["download", "--db", missing]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, /^error: download: No catalog at /);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("failureOf() names each kind of failure and its exit status", () => {
  const cases: Array<[unknown, string, number]> = [
    [new UsageError("Bad"), "usage", 2],
    [new CommandError("No catalog", { kind: "catalog" }), "catalog", 1],
    [new NoSpaceError("Full"), "no_space", 75],
    [
      new SourceError("Risk control", { platform: "qq", kind: "antibot" }),
      "source",
      1,
    ],
    [new Deno.errors.NotCapable("Requires write access"), "permission", 1],
    [new Error("Boom"), "error", 1],
    ["a string", "error", 1],
  ];
  for (const [error, kind, exit] of cases) {
    const failure = failureOf(error, "sync");
    assert.equal(failure.kind, kind, String(error));
    assert.equal(failure.exit, exit, String(error));
  }
  assert.equal(failureOf(new Error("Boom"), "sync").message, "sync: Boom");
  assert.match(
    failureOf(new Deno.errors.NotCapable("Requires write access"), "sync")
      .message,
    /Deno refused the access/,
  );
});
