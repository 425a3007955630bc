/**
 * Fuzzing the local broker's HTTP API (`/v2/...`), in-process through its Hono app and over real
 * HTTP (`startBrokerServer`): hostile paths, methods, `Upstash-*` headers and bodies (batches of
 * wrong types, deep nesting, huge bodies). Every answer is below 500 and a refusal says why; the
 * broker's `onError` (an internal failure) is never called. The clock is injected, so nothing is
 * delivered to the generated destinations.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalBroker } from "../../src/broker/local/index.ts";
import { startBrokerServer, type BrokerServer } from "../../src/adapters/node.ts";
import { deepJsonText, expectAnswered, headerValue, hostileBody, hostileString, hostileValue, HTTP_RUNS, NUM_RUNS } from "./hostile.ts";

const NOW = Date.UTC(2030, 0, 1);
const internalErrors: unknown[] = [];
const broker = createLocalBroker({ now: () => NOW, deliver: async () => new Response("ok"), onError: (e) => internalErrors.push(e) });

const HEADERS = [
  "Upstash-Delay", "Upstash-Not-Before", "Upstash-Retries", "Upstash-Retry-Delay", "Upstash-Timeout", "Upstash-Method", "Upstash-Callback", "Upstash-Failure-Callback",
  "Upstash-Deduplication-Id", "Upstash-Content-Based-Deduplication", "Upstash-Flow-Control-Key", "Upstash-Flow-Control-Value", "Upstash-Forward-X-Thing", "Upstash-Cron",
  "Upstash-Schedule-Id", "Upstash-Queue-Name", "Upstash-Label", "Content-Type", "Upstash-Callback-Retries", "Upstash-Failure-Callback-Forward-X", "Upstash-Callback-Delay",
];
const value = fc.oneof(headerValue, fc.constantFrom("parallelism=0", "rate=-1, period=0s", "parallelism=2, rate=10, period=1m", "* * * * *", "61 * * * *", "CRON_TZ=Nowhere/Else * * * *", "@daily", "pow(2, retried) * 1000", "0.5s"));
const printable = (s: string) => s.replace(/[^\x21-\x7e]/g, "x");
const destination = fc.oneof(fc.constant("http://dest.test/x"), fc.webUrl(), hostileString.map((s) => encodeURIComponent(s.slice(0, 200).replace(/[\ud800-\udfff]/g, "x"))), fc.string({ maxLength: 60 }).map(printable), fc.constantFrom("", "ftp://x", "http://[::1", "https://", "urlgroup-1", "http://a/?q=1#f"));
const path = fc.oneof(
  { weight: 4, arbitrary: destination.map((d) => `/v2/publish/${d}`) },
  { weight: 2, arbitrary: fc.tuple(fc.oneof(fc.constantFrom("q1", "q.2"), fc.string({ maxLength: 20 }).map(printable)), destination).map(([q, d]) => `/v2/enqueue/${q}/${d}`) },
  { weight: 2, arbitrary: destination.map((d) => `/v2/schedules/${d}`) },
  { weight: 2, arbitrary: fc.constantFrom("/v2/batch", "/v2/queues", "/v2/queues/q1", "/v2/messages/msg_x", "/v2/messages", "/v2/dlq", "/v2/dlq/x", "/v2/topics/t/endpoints", "/v2/topics", "/v2/events", "/v2/logs", "/v2/flowControl/", "/v2/flowControl/k", "/v2/globalParallelism", "/v2/schedules", "/v2/keys", "/v2/keys/rotate", "/v2/nope") },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("/v2/messages/", "/v2/dlq/", "/v2/schedules/", "/v2/queues/", "/v2/topics/", "/v2/flowControl/"), fc.string({ maxLength: 40 }).map(printable)).map(([p, s]) => p + s) },
);
const batchItem = fc.record({ destination: fc.oneof(destination, hostileValue), body: fc.oneof(fc.string(), hostileValue), headers: fc.oneof(fc.dictionary(fc.constantFrom(...HEADERS), value, { maxKeys: 4 }), hostileValue), queue: fc.oneof(fc.constantFrom("q1", ""), hostileValue) }, { requiredKeys: [] });
const body = fc.oneof(
  { weight: 3, arbitrary: hostileBody },
  { weight: 2, arbitrary: fc.array(fc.oneof(batchItem, hostileValue), { maxLength: 5 }).map((items) => JSON.stringify(items)) },
  { weight: 1, arbitrary: fc.record({ queueName: hostileValue, parallelism: hostileValue, paused: hostileValue, endpoints: hostileValue }, { requiredKeys: [] }).map((o) => JSON.stringify(o)) },
);
const brokerCase = fc.record({
  method: fc.constantFrom("POST", "POST", "POST", "GET", "PUT", "PATCH", "DELETE"),
  path,
  query: fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.dictionary(fc.constantFrom("cursor", "count", "state", "url", "label", "messageId", "fromDate", "toDate", "queueName", "topicName"), value, { maxKeys: 3 }).map((q) => `?${new URLSearchParams(q)}`) }),
  headers: fc.dictionary(fc.constantFrom(...HEADERS), value, { maxKeys: 5 }),
  body,
  auth: fc.oneof({ weight: 8, arbitrary: fc.constant("token") }, { weight: 1, arbitrary: fc.constant("none") }, { weight: 1, arbitrary: headerValue }),
});
type BrokerCase = typeof brokerCase extends fc.Arbitrary<infer T> ? T : never;

async function call(request: (path: string, init: RequestInit) => Promise<Response> | Response, token: string, c: BrokerCase): Promise<void> {
  const headers: Record<string, string> = { ...c.headers };
  if (c.auth === "token") headers.authorization = `Bearer ${token}`;
  else if (c.auth !== "none") headers.authorization = c.auth;
  const init: RequestInit = { method: c.method, headers, ...(c.method === "GET" ? {} : { body: c.body }) };
  const res = await request(c.path + c.query, init);
  await expectAnswered(res, `${c.method} ${c.path}${c.query} ${JSON.stringify(c.headers).slice(0, 200)} ${c.body.slice(0, 200)}`);
}

describe("the local broker's HTTP API under fuzzing", { timeout: 300_000 }, () => {
  it(`answers every hostile request below 500 with a message, without an internal error (${NUM_RUNS} cases, in-process)`, async () => {
    await fc.assert(fc.asyncProperty(brokerCase, (c) => call((p, init) => broker.fetch(new Request(`http://broker.test${p}`, init)), broker.token, c)), { numRuns: NUM_RUNS });
    expect(internalErrors).toEqual([]);
  });

  describe("over real HTTP", () => {
    let server: BrokerServer;
    const errors: unknown[] = [];
    beforeAll(async () => {
      server = await startBrokerServer({ port: 0, now: () => NOW, onError: (e) => errors.push(e) });
    });
    afterAll(() => server.close());

    it(`answers the same way through a socket (${HTTP_RUNS} cases)`, async () => {
      await fc.assert(fc.asyncProperty(brokerCase, (c) => call((p, init) => fetch(`${server.url}${p}`, init), server.broker.token, c)), { numRuns: HTTP_RUNS });
      expect(errors).toEqual([]);
    });

    it("refuses a body over the limit with 413 and a clear message, and still answers afterwards (regression: 50 MB was held and published)", async () => {
      const auth = { authorization: `Bearer ${server.broker.token}` };
      const big = "x".repeat(1024 * 1024 + 1);
      for (const p of ["/v2/publish/http://dest.test/x", "/v2/enqueue/q1/http://dest.test/x"]) {
        const res = await fetch(`${server.url}${p}`, { method: "POST", headers: auth, body: big });
        expect(res.status).toBe(413);
        expect(await res.json()).toEqual({
          error: `the message body is larger than the broker's 1048576-byte limit: send large data by reference (a URL or a storage key), or start the broker with a larger limit ("celeriac broker --max-body-bytes 5mb", or maxBodyBytes).`,
        });
      }
      // Streamed without a Content-Length (chunked): the limit counts the bytes as they arrive.
      const chunks = [big.slice(0, 600_000), big.slice(600_000)];
      const stream = new ReadableStream<Uint8Array>({ pull: (c) => void (chunks.length ? c.enqueue(new TextEncoder().encode(chunks.shift()!)) : c.close()) });
      const streamed = await fetch(`${server.url}/v2/publish/http://dest.test/x`, { method: "POST", headers: auth, body: stream, duplex: "half" } as RequestInit);
      expect(streamed.status).toBe(413);
      const batch = await fetch(`${server.url}/v2/batch`, { method: "POST", headers: auth, body: JSON.stringify([{ destination: "http://dest.test/x", body: big }, { destination: "http://dest.test/x", body: "small" }]) });
      const items = (await batch.json()) as { error?: string; messageId?: string }[];
      expect(items[0].error).toBe(
        `the message body of ${big.length} bytes is larger than the broker's 1048576-byte limit: send large data by reference (a URL or a storage key), or start the broker with a larger limit ("celeriac broker --max-body-bytes 5mb", or maxBodyBytes).`,
      );
      expect(items[1].messageId).toMatch(/^msg_/);
      const ok = await fetch(`${server.url}/v2/publish/http://dest.test/x`, { method: "POST", headers: auth, body: "fine" });
      expect(ok.status).toBe(201);
    });

    it("a batch nested 100,000 deep is refused with a message, not a crash", async () => {
      const res = await fetch(`${server.url}/v2/batch`, { method: "POST", headers: { authorization: `Bearer ${server.broker.token}` }, body: deepJsonText(100_000, "array") });
      await expectAnswered(res, "deep batch");
    });
  });
});
