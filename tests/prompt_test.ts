/**
 * The low-space prompt: `~` and relative answers become absolute paths,
 * the question always ends its line, and one Ctrl-C at the prompt cancels
 * the run (exit 130) with nothing lost.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Catalog } from "../catalog/database.ts";
import { createEmulation } from "../emulation/emulation.ts";
import { serveEmulation } from "../emulation/serve.ts";
import { directoryAnswer, linePrompt, LineReader } from "../cli/prompt.ts";
import { runCli } from "./_cli.ts";
import { againstEmulation, inTempDir, syncedCatalog } from "./_cli_catalog.ts";
import { spawnMain } from "./_spawn.ts";

const QUESTION = "Directory to continue in (end of input stops): ";

/** A stdin that sends `text` and then stays open, as a terminal nobody types at. */
function openStdin(text = ""): () => ReadableStream<Uint8Array> {
  return () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        if (text !== "") controller.enqueue(new TextEncoder().encode(text));
      },
    });
}

Deno.test("directoryAnswer() expands ~ from HOME and makes the answer absolute", () => {
  assert.equal(directoryAnswer("~/music", "/home/ada"), "/home/ada/music");
  assert.equal(directoryAnswer("  ~  ", "/home/ada"), "/home/ada");
  assert.equal(directoryAnswer("music", "/home/ada"), resolve("music"));
  assert.equal(directoryAnswer("./a/../b/", "/home/ada"), resolve("b"));
  assert.equal(
    directoryAnswer("~ada/music", "/home/ada"),
    resolve("~ada/music"),
  );
  // without a HOME, ~ stays what it is rather than guessing
  assert.equal(directoryAnswer("~/music", undefined), resolve("~/music"));
  assert.equal(directoryAnswer("   ", "/home/ada"), "");
});

Deno.test("linePrompt() ends the question's line whatever the answer", async (t) => {
  const ask = async (
    input: string,
    options: Parameters<typeof linePrompt>[2] = {},
  ) => {
    let written = "";
    const prompt = linePrompt(
      new LineReader(() => new Blob([input]).stream()),
      (text) => (written += text),
      options,
    );
    return { answer: await prompt("Q? "), written };
  };
  await t.step("a piped answer is echoed", async () => {
    assert.deepEqual(await ask("/mnt/usb\n"), {
      answer: "/mnt/usb",
      written: "Q? /mnt/usb\n",
    });
  });
  await t.step("a terminal echoed it already", async () => {
    assert.deepEqual(await ask("/mnt/usb\n", { echoed: true }), {
      answer: "/mnt/usb",
      written: "Q? ",
    });
  });
  await t.step("end of input", async () => {
    assert.deepEqual(await ask("", { echoed: true }), {
      answer: null,
      written: "Q? \n",
    });
  });
  await t.step("the answer is turned by `answer`", async () => {
    const { answer } = await ask("~/x\n", {
      answer: (line) => directoryAnswer(line, "/home/ada"),
    });
    assert.equal(answer, "/home/ada/x");
  });
  await t.step(
    "Ctrl-C while waiting answers end of input at once",
    async () => {
      const controller = new AbortController();
      let written = "";
      const prompt = linePrompt(
        new LineReader(openStdin()),
        (text) => (written += text),
        { signal: controller.signal, echoed: true },
      );
      const answer = prompt("Q? ");
      controller.abort();
      assert.equal(await answer, null);
      assert.equal(written, "Q? \n");
      assert.equal(await prompt("again? "), null, "not asked after Ctrl-C");
      assert.equal(written, "Q? \n");
    },
  );
});

/** `download` into `library`, one file at a time, no reserve. */
function downloadOneByOne(db: string, library: string): string[] {
  return [
    "download",
    ...againstEmulation(db),
    "--library",
    library,
    "--min-free",
    "0",
    "--concurrency",
    "1",
  ];
}

/** A free-space probe: plenty, except `low` after its first `allowed` looks. */
function runningLow(low: string, allowed: number) {
  let looks = 0;
  return (path: string) =>
    Promise.resolve(
      path.startsWith(low) && ++looks > allowed ? 0 : 1e12,
    );
}

Deno.test("the low-space prompt takes ~/music as $HOME/music and says the absolute path it continues in", async () => {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-prompt-" });
  const stray = join(Deno.cwd(), "~");
  const strayBefore = existsSync(stray);
  try {
    const db = join(dir, "catalog.db");
    const emulation = await syncedCatalog(db);
    const home = join(dir, "home");
    const library = join(dir, "library");
    const run = await runCli(downloadOneByOne(db, library), {
      fetch: emulation.fetch,
      freeSpace: runningLow(library, 1),
      stdinText: "~/music\n",
      envVars: { HOME: home },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(
      run.stderr.includes(
        `${QUESTION}~/music\ncontinuing in ${join(home, "music")} (local-2, `,
      ),
      run.stderr,
    );
    assert.ok(strayBefore || !existsSync(stray), "no ./~ folder");
    assert.ok(existsSync(join(home, "music", "netease")));
    assert.match(
      run.stdout,
      new RegExp(
        `switched from .*library to ${join(home, "music")} \\(local-2`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    // what the bug this guards against would leave in the current folder
    if (!strayBefore) {
      await Deno.remove(stray, { recursive: true }).catch(() => {});
    }
  }
});

Deno.test("one Ctrl-C at the low-space prompt cancels the run: exit 130, no lease left, a rerun continues", async () => {
  const dir = await Deno.makeTempDir({ prefix: "catalogsync-prompt-" });
  try {
    const db = join(dir, "catalog.db");
    const emulation = await syncedCatalog(db);
    const library = join(dir, "library");
    const controller = new AbortController();
    let stderr = "";
    const args = downloadOneByOne(db, library);
    const run = await runCli(args, {
      fetch: emulation.fetch,
      freeSpace: runningLow(library, 2),
      stdin: openStdin(),
      signal: controller.signal,
      stderr: (text) => {
        stderr += text;
        if (text.endsWith(QUESTION)) controller.abort();
      },
    });
    assert.equal(run.code, 130, stderr);
    assert.match(run.stdout, /^download interrupted: 2 downloaded/);
    assert.ok(stderr.includes(`${QUESTION}\n`), "the question's line ends");
    {
      using catalog = Catalog.open(db, { create: false });
      const states = catalog.all<{ state: string; n: number }>(
        "SELECT state, count(*) AS n FROM download_tasks GROUP BY state ORDER BY state",
      );
      // two files done; two songs their source expects to be refused need
      // no room (0 bytes, --min-free 0) and were tried; the rest pending:
      // none left running
      assert.deepEqual(
        states.map((s) => [s.state, s.n]),
        [["done", 2], ["pending", 4], ["unavailable", 1], ["vip_only", 1]],
        "none left running",
      );
      assert.equal(
        catalog.get<{ n: number }>(
          "SELECT count(*) AS n FROM download_tasks WHERE state <> 'done' AND lease_until IS NOT NULL",
        )?.n,
        0,
        "no lease left",
      );
      assert.equal(
        catalog.get<{ integrity_check: string }>("PRAGMA integrity_check")
          ?.integrity_check,
        "ok",
      );
    }
    const rerun = await runCli([...args, "--json"], {
      fetch: emulation.fetch,
      freeSpace: () => Promise.resolve(1e12),
    });
    assert.equal(rerun.code, 0, rerun.stderr);
    const summary = JSON.parse(rerun.stdout);
    assert.equal(summary.skippedOwned, 2, "the two files stay");
    assert.ok(summary.downloaded > 0, "the rest comes now");
    assert.equal(summary.busy, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a real Ctrl-C (SIGINT) at the low-space prompt of a running catalogsync ends it with exit 130", async () => {
  await inTempDir(async (dir) => {
    const db = join(dir, "catalog.db");
    await syncedCatalog(db);
    await using server = serveEmulation(createEmulation({ size: "tiny" }));
    // no disk has 1000 TiB to spare: the question comes before any file
    const child = spawnMain([
      "download",
      "--db",
      db,
      "--emulation",
      server.url,
      "--library",
      join(dir, "library"),
      "--min-free",
      "1000TiB",
    ], "piped");
    let stderr = "";
    const decoder = new TextDecoder();
    const reading = (async () => {
      for await (const chunk of child.stderr) {
        stderr += decoder.decode(chunk);
        if (stderr.endsWith(QUESTION)) child.kill("SIGINT");
        // a prompt deaf to Ctrl-C would wait for ever: end its input then
        if (stderr.includes("(Ctrl-C again to quit now)")) {
          await child.stdin.close().catch(() => {});
        }
      }
    })();
    const stdout = new Response(child.stdout).text();
    const { code } = await child.status;
    await reading;
    assert.equal(code, 130, stderr);
    assert.match(await stdout, /^download interrupted: 0 downloaded/);
    assert.ok(stderr.includes(`${QUESTION}\n`), "the question's line ends");
    using catalog = Catalog.open(db, { create: false });
    assert.equal(
      catalog.get<{ n: number }>(
        "SELECT count(*) AS n FROM download_tasks WHERE state <> 'pending' OR lease_until IS NOT NULL",
      )?.n,
      0,
      "every task pending, none leased",
    );
  }, "catalogsync-prompt-");
});
