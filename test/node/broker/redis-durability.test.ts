import { serve, type ServerType } from "@hono/node-server";
import { Client } from "@upstash/qstash";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalBroker, type LocalBroker } from "../../../src/broker/local/index.ts";
import { createRedisBrokerStore } from "../../../src/node/broker/redis-store.ts";
import { cleanup, randomPrefix, redisAvailable, REDIS_URL } from "./redis-helpers.ts";
import { manualClock, startReceiver, waitFor, type TestReceiver } from "../../broker/local/helpers.ts";

const hasRedis = await redisAvailable();
const prefix = randomPrefix("durability");

async function brokerOnRedis(p: string, options: { now?: () => number; maxConcurrency?: number; deliver?: (r: Request) => Promise<Response> } = {}): Promise<{ broker: LocalBroker; client: Client; url: string; close(): Promise<void> }> {
  const store = await createRedisBrokerStore({ url: REDIS_URL, prefix: p });
  const broker = createLocalBroker({ store, ...options });
  const { server, url } = await new Promise<{ server: ServerType; url: string }>((resolve) => {
    const s = serve({ fetch: broker.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => resolve({ server: s, url: `http://127.0.0.1:${info.port}` }));
  });
  const client = new Client({ baseUrl: url, token: broker.token, devMode: false, retry: false });
  return {
    broker,
    client,
    url,
    close: async () => {
      await broker.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const countBy = (xs: string[]): Record<string, number> => xs.reduce<Record<string, number>>((acc, x) => ((acc[x] = (acc[x] ?? 0) + 1), acc), {});

describe.skipIf(!hasRedis)("Redis-backed local broker", () => {
  let r: TestReceiver;
  let keys = { current: "", next: "" };
  beforeAll(async () => {
    r = await startReceiver(() => keys, { clockTolerance: 1e10 });
  });
  afterAll(async () => {
    await r.close();
    await cleanup(prefix);
  });

  it("survives a restart: delayed, retrying, scheduled and queue-parked messages are all delivered, none twice", async () => {
    const p = `${prefix}restart:`;
    const clock = manualClock(Date.UTC(2030, 0, 1));
    r.deliveries.length = 0;
    r.reply = (d) => (d.url.endsWith("/flaky") && r.deliveries.filter((x) => x.url.endsWith("/flaky")).length === 1 ? new Response("no", { status: 500 }) : new Response("ok"));

    const a = await brokerOnRedis(p, { now: clock.now });
    keys = a.broker.keys;
    const delayed = await a.client.publish({ url: `${r.url}/delayed`, body: "d", delay: 120 });
    const flaky = await a.client.publish({ url: `${r.url}/flaky`, body: "f" });
    const { scheduleId } = await a.client.schedules.create({ destination: `${r.url}/cron`, cron: "*/5 * * * *", body: "c" });
    await a.client.queue({ queueName: "held" }).upsert({ paused: true });
    const parked = await a.client.queue({ queueName: "held" }).enqueue({ url: `${r.url}/parked`, body: "p" });
    const failed = await a.client.publish({ url: `${r.url}/gone`, body: "g", retries: 0, method: "DELETE" });
    r.reply = ((prev) => (d: Parameters<typeof prev>[0], n: number) => (d.url.endsWith("/gone") ? new Response("x", { status: 410 }) : prev(d, n)))(r.reply);
    await a.broker.runDue();
    expect(r.deliveries.map((d) => new URL(d.url).pathname).sort()).toEqual(["/flaky", "/gone"]);
    await a.close();

    const b = await brokerOnRedis(p, { now: clock.now });
    expect((await b.client.messages.get(delayed.messageId)).notBefore).toBe(Date.UTC(2030, 0, 1) + 120_000);
    expect((await b.client.dlq.listMessages()).messages.map((m) => m.messageId)).toEqual([failed.messageId]);
    expect((await b.client.queue({ queueName: "held" }).get()).lag).toBe(1);
    await b.broker.advance(5 * 60_000);
    await b.client.queue({ queueName: "held" }).resume();
    await b.broker.runDue();
    const byMessage = countBy(r.deliveries.filter((d) => d.verified).map((d) => d.headers.get("upstash-message-id")!));
    expect(byMessage[delayed.messageId]).toBe(1);
    expect(byMessage[flaky.messageId]).toBe(2); // the failed first attempt, then the retry after restart
    expect(byMessage[parked.messageId]).toBe(1);
    const cron = r.deliveries.filter((d) => d.headers.get("upstash-schedule-id") === scheduleId);
    expect(cron).toHaveLength(1);
    expect(r.deliveries.find((d) => d.url.endsWith("/flaky") && d.headers.get("upstash-retried") === "1")).toBeDefined();
    expect(r.deliveries.every((d) => d.verified)).toBe(true);
    await b.close();
  });

  it("two brokers on one Redis deliver every message exactly once between them", async () => {
    const p = `${prefix}pair:`;
    r.deliveries.length = 0;
    r.reply = () => new Response("ok");
    const sent = { a: 0, b: 0 };
    const a = await brokerOnRedis(p, { maxConcurrency: 8, deliver: (req) => (sent.a++, fetch(req)) });
    const b = await brokerOnRedis(p, { maxConcurrency: 8, deliver: (req) => (sent.b++, fetch(req)) });
    keys = a.broker.keys;
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const via = i % 2 ? a : b;
      ids.push((await via.client.publish({ url: `${r.url}/pair`, body: String(i), delay: i % 3 === 0 ? "1s" : undefined })).messageId);
    }
    await waitFor(() => new Set(r.deliveries.map((d) => d.headers.get("upstash-message-id"))).size === 60, 10_000, "60 distinct deliveries");
    await Promise.all([a.broker.idle(), b.broker.idle()]);
    const counts = countBy(r.deliveries.map((d) => d.headers.get("upstash-message-id")!));
    expect(Object.keys(counts).sort()).toEqual([...ids].sort());
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    expect(sent.a + sent.b).toBe(60);
    expect(sent.a).toBeGreaterThan(0);
    expect(sent.b).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close()]);
  });
});
