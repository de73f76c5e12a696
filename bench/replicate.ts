// deno-lint-ignore-file no-console -- a benchmark prints its figures
/**
 * `replicate` against a baseline in the same run: 1 GiB in 100 files
 * copied to s3rver (an S3 server) and to `rclone serve webdav`, by
 * `catalogsync replicate` (in its own process, peak RSS sampled) and by
 * two baselines: `curl -T` (the same files, the same number at once, to
 * the same server; it checks nothing) and `rclone copy` (the tool a user
 * would copy a library with: it checks each file it sends, by MD5 against
 * the bucket's ETag, by size on WebDAV, as ours checks each copy), with the
 * same number of transfers and, for the bucket, the same multipart
 * threshold and part size as ours. Then 1 GiB in 10 files of 100 MiB, to see that memory does not grow with
 * the file size (multipart to the bucket, one stream to WebDAV).
 *
 * Usage: `deno run -A bench/replicate.ts [--quick]` (`--quick`: 256 MiB).
 * Targets: at least 0.8 of the baseline's throughput (the issue names
 * `curl -T` or `rclone copy`); peak RSS under 150 MB and flat in the file
 * size.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Catalog } from "../catalog/database.ts";
import { activateLocalBackend, recordAsset } from "../catalog/storage.ts";
import { upsertSong } from "../catalog/songs.ts";
import { createHash } from "node:crypto";
import { hexToBase64 } from "../storage/hashing.ts";
import {
  S3RVER_KEY,
  startRcloneWebdav,
  startS3rver,
  type TestServer,
} from "../tests/_storage_servers.ts";
import { procCpuSeconds, runJsonChild } from "./_child.ts";

const MiB = 1024 * 1024;
const CONCURRENCY = 2;
const { values } = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean" } },
});
const totalBytes = values.quick ? 256 * MiB : 1024 * MiB;

interface ChildResult {
  ms: number;
  peakRssMb: number;
  copied: number;
  bytes: number;
  status: string;
}

/** Writes `count` files of `size` bytes (distinct contents) and a catalog that owns them. */
async function library(dir: string, count: number, size: number) {
  const root = join(dir, "library");
  await Deno.mkdir(join(root, "netease"), { recursive: true });
  const block = new Uint8Array(MiB);
  for (let i = 0; i < block.length; i += 65536) {
    crypto.getRandomValues(block.subarray(i, i + 65536));
  }
  const db = join(dir, "catalog.db");
  using catalog = Catalog.open(db);
  const backend = activateLocalBackend(catalog, root, Date.now());
  const files: string[] = [];
  const checksums: string[] = [];
  for (let n = 0; n < count; n++) {
    const locator = `netease/bench ${n}.flac`;
    const path = join(root, locator);
    const hash = createHash("sha256");
    {
      using file = await Deno.open(path, {
        write: true,
        create: true,
        truncate: true,
      });
      for (let written = 0; written < size; written += MiB) {
        block[0] = n & 0xff;
        block[1] = (n >> 8) & 0xff;
        block[2] = (written / MiB) & 0xff;
        const chunk = block.subarray(0, Math.min(MiB, size - written));
        hash.update(chunk);
        let at = 0;
        while (at < chunk.length) at += await file.write(chunk.subarray(at));
      }
    }
    const sha256 = hash.digest("hex");
    checksums.push(hexToBase64(sha256));
    catalog.transaction(() => {
      const songId = upsertSong(catalog, {
        platform: "netease",
        remoteId: String(n + 1),
        title: `bench ${n}`,
        artists: [],
        artistNames: "",
        qualities: [],
        availability: "available",
        raw: {},
      }, Date.now());
      recordAsset(
        catalog,
        {
          songId,
          quality: "lossless",
          platformQuality: "lossless",
          extension: "flac",
          sizeBytes: size,
          sha256,
          md5: undefined,
          bitrateKbps: undefined,
        },
        { backendId: backend.id, containerName: root, locator },
        Date.now(),
      );
    });
    files.push(path);
  }
  return { db, files, checksums };
}

async function ours(db: string, to: string): Promise<ChildResult> {
  return await runJsonChild<ChildResult>([
    "run",
    "-A",
    new URL("./_replicate_child.ts", import.meta.url).pathname,
    db,
    to,
    String(CONCURRENCY),
  ], `replicate to ${to}`);
}

/** `curl -T` of every file, CONCURRENCY at once; returns milliseconds. */
async function curl(
  files: string[],
  url: (i: number) => string,
  headers: (i: number) => string[],
) {
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const i = next++;
      if (i >= files.length) return;
      const out = await new Deno.Command("curl", {
        args: [
          "-sS",
          "-f",
          "-o",
          "/dev/null",
          ...headers(i),
          "-T",
          files[i]!,
          url(i),
        ],
      }).output();
      if (!out.success) {
        throw new Error(`curl failed: ${new TextDecoder().decode(out.stderr)}`);
      }
    }
  }));
  return performance.now() - started;
}

/** The password `rclone` wants in its config: obscured, not plain. */
async function rcloneObscure(password: string): Promise<string> {
  const out = await new Deno.Command("rclone", {
    args: ["obscure", password],
  }).output();
  if (!out.success) throw new Error("rclone obscure failed");
  return new TextDecoder().decode(out.stdout).trim();
}

/**
 * `rclone copy` of the folder `from` to `remote` (defined by `config`,
 * rclone's `RCLONE_CONFIG_<NAME>_<KEY>` variables), CONCURRENCY
 * transfers; returns milliseconds. The environment is rclone's own (no
 * `AWS_CA_BUNDLE` that would make it load a CA file for plain HTTP).
 */
async function rcloneCopy(
  from: string,
  remote: string,
  config: Record<string, string>,
  flags: string[] = [],
) {
  const started = performance.now();
  const out = await new Deno.Command("rclone", {
    args: [
      "copy",
      from,
      remote,
      "--transfers",
      String(CONCURRENCY),
      "--checkers",
      String(CONCURRENCY),
      "-q",
      ...flags,
    ],
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...config },
  }).output();
  if (!out.success) {
    throw new Error(`rclone failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return performance.now() - started;
}

async function addBackends(
  db: string,
  s3: TestServer,
  dav: TestServer,
  tag: string,
) {
  const { storageAdd } = await import("../tasks/storage.ts");
  const { createContext } = await import("../tasks/context.ts");
  using catalog = Catalog.open(db);
  const context = createContext({ catalog });
  await storageAdd(context, {
    name: `s3-${tag}`,
    url: `s3://bench/${tag}`,
    endpoint: s3.origin,
    credentials: { s3: S3RVER_KEY, webdav: undefined },
  });
  await mkcol(dav, tag);
  await storageAdd(context, {
    name: `dav-${tag}`,
    url: `webdav://127.0.0.1:${dav.port}/${tag}`,
    credentials: {
      s3: undefined,
      webdav: { user: "bench", password: "bench" },
    },
  });
}

/** Makes a folder through the server (rclone caches its listings). */
async function mkcol(dav: TestServer, name: string) {
  const response = await fetch(`${dav.origin}/${name}/`, {
    method: "MKCOL",
    headers: { authorization: `Basic ${btoa("bench:bench")}` },
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`MKCOL ${name}: ${response.status}`);
}

/** Runs `fn` and returns its result with the CPU seconds of this process's children and of `server` meanwhile. */
async function cpu<T>(
  server: TestServer,
  fn: () => Promise<T>,
): Promise<{ value: T; client: number; server: number }> {
  const c0 = procCpuSeconds("self", true) ?? 0;
  const s0 = procCpuSeconds(server.pid) ?? 0;
  const value = await fn();
  return {
    value,
    client: (procCpuSeconds("self", true) ?? 0) - c0,
    server: (procCpuSeconds(server.pid) ?? 0) - s0,
  };
}

const mibps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

const dir = await Deno.makeTempDir({ prefix: "catalogsync-bench-replicate-" });
try {
  const s3 = await startS3rver(["bench"], join(dir, "s3"));
  const dav = await startRcloneWebdav(
    "bench",
    "bench",
    await Deno.makeTempDir({ dir }),
  );
  try {
    const davPass = await rcloneObscure("bench");
    const rows: string[][] = [];
    for (
      const [count, label] of [[100, "100 files"], [10, "10 files"]] as const
    ) {
      const size = Math.floor(totalBytes / count);
      const work = join(dir, label.replace(" ", "-"));
      await Deno.mkdir(work);
      const { db, files, checksums } = await library(work, count, size);
      const tag = `t${count}`;
      await addBackends(db, s3, dav, tag);
      // baselines first, into other folders of the same servers
      await mkcol(dav, `curl-${tag}`);
      // the same checksum header ours sends, so that the server does the
      // same work (s3rver as the tests run it checks it)
      const curlS3 = await cpu(s3, () =>
        curl(
          files,
          (i) => `${s3.origin}/bench/curl-${tag}/f${i}`,
          (i) => ["-H", `x-amz-checksum-sha256: ${checksums[i]}`],
        ));
      const curlDav = await cpu(dav, () =>
        curl(
          files,
          (i) => `${dav.origin}/curl-${tag}/f${i}`,
          () => ["-u", "bench:bench"],
        ));
      const folder = join(work, "library", "netease");
      const rcloneS3 = await cpu(
        s3,
        () =>
          rcloneCopy(folder, `bs3:bench/rclone-${tag}`, {
            RCLONE_CONFIG_BS3_TYPE: "s3",
            RCLONE_CONFIG_BS3_PROVIDER: "Other",
            RCLONE_CONFIG_BS3_ENDPOINT: s3.origin,
            RCLONE_CONFIG_BS3_ACCESS_KEY_ID: S3RVER_KEY.accessKeyId,
            RCLONE_CONFIG_BS3_SECRET_ACCESS_KEY: S3RVER_KEY.secretAccessKey,
            RCLONE_CONFIG_BS3_FORCE_PATH_STYLE: "true",
          }, ["--s3-upload-cutoff", "64M", "--s3-chunk-size", "16M"]),
      );
      await mkcol(dav, `rclone-${tag}`);
      const rcloneDav = await cpu(
        dav,
        () =>
          rcloneCopy(folder, `bdav:rclone-${tag}`, {
            RCLONE_CONFIG_BDAV_TYPE: "webdav",
            RCLONE_CONFIG_BDAV_URL: dav.origin,
            RCLONE_CONFIG_BDAV_VENDOR: "other",
            RCLONE_CONFIG_BDAV_USER: "bench",
            RCLONE_CONFIG_BDAV_PASS: davPass,
          }),
      );
      const oursS3 = await cpu(s3, () => ours(db, `s3-${tag}`));
      const oursDav = await cpu(dav, () => ours(db, `dav-${tag}`));
      for (
        const [target, run, base, copy] of [
          ["s3rver", oursS3, curlS3, rcloneS3],
          ["rclone webdav", oursDav, curlDav, rcloneDav],
        ] as const
      ) {
        if (run.value.copied !== count || run.value.status !== "ok") {
          throw new Error(
            `replicate to ${target}: ${JSON.stringify(run.value)}`,
          );
        }
        const a = mibps(run.value.bytes, run.value.ms);
        const b = mibps(run.value.bytes, base.value);
        const c = mibps(run.value.bytes, copy.value);
        const gib = run.value.bytes / 1024 ** 3;
        const perGib = (x: { client: number; server: number }) =>
          `${(x.client / gib).toFixed(1)}/${(x.server / gib).toFixed(1)}`;
        rows.push([
          `${label} of ${(size / MiB).toFixed(1)} MiB`,
          target,
          `${a.toFixed(0)} MiB/s`,
          `${b.toFixed(0)} MiB/s`,
          (a / b).toFixed(2),
          `${c.toFixed(0)} MiB/s`,
          (a / c).toFixed(2),
          `${run.value.peakRssMb.toFixed(0)} MB`,
          perGib(run),
          perGib(base),
          perGib(copy),
        ]);
      }
    }
    console.log(
      `replicate ${
        (totalBytes / MiB).toFixed(0)
      } MiB, ${CONCURRENCY} files at once (ours: catalogsync replicate; baselines: curl -T, rclone copy)`,
    );
    const header = [
      "files",
      "server",
      "ours",
      "curl -T",
      "ours/curl",
      "rclone copy",
      "ours/rclone",
      "ours peak RSS",
      "CPU s/GiB ours/server",
      "curl/server",
      "rclone/server",
    ];
    const widths = header.map((h, i) =>
      Math.max(h.length, ...rows.map((r) => r[i]!.length))
    );
    for (const row of [header, ...rows]) {
      console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
    }
    console.log(
      "targets: ours/baseline >= 0.80 (curl -T or rclone copy); peak RSS < 150 MB and flat in the file size",
    );
  } finally {
    await s3.close();
    await dav.close();
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
