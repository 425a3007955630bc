/**
 * QStashFetchBroker with `batch` on, against the real local broker over real HTTP: publishes made
 * in one turn share `POST /v2/batch` requests, yet each caller gets its own answer or error, and
 * every message arrives as a single publish would have sent it.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { PublishRequest } from "../../src/broker/broker.ts";
import { QStashFetchBroker } from "../../src/broker/qstash-fetch.ts";
import { BrokerError } from "../../src/errors.ts";
import { useBrokerAndReceiver, waitFor, type TestBroker, type TestReceiver } from "./local/helpers.ts";

let b: TestBroker;
let r: TestReceiver;
useBrokerAndReceiver(Date.UTC(2030, 7, 1), (x) => ({ b, r } = x), { clearBroker: true });

/** Every request the broker under test sent: method and path. */
let sent: string[] = [];
const counting: typeof fetch = (input, init) => {
  sent.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
  return fetch(input, init);
};
const batches = () => sent.filter((s) => s === "POST /v2/batch").length;

const servers: ServerType[] = [];
/** A real HTTP front of the local broker where `override` answers some requests itself. */
async function front(override: (req: Request) => Response | undefined): Promise<string> {
  return await new Promise((resolve) => {
    const server = serve({ fetch: (req) => override(req) ?? b.broker.fetch(req), port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
    servers.push(server);
  });
}

afterEach(async () => {
  sent = [];
  for (const s of servers.splice(0)) {
    (s as unknown as { closeAllConnections(): void }).closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const batching = (baseUrl = b.url, maxMessages?: number) =>
  new QStashFetchBroker({ token: b.broker.token, baseUrl, fetch: counting, batch: maxMessages ? { maxMessages } : true });

const task = (i: number): PublishRequest => ({ url: `${r.url}/tasks/t${i}`, body: JSON.stringify({ i }) });

describe("QStashFetchBroker batching → local broker over HTTP", () => {
  it("sends 200 concurrent publishes as two batch requests and delivers every body to its URL", async () => {
    const broker = batching();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => broker.publish(task(i))));
    expect(sent).toEqual(["POST /v2/batch", "POST /v2/batch"]);
    expect(new Set(results.map((x) => x.messageId)).size).toBe(200);
    expect(results.every((x) => x.messageId.startsWith("msg_") && x.deduplicated === undefined)).toBe(true);
    await b.broker.runDue();
    await waitFor(() => r.deliveries.length === 200, 10_000, "200 deliveries");
    const seen = r.deliveries.map((d) => `${new URL(d.url).pathname} ${d.body}`).sort();
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => `/tasks/t${i} {"i":${i}}`).sort());
    expect(r.deliveries.every((d) => d.verified)).toBe(true);
  });

  it("cuts a turn's publishes into batches of maxMessages, a lone remainder as a single publish", async () => {
    const broker = batching(b.url, 3);
    await Promise.all(Array.from({ length: 7 }, (_, i) => broker.publish({ ...task(i), delaySec: 60 })));
    expect(sent.filter((s) => s === "POST /v2/batch")).toHaveLength(2);
    expect(sent.filter((s) => s.startsWith("POST /v2/publish/"))).toHaveLength(1);
  });

  it("sends a publish alone in its turn as an ordinary single publish", async () => {
    const broker = batching();
    const first = await broker.publish({ ...task(1), queue: "solo" });
    const second = await broker.publish(task(2));
    expect(sent).toEqual([`POST /v2/enqueue/solo/${r.url}/tasks/t1`, `POST /v2/publish/${r.url}/tasks/t2`]);
    expect(first.messageId).not.toBe(second.messageId);
  });

  it("stores a batched message exactly as the single publish of the same request", async () => {
    const request: PublishRequest = {
      url: `${r.url}/tasks/full?x=1`,
      body: '{"v":1}',
      headers: { "Celeriac-Task": "full", "X-Trace": "abc" },
      delaySec: 30,
      retries: 2,
      timeoutSec: 20,
      label: "full",
      flowControl: { key: "full", rate: 10, periodSec: 60, parallelism: 2 },
    };
    const single = await new QStashFetchBroker({ token: b.broker.token, baseUrl: b.url }).publish(request);
    const broker = batching();
    const [inBatch, inQueue] = await Promise.all([broker.publish(request), broker.publish({ ...request, queue: "q-batch" })]);
    expect(sent).toEqual(["POST /v2/batch"]);
    const stored = async (id: string) => {
      const { messageId: _id, queueName, ...rest } = await b.client.messages.get(id);
      return { queueName, rest };
    };
    const want = await stored(single.messageId);
    expect(await stored(inBatch.messageId)).toEqual(want);
    expect(await stored(inQueue.messageId)).toEqual({ queueName: "q-batch", rest: want.rest });
  });

  it("reports the duplicate of a deduplication id inside one batch as deduplicated, with the first id", async () => {
    const broker = batching();
    const [first, other, dup] = await Promise.all([
      broker.publish({ ...task(1), deduplicationId: "same", delaySec: 60 }),
      broker.publish({ ...task(2), delaySec: 60 }),
      broker.publish({ ...task(3), deduplicationId: "same", delaySec: 60 }),
    ]);
    expect(sent).toEqual(["POST /v2/batch"]);
    expect(first.deduplicated).toBeUndefined();
    expect(other.deduplicated).toBeUndefined();
    expect(dup).toEqual({ messageId: first.messageId, deduplicated: true });
  });

  it("fails only the caller whose item the broker rejected, with the broker's reason and its URL", async () => {
    const broker = batching();
    const bad: PublishRequest = { ...task(2), flowControl: { key: "fc", rate: 0 } }; // the broker wants rate ≥ 1
    const settled = await Promise.allSettled([broker.publish(task(1)), broker.publish(bad), broker.publish(task(3))]);
    expect(sent).toEqual(["POST /v2/batch"]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const err = (settled[1] as PromiseRejectedResult).reason as BrokerError;
    expect(err).toBeInstanceOf(BrokerError);
    expect(err.message).toContain(`publish to ${bad.url} failed`);
    expect(err.message).toContain("Upstash-Flow-Control-Value");
    await b.broker.runDue();
    await waitFor(() => r.deliveries.length === 2, 5000, "two deliveries");
    expect(r.deliveries.map((d) => d.body).sort()).toEqual(['{"i":1}', '{"i":3}']);
  });

  it("fails only the publish whose headers cannot be built, before anything is sent", async () => {
    const broker = batching();
    const settled = await Promise.allSettled([broker.publish(task(1)), broker.publish({ ...task(2), flowControl: { key: "fc" } }), broker.publish(task(3))]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(BrokerError);
    expect(sent).toEqual(["POST /v2/batch"]);
  });

  it("falls back to single publishes when the broker answers 404 to /v2/batch, and stops trying it", async () => {
    const base = await front((req) => (new URL(req.url).pathname === "/v2/batch" ? new Response("404 page not found", { status: 404 }) : undefined));
    const broker = batching(base);
    const first = await Promise.all([1, 2, 3].map((i) => broker.publish(task(i))));
    expect(sent.filter((s) => s === "POST /v2/batch")).toHaveLength(1);
    expect(sent.filter((s) => s.startsWith("POST /v2/publish/"))).toHaveLength(3);
    sent = [];
    const second = await Promise.all([4, 5].map((i) => broker.publish(task(i))));
    expect(sent.filter((s) => s.startsWith("POST /v2/publish/"))).toHaveLength(2);
    expect(batches()).toBe(0);
    expect(new Set([...first, ...second].map((x) => x.messageId)).size).toBe(5);
    await b.broker.runDue();
    await waitFor(() => r.deliveries.length === 5, 5000, "five deliveries");
    expect(r.deliveries.map((d) => d.body).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `{"i":${i}}`));
  });

  it("rejects every caller of a batch the broker failed as a whole, saying it was the batch", async () => {
    const base = await front((req) => (new URL(req.url).pathname === "/v2/batch" ? new Response('{"error":"overloaded"}', { status: 503 }) : undefined));
    const broker = batching(base);
    const settled = await Promise.allSettled([1, 2].map((i) => broker.publish(task(i))));
    for (const s of settled) {
      const err = (s as PromiseRejectedResult).reason as BrokerError;
      expect(err).toBeInstanceOf(BrokerError);
      expect(err.status).toBe(503);
      expect(err.message).toMatch(/batch publish of 2 messages failed \(503\): .*overloaded/);
    }
    expect(sent).toEqual(["POST /v2/batch"]);
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(0);
  });

  it("rejects every caller when the batch request cannot reach the broker after its retries", async () => {
    const down: typeof fetch = async (input) => {
      sent.push(String(input));
      throw new TypeError("fetch failed");
    };
    const broker = new QStashFetchBroker({ token: b.broker.token, baseUrl: b.url, fetch: down, networkRetries: 1, batch: true });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => broker.publish(task(i))));
    expect(settled.map((s) => ((s as PromiseRejectedResult).reason as Error).message)).toEqual(Array(3).fill(expect.stringMatching(/batch publish of 3 messages failed: fetch failed/)));
    expect(sent).toEqual([`${b.url}/v2/batch`, `${b.url}/v2/batch`]);
  });
});
