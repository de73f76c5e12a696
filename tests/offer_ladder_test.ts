import assert from "node:assert/strict";
import { SourceError, type SourceErrorKind } from "../sources/errors.ts";
import type { DownloadOffer, SongInfo } from "../sources/types.ts";
import { OfferLadder, refusalOutcome } from "../tasks/_offer_ladder.ts";

const song: SongInfo = {
  platform: "netease",
  remoteId: "1",
  title: "Song",
  artists: [],
  artistNames: "Artist",
  qualities: [
    { label: "lossless", level: "lossless", sizeBytes: 30_000_000 },
    { label: "320k", level: "exhigh", sizeBytes: 10_000_000 },
  ],
  availability: "available",
  raw: {},
};

function offer(level: string, sizeBytes: number): DownloadOffer {
  return {
    platform: "netease",
    songRemoteId: "1",
    quality: level === "lossless" ? "lossless" : "320k",
    level,
    url: `http://cdn.test/${level}`,
    extension: level === "lossless" ? "flac" : "mp3",
    container: level === "lossless" ? "flac" : "mp3",
    sizeBytes,
  };
}

Deno.test("OfferLadder rejects previews, skips rejected levels, and ends failed with the reasons", () => {
  const ladder = new OfferLadder(song, 2);
  // a 30-second preview of the lossless file
  assert.equal(ladder.consider(offer("lossless", 1_000_000)), "rejected");
  assert.equal(ladder.consider(offer("lossless", 30_000_000)), "skip");
  const mp3 = offer("exhigh", 10_000_000);
  assert.equal(ladder.consider(mp3), "transfer");
  assert.deepEqual(
    ladder.afterTransfer(mp3, { kind: "reject", reason: "HTTP 403" }),
    { kind: "rejected" },
  );
  assert.deepEqual(ladder.exhausted(), {
    kind: "terminal",
    state: "failed",
    error:
      "every offer was rejected: lossless: a preview: 1000000 bytes where the song's lossless file has 30000000; exhigh: HTTP 403",
    rejected: [
      "lossless: a preview: 1000000 bytes where the song's lossless file has 30000000",
      "exhigh: HTTP 403",
    ],
  });
});

Deno.test("OfferLadder resolves an expired URL again up to its limit, then rejects the offer", () => {
  const ladder = new OfferLadder(song, 2);
  const flac = offer("lossless", 30_000_000);
  const expired = { kind: "expired" as const, reason: "HTTP 403 (expired)" };
  assert.equal(ladder.consider(flac), "transfer");
  assert.equal(ladder.afterTransfer(flac, expired).kind, "resolve_again");
  assert.equal(ladder.afterTransfer(flac, expired).kind, "resolve_again");
  assert.deepEqual(ladder.afterTransfer(flac, expired), { kind: "rejected" });
  assert.deepEqual(ladder.rejected, [
    "lossless: HTTP 403 (expired) (resolved 2 times)",
  ]);
});

Deno.test("OfferLadder asks for a fresh URL once per level after suspect answers, then rejects the level", () => {
  const ladder = new OfferLadder(song, 0);
  const flac = offer("lossless", 30_000_000);
  const suspect = { kind: "suspect" as const, reason: "an HTML page" };
  assert.equal(ladder.consider(flac), "transfer");
  assert.deepEqual(ladder.afterTransfer(flac, suspect), {
    kind: "resolve_again",
    reason: "an HTML page; asking for a fresh URL",
  });
  assert.equal(ladder.consider(flac), "transfer");
  assert.deepEqual(ladder.afterTransfer(flac, suspect), { kind: "rejected" });
  assert.equal(ladder.consider(flac), "skip");
  assert.deepEqual(ladder.rejected, ["lossless: an HTML page, from two URLs"]);
  // a transient failure that outlasted its retries ends the song for now, not the level
  const mp3 = offer("exhigh", 10_000_000);
  assert.deepEqual(
    ladder.afterTransfer(mp3, { kind: "retry_later", error: "HTTP 503" }),
    { kind: "finish", outcome: { kind: "retry_later", error: "HTTP 503" } },
  );
});

Deno.test("OfferLadder ends unavailable when no offer came at all, and passes a done transfer on with what it rejected", () => {
  assert.deepEqual(new OfferLadder(song, 2).exhausted(), {
    kind: "terminal",
    state: "unavailable",
    error: "the platform offers no file",
    rejected: [],
  });
  const ladder = new OfferLadder(song, 2);
  ladder.consider(offer("lossless", 1));
  const mp3 = offer("exhigh", 10_000_000);
  const step = ladder.afterTransfer(mp3, {
    kind: "done",
    offer: mp3,
    bytes: 10_000_000,
    resumedBytes: 0,
    backend: {
      id: 1,
      name: "local-1",
      kind: "local",
      container_name: "/library",
      is_active: 1,
    },
  });
  assert.equal(step.kind, "finish");
  assert.ok(step.kind === "finish" && step.outcome.kind === "done");
  assert.equal(step.outcome.rejected.length, 1);
});

Deno.test("refusalOutcome maps each source refusal to its state, and stops the platform on limits and region locks", () => {
  const cases: Array<[SourceErrorKind, string, boolean]> = [
    ["vip", "vip_only", false],
    ["unavailable", "unavailable", false],
    ["not_found", "unavailable", false],
    ["rate_limited", "rate_limited", true],
    ["antibot", "rate_limited", true],
    ["region", "failed", true],
    ["malformed", "failed", false],
  ];
  for (const [kind, state, stops] of cases) {
    const error = new SourceError(`refused (${kind})`, {
      platform: "qq",
      kind,
    });
    const outcome = refusalOutcome("qq", error, ["exhigh: HTTP 404"]);
    assert.equal(outcome.kind, "terminal", kind);
    assert.ok(outcome.kind === "terminal");
    assert.equal(outcome.state, state, kind);
    assert.equal(outcome.stopPlatform !== undefined, stops, kind);
    assert.match(outcome.error, /rejected before: exhigh: HTTP 404/);
  }
  const plain = refusalOutcome("kuwo", new Error("boom"), []);
  assert.ok(plain.kind === "terminal");
  assert.equal(plain.state, "failed");
  assert.equal(plain.error, "boom");
});
