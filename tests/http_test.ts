import assert from "node:assert/strict";
import { SourceError } from "../sources/errors.ts";
import {
  describeBody,
  type Fetch,
  HttpClient,
  type HttpClientOptions,
  looksLikeHtml,
  parseRetryAfter,
  type RetryInfo,
  shortUrl,
} from "../sources/http.ts";
import {
  brokenBody,
  FakeClock,
  hangingFetch,
  jsonResponse,
  recordingSleep,
  scriptedFetch,
  seededRandom,
  type Step,
} from "./_fakes.ts";

/** A URL whose query carries a key that must never reach a message. */
const URL_WITH_KEY = "https://api.example.test/v1/playlist?id=7&key=s3cret#x";
const SHORT = "https://api.example.test/v1/playlist";

/** A signal that never aborts: no real timer behind it. */
const neverSignal = () => new AbortController().signal;

/**
 * A client over scripted answers with fakes for everything outside: no
 * pacing, 3 retries, backoff base 100 ms and max 1000 ms, jitter at the
 * middle of its range (so delays are 0.75 of the ceiling).
 */
function setup(steps: Step[], options: Partial<HttpClientOptions> = {}) {
  const { fetch, calls } = scriptedFetch(steps);
  const clock = new FakeClock();
  const { sleep, delays, signals } = recordingSleep();
  const retries: RetryInfo[] = [];
  const http = new HttpClient({
    platform: "netease",
    fetch,
    sleep,
    now: clock.now,
    random: () => 0.5,
    timeoutSignal: neverSignal,
    retries: 3,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    ratePerSecond: 0,
    onRetry: (info) => retries.push(info),
    ...options,
  });
  return { http, calls, delays, signals, retries, clock };
}

function status(code: number, body = "", headers: HeadersInit = {}): Response {
  return new Response(body, { status: code, headers });
}

const times = <T>(n: number, make: () => T): T[] =>
  Array.from({ length: n }, make);

/** Awaits a promise that must reject and returns what it rejected with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the promise to reject");
}

/** Awaits a promise that must reject with a `SourceError` and returns it. */
async function sourceError(promise: Promise<unknown>): Promise<SourceError> {
  const error = await rejection(promise);
  assert.ok(
    error instanceof SourceError,
    `expected a SourceError, got ${String(error)}`,
  );
  return error;
}

Deno.test("HttpClient.json() parses a 200 in one attempt and passes the request on", async () => {
  const { http, calls, delays, retries } = setup([
    jsonResponse({ code: 200, list: [1, 2] }),
  ]);
  const body = await http.json(URL_WITH_KEY, {
    method: "POST",
    headers: { "x-test": "yes" },
    body: "a=1",
    timeoutMs: 50,
    retry: true,
  });
  assert.deepEqual(body, { code: 200, list: [1, 2] });
  assert.equal(calls.length, 1);
  const call = calls[0]!;
  assert.equal(call.url, URL_WITH_KEY);
  assert.equal(call.init?.method, "POST");
  assert.equal(new Headers(call.init?.headers).get("x-test"), "yes");
  assert.equal(call.init?.body, "a=1");
  assert.ok(call.init?.signal instanceof AbortSignal);
  // the layer's own options are not handed to fetch
  assert.ok(!("retry" in call.init!));
  assert.ok(!("timeoutMs" in call.init!));
  assert.deepEqual(delays, []);
  assert.deepEqual(retries, []);
});

Deno.test("HttpClient.json() retries a 503 then succeeds", async () => {
  const { http, calls, delays, retries } = setup([
    status(503, "busy"),
    jsonResponse({ ok: 1 }),
  ]);
  assert.deepEqual(await http.json(URL_WITH_KEY), { ok: 1 });
  assert.equal(calls.length, 2);
  assert.deepEqual(delays, [75]);
  assert.equal(retries.length, 1);
  const info = retries[0]!;
  assert.equal(info.platform, "netease");
  assert.equal(info.attempt, 1);
  assert.equal(info.retries, 3);
  assert.equal(info.delayMs, 75);
  assert.equal(info.error.kind, "http");
  assert.equal(info.error.status, 503);
});

Deno.test("HttpClient.json() retries a network error then succeeds", async () => {
  const { http, calls, delays } = setup([
    new TypeError("error sending request: connection refused"),
    new TypeError("error sending request: connection reset"),
    jsonResponse([1]),
  ]);
  assert.deepEqual(await http.json(URL_WITH_KEY), [1]);
  assert.equal(calls.length, 3);
  assert.deepEqual(delays, [75, 150]);
});

Deno.test("HttpClient.request() gives up after its retries with a network SourceError", async () => {
  const failures = times(4, () => new TypeError("connection refused"));
  const { http, calls, delays, retries } = setup(failures);
  const error = await sourceError(http.request(URL_WITH_KEY));
  assert.equal(calls.length, 4);
  assert.equal(error.name, "SourceError");
  assert.equal(error.kind, "network");
  assert.equal(error.platform, "netease");
  assert.equal(error.status, undefined);
  assert.equal(error.url, SHORT);
  assert.equal(error.retryable, true);
  assert.equal(error.cause, failures[3]);
  assert.match(error.message, /connection refused/);
  assert.deepEqual(delays, [75, 150, 300]);
  assert.deepEqual(retries.map((r) => r.attempt), [1, 2, 3]);
  assert.deepEqual(retries.map((r) => r.error.kind), [
    "network",
    "network",
    "network",
  ]);
});

Deno.test("HttpClient.json() gives up after its retries on 5xx with an http SourceError", async () => {
  const { http, calls, delays } = setup(
    times(4, () => status(502, "<html>bad gateway</html>")),
  );
  const error = await sourceError(http.json(URL_WITH_KEY));
  assert.equal(calls.length, 4);
  assert.equal(error.kind, "http");
  assert.equal(error.status, 502);
  assert.equal(error.platform, "netease");
  assert.equal(error.url, SHORT);
  assert.match(error.message, /HTTP 502/);
  assert.deepEqual(delays, [75, 150, 300]);
});

Deno.test("HttpClient.request() gives up after its retries on 429 with a rate_limited SourceError", async () => {
  const { http, calls } = setup(
    times(3, () => status(429, "slow down", { "retry-after": "0" })),
    { retries: 2, platform: "qq" },
  );
  const error = await sourceError(http.request(URL_WITH_KEY));
  assert.equal(calls.length, 3);
  assert.equal(error.kind, "rate_limited");
  assert.equal(error.status, 429);
  assert.equal(error.platform, "qq");
  assert.equal(error.url, SHORT);
  assert.equal(error.retryAfterSeconds, 0);
  assert.match(error.message, /^qq: rate limited/);
});

Deno.test("HttpClient.request() returns a 404 as it is, without retrying", async () => {
  const { http, calls, delays } = setup([status(404, "nope")]);
  const response = await http.request(URL_WITH_KEY);
  assert.equal(response.status, 404);
  assert.equal(await response.text(), "nope");
  assert.equal(calls.length, 1);
  assert.deepEqual(delays, []);
});

Deno.test("HttpClient backoff doubles from the base up to the max, with equal jitter", async (t) => {
  const ceilings = [100, 200, 400, 800, 1000, 1000];
  const run = async (random: () => number) => {
    const { http, delays, retries } = setup(
      times(7, () => status(500)),
      { retries: 6, random },
    );
    await sourceError(http.request(URL_WITH_KEY));
    assert.deepEqual(retries.map((r) => r.delayMs), delays);
    return delays;
  };

  await t.step("the lowest jitter waits half the ceiling", async () => {
    assert.deepEqual(await run(() => 0), ceilings.map((c) => c / 2));
  });

  await t.step("the highest jitter waits the whole ceiling", async () => {
    assert.deepEqual(await run(() => 0.999999), ceilings);
  });

  await t.step(
    "random jitter stays between ceiling/2 and ceiling",
    async () => {
      const random = seededRandom(42);
      const ratios = new Set<number>();
      for (let round = 0; round < 20; round++) {
        const delays = await run(random);
        delays.forEach((delay, i) => {
          const ceiling = ceilings[i]!;
          assert.ok(
            delay >= ceiling / 2 && delay <= ceiling,
            `retry ${i + 1}: ${delay} ms outside [${ceiling / 2}, ${ceiling}]`,
          );
          ratios.add(delay / ceiling);
        });
      }
      // jitter really varies
      assert.ok(ratios.size > 20, `only ${ratios.size} distinct delays`);
    },
  );
});

Deno.test("HttpClient honours Retry-After in seconds, capped at twice the max", async (t) => {
  const delaysFor = async (retryAfter: string, code = 429) => {
    const { http, delays, retries } = setup([
      status(code, "", { "retry-after": retryAfter }),
      jsonResponse({}),
    ]);
    await http.json(URL_WITH_KEY);
    assert.equal(retries[0]!.error.retryAfterSeconds, Number(retryAfter));
    return delays;
  };
  await t.step("a longer ask raises the delay", async () => {
    assert.deepEqual(await delaysFor("1.5"), [1500]);
  });
  await t.step("a 503 may ask too", async () => {
    assert.deepEqual(await delaysFor("1", 503), [1000]);
  });
  await t.step("a shorter ask keeps the backoff", async () => {
    assert.deepEqual(await delaysFor("0"), [75]);
  });
  await t.step("an ask above twice the max is capped", async () => {
    assert.deepEqual(await delaysFor("60"), [2000]);
  });
});

Deno.test("HttpClient honours Retry-After as an HTTP date against its clock", async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const inOneSecond = new Date(clock.time + 1000).toUTCString();
  const inThePast = new Date(clock.time - 60_000).toUTCString();
  const { http, delays, retries } = setup([
    status(429, "", { "retry-after": inOneSecond }),
    status(429, "", { "retry-after": inThePast }),
    jsonResponse({ done: true }),
  ], { now: clock.now });
  assert.deepEqual(await http.json(URL_WITH_KEY), { done: true });
  assert.deepEqual(retries.map((r) => r.error.retryAfterSeconds), [1, 0]);
  assert.deepEqual(delays, [1000, 150]);
});

Deno.test("parseRetryAfter() reads seconds and HTTP dates", () => {
  const now = Date.UTC(2026, 0, 15, 12, 0, 0);
  assert.equal(parseRetryAfter("120", now), 120);
  assert.equal(parseRetryAfter(" 3 ", now), 3);
  assert.equal(parseRetryAfter("0", now), 0);
  assert.equal(parseRetryAfter("-5", now), 0);
  assert.equal(parseRetryAfter("Thu, 15 Jan 2026 12:00:30 GMT", now), 30);
  assert.equal(parseRetryAfter("Thu, 15 Jan 2026 11:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.equal(parseRetryAfter("", now), undefined);
  assert.equal(parseRetryAfter("   ", now), undefined);
  assert.equal(parseRetryAfter("soon", now), undefined);
});

Deno.test("HttpClient with retry: false makes one attempt only", async (t) => {
  await t.step("on a 503", async () => {
    const { http, calls, delays, retries } = setup([
      status(503),
      jsonResponse({}),
    ]);
    const error = await sourceError(
      http.json(URL_WITH_KEY, { retry: false }),
    );
    assert.equal(error.kind, "http");
    assert.equal(calls.length, 1);
    assert.deepEqual(delays, []);
    assert.deepEqual(retries, []);
  });
  await t.step("on a network error", async () => {
    const { http, calls } = setup([new TypeError("reset"), jsonResponse({})]);
    const error = await sourceError(
      http.request(URL_WITH_KEY, { retry: false }),
    );
    assert.equal(error.kind, "network");
    assert.equal(calls.length, 1);
  });
});

Deno.test("HttpClient turns an expired timeout signal into a timeout SourceError", async () => {
  const asked: number[] = [];
  const { http, calls, delays } = setup(
    times(3, () => hangingFetch),
    {
      retries: 2,
      timeoutMs: 1234,
      timeoutSignal: (ms) => {
        asked.push(ms);
        return AbortSignal.abort(new DOMException("timed out", "TimeoutError"));
      },
    },
  );
  const error = await sourceError(http.request(URL_WITH_KEY));
  assert.equal(error.kind, "timeout");
  assert.equal(error.platform, "netease");
  assert.equal(error.url, SHORT);
  assert.match(error.message, /within 1234 ms/);
  assert.equal(calls.length, 3, "a timeout is retried");
  assert.deepEqual(asked, [1234, 1234, 1234]);
  assert.deepEqual(delays, [75, 150]);
});

Deno.test("HttpClient times out when its timeout signal aborts mid-request", async () => {
  const timeouts: AbortController[] = [];
  const { http, calls } = setup([
    (url, init) => {
      const pending = hangingFetch(url, init);
      // the attempt's timer fires while fetch waits for headers
      timeouts.at(-1)!.abort(new DOMException("timed out", "TimeoutError"));
      return pending;
    },
  ], {
    timeoutSignal: () => {
      const controller = new AbortController();
      timeouts.push(controller);
      return controller.signal;
    },
  });
  const error = await sourceError(
    http.json(URL_WITH_KEY, { retry: false, timeoutMs: 50 }),
  );
  assert.equal(error.kind, "timeout");
  assert.match(error.message, /within 50 ms/);
  assert.ok(error.cause instanceof DOMException);
  assert.equal(calls.length, 1);
  assert.equal(timeouts.length, 1);
});

Deno.test("HttpClient rethrows a caller's abort reason and does not retry it", async (t) => {
  await t.step("a signal aborted before the call", async () => {
    const reason = new Error("user pressed Ctrl-C");
    const { http, calls, delays } = setup(times(4, () => hangingFetch));
    const error = await rejection(
      http.json(URL_WITH_KEY, { signal: AbortSignal.abort(reason) }),
    );
    assert.equal(error, reason);
    assert.ok(calls.length <= 1);
    assert.deepEqual(delays, []);
  });

  await t.step("a signal aborted while fetch waits", async () => {
    const reason = new Error("stop");
    const caller = new AbortController();
    const { http, calls, delays } = setup([
      (url, init) => {
        const pending = hangingFetch(url, init);
        caller.abort(reason);
        return pending;
      },
      jsonResponse({}),
    ]);
    const error = await rejection(
      http.json(URL_WITH_KEY, { signal: caller.signal }),
    );
    assert.equal(error, reason);
    assert.equal(calls.length, 1);
    assert.deepEqual(delays, []);
  });

  await t.step("the caller wins over a timeout that fired too", async () => {
    const reason = new Error("stop");
    const caller = new AbortController();
    caller.abort(reason);
    const { http } = setup([hangingFetch], {
      timeoutSignal: () =>
        AbortSignal.abort(new DOMException("t", "TimeoutError")),
    });
    assert.equal(
      await rejection(http.request(URL_WITH_KEY, { signal: caller.signal })),
      reason,
    );
  });

  await t.step("a signal aborted while the body is read", async () => {
    const reason = new Error("stop");
    const caller = new AbortController();
    const { http, calls, retries } = setup([
      (_url, init) => {
        // a body that breaks off when the request's signal aborts, as fetch's does
        const signal = init!.signal!;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"a":'));
            signal.addEventListener(
              "abort",
              () => controller.error(signal.reason),
            );
          },
        });
        queueMicrotask(() => caller.abort(reason));
        return Promise.resolve(new Response(body, { status: 200 }));
      },
      jsonResponse({}),
    ]);
    const error = await rejection(
      http.json(URL_WITH_KEY, { signal: caller.signal }),
    );
    assert.equal(error, reason);
    assert.equal(calls.length, 1);
    assert.deepEqual(retries, [], "no retry is announced");
  });

  await t.step(
    "a signal aborted during the backoff stops retrying",
    async () => {
      const reason = new Error("stop");
      const caller = new AbortController();
      const delays: number[] = [];
      const { http, calls } = setup([status(503), jsonResponse({})], {
        // a sleep that honours its signal, as realSleep does
        sleep: (ms, signal) => {
          delays.push(ms);
          assert.equal(
            signal,
            caller.signal,
            "the sleep gets the caller's signal",
          );
          caller.abort(reason);
          return Promise.reject(signal!.reason);
        },
      });
      const error = await rejection(
        http.json(URL_WITH_KEY, { signal: caller.signal }),
      );
      assert.equal(error, reason);
      assert.equal(calls.length, 1);
      assert.deepEqual(delays, [75]);
    },
  );

  await t.step("a signal aborted as an error comes in", async () => {
    const reason = new Error("stop");
    const caller = new AbortController();
    const { http, calls, delays, retries } = setup([
      () => {
        caller.abort(reason);
        return Promise.resolve(status(503));
      },
      jsonResponse({}),
    ]);
    const error = await rejection(
      http.json(URL_WITH_KEY, { signal: caller.signal }),
    );
    assert.equal(error, reason);
    assert.equal(calls.length, 1);
    assert.deepEqual(delays, []);
    assert.deepEqual(retries, []);
  });
});

Deno.test("HttpClient paces requests at ratePerSecond", async (t) => {
  await t.step(
    "at 2 per second on a frozen clock, later requests wait their turn",
    async () => {
      const clock = new FakeClock();
      const { http, delays } = setup(times(3, () => jsonResponse({})), {
        ratePerSecond: 2,
        now: clock.now,
      });
      await Promise.all(times(3, () => http.json(URL_WITH_KEY)));
      // one start every 500 ms: the first at once, then 500 and 1000 ms later
      assert.deepEqual(delays, [500, 1000]);
    },
  );

  await t.step("with a clock that moves as the client sleeps", async () => {
    const clock = new FakeClock();
    const { sleep, delays } = recordingSleep(clock);
    const { http } = setup(times(4, () => jsonResponse({})), {
      ratePerSecond: 2,
      now: clock.now,
      sleep,
    });
    const start = clock.time;
    await http.json(URL_WITH_KEY);
    await http.json(URL_WITH_KEY);
    await http.json(URL_WITH_KEY);
    assert.deepEqual(delays, [500, 500]);
    assert.equal(clock.time - start, 1000);
    // after a quiet while, the next request goes at once
    clock.time += 10_000;
    await http.json(URL_WITH_KEY);
    assert.deepEqual(delays, [500, 500]);
  });

  await t.step("retries are paced as well as backed off", async () => {
    const clock = new FakeClock();
    const { http, delays } = setup([status(503), jsonResponse({})], {
      ratePerSecond: 1,
      now: clock.now,
    });
    await http.json(URL_WITH_KEY);
    // backoff 75 ms, then the pace: the second start is 1000 ms after the first
    assert.deepEqual(delays, [75, 1000]);
  });

  await t.step("ratePerSecond: 0 never sleeps", async () => {
    const { http, delays } = setup(times(10, () => jsonResponse({})), {
      ratePerSecond: 0,
    });
    await Promise.all(times(10, () => http.json(URL_WITH_KEY)));
    assert.deepEqual(delays, []);
  });
});

Deno.test("HttpClient.json() retries an HTML page, then throws an html SourceError", async (t) => {
  const page =
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>x</body></html>";
  await t.step("declared text/html", async () => {
    const { http, calls, delays } = setup(
      times(
        4,
        () => status(200, "<p>captcha</p>", { "content-type": "text/html" }),
      ),
    );
    const error = await sourceError(http.json(URL_WITH_KEY));
    assert.equal(error.kind, "html");
    assert.equal(error.status, 200);
    assert.equal(error.url, SHORT);
    assert.equal(calls.length, 4);
    assert.deepEqual(delays, [75, 150, 300]);
  });
  await t.step("a <!DOCTYPE page served as JSON", async () => {
    const { http } = setup([
      status(200, page, { "content-type": "application/json" }),
    ], { retries: 0 });
    const error = await sourceError(http.json(URL_WITH_KEY));
    assert.equal(error.kind, "html");
    assert.match(error.message, /"502 Bad Gateway"/);
    assert.ok(!error.message.includes("\n"));
  });
  await t.step(
    "an <html page with leading blanks, served as text",
    async () => {
      const { http } = setup([
        status(200, "\n  <HTML><body>blocked</body></HTML>", {
          "content-type": "text/plain",
        }),
      ], { retries: 0 });
      assert.equal((await sourceError(http.text(URL_WITH_KEY))).kind, "html");
    },
  );
  await t.step("an HTML page then the answer", async () => {
    const { http, calls } = setup([
      status(200, page, { "content-type": "text/html" }),
      jsonResponse({ ok: true }),
    ]);
    assert.deepEqual(await http.json(URL_WITH_KEY), { ok: true });
    assert.equal(calls.length, 2);
  });
});

Deno.test("HttpClient.json() reports a non-JSON 200 as malformed with a short quote", async (t) => {
  await t.step("a short body is quoted", async () => {
    const { http } = setup([status(200, '{"code": 200, "data": ')], {
      retries: 0,
    });
    const error = await sourceError(http.json(URL_WITH_KEY));
    assert.equal(error.kind, "malformed");
    assert.equal(error.status, 200);
    assert.equal(error.url, SHORT);
    assert.ok(error.cause instanceof SyntaxError);
    assert.equal(
      error.message,
      `netease: expected JSON from ${SHORT}, got "{"code": 200, "data":"`,
    );
  });
  await t.step("a long multi-line body is one short line", async () => {
    const body = Array.from({ length: 200 }, (_, i) => `line ${i} of junk`)
      .join("\n");
    const { http } = setup([status(200, body)], { retries: 0 });
    const error = await sourceError(http.json(URL_WITH_KEY));
    assert.equal(error.kind, "malformed");
    assert.ok(!error.message.includes("\n"), error.message);
    assert.match(error.message, /"line 0 of junk line 1 of junk .*…"$/);
    assert.ok(error.message.length < 160, `${error.message.length} chars`);
  });
  await t.step("malformed bodies are retried", async () => {
    const { http, calls } = setup([status(200, "oops"), jsonResponse(7)]);
    assert.equal(await http.json(URL_WITH_KEY), 7);
    assert.equal(calls.length, 2);
  });
  await t.step("an empty body", async () => {
    const { http } = setup([status(200, "")], { retries: 0 });
    assert.match(
      (await sourceError(http.json(URL_WITH_KEY))).message,
      /got an empty body$/,
    );
  });
});

Deno.test("HttpClient.json() throws a 404 as a non-retryable http SourceError", async () => {
  const { http, calls, delays } = setup([
    status(404, '{"msg":"not found"}'),
    jsonResponse({}),
  ]);
  const error = await sourceError(http.json(URL_WITH_KEY));
  assert.equal(error.kind, "http");
  assert.equal(error.status, 404);
  assert.equal(error.retryable, false);
  assert.equal(calls.length, 1);
  assert.deepEqual(delays, []);
});

Deno.test("HttpClient.json() retries a check's retryable SourceError with backoff", async () => {
  const seen: Array<{ body: unknown; status: number }> = [];
  const { http, calls, delays, retries } = setup([
    jsonResponse({ code: -460 }),
    jsonResponse({ code: -460 }),
    jsonResponse({ code: 200, data: "x" }),
  ]);
  const body = await http.json<{ code: number }>(
    URL_WITH_KEY,
    {},
    (body, response) => {
      seen.push({ body, status: response.status });
      if (body.code === -460) {
        throw new SourceError("netease: cheating", {
          platform: "netease",
          kind: "rate_limited",
          code: -460,
          retryAfterSeconds: 0.2,
        });
      }
    },
  );
  assert.deepEqual(body, { code: 200, data: "x" });
  assert.equal(calls.length, 3);
  assert.equal(seen.length, 3);
  assert.equal(seen[0]!.status, 200);
  // the asked 200 ms wins over the first 75 ms backoff, not the second 150 ms
  assert.deepEqual(delays, [200, 200]);
  assert.deepEqual(retries.map((r) => r.error.code), [-460, -460]);
});

Deno.test("HttpClient.json() throws a check's non-retryable SourceError at once", async () => {
  const { http, calls, delays } = setup([
    jsonResponse({ code: 405 }),
    jsonResponse({ code: 200 }),
  ]);
  const refusal = new SourceError("netease: risk control", {
    platform: "netease",
    kind: "antibot",
  });
  const error = await rejection(
    http.json(URL_WITH_KEY, {}, () => {
      throw refusal;
    }),
  );
  assert.equal(error, refusal);
  assert.equal(calls.length, 1);
  assert.deepEqual(delays, []);
});

Deno.test("HttpClient.json() rethrows a check's plain error at once", async () => {
  const { http, calls } = setup([jsonResponse({}), jsonResponse({})]);
  const bug = new TypeError("cannot read x of undefined");
  assert.equal(
    await rejection(http.json(URL_WITH_KEY, {}, () => {
      throw bug;
    })),
    bug,
  );
  assert.equal(calls.length, 1);
});

Deno.test("HttpClient.json() turns a body that breaks off into a network SourceError", async (t) => {
  const broken = () =>
    new Response(brokenBody(new TextEncoder().encode('{"list": [1, 2')), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  await t.step("thrown after the retries", async () => {
    const { http, calls } = setup([broken(), broken()], { retries: 1 });
    const error = await sourceError(http.json(URL_WITH_KEY));
    assert.equal(error.kind, "network");
    assert.equal(error.status, 200);
    assert.equal(error.url, SHORT);
    assert.match(error.message, /broke off: connection reset by peer/);
    assert.equal(calls.length, 2);
  });
  await t.step("retried then succeeds", async () => {
    const { http } = setup([broken(), jsonResponse({ list: [1, 2] })]);
    assert.deepEqual(await http.json(URL_WITH_KEY), { list: [1, 2] });
  });
});

Deno.test("HttpClient.text() returns the body of a 200", async () => {
  const { http } = setup([
    status(200, 'jsonp_cb({"a":1})', { "content-type": "text/javascript" }),
  ]);
  assert.equal(await http.text(URL_WITH_KEY), 'jsonp_cb({"a":1})');
});

Deno.test("HttpClient.parseJson() quotes the body and keeps the status", () => {
  const http = new HttpClient({
    platform: "kuwo",
    fetch: () => Promise.reject(new Error("no fetch in this test")),
  });
  assert.deepEqual(http.parseJson(URL_WITH_KEY, '{"a":[1]}'), { a: [1] });
  assert.throws(
    () => http.parseJson(URL_WITH_KEY, "nope", 201),
    (e: unknown) =>
      e instanceof SourceError && e.kind === "malformed" &&
      e.platform === "kuwo" && e.status === 201 &&
      /got "nope"$/.test(e.message),
  );
});

Deno.test("shortUrl() drops the query and fragment", () => {
  assert.equal(shortUrl(URL_WITH_KEY), SHORT);
  assert.equal(
    shortUrl("http://127.0.0.1:8080/u.y.qq.com/cgi-bin/musicu.fcg?sign=abc"),
    "http://127.0.0.1:8080/u.y.qq.com/cgi-bin/musicu.fcg",
  );
  assert.equal(shortUrl("https://a.test"), "https://a.test/");
  assert.equal(shortUrl("not a url?key=s3cret"), "not a url");
});

Deno.test("HttpClient messages never carry the query string", async () => {
  const scenarios: Array<[Step[], Partial<HttpClientOptions>]> = [
    [[new TypeError("refused")], {}],
    [[hangingFetch], { timeoutSignal: () => AbortSignal.abort() }],
    [[status(503)], {}],
    [[status(429)], {}],
    [[status(404)], {}],
    [[status(200, "<html><title>captcha</title></html>")], {}],
    [[status(200, "not json")], {}],
    [[
      new Response(brokenBody(new Uint8Array([123])), { status: 200 }),
    ], {}],
  ];
  const kinds: string[] = [];
  for (const [steps, options] of scenarios) {
    const { http } = setup(steps, { retries: 0, ...options });
    const error = await sourceError(http.json(URL_WITH_KEY));
    kinds.push(error.kind);
    assert.ok(error.message.includes(SHORT), error.message);
    assert.ok(!error.message.includes("s3cret"), error.message);
    assert.ok(!error.message.includes("?"), error.message);
    assert.ok(!error.message.includes("#x"), error.message);
  }
  assert.deepEqual(kinds, [
    "network",
    "timeout",
    "http",
    "rate_limited",
    "http",
    "html",
    "malformed",
    "network",
  ]);
});

Deno.test({
  name: "SourceError.url from HttpClient carries no query string",
  // keys and signatures live in queries: SourceError keeps the URL without one
  fn: async () => {
    const { http } = setup([status(404)]);
    const error = await sourceError(http.json(URL_WITH_KEY));
    assert.equal(error.url, SHORT);
  },
});

Deno.test("looksLikeHtml() and describeBody() spot pages and quote bodies briefly", () => {
  assert.ok(looksLikeHtml("<!doctype html><p>"));
  assert.ok(looksLikeHtml("  \n<HTML lang=zh>"));
  assert.ok(looksLikeHtml("<head><title>x</title>"));
  assert.ok(looksLikeHtml("<body>"));
  assert.ok(!looksLikeHtml('{"html": "<html>"}'));
  assert.ok(!looksLikeHtml("<?xml version='1.0'?>"));
  assert.equal(describeBody("   "), "an empty body");
  assert.equal(
    describeBody("<html><title> 403 Forbidden </title></html>"),
    '"403 Forbidden"',
  );
  assert.equal(describeBody("a\n\tb"), '"a b"');
  assert.equal(describeBody("x".repeat(61)), `"${"x".repeat(60)}…"`);
});

Deno.test("HttpClient.json() reports a body that stalls past the timeout as a timeout", async () => {
  const timeout = new AbortController();
  // the headers arrive; the body never ends until the timeout aborts the request
  const stalled: Fetch = (_input, init) =>
    Promise.resolve(
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"list": ['));
            init?.signal?.addEventListener("abort", () =>
              controller.error(init.signal!.reason));
            queueMicrotask(() =>
              timeout.abort(new DOMException("timed out", "TimeoutError"))
            );
          },
        }),
        { status: 200, headers: { "content-type": "application/json" } },
      ),
    );
  const http = new HttpClient({
    platform: "qq",
    fetch: stalled,
    sleep: () => Promise.resolve(),
    timeoutSignal: () => timeout.signal,
    timeoutMs: 1234,
    retries: 0,
    ratePerSecond: 0,
  });
  const error = await sourceError(http.json(URL_WITH_KEY));
  assert.equal(error.kind, "timeout");
  assert.equal(error.status, 200);
  assert.match(error.message, /did not arrive within 1234 ms/);
  assert.equal(error.url, SHORT);
});
