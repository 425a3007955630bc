/**
 * The Redis REST bridge when Redis is missing or goes away: clear 503 errors, no crash, and
 * recovery when Redis comes back. Also the bring-your-own-client mode.
 */
import { createServer, type Server, type Socket, connect } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { createRedisRestBridge } from "../../../src/node/redis-bridge/bridge.ts";
import { startRedisRestBridge } from "../../../src/node/redis-bridge/server.ts";
import { REDIS_URL, deleteKeys, eventually, keyPrefix, requireRedis, startTestBridge } from "./fixtures.ts";

const hasRedis = await requireRedis();
const p = keyPrefix("bridge-outage");
afterAll(async () => {
  if (hasRedis) await deleteKeys(p);
});

/** A fresh port nothing listens on: bind one, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP proxy to the real Redis that the test can cut and restore, on a fixed port. */
class RedisProxy {
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect({ host: "127.0.0.1", port: Number(new URL(REDIS_URL).port) });
      for (const s of [inbound, outbound]) {
        this.#sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => this.#sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe("Redis REST bridge without Redis", () => {
  it("answers a clear 503 that the official client raises, and keeps running", async () => {
    const port = await closedPort();
    const server = await startRedisRestBridge({ redisUrl: `redis://:secret@127.0.0.1:${port}`, port: 0 });
    try {
      const res = await fetch(`${server.url}/`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.token}` },
        body: '["GET","k"]',
      });
      expect(res.status).toBe(503);
      const { error } = await res.json();
      expect(error).toMatch(new RegExp(`Redis at redis://:\\*\\*\\*@127.0.0.1:${port} is unavailable \\(.*ECONNREFUSED`));
      expect(error).not.toContain("secret");

      const { Redis } = await import("@upstash/redis");
      const redis = new Redis({ url: server.url, token: server.token, enableTelemetry: false, retry: { retries: 0 } });
      await expect(redis.get("k")).rejects.toThrow(/is unavailable .*check that redis-server is running/);
      await expect(redis.pipeline().get("a").get("b").exec()).rejects.toThrow(/is unavailable/);
      await expect(redis.multi().get("a").exec()).rejects.toThrow(/is unavailable/);
      await expect(server.bridge.waitUntilReady(100)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!hasRedis)("Redis REST bridge through an outage", () => {
  const proxy = new RedisProxy();
  beforeAll(() => proxy.start());
  afterAll(() => proxy.stop());

  it("fails fast while Redis is gone and serves again once it is back", async () => {
    const server = await startTestBridge(`redis://127.0.0.1:${proxy.port}`, { maxReconnectDelayMs: 50 });
    try {
      const redis = server.client();
      expect(await redis.set(`${p}k`, "before")).toBe("OK");

      await proxy.stop();
      await eventually(async () => (await server.post("/", ["GET", `${p}k`])).status === 503, 5000, "a 503 during the outage");
      await expect(redis.get(`${p}k`)).rejects.toThrow(/is unavailable/);

      await proxy.start();
      await eventually(async () => (await server.post("/", ["GET", `${p}k`])).status === 200, 10_000, "recovery");
      expect(await redis.get(`${p}k`)).toBe("before");
    } finally {
      await server.close();
    }
  });

  it("keeps an open subscription stream through an outage: it is subscribed again and gets later messages", async () => {
    // startRedisRestBridge, whose close does not wait out the spare socket undici opens on unsubscribe.
    const server = await startRedisRestBridge({ redisUrl: `redis://127.0.0.1:${proxy.port}`, port: 0, maxReconnectDelayMs: 50 });
    const direct = createClient({ url: REDIS_URL, RESP: 2 });
    await direct.connect();
    const channel = `${p}through-outage`;
    const messages: unknown[] = [];
    const { Redis } = await import("@upstash/redis");
    const sub = new Redis({ url: server.url, token: server.token, enableTelemetry: false }).subscribe(channel);
    try {
      sub.on("message", ({ message }) => messages.push(message));
      await new Promise<void>((resolve) => sub.on("subscribe", () => resolve()));

      await proxy.stop();
      await eventually(async () => (await direct.pubSubNumSub(channel))[channel] === 0, 5000, "Redis to lose the subscriber");
      await proxy.start();
      await eventually(async () => (await direct.pubSubNumSub(channel))[channel] === 1, 10_000, "the subscription to come back");
      await direct.publish(channel, '"after"');
      await eventually(async () => messages.length === 1, 5000, "the message published after the outage");
      expect(messages).toEqual(["after"]);
    } finally {
      await sub.unsubscribe();
      await eventually(async () => (await direct.pubSubNumSub(channel))[channel] === 0, 5000, "the unsubscribe");
      await direct.close();
      await server.close();
    }
  });
});

describe.skipIf(!hasRedis)("Redis REST bridge with a node-redis client of your own", () => {
  it("uses a connected RESP2 client and leaves it open on close", async () => {
    const client = createClient({ url: REDIS_URL, RESP: 2 });
    await client.connect();
    try {
      const bridge = createRedisRestBridge({ client, token: "t" });
      const res = await bridge.request("/", {
        method: "POST",
        headers: { authorization: "Bearer t", "upstash-encoding": "base64" },
        body: JSON.stringify(["ECHO", "mine"]),
      });
      expect(await res.json()).toEqual({ result: Buffer.from("mine").toString("base64") });
      await bridge.close();
      expect(await client.ping()).toBe("PONG");
    } finally {
      await client.close();
    }
  });

  it("serves subscriptions on a duplicate of your client, which closes with the bridge while yours stays open", async () => {
    const client = createClient({ url: REDIS_URL, RESP: 2 });
    await client.connect();
    try {
      const bridge = createRedisRestBridge({ client, token: "t" });
      const res = await bridge.request(`/subscribe/${p}mine`, { method: "POST", headers: { authorization: "Bearer t" } });
      const reader = res.body!.getReader();
      const next = async () => new TextDecoder().decode((await reader.read()).value);
      expect(await next()).toBe(`data: subscribe,${p}mine,1\n\n`);
      expect(await client.publish(`${p}mine`, "hi")).toBe(1);
      expect(await next()).toBe(`data: message,${p}mine,hi\n\n`);
      await bridge.close();
      expect(await next()).toBe(`data: unsubscribe,${p}mine,0\n\n`);
      expect((await reader.read()).done).toBe(true);
      expect(await client.publish(`${p}mine`, "gone")).toBe(0);
      expect(await client.ping()).toBe("PONG");
    } finally {
      await client.close();
    }
  });

  it("refuses a RESP3 client or one that is not connected, saying what to do", async () => {
    const resp3 = createClient({ url: REDIS_URL });
    expect(() => createRedisRestBridge({ client: resp3, token: "t" })).toThrow(/RESP: 2/);
    const idle = createClient({ url: REDIS_URL, RESP: 2 });
    expect(() => createRedisRestBridge({ client: idle, token: "t" })).toThrow(/client.connect\(\)/);
    expect(() => createRedisRestBridge({ redisUrl: REDIS_URL, token: "" })).toThrow(/non-empty `token`/);
  });
});
