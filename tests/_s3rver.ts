/**
 * The tests' S3 server: s3rver (an S3 REST server over a folder), run in its
 * own process, listening on 127.0.0.1. Prints `{"port": N}` on stdout once
 * it listens.
 *
 * Usage: `deno run -A tests/_s3rver.ts --dir DIR --bucket NAME...`
 *
 * s3rver 3.7.1 leaves out parts of S3 that the backend relies on; the small
 * middleware below adds them over s3rver's own folder layout (an upload is
 * `<bucket>/._S3rver_uploads/<id>/` with `key`, and parts `N` and
 * `N.md5`), as S3 documents them:
 * - ListMultipartUploads (`GET /bucket?uploads`), ListParts
 *   (`GET /bucket/key?uploadId=`, with each part's ChecksumSHA256) and
 *   AbortMultipartUpload
 *   (`DELETE /bucket/key?uploadId=`): s3rver answers 501 or 405;
 * - `Content-MD5` and `x-amz-checksum-sha256` on PUT: s3rver ignores them;
 *   S3 refuses a body that does not match (400 BadDigest), and so does this
 *   (checking the stored bytes once s3rver has flushed them).
 * s3rver checks the access key id of a SigV4 request (403
 * InvalidAccessKeyId) but not the signature: SigV4 itself is tested
 * against AWS's vectors (tests/sigv4_test.ts).
 */
// deno-lint-ignore no-import-prefix -- a test server, pinned here and in deno.lock
import S3rver from "npm:s3rver@3.7.1";
import { createHash } from "node:crypto";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { S3RVER_KEY } from "./_storage_servers.ts";

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  status: number;
  body: unknown;
  type: string;
  set(name: string, value: string): void;
}

interface Store {
  getResourcePath(
    bucket: string,
    key: string | undefined,
    kind: string,
  ): string;
}

function xml(ctx: KoaContext, status: number, body: string) {
  ctx.status = status;
  ctx.type = "application/xml";
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

function error(ctx: KoaContext, status: number, code: string, message: string) {
  xml(
    ctx,
    status,
    `<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

async function hashOf(
  path: string,
  algorithm: string,
  encoding: "hex" | "base64",
) {
  return createHash(algorithm).update(await readFile(path)).digest(encoding);
}

function shim(store: Store) {
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    const [, bucket = "", ...rest] = ctx.path.split("/").map((s) =>
      decodeURIComponent(s)
    );
    const key = rest.join("/");
    const q = ctx.query;
    const auth = ctx.headers["authorization"] ?? "";
    const keyId = /Credential=([^/]+)\//.exec(auth)?.[1];
    const uploads = store.getResourcePath(bucket, undefined, "uploads");
    const own = ("uploads" in q && key === "" && ctx.method === "GET") ||
      ("uploadId" in q && key !== "" &&
        (ctx.method === "GET" || ctx.method === "DELETE"));
    if (own) {
      if (keyId !== S3RVER_KEY.accessKeyId) {
        return error(
          ctx,
          403,
          "InvalidAccessKeyId",
          "The AWS Access Key Id you provided does not exist in our records.",
        );
      }
      try {
        await stat(
          store.getResourcePath(bucket, undefined, "x").replace(/[^/]*$/, ""),
        );
      } catch {
        return error(
          ctx,
          404,
          "NoSuchBucket",
          "The specified bucket does not exist",
        );
      }
    }
    if (own && "uploads" in q) {
      const prefix = q.prefix ?? "";
      const ids = await readdir(uploads).catch(() => [] as string[]);
      const items: string[] = [];
      for (const id of ids.sort()) {
        const upKey = await readFile(join(uploads, id, "key"), "utf8").catch(
          () => undefined,
        );
        if (upKey === undefined || !upKey.startsWith(prefix)) continue;
        const info = await stat(join(uploads, id));
        items.push(
          `<Upload><Key>${
            escape(upKey)
          }</Key><UploadId>${id}</UploadId><Initiated>${info.mtime.toISOString()}</Initiated></Upload>`,
        );
      }
      return xml(
        ctx,
        200,
        `<ListMultipartUploadsResult><Bucket>${bucket}</Bucket><IsTruncated>false</IsTruncated>${
          items.join("")
        }</ListMultipartUploadsResult>`,
      );
    }
    if (own) {
      const dir = join(uploads, q.uploadId ?? "");
      const upKey = await readFile(join(dir, "key"), "utf8").catch(() =>
        undefined
      );
      if (upKey !== key) {
        return error(
          ctx,
          404,
          "NoSuchUpload",
          "The specified upload does not exist.",
        );
      }
      if (ctx.method === "DELETE") {
        await rm(dir, { recursive: true, force: true });
        ctx.status = 204;
        ctx.body = "";
        return;
      }
      const parts: string[] = [];
      const names = (await readdir(dir)).filter((n) => /^\d+$/.test(n));
      for (const n of names.sort((a, b) => Number(a) - Number(b))) {
        const md5 = await readFile(join(dir, `${n}.md5`), "utf8").catch(() =>
          undefined
        );
        if (md5 === undefined) continue; // a part cut mid-way: not uploaded
        const size = (await stat(join(dir, n))).size;
        const sha = await hashOf(join(dir, n), "sha256", "base64");
        parts.push(
          `<Part><PartNumber>${n}</PartNumber><ETag>"${md5}"</ETag><ChecksumSHA256>${sha}</ChecksumSHA256><Size>${size}</Size></Part>`,
        );
      }
      return xml(
        ctx,
        200,
        `<ListPartsResult><Bucket>${bucket}</Bucket><Key>${
          escape(key)
        }</Key><UploadId>${q.uploadId}</UploadId><IsTruncated>false</IsTruncated>${
          parts.join("")
        }</ListPartsResult>`,
      );
    }
    const md5 = ctx.headers["content-md5"];
    const sha = ctx.headers["x-amz-checksum-sha256"];
    if (ctx.method !== "PUT" || key === "" || (!md5 && !sha)) {
      return await next();
    }
    await next();
    if (ctx.status < 200 || ctx.status > 299) return;
    const stored = "uploadId" in q
      ? join(uploads, q.uploadId ?? "", String(Number(q.partNumber)))
      : store.getResourcePath(bucket, key, "object");
    // s3rver answers once it has read the body, maybe before its write
    // stream has flushed the file: wait for all of it
    const length = Number(ctx.headers["content-length"]);
    for (let i = 0; i < 200; i++) {
      const size = await stat(stored).then((s) => s.size, () => -1);
      if (size === length) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const badMd5 = md5 !== undefined &&
      await hashOf(stored, "md5", "base64") !== md5;
    const badSha = sha !== undefined &&
      await hashOf(stored, "sha256", "base64") !== sha;
    if (badMd5 || badSha) {
      await rm(stored, { force: true });
      await rm(`${stored}.md5`, { force: true });
      return error(
        ctx,
        400,
        "BadDigest",
        "The Content-MD5 or checksum you specified did not match what was received.",
      );
    }
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      dir: { type: "string" },
      bucket: { type: "string", multiple: true },
      port: { type: "string" },
    },
  });
  const server = new S3rver({
    port: Number(values.port ?? 0),
    address: "127.0.0.1",
    silent: true,
    directory: values.dir!,
    configureBuckets: (values.bucket ?? []).map((name) => ({ name })),
  });
  // deno-lint-ignore no-explicit-any -- s3rver is a Koa app without types
  const app = server as any;
  app.middleware.unshift(shim(app.store as Store));
  const address = await server.run();
  await Deno.stdout.write(
    new TextEncoder().encode(`${JSON.stringify({ port: address.port })}\n`),
  );
}
