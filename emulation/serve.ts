/**
 * Serves an emulation on 127.0.0.1 with `Deno.serve`.
 *
 * @module
 */
import { type Emulation, RESET_MARKER } from "./emulation.ts";

/** Options of `serveEmulation()`. */
export interface ServeEmulationOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Only loopback is allowed. @default "127.0.0.1" */
  hostname?: "127.0.0.1";
  /** Stops the server when aborted. */
  signal?: AbortSignal;
}

/** A running emulation server. */
export interface EmulationServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

/** Starts serving an emulation on 127.0.0.1. */
export function serveEmulation(
  emulation: Emulation,
  options: ServeEmulationOptions = {},
): EmulationServer {
  const hostname = options.hostname ?? "127.0.0.1";
  if (hostname !== "127.0.0.1") {
    throw new RangeError(
      `Cannot serve the emulation on '${hostname}': only 127.0.0.1 is allowed`,
    );
  }
  const server = Deno.serve({
    hostname,
    port: options.port ?? 0,
    ...(options.signal ? { signal: options.signal } : {}),
    onListen: () => {},
    onError: (error) =>
      new Response(`emulation error: ${String(error)}`, { status: 500 }),
  }, async (request) => {
    const response = await emulation.handler(request);
    if (!response.headers.has(RESET_MARKER)) return response;
    return cutOff(response);
  });
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    finished: server.finished,
    shutdown: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/**
 * The answer of a reset over a socket: its own status and headers (its
 * real `Content-Length` included), then the connection is cut before the
 * first byte of the body, as a CDN node that drops a connection does. The
 * client sees a connection error while reading the body. (`Deno.serve`
 * sends the headers before any body, so a cut before the headers cannot be
 * served; the in-process `fetch` stands for that one.)
 */
function cutOff(response: Response): Response {
  const headers = new Headers(response.headers);
  headers.delete(RESET_MARKER);
  response.body?.cancel().catch(() => {});
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("connection reset by the emulation"));
      },
    }),
    { status: response.status, statusText: response.statusText, headers },
  );
}
