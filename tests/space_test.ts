import assert from "node:assert/strict";
import { Catalog } from "../catalog/database.ts";
import { activateLocalBackend } from "../catalog/storage.ts";
import { SpaceController } from "../tasks/_space_policy.ts";
import { memoryUi } from "../tasks/ui.ts";

const GiB = 1024 ** 3;

/** A free-space answer held back until the test lets it go. */
function heldAnswer(): { promise: Promise<number>; give(bytes: number): void } {
  let give!: (bytes: number) => void;
  const promise = new Promise<number>((resolve) => give = resolve);
  return { promise, give };
}

Deno.test("SpaceController asks once when a slow free-space check returns after another file stopped the run", async () => {
  using catalog = Catalog.open(":memory:");
  const active = activateLocalBackend(catalog, "/library", 0);
  const held = heldAnswer();
  let probes = 0;
  const questions: string[] = [];
  const space = new SpaceController({
    catalog,
    active,
    // the first file's check hangs; the second's says the disk is low
    freeSpace: () => ++probes === 1 ? held.promise : Promise.resolve(1_000),
    prompt: (question) => {
      questions.push(question);
      return Promise.resolve(null);
    },
    log: memoryUi().log,
    now: () => 0,
    minFree: GiB,
    nextDirs: [],
  });
  const first = space.acquire(100);
  const second = await space.acquire(100);
  assert.equal(second, undefined);
  assert.equal(questions.length, 1);
  assert.ok(space.stopped);
  // the first check comes back low, after the run has stopped: no second question
  held.give(1_000);
  assert.equal(await first, undefined);
  assert.equal(questions.length, 1, questions.join("\n---\n"));
});

Deno.test("SpaceController looks again when a switch started while it was checking", async () => {
  using catalog = Catalog.open(":memory:");
  const active = activateLocalBackend(catalog, "/library", 0);
  const held = heldAnswer();
  let probes = 0;
  const roots: string[] = [];
  const space = new SpaceController({
    catalog,
    active,
    freeSpace: (root) => {
      roots.push(root);
      probes++;
      if (probes === 1) return held.promise;
      // the library is low; anywhere else has room
      return Promise.resolve(root === "/library" ? 1_000 : 100 * GiB);
    },
    prompt: () => Promise.resolve(null),
    log: memoryUi().log,
    now: () => 0,
    minFree: GiB,
    nextDirs: [await Deno.makeTempDir({ prefix: "catalogsync-space-" })],
  });
  const first = space.acquire(100);
  const second = await space.acquire(100);
  assert.ok(second);
  assert.notEqual(second.backend.id, active.id);
  // the first check says the old library has plenty: stale, since the run
  // moved meanwhile; the file goes to the new directory
  held.give(100 * GiB);
  const reservation = await first;
  assert.ok(reservation);
  assert.equal(reservation.backend.id, second.backend.id);
  assert.equal(space.switches.length, 1);
  await Deno.remove(second.backend.container_name, { recursive: true });
});

Deno.test("SpaceController counts what a running file writes while free space is read as still to write from before the read", async () => {
  using catalog = Catalog.open(":memory:");
  const active = activateLocalBackend(catalog, "/library", 0);
  const held = heldAnswer();
  let probes = 0;
  const ui = memoryUi();
  const space = new SpaceController({
    catalog,
    active,
    // 1,000 free at first; the second look is held; once the running
    // file is written, 500 are left
    freeSpace: () => {
      probes++;
      if (probes === 1) return Promise.resolve(1_000);
      return probes === 2 ? held.promise : Promise.resolve(500);
    },
    prompt: () => Promise.resolve(null),
    log: ui.log,
    now: () => 0,
    minFree: 0,
    nextDirs: [],
  });
  const running = (await space.acquire(500))!;
  space.progress(running, 100, 500);
  const next = space.acquire(600);
  // the disk is looked at with 100 bytes written (900 free); the file
  // writes 300 more before the answer comes
  await Promise.resolve();
  space.progress(running, 400, 500);
  held.give(900);
  // 900 free less the 400 still to write from the 100 written at the
  // look: 500, no room for 600 (counting the 100 left now would say 800)
  for (let i = 0; i < 20 && ui.lines.length === 0; i++) {
    await Promise.resolve();
  }
  assert.match(
    ui.lines[0] ?? "",
    /low disk space in \/library: 500 B available/,
  );
  space.release(running);
  assert.equal(await next, undefined);
  assert.ok(space.stopped);
});
