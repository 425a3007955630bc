/**
 * Fenced attempts (issue 20, item 1): once an attempt is abandoned — hard time limit, lease lost,
 * revoked — its later writes (progress, RETRY and its republish, the outcome) are refused and
 * logged, never stored; the heartbeat keeps a long attempt's short lease alive. Each test runs on
 * the memory backend and on RedisBackend (real Redis through the REST bridge).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Backend } from "../../src/backend/backend.ts";
import { MemoryBackend } from "../../src/backend/memory.ts";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import { task, type Logger } from "../../src/index.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { createTestHarness } from "../../src/testing/index.ts";
import { connectDirect, deleteByPrefix, randomPrefix, requireRedis, startBridge, upstashClient } from "../backend/redis-env.ts";
import { VirtualClock } from "../support/virtual-clock.ts";
import { waitFor } from "../support/wait.ts";

const redisUp = await requireRedis();
const prefix = randomPrefix("fencing");
let bridge: StartedRedisRestBridge | undefined;

beforeAll(async () => {
  if (redisUp) bridge = await startBridge();
});
afterAll(async () => {
  if (!bridge) return;
  const direct = await connectDirect();
  await deleteByPrefix(direct, prefix);
  await direct.close();
  await bridge.close();
});

/** A logger that keeps the warnings (refused writes are logged there). */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
}

/** A promise and its resolver. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const backends: [string, boolean, (clock: () => number) => Backend][] = [
  ["memory", true, (clock) => new MemoryBackend({ clock })],
  ["redis", redisUp, () => new RedisBackend({ redis: upstashClient(bridge!), prefix, resultExpiresMs: 3_600_000 })],
];

describe.each(backends)("fenced attempts (%s backend)", (_name, available, makeBackend) => {
  it.runIf(available)("a body still running after the hard time limit cannot store PROGRESS: FAILURE TimeLimitExceeded stays, ready() is true, get() raises it", async () => {
    const logger = recordingLogger();
    const late = deferred<unknown>();
    const t = task({ name: "f_sleepy_progress", input: z.object({}), timeLimit: "100ms" }, async (_i, ctx) => {
      await new Promise((r) => setTimeout(r, 300));
      late.resolve(await ctx.updateState("PROGRESS", { step: 2 }).then(() => "stored", (e: Error) => e.name));
      return "late";
    });
    const h = createTestHarness({ tasks: [t], backend: makeBackend(Date.now), logger });
    const result = await h.client.send(t, {});
    const [res] = await h.drain();
    expect(res.status).toBe(489);
    expect(await late.promise).toBe("TimeLimitExceeded"); // the late write threw the reason the attempt was abandoned
    expect(await result.state).toBe("FAILURE");
    expect(await result.ready()).toBe(true);
    const error = await result.get({ timeoutMs: 1000 }).catch((e: Error) => e);
    expect((error as Error).name).toBe("TimeLimitExceeded");
    expect(logger.warnings.some((w) => w.includes("refused PROGRESS"))).toBe(true);
  });

  it.runIf(available)("a body that calls ctx.retry() after the hard time limit publishes nothing and stores nothing: the task stays FAILURE and never runs again", async () => {
    const late = deferred<unknown>();
    let runs = 0;
    const t = task({ name: "f_sleepy_retry", input: z.object({}), timeLimit: "100ms", maxRetries: 3 }, async (_i, ctx) => {
      runs++;
      await new Promise((r) => setTimeout(r, 300));
      late.resolve(await ctx.retry({ countdown: 0 }).catch((e: Error) => e.name));
      return "late";
    });
    const h = createTestHarness({ tasks: [t], backend: makeBackend(Date.now) });
    const result = await h.client.send(t, {});
    expect((await h.drain()).map((r) => r.status)).toEqual([489]);
    expect(await late.promise).toBe("TimeLimitExceeded");
    expect(h.broker.take()).toEqual([]); // no retry message
    expect([await result.state, runs]).toEqual(["FAILURE", 1]);
  });

  it.runIf(available)("ctx.signal aborts at the hard time limit, with TimeLimitExceeded", async () => {
    const aborted = deferred<unknown>();
    const t = task({ name: "f_signal", input: z.object({}), timeLimit: "50ms" }, async (_i, ctx) => {
      await new Promise<void>((r) => ctx.signal.addEventListener("abort", () => r()));
      aborted.resolve((ctx.signal.reason as Error).name);
    });
    const h = createTestHarness({ tasks: [t], backend: makeBackend(Date.now) });
    await h.client.send(t, {});
    expect((await h.drain()).map((r) => r.status)).toEqual([489]);
    expect(await aborted.promise).toBe("TimeLimitExceeded");
  });

  it.runIf(available)("the heartbeat keeps a long attempt's 30 s lease alive: a duplicate at 5 min is told to come back (429), not run", async () => {
    const clock = new VirtualClock();
    const release = deferred();
    let runs = 0;
    const t = task({ name: "f_long", input: z.object({}), acksLate: true }, async () => {
      runs++;
      await release.promise;
      return "done";
    });
    const h = createTestHarness({ tasks: [t], backend: makeBackend(clock.now), now: clock.now, timers: clock.timers });
    const result = await h.client.send(t, {});
    const [m] = h.broker.take();
    const first = h.deliver(m);
    await expect.poll(() => runs).toBe(1);
    for (let i = 0; i < 30; i++) {
      clock.advance(10_000); // one heartbeat
      await expect.poll(async () => (await h.backend.claim({ id: result.id, retries: 0, token: "probe", mode: "early", now: clock.now(), leaseMs: 1, claimTtlMs: 60_000, metaTtlMs: 60_000 }))).toMatchObject({ status: "held", leaseRemainingMs: 30_000 });
    }
    h.worker.runtime.inflight.clear(); // as if the duplicate reached another process
    h.worker.runtime.duplicateWaitMs = 0;
    const duplicate = await h.deliver(m, { retried: 1 });
    expect([duplicate.status, duplicate.headers.get("Retry-After")]).toEqual([429, "30"]);
    release.resolve();
    expect((await first).status).toBe(200);
    expect([await result.get({ timeoutMs: 1000 }), runs]).toEqual(["done", 1]);
  });

  it.runIf(available)("acksLate: an attempt whose lease ran out is taken over; the old attempt learns it at its next heartbeat, aborts, and its late SUCCESS is refused", async () => {
    const clock = new VirtualClock();
    const backend = makeBackend(clock.now);
    let renewals = true; // false: the first worker cannot reach Redis for a while
    const renewLease = backend.renewLease.bind(backend);
    backend.renewLease = async (...args) => {
      if (!renewals) throw new Error("Redis unreachable");
      return await renewLease(...args);
    };
    const gates = [deferred(), deferred()];
    const aborted = deferred<unknown>();
    let runs = 0;
    const t = task({ name: "f_taken_over", input: z.object({}), acksLate: true }, async (_i, ctx) => {
      const run = runs++;
      if (run === 0) ctx.signal.addEventListener("abort", () => aborted.resolve((ctx.signal.reason as Error).name));
      await gates[run]!.promise;
      return run === 0 ? "first" : "second";
    });
    const logger = recordingLogger();
    const h = createTestHarness({ tasks: [t], backend, now: clock.now, timers: clock.timers, logger });
    const result = await h.client.send(t, {});
    const [m] = h.broker.take();
    const first = h.deliver(m);
    await expect.poll(() => runs).toBe(1);
    renewals = false;
    clock.advance(31_000); // heartbeats fail; the 30 s lease runs out
    h.worker.runtime.inflight.clear();
    const second = h.deliver(m, { retried: 1 });
    await expect.poll(() => runs).toBe(2);
    gates[1]!.resolve();
    expect((await second).status).toBe(200);
    expect(await result.get({ timeoutMs: 1000 })).toBe("second");
    renewals = true;
    clock.advance(10_000); // the first attempt's next heartbeat finds the claim taken over
    expect(await aborted.promise).toBe("WorkerLostError");
    gates[0]!.resolve();
    expect((await first).status).toBe(200);
    expect(await result.get({ timeoutMs: 1000 })).toBe("second");
    expect(logger.warnings.some((w) => w.includes("abandoned"))).toBe(true);
  });

  it.runIf(available)("ack early: the redelivery that records WorkerLostError fences the lost attempt, whose late SUCCESS is refused", async () => {
    const clock = new VirtualClock();
    const backend = makeBackend(clock.now);
    backend.renewLease = async () => {
      throw new Error("Redis unreachable from the first worker");
    };
    const gate = deferred();
    let runs = 0;
    const t = task({ name: "f_lost_early", input: z.object({}) }, async () => {
      runs++;
      await gate.promise;
      return "too late";
    });
    const h = createTestHarness({ tasks: [t], backend, now: clock.now, timers: clock.timers });
    const result = await h.client.send(t, {});
    const [m] = h.broker.take();
    const first = h.deliver(m);
    await expect.poll(() => runs).toBe(1);
    clock.advance(31_000);
    h.worker.runtime.inflight.clear();
    const redelivery = await h.deliver(m, { retried: 1 });
    expect(redelivery.status).toBe(489);
    gate.resolve();
    expect((await first).status).toBe(200);
    const error = await result.get({ timeoutMs: 1000 }).catch((e: Error) => e);
    expect([(error as Error).name, runs]).toEqual(["WorkerLostError", 1]);
  });

  it.runIf(available)("a revoked task's late SUCCESS is refused: REVOKED stays", async () => {
    const gate = deferred();
    const t = task({ name: "f_revoked", input: z.object({}) }, async () => {
      await gate.promise;
      return "finished anyway";
    });
    const h = createTestHarness({ tasks: [t], backend: makeBackend(Date.now) });
    const result = await h.client.send(t, {});
    const [m] = h.broker.take();
    const delivery = h.deliver(m);
    await expect.poll(() => h.worker.runtime.inflight.size).toBe(1);
    await h.client.revoke(result.id);
    gate.resolve();
    expect((await delivery).status).toBe(200);
    expect(await result.state).toBe("REVOKED");
  });
});

describe("bounded recovery", () => {
  it("a duplicate delivery of a running task answers within half its delivery timeout (time limit 8 s → timeout 13 s → 429 after 6.5 s, not duplicateWait's 10 s)", async () => {
    const clock = new VirtualClock();
    const release = deferred();
    let runs = 0;
    const t = task({ name: "f_short_timeout", input: z.object({}), timeLimit: 8, acksLate: true }, async () => {
      runs++;
      await release.promise;
    });
    const h = createTestHarness({ tasks: [t], now: clock.now, timers: clock.timers });
    await h.client.send(t, {});
    const [m] = h.broker.take();
    expect(m).toMatchObject({ timeoutSec: 13 });
    const first = h.deliver(m);
    await expect.poll(() => runs).toBe(1);
    h.worker.runtime.inflight.clear(); // as if the duplicate reached another process: it polls the result
    let answered: Response | undefined;
    const duplicate = h.deliver(m, { retried: 1 }).then((r) => (answered = r));
    await waitFor(() => clock.pendingTimers > 2, { what: "the duplicate to wait for the holder" }); // beside the holder's time limit and heartbeat
    const start = clock.now();
    /** Move the virtual clock in 50 ms steps, letting the waiting delivery's polls run between steps. */
    const advance = async (ms: number) => {
      for (let t = 0; t < ms; t += 50) {
        clock.advance(50);
        await new Promise((r) => setImmediate(r));
      }
    };
    await advance(6_400);
    expect(answered && [answered.status, clock.now() - start]).toBeUndefined();
    await advance(200);
    const res = await waitFor(() => answered, { timeoutMs: 5_000, what: "the duplicate's answer by 6.6 s on the worker's clock" });
    await duplicate;
    expect([res.status, Number(res.headers.get("Retry-After"))]).toEqual([429, 24]); // the lease left: 30 s − 6.5 s
    release.resolve();
    expect((await first).status).toBe(200);
  });
});
