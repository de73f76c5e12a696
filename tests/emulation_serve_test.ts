import assert from "node:assert/strict";
import { audioBytes } from "../emulation/audio.ts";
import { createEmulation, RESET_MARKER } from "../emulation/emulation.ts";
import { serveEmulation } from "../emulation/serve.ts";
import { HttpClient } from "../sources/http.ts";
import { AUDIO, standIns } from "./_emulators.ts";
import { recordingSleep } from "./_fakes.ts";

function emulation() {
  return createEmulation({ emulators: standIns().emulators });
}

/** Whether something accepts connections on 127.0.0.1:port. */
async function listening(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return false;
    throw error;
  }
}

Deno.test("serveEmulation() refuses any hostname but 127.0.0.1", () => {
  for (const hostname of ["0.0.0.0", "localhost", "::1", "192.168.1.2", ""]) {
    assert.throws(
      () =>
        serveEmulation(emulation(), {
          // the type allows only 127.0.0.1; a caller may still pass anything
          hostname: hostname as "127.0.0.1",
        }),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message ===
          `Cannot serve the emulation on '${hostname}': only 127.0.0.1 is allowed`,
      hostname,
    );
  }
});

Deno.test("serveEmulation() serves the emulation over a socket on 127.0.0.1", async (t) => {
  const emu = emulation();
  await using server = serveEmulation(emu);
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  assert.ok(server.port > 0);

  await t.step("GET /_emulation/stats", async () => {
    const response = await fetch(`${server.url}/_emulation/stats`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), emu.stats());
  });

  await t.step("GET /_emulation/config names the server's origin", async () => {
    const response = await fetch(`${server.url}/_emulation/config`);
    const config = await response.json();
    assert.equal(config.origin, server.url);
  });

  await t.step("POST /_emulation/faults then see it applied", async () => {
    const posted = await fetch(`${server.url}/_emulation/faults`, {
      method: "POST",
      body: JSON.stringify({ rule: { kind: "5xx", status: 502 } }),
    });
    assert.deepEqual(await posted.json(), { ok: true });
    const faulted = await fetch(`${server.url}/test.example/x`);
    assert.equal(faulted.status, 502);
    assert.match(await faulted.text(), /502/);
    const next = await fetch(`${server.url}/test.example/x`);
    assert.equal(next.status, 200);
    assert.equal((await next.json()).path, "/x");
  });

  await t.step("a Range request for audio", async () => {
    const response = await fetch(`${server.url}/cdn.test.example/audio`, {
      headers: { range: "bytes=100-4195" },
    });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get("content-range"), "bytes 100-4195/20000");
    assert.deepEqual(
      new Uint8Array(await response.arrayBuffer()),
      audioBytes(AUDIO, 100, 4196),
    );
  });

  await t.step("a reset fault makes reading the body fail", async () => {
    emu.faults.inject({ kind: "reset" });
    await assert.rejects(async () => {
      const response = await fetch(`${server.url}/test.example/x`);
      await response.arrayBuffer();
    }, TypeError);
    // over a socket the real status and length come, then the cut
    emu.faults.inject({ kind: "reset" });
    const cut = await fetch(`${server.url}/cdn.test.example/audio`);
    assert.equal(cut.status, 200);
    assert.equal(cut.headers.get("content-length"), "20000");
    assert.equal(cut.headers.get(RESET_MARKER), null);
    await assert.rejects(cut.arrayBuffer(), TypeError);
    // and the server goes on serving
    const after = await fetch(`${server.url}/test.example/x`);
    assert.equal(after.status, 200);
    await after.body?.cancel();
  });

  await t.step("a truncate fault makes reading the body fail", async () => {
    emu.faults.inject({ kind: "truncate" });
    const response = await fetch(`${server.url}/cdn.test.example/audio`);
    assert.equal(response.headers.get("content-length"), "20000");
    await assert.rejects(response.arrayBuffer(), TypeError);
  });

  await t.step(
    "HttpClient over the socket rides out a reset and a 503",
    async () => {
      emu.faults.inject({ kind: "reset" });
      emu.faults.inject({ kind: "5xx" });
      const { sleep, delays } = recordingSleep();
      const kinds: string[] = [];
      const http = new HttpClient({
        platform: "netease",
        sleep,
        random: () => 0,
        ratePerSecond: 0,
        backoffBaseMs: 100,
        onRetry: (info) => kinds.push(info.error.kind),
      });
      const body = await http.json<{ path: string }>(
        `${server.url}/test.example/api/v1?id=1`,
      );
      assert.equal(body.path, "/api/v1");
      assert.deepEqual(kinds, ["network", "http"]);
      assert.deepEqual(delays, [50, 100]);
    },
  );
});

Deno.test("serveEmulation() closes its port when disposed", async () => {
  let port: number;
  let finished: Promise<void>;
  {
    await using server = serveEmulation(emulation());
    port = server.port;
    finished = server.finished;
    const response = await fetch(`${server.url}/_emulation/stats`);
    await response.body?.cancel();
    assert.ok(await listening(port));
  }
  await finished;
  assert.equal(await listening(port), false);
});

Deno.test("serveEmulation() stops when its signal aborts", async () => {
  const controller = new AbortController();
  const server = serveEmulation(emulation(), { signal: controller.signal });
  assert.ok(await listening(server.port));
  controller.abort();
  await server.finished;
  assert.equal(await listening(server.port), false);
});

Deno.test("serveEmulation() listens on the port asked for", async () => {
  // find a free port, release it, then ask for it
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await using server = serveEmulation(emulation(), { port });
  assert.equal(server.port, port);
  assert.equal(server.url, `http://127.0.0.1:${port}`);
  const response = await fetch(`${server.url}/nowhere.example/`);
  assert.equal(response.status, 404);
  await response.body?.cancel();
});
