/**
 * Real storage servers for the tests, on 127.0.0.1: s3rver (tests/_s3rver.ts
 * in its own process), `rclone serve webdav`, a TCP proxy that cuts
 * connections after some bytes, and an HTTP proxy in front of a WebDAV
 * server that answers 507 once a quota is used up.
 */
import { join } from "node:path";

/** The access key s3rver knows (its default account). */
export const S3RVER_KEY = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

const S3RVER_SCRIPT = new URL("./_s3rver.ts", import.meta.url).pathname;

/** A server the tests started. */
export interface TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** Its port. */
  port: number;
  /** Its process id (0 for one in this process). */
  pid: number;
  /** The folder it stores into. */
  dir: string;
  /** Stops it. */
  close(): Promise<void>;
}

async function firstLine(
  stream: ReadableStream<Uint8Array>,
  match: RegExp,
): Promise<RegExpExecArray> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server ended before it listened: ${text}`);
    text += value;
    const found = match.exec(text);
    if (found) {
      // keep draining so the child never blocks on a full pipe
      (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })().catch(() => {});
      return found;
    }
  }
}

function serverOf(
  child: Deno.ChildProcess,
  port: number,
  dir: string,
): TestServer {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
  };
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    dir,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** s3rver over `dir` (a new temporary folder by default) with `buckets`. */
export async function startS3rver(
  buckets: readonly string[],
  dir?: string,
): Promise<TestServer> {
  const folder = dir ?? await Deno.makeTempDir({ prefix: "s3rver-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      S3RVER_SCRIPT,
      "--dir",
      folder,
      ...buckets.flatMap((b) => ["--bucket", b]),
    ],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const line = await firstLine(child.stdout, /\{"port":(\d+)\}/);
  return serverOf(child, Number(line[1]), folder);
}

/** `rclone serve webdav dir` with basic auth and MD5 ETags. */
export async function startRcloneWebdav(
  user: string,
  password: string,
  dir?: string,
): Promise<TestServer> {
  const folder = dir ?? await Deno.makeTempDir({ prefix: "webdav-" });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("rclone", {
      args: [
        "serve",
        "webdav",
        folder,
        "--addr",
        "127.0.0.1:0",
        "--user",
        user,
        "--pass",
        password,
        "--etag-hash",
        "MD5",
        "--config",
        "/dev/null",
      ],
      stdout: "null",
      stderr: "piped",
      stdin: "null",
    }).spawn();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Error(
      "'rclone' is not installed: the WebDAV tests serve a drive with Debian's rclone (apt-get install rclone; .ci/run installs it)",
      { cause: error },
    );
  }
  const line = await firstLine(
    child.stderr,
    /started on \[?http:\/\/127\.0\.0\.1:(\d+)\//,
  );
  return serverOf(child, Number(line[1]), folder);
}

/** A TCP proxy that cuts connections once they sent `afterBytes` upstream, `cuts` times. */
export interface CuttingProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** Connections cut so far. */
  readonly cut: number;
  /** Stops it. */
  close(): Promise<void>;
}

/** Starts a cutting proxy in front of `127.0.0.1:targetPort`. */
export function startCuttingProxy(
  targetPort: number,
  options: { afterBytes: number; cuts: number },
): CuttingProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let cut = 0;
  const open = new Set<Deno.Conn>();
  const serve = async () => {
    for await (const client of listener) {
      open.add(client);
      handle(client).catch(() => {}).finally(() => open.delete(client));
    }
  };
  const handle = async (client: Deno.Conn) => {
    const upstream = await Deno.connect({
      hostname: "127.0.0.1",
      port: targetPort,
    });
    open.add(upstream);
    let sent = 0;
    const closeBoth = () => {
      for (const c of [client, upstream]) {
        try {
          c.close();
        } catch { /* closed */ }
        open.delete(c);
      }
    };
    const up = (async () => {
      const buffer = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await client.read(buffer);
        if (n === null) break;
        let chunk = buffer.subarray(0, n);
        if (cut < options.cuts && sent + n > options.afterBytes) {
          cut++;
          chunk = chunk.subarray(0, Math.max(0, options.afterBytes - sent));
          if (chunk.length > 0) await upstream.write(chunk);
          closeBoth();
          return;
        }
        sent += n;
        let written = 0;
        while (written < chunk.length) {
          written += await upstream.write(chunk.subarray(written));
        }
      }
    })();
    const down = (async () => {
      const buffer = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await upstream.read(buffer);
        if (n === null) break;
        let written = 0;
        while (written < n) {
          written += await client.write(buffer.subarray(written, n));
        }
      }
    })();
    await Promise.allSettled([up, down]);
    closeBoth();
  };
  const running = serve().catch(() => {});
  const close = async () => {
    try {
      listener.close();
    } catch { /* closed */ }
    for (const c of open) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await running;
  };
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    get cut() {
      return cut;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** An HTTP proxy in front of a WebDAV server that answers 507 past `quotaBytes` of PUTs. */
export function startQuotaProxy(
  target: string,
  quota: number,
): TestServer & { used(): number; setQuota(bytes: number): void } {
  let used = 0;
  let quotaBytes = quota;
  const targetUrl = new URL(target);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const url = new URL(request.url);
      const length = Number(request.headers.get("content-length") ?? 0);
      if (request.method === "PUT" && used + length > quotaBytes) {
        // read the body as a server does before it answers
        await request.arrayBuffer().catch(() => {});
        return new Response("Insufficient Storage", { status: 507 });
      }
      const headers = new Headers(request.headers);
      const destination = headers.get("destination");
      if (destination) {
        const d = new URL(destination);
        d.host = targetUrl.host;
        headers.set("destination", d.href);
      }
      headers.delete("host");
      const body = request.body
        ? new Uint8Array(await request.arrayBuffer())
        : undefined;
      const answer = await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        ...(body ? { body } : {}),
      });
      if (request.method === "PUT" && answer.ok) used += length;
      return new Response(answer.body, {
        status: answer.status,
        headers: answer.headers,
      });
    },
  );
  const port = server.addr.port;
  const close = async () => {
    // a graceful shutdown waits for idle keep-alive connections: not forever
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      server.shutdown(),
      new Promise((resolve) => (timer = setTimeout(resolve, 2000))),
    ]);
    clearTimeout(timer);
  };
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    pid: 0,
    dir: "",
    used: () => used,
    setQuota: (bytes) => (quotaBytes = bytes),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Files below `dir` (relative paths), for looking at what a server stored. */
export async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string, rel: string) => {
    for await (const entry of Deno.readDir(path)) {
      const next = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(join(path, entry.name), next);
      else out.push(next);
    }
  };
  await walk(dir, "");
  return out.sort();
}
