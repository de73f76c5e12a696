import assert from "node:assert/strict";
import { join } from "node:path";
import type { Catalog } from "../catalog/database.ts";
import {
  markPlaylistSynced,
  replacePlaylistSongs,
  upsertPlaylist,
} from "../catalog/playlists.ts";
import { exportM3u8 } from "../tasks/export.ts";
import { formatExportSummary } from "../cli/export.ts";
import { runCli } from "./_cli.ts";
import { downloadBed, listFiles } from "./_download_bed.ts";
import { goodSong, type TestWorlds } from "./_download_source.ts";

const NOW = Date.UTC(2026, 10, 25);

function addPlaylist(
  catalog: Catalog,
  platform: "netease" | "qq",
  remoteId: string,
  name: string,
  songIds: number[],
  synced = true,
): void {
  catalog.transaction(() => {
    const id = upsertPlaylist(
      catalog,
      { platform, remoteId, name, raw: null },
      NOW,
    );
    replacePlaylistSongs(catalog, id, songIds);
    if (synced) markPlaylistSynced(catalog, id, songIds.length, NOW);
  });
}

Deno.test("exportM3u8() writes one playlist per synced playlist, in order, with paths relative to the output folder", async () => {
  const worlds: TestWorlds = {
    netease: [
      {
        ...goodSong("1"),
        title: "晴天",
        artist: "周杰伦",
        durationMs: 269_000,
      },
      { ...goodSong("2"), title: "Line\nBreak", artist: "A/B" },
      { ...goodSong("3"), error: "vip" },
    ],
  };
  await using t = await downloadBed(worlds);
  await t.run();
  const [s1, s2, s3] = ["netease:1", "netease:2", "netease:3"].map((k) =>
    t.ids.get(k)!
  );
  addPlaylist(t.catalog, "netease", "77", "../../Hot / Songs", [s2!, s3!, s1!]);
  addPlaylist(t.catalog, "netease", "78", "Only VIP", [s3!]);
  addPlaylist(t.catalog, "netease", "79", "Not synced", [s1!], false);
  const out = join(t.dir, "playlists");
  const summary = await exportM3u8(t.context, { outDir: out });
  assert.equal(summary.status, "ok");
  assert.equal(summary.playlists, 2, "the seeded 'all' playlist and #77");
  assert.equal(summary.entries, 4);
  assert.equal(summary.skippedSongs, 3, "song 3 in 'all', #77 and #78");
  assert.equal(summary.emptyPlaylists, 1);
  assert.deepEqual(await listFiles(out), [
    "netease - .._.._Hot _ Songs [77].m3u8",
    "netease - All netease songs [all].m3u8",
  ]);
  const text = await Deno.readTextFile(
    join(out, "netease - .._.._Hot _ Songs [77].m3u8"),
  );
  assert.equal(
    text,
    [
      "#EXTM3U",
      "#EXTINF:200,A/B - Line Break",
      "../library/netease/A_B - Line Break [2].flac",
      "#EXTINF:269,周杰伦 - 晴天",
      "../library/netease/周杰伦 - 晴天 [1].flac",
      "",
    ].join("\n"),
  );
  // every path resolves from the output folder to the downloaded file
  for (const file of summary.files) {
    const lines = (await Deno.readTextFile(file.path)).split("\n");
    for (const line of lines.filter((l) => l && !l.startsWith("#"))) {
      assert.ok((await Deno.stat(join(out, line))).isFile, line);
    }
  }
  assert.match(formatExportSummary(summary), /^export ok: 2 playlists written/);
  // a vanished file is skipped, not listed
  await Deno.remove(join(t.library, "netease", "周杰伦 - 晴天 [1].flac"));
  const again = await exportM3u8(t.context, {
    outDir: out,
    playlists: [{ platform: "netease", remoteId: "77" }, {
      platform: "netease",
      remoteId: "nope",
    }],
  });
  assert.equal(again.playlists, 1);
  assert.equal(again.entries, 1);
  assert.deepEqual(again.unknownPlaylists, ["netease:nope"]);
  assert.equal(again.status, "partial");
});

Deno.test("exportM3u8() gives playlists whose names clash distinct file names", async () => {
  const worlds: TestWorlds = { qq: [goodSong("1")] };
  await using t = await downloadBed(worlds);
  await t.run();
  const song = t.ids.get("qq:1")!;
  addPlaylist(t.catalog, "qq", "x/1", "Same", [song]);
  addPlaylist(t.catalog, "qq", "x_1", "same", [song]);
  addPlaylist(t.catalog, "qq", "CON", "CON", [song]);
  addPlaylist(t.catalog, "qq", "long", "晴".repeat(100), [song]);
  const out = join(t.dir, "out");
  const summary = await exportM3u8(t.context, { outDir: out });
  assert.equal(summary.playlists, 5);
  const names = await listFiles(out);
  assert.equal(
    new Set(names.map((n) => n.toLowerCase())).size,
    5,
    names.join(),
  );
  assert.ok(
    names.some((n) => /^qq - 晴+ \[long\]\.m3u8$/.test(n)),
    "a long name is cut before its id",
  );
  assert.ok(names.includes("qq - Same [x_1].m3u8"));
  assert.ok(names.includes("qq - same [x_1] (2).m3u8"));
});

Deno.test("catalogsync export m3u8 --out DIR writes the files and prints the summary", async () => {
  const worlds: TestWorlds = { netease: [goodSong("1"), goodSong("2")] };
  await using t = await downloadBed(worlds, { fileCatalog: true });
  await t.run();
  const out = join(t.dir, "m3u");
  const run = await runCli(["export", "m3u8", "--db", t.dbPath, "--out", out]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^export ok: 1 playlists written to .*m3u, 2 entries/,
  );
  const json = await runCli([
    "export",
    "m3u8",
    "--db",
    t.dbPath,
    "--out",
    out,
    "--json",
    "--source",
    "qq",
  ]);
  assert.equal(JSON.parse(json.stdout).playlists, 0);
});
