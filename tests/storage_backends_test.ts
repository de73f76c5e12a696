/**
 * The storage backends against real servers on 127.0.0.1: s3rver for the
 * S3 backend, `rclone serve webdav` for the WebDAV one, and a local
 * directory.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseBackendUrl, type SourceFile } from "../storage/backend.ts";
import { isStorageError, StorageError } from "../storage/errors.ts";
import { hashStream } from "../storage/hashing.ts";
import { LocalBackend, rootState } from "../storage/local_backend.ts";
import { S3Backend } from "../storage/s3.ts";
import { WebDavBackend } from "../storage/webdav.ts";
import {
  filesBelow,
  S3RVER_KEY,
  startCuttingProxy,
  startQuotaProxy,
  startRcloneWebdav,
  startS3rver,
} from "./_storage_servers.ts";

const MiB = 1024 * 1024;

async function sourceFile(dir: string, name: string, size: number, seed = 1) {
  const bytes = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  const path = join(dir, name);
  await Deno.writeFile(path, bytes);
  return {
    path,
    sizeBytes: size,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    md5: undefined,
  } satisfies SourceFile;
}

function s3(
  endpoint: string,
  bucket = "music",
  extra: Partial<ConstructorParameters<typeof S3Backend>[0]> = {},
) {
  const spec = parseBackendUrl(`s3://${bucket}/replica`, { endpoint });
  if (spec.kind !== "object_store") throw new Error("not a bucket");
  return new S3Backend({
    spec,
    credentials: S3RVER_KEY,
    multipartThreshold: 6 * MiB,
    partSize: 5 * MiB,
    ...extra,
  });
}

Deno.test("parseBackendUrl() reads local, bucket and WebDAV URLs and refuses credentials in them", () => {
  assert.deepEqual(parseBackendUrl("/mnt/usb/music/"), {
    kind: "local",
    url: "/mnt/usb/music",
    containerName: "/mnt/usb/music",
  });
  assert.deepEqual(
    parseBackendUrl(
      "s3://my-bucket/a/b/?region=eu-central-1&endpoint=http://127.0.0.1:9000",
    ),
    {
      kind: "object_store",
      url: "s3://my-bucket/a/b",
      containerName: "my-bucket",
      prefix: "a/b",
      endpoint: "http://127.0.0.1:9000",
      region: "eu-central-1",
      pathStyle: true,
    },
  );
  const aws = parseBackendUrl("s3://my-bucket");
  assert.equal(
    aws.kind === "object_store" && aws.endpoint,
    "https://s3.us-east-1.amazonaws.com",
  );
  assert.equal(aws.kind === "object_store" && aws.pathStyle, false);
  assert.deepEqual(
    parseBackendUrl("davs://dav.example.com/remote.php/webdav/"),
    {
      kind: "cloud_drive",
      url: "davs://dav.example.com/remote.php/webdav",
      containerName: "https://dav.example.com/remote.php/webdav/",
    },
  );
  assert.throws(
    () => parseBackendUrl("webdav://u:secret@host/x"),
    /credentials do not belong/,
  );
  assert.throws(() => parseBackendUrl("relative/dir"), /Invalid backend/);
  assert.throws(() => parseBackendUrl("ftp://host/x"), /unknown scheme/);
  assert.throws(
    () => parseBackendUrl("s3://Bad_Bucket/x"),
    /Invalid bucket name/,
  );
});

Deno.test("S3Backend against s3rver: single and multipart uploads, verified by size, SHA-256 and ETag", async (t) => {
  const dir = await Deno.makeTempDir();
  await using server = await startS3rver(["music"]);
  const backend = s3(server.origin);
  await t.step("probe", async () => {
    assert.deepEqual(await backend.probe(), { ok: true, freeBytes: undefined });
  });
  await t.step("a single PUT", async () => {
    const file = await sourceFile(dir, "small.flac", 300_000);
    const key = backend.locatorFor("netease/a b + c [1].flac");
    assert.equal(key, "replica/netease/a b + c [1].flac");
    const put = await backend.put(key, file);
    assert.equal(put.sizeBytes, file.sizeBytes);
    const md5 = createHash("md5").update(await Deno.readFile(file.path))
      .digest("hex");
    assert.equal(put.etag, md5, "s3rver's ETag: the MD5 of what it stored");
    assert.deepEqual(await backend.verify(key, file, put), {
      ok: true,
      etag: md5,
      method: "size+sha256",
    });
    // with the file's MD5 known, the ETag is compared too
    assert.deepEqual(await backend.verify(key, { ...file, md5 }), {
      ok: true,
      etag: md5,
      method: "size+etag",
    });
    assert.deepEqual(
      await backend.verify(key, { ...file, md5: "0".repeat(32) }),
      {
        ok: false,
        reason: `'${key}' has ETag ${md5}, the bytes sent ${"0".repeat(32)}`,
      },
    );
    const back = await hashStream(await backend.read(key));
    assert.equal(back.sha256, file.sha256);
    await backend.remove(key);
    assert.equal(await backend.head(key), undefined);
  });
  await t.step(
    "multipart above the threshold, each part with its SHA-256",
    async () => {
      const file = await sourceFile(dir, "big.flac", 12 * MiB + 123, 7);
      const saved: Array<string | null> = [];
      const put = await backend.put("replica/big.flac", file, {
        journal: { uploadId: undefined, save: (id) => saved.push(id) },
      });
      assert.equal(saved.length, 2);
      assert.equal(typeof saved[0], "string");
      assert.equal(saved[1], null);
      assert.equal(put.sizeBytes, file.sizeBytes);
      assert.deepEqual(await backend.verify("replica/big.flac", file, put), {
        ok: true,
        etag: put.etag,
        method: "size+sha256",
      });
      const back = await hashStream(await backend.read("replica/big.flac"));
      assert.equal(back.sha256, file.sha256);
      assert.deepEqual(await backend.pendingUploads(), []);
    },
  );
  await t.step(
    "a killed multipart upload is resumed from the parts the server lists",
    async () => {
      const file = await sourceFile(dir, "resume.flac", 11 * MiB, 9);
      const controller = new AbortController();
      let uploadId: string | undefined;
      await assert.rejects(
        backend.put("replica/resume.flac", file, {
          signal: controller.signal,
          journal: {
            uploadId: undefined,
            save: (id) => (uploadId = id ?? undefined),
          },
          onBytes: (sent) => {
            if (sent > 6 * MiB) controller.abort(new Error("killed"));
          },
        }),
        /killed/,
      );
      assert.ok(uploadId);
      const pending = await backend.pendingUploads();
      assert.deepEqual(pending.map((p) => [p.locator, p.uploadId]), [[
        "replica/resume.flac",
        uploadId,
      ]]);
      const put = await backend.put("replica/resume.flac", file, {
        journal: { uploadId, save: (id) => (uploadId = id ?? undefined) },
      });
      assert.equal(put.resumedBytes, 5 * MiB, "the first part was kept");
      assert.equal(uploadId, undefined);
      assert.equal(
        (await backend.verify("replica/resume.flac", file, put)).ok,
        true,
      );
      assert.deepEqual(await backend.pendingUploads(), []);
    },
  );
  await t.step("an orphaned upload is listed and aborted", async () => {
    const file = await sourceFile(dir, "orphan.flac", 11 * MiB, 3);
    const controller = new AbortController();
    await assert.rejects(backend.put("replica/orphan.flac", file, {
      signal: controller.signal,
      onBytes: () => controller.abort(new Error("killed")),
    }));
    const [orphan] = await backend.pendingUploads();
    assert.ok(orphan);
    await backend.abortUpload(orphan.locator, orphan.uploadId);
    assert.deepEqual(await backend.pendingUploads(), []);
  });
  await t.step(
    "a local file that changed is refused by the server's checksum and nothing stays",
    async () => {
      const file = await sourceFile(dir, "changed.flac", 100_000);
      const bytes = await Deno.readFile(file.path);
      bytes[500] = bytes[500]! ^ 0xff;
      await Deno.writeFile(file.path, bytes);
      const error = await backend.put("replica/changed.flac", file).catch((e) =>
        e
      );
      assert.ok(isStorageError(error, "checksum"), String(error));
      assert.match(error.message, /BadDigest/);
      assert.equal(await backend.head("replica/changed.flac"), undefined);
    },
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("S3Backend: wrong credentials (403) and a missing bucket are clear errors that stop the backend", async () => {
  await using server = await startS3rver(["music"]);
  const wrong = s3(server.origin, "music", {
    credentials: { accessKeyId: "WRONG", secretAccessKey: "x" },
  });
  const probe = await wrong.probe();
  assert.equal(probe.ok, false);
  assert.match(
    !probe.ok ? probe.reason : "",
    /403 InvalidAccessKeyId.*check AWS_ACCESS_KEY_ID/,
  );
  const error = await wrong.head("replica/x").catch((e) => e);
  assert.ok(error instanceof StorageError && error.stopsBackend);
  const missing = s3(server.origin, "no-such-bucket");
  const answer = await missing.probe();
  assert.equal(answer.ok, false);
  assert.match(
    !answer.ok ? answer.reason : "",
    /404 NoSuchBucket.*create the bucket 'no-such-bucket'/,
  );
  const none = s3(server.origin, "music", { credentials: undefined });
  assert.match(
    String((await none.probe() as { reason: string }).reason),
    /no credentials: set AWS_ACCESS_KEY_ID/,
  );
});

Deno.test("S3Backend: a connection cut mid-upload is a network error; nothing is left under the key", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startS3rver(["music"]);
  await using proxy = startCuttingProxy(server.port, {
    afterBytes: 200_000,
    cuts: 1,
  });
  const backend = s3(proxy.origin);
  const file = await sourceFile(dir, "cut.flac", 2 * MiB);
  const error = await backend.put("replica/cut.flac", file).catch((e) => e);
  assert.ok(isStorageError(error, "network"), String(error));
  assert.equal(proxy.cut, 1);
  const after = await backend.verify("replica/cut.flac", file);
  assert.equal(after.ok, false, "a cut upload never verifies");
  const put = await backend.put("replica/cut.flac", file);
  assert.equal((await backend.verify("replica/cut.flac", file, put)).ok, true);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("WebDavBackend against rclone: uploads through .part and MOVE, checks the MD5 ETag", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startRcloneWebdav("dav", "pw");
  const url = `webdav://127.0.0.1:${server.port}/music`;
  await Deno.mkdir(join(server.dir, "music"));
  const spec = parseBackendUrl(url);
  if (spec.kind !== "cloud_drive") throw new Error("not webdav");
  const backend = new WebDavBackend({
    spec,
    credentials: { user: "dav", password: "pw" },
  });
  assert.equal((await backend.probe()).ok, true);
  const file = await sourceFile(dir, "song.flac", 700_000);
  const put = await backend.put("qq/歌手 - 歌 [9].flac", file);
  const md5 = createHash("md5").update(await Deno.readFile(file.path)).digest(
    "hex",
  );
  const verified = await backend.verify("qq/歌手 - 歌 [9].flac", file, put);
  assert.deepEqual(verified, {
    ok: true,
    etag: undefined,
    method: "size+sha256",
  });
  assert.deepEqual(
    await backend.verify("qq/歌手 - 歌 [9].flac", { ...file, md5 }),
    { ok: true, etag: md5, method: "size+etag" },
  );
  assert.deepEqual(await filesBelow(server.dir), [
    "music/qq/歌手 - 歌 [9].flac",
  ]);
  const wrong = new WebDavBackend({
    spec,
    credentials: { user: "dav", password: "nope" },
  });
  const probe = await wrong.probe();
  assert.match(
    !probe.ok ? probe.reason : "",
    /HTTP 401.*CATALOGSYNC_WEBDAV_USER/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("WebDavBackend: a full quota (507) is a quota error that stops the backend", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startRcloneWebdav("dav", "pw");
  await using proxy = startQuotaProxy(server.origin, 1_000_000);
  const spec = parseBackendUrl(`webdav://127.0.0.1:${proxy.port}`);
  if (spec.kind !== "cloud_drive") throw new Error("not webdav");
  const backend = new WebDavBackend({
    spec,
    credentials: { user: "dav", password: "pw" },
  });
  const first = await sourceFile(dir, "a.flac", 600_000);
  await backend.put("a.flac", first);
  const second = await sourceFile(dir, "b.flac", 600_000, 2);
  const error = await backend.put("b.flac", second).catch((e) => e);
  assert.ok(
    error instanceof StorageError && error.kind === "quota",
    String(error),
  );
  assert.ok(error.stopsBackend);
  assert.match(error.message, /507 Insufficient Storage/);
  assert.deepEqual(await filesBelow(server.dir), ["a.flac"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("LocalBackend copies through .part with the file's hash; rootState() tells a moved disk from an empty mount point", async () => {
  const dir = await Deno.makeTempDir();
  const file = await sourceFile(dir, "x.flac", 50_000);
  const backend = new LocalBackend(join(dir, "replica"));
  assert.equal(await rootState(join(dir, "replica")), "missing");
  assert.equal((await backend.probe()).ok, false);
  const put = await backend.put("kuwo/x.flac", file);
  assert.equal((await backend.verify("kuwo/x.flac", file, put)).ok, true);
  assert.equal(await rootState(join(dir, "replica")), "present");
  await Deno.mkdir(join(dir, "mount"));
  assert.equal(await rootState(join(dir, "mount")), "empty");
  await Deno.remove(dir, { recursive: true });
});
