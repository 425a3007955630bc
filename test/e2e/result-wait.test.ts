/**
 * `get()` waiting on a running task through the real stack (local broker over HTTP, worker, REST
 * bridge, real Redis): it wakes when the worker stores the result — Redis pub/sub over the
 * bridge's Server-Sent Events — not at its next poll, with the official `@upstash/redis` client
 * on Node's fetch and with the Node requester. Here the next poll is a minute away, so only the
 * published result can end the wait within the test's time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import { QStashBroker } from "../../src/qstash.ts";
import { createClient, task } from "../../src/index.ts";
import { nodeRedis } from "../../src/adapters/node.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { type Stack, startStack } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";

const redisUp = await requireRedis();

let release: () => void = () => {};
let started = 0;
const gated = task({ name: "test_gated", input: z.object({}) }, async () => {
  started++;
  await new Promise<void>((r) => (release = r));
  return 42;
});

describe.skipIf(!redisUp)("get() on a running task wakes when the result is stored", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ tasks: [gated], backend: "redis" });
  });
  afterAll(async () => {
    release();
    await stack?.close();
  });

  const clients = {
    "official @upstash/redis (Node's fetch)": () => stack.client,
    "@upstash/redis on the Node requester": () =>
      createClient({
        broker: new QStashBroker({ token: stack.broker.token, baseUrl: stack.brokerUrl }),
        backend: new RedisBackend({ redis: nodeRedis({ url: stack.bridge!.url, token: stack.bridge!.token }), prefix: stack.prefix, resultExpiresMs: 3_600_000 }),
        workerUrl: stack.workerUrl,
        setAsCurrent: false,
      }),
  };

  for (const [name, client] of Object.entries(clients)) {
    it(`${name}: the waiting get() returns the result as soon as the task finishes`, { timeout: 30_000 }, async () => {
      const before = started;
      const r = await client().send(gated, {});
      const waiting = r.get({ intervalMs: 60_000 });
      await waitFor(() => started > before, { what: "the task to start" });
      release();
      expect(await waiting).toBe(42);
    });
  }
});
