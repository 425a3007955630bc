/**
 * RedisBackend → unmodified @upstash/redis client (both deserialization settings), and again over
 * the fetch-only `createRestRedis` (the Workers default), and over `@upstash/redis` on the Node
 * requester (keep-alive sockets, the Node default) → the Redis REST bridge → the suite's private
 * redis-server, under a random key prefix. Fails (not skips) in CI when Redis is missing.
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBackend } from "../../src/backend/redis/redis-backend.ts";
import { createRestRedis } from "../../src/backend/redis/rest-redis.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { nodeRedis } from "../../src/adapters/node.ts";
import { STARTED, SUCCESS } from "../../src/states.ts";
import { backendContract, meta, type BackendHarness } from "./contract.ts";
import { connectDirect, deleteByPrefix, eventually, keysByPrefix, type NodeRedis, requireRedis, randomPrefix, startBridge, upstashClient } from "./redis-env.ts";

const redisUp = await requireRedis();
const prefix = randomPrefix("redis");

describe.skipIf(!redisUp)("RedisBackend over the REST bridge", () => {
  let bridge: StartedRedisRestBridge;
  let direct: NodeRedis;

  beforeAll(async () => {
    bridge = await startBridge();
    direct = await connectDirect();
  });
  afterAll(async () => {
    await deleteByPrefix(direct, prefix);
    await direct?.close();
    await bridge?.close();
  });

  const harness = (automaticDeserialization: boolean): BackendHarness => ({
    backend: new RedisBackend({ redis: upstashClient(bridge, { automaticDeserialization }), prefix, resultExpiresMs: 3_600_000 }),
    now: () => Date.now(),
    afterTtl: (ms, check) => eventually(check, ms + 3000),
  });

  backendContract("redis (client auto-deserialization on)", () => harness(true));
  backendContract("redis (client automaticDeserialization: false)", () => harness(false));
  backendContract("redis (slim createRestRedis over fetch)", () => ({
    backend: new RedisBackend({ redis: createRestRedis({ url: bridge.url, token: bridge.token, retries: 0 }), prefix, resultExpiresMs: 3_600_000 }),
    now: () => Date.now(),
    afterTtl: (ms, check) => eventually(check, ms + 3000),
  }));

  backendContract("redis (@upstash/redis on the Node requester, node:http)", () => ({
    backend: new RedisBackend({ redis: nodeRedis({ url: bridge.url, token: bridge.token, retries: 0 }), prefix, resultExpiresMs: 3_600_000 }),
    now: () => Date.now(),
    afterTtl: (ms, check) => eventually(check, ms + 3000),
  }));

  describe("RedisBackend specifics", () => {
    it("RedisBackend refuses a configuration without a result TTL, saying why", () => {
      const redis = upstashClient(bridge);
      for (const resultExpiresMs of [undefined, 0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => new RedisBackend({ redis, resultExpiresMs } as never)).toThrow(expect.objectContaining({ name: "ConfigError", message: expect.stringMatching(/leak/) }));
      }
    });

    it("results land at Celery's key as Celery's JSON layout, with a TTL", async () => {
      const backend = new RedisBackend({ redis: upstashClient(bridge), prefix, resultExpiresMs: 3_600_000 });
      const id = crypto.randomUUID();
      const m = meta(id, SUCCESS, { messageId: "m-1" });
      await backend.storeMeta(m, 60_000);
      const key = `${prefix}celery-task-meta-${id}`;
      expect(JSON.parse((await direct.get(key)) as string)).toEqual(m);
      const pttl = await direct.pTTL(key);
      expect(pttl).toBeGreaterThan(55_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    });

    it("a prefix without a separator gets Celery's `_`", () => {
      const backend = new RedisBackend({ redis: upstashClient(bridge), prefix: "app1", resultExpiresMs: 1000 });
      expect(backend.keys.result("x")).toBe("app1_celery-task-meta-x");
      expect(new RedisBackend({ redis: upstashClient(bridge), resultExpiresMs: 1000 }).keys.result("x")).toBe("celery-task-meta-x");
    });

    it("watch() hears a stored result, and past maxWatches open at once it declines (get() then polls)", async () => {
      const backend = new RedisBackend({ redis: upstashClient(bridge), prefix, resultExpiresMs: 3_600_000, maxWatches: 2 });
      const heard: string[] = [];
      const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
      const stopA = await backend.watch(a, (m) => heard.push(`${m.task_id}:${m.status}`));
      const stopB = await backend.watch(b, () => {});
      expect(stopA).toBeTypeOf("function");
      expect(stopB).toBeTypeOf("function");
      expect(await backend.watch(crypto.randomUUID(), () => {})).toBeUndefined();
      await backend.storeMeta(meta(a, SUCCESS, 1), 60_000);
      await eventually(async () => expect(heard).toEqual([`${a}:SUCCESS`]), 5000);
      stopA!();
      const again = await backend.watch(crypto.randomUUID(), () => {});
      expect(again).toBeTypeOf("function");
      again!();
      stopB!();
    });

    it("backend.commands counts billed commands per operation", async () => {
      const backend = new RedisBackend({ redis: upstashClient(bridge), prefix, resultExpiresMs: 3_600_000 });
      const id = crypto.randomUUID();
      await backend.claim({ id, retries: 0, token: "t", mode: "early", now: Date.now(), leaseMs: 1000, claimTtlMs: 60_000, metaTtlMs: 60_000 });
      backend.commands.reset();
      await backend.claim({ id: crypto.randomUUID(), retries: 0, token: "t", mode: "early", now: Date.now(), leaseMs: 1000, claimTtlMs: 60_000, metaTtlMs: 60_000 });
      await backend.storeMeta(meta(id, SUCCESS, 1), 60_000);
      await backend.getMeta(id);
      expect(backend.commands.snapshot()).toEqual({
        total: 7,
        byOperation: { claim: 3, storeMeta: 3, getMeta: 1 }, // storeMeta: EVALSHA + SET + PUBLISH
        operations: { claim: 1, storeMeta: 1, getMeta: 1 },
      });
    });

    it("a Redis failure surfaces as BackendError naming the operation, on either client", async () => {
      const clients = [
        new Redis({ url: bridge.url, token: "wrong-token", enableTelemetry: false, retry: { retries: 0 } }),
        createRestRedis({ url: bridge.url, token: "wrong-token", retries: 0 }),
      ];
      for (const redis of clients) {
        const backend = new RedisBackend({ redis, prefix, resultExpiresMs: 60_000 });
        // Redis's own text and the command, as the official client reports them (it sends an auto-pipeline, the slim client one command).
        await expect(backend.getMeta("x")).rejects.toMatchObject({ name: "BackendError", message: expect.stringMatching(/getMeta failed: WRONGPASS .*command was: .*"get"/) });
        await expect(backend.storeMeta(meta("x", SUCCESS), 1000)).rejects.toMatchObject({ name: "BackendError", message: expect.stringMatching(/store-meta/) });
      }
    });

    it("a STARTED write inside claim lands in Redis under the result key", async () => {
      const backend = new RedisBackend({ redis: upstashClient(bridge), prefix, resultExpiresMs: 3_600_000 });
      const id = crypto.randomUUID();
      await backend.claim({ id, retries: 0, token: "t", mode: "late", now: Date.now(), leaseMs: 1000, claimTtlMs: 60_000, started: meta(id, STARTED), metaTtlMs: 60_000 });
      expect(JSON.parse((await direct.get(backend.keys.result(id))) as string).status).toBe(STARTED);
    });
  });

  // Runs after the suites above (vitest runs a file's tests in order).
  it("every key RedisBackend wrote has a TTL", async () => {
    const keys = await keysByPrefix(direct, prefix);
    expect(keys.length).toBeGreaterThan(10);
    const ttls = await Promise.all(keys.map((k) => direct.pTTL(k)));
    const without = keys.filter((_, i) => ttls[i] < 0);
    expect(without).toEqual([]);
  });
});
