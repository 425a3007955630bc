import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Ignore, LockNotAcquiredError, Reject, task } from "../../src/index.ts";
import { createTestHarness } from "../../src/testing/index.ts";

const T0 = Date.parse("2026-03-01T12:00:00Z");
function clock() {
  let now = T0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}
class Upstream extends Error {
  override name = "Upstream";
}
class Fatal extends Upstream {
  override name = "Fatal";
}

describe("retries", () => {
  it("ctx.retry stores RETRY, republishes the same id with retries+1 and a delay, then fails with MaxRetriesExceededError past the limit", async () => {
    const c = clock();
    let runs = 0;
    const t = task({ name: "s_retry", input: z.object({}), maxRetries: 2 }, async (_i, ctx) => {
      runs++;
      return await ctx.retry({ countdown: 10 });
    });
    const h = createTestHarness({ tasks: [t], now: c.now });
    const result = await h.client.send(t, {});
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [m] = h.broker.take();
      if (i < 2) expect(m && JSON.parse(m.body).retries).toBe(i);
      statuses.push((await h.deliver(m)).status);
      if (i < 2) expect(await result.state).toBe("RETRY");
      c.advance(10_000);
      const next = h.broker.messages[0];
      if (next) expect([JSON.parse(next.body).id, JSON.parse(next.body).retries, next.delaySec]).toEqual([result.id, i + 1, 10]);
    }
    expect(runs).toBe(3);
    expect(statuses).toEqual([200, 200, 489]);
    const error = await result.get({ timeoutMs: 100 }).catch((e) => e);
    expect(error.name).toBe("MaxRetriesExceededError");
  });

  it("past the limit with exc, the original error is re-raised and stored", async () => {
    const t = task({ name: "s_retry_exc", input: z.object({}), maxRetries: 0 }, async (_i, ctx) => ctx.retry({ exc: new Upstream("gateway timeout") }));
    const h = createTestHarness({ tasks: [t] });
    const result = await h.client.send(t, {});
    await h.drain();
    const error = await result.get({ timeoutMs: 100 }).catch((e) => e);
    expect([error.name, error.message]).toEqual(["Upstream", "gateway timeout"]);
  });

  it("autoretry retries matching errors with backoff, and dontAutoretryFor wins over autoretryFor", async () => {
    const c = clock();
    const t = task({ name: "s_auto", input: z.object({ fatal: z.boolean() }), autoretryFor: [Upstream], dontAutoretryFor: ["Fatal"], retryBackoff: 2, retryJitter: false },
      ({ fatal }) => {
        throw fatal ? new Fatal("no point") : new Upstream("503");
      });
    const h = createTestHarness({ tasks: [t], now: c.now });
    const soft = await h.client.send(t, { fatal: false });
    await h.deliver(h.broker.take()[0]);
    expect(h.broker.messages[0].delaySec).toBe(2);
    await h.deliver(h.broker.take()[0]);
    expect(h.broker.messages[0].delaySec).toBe(4);
    expect(await soft.state).toBe("RETRY");
    h.broker.take();
    const fatal = await h.client.send(t, { fatal: true });
    const res = await h.deliver(h.broker.take()[0]);
    expect(res.status).toBe(489);
    expect(h.broker.messages).toHaveLength(0);
    expect((await fatal.view()).error?.type).toBe("Fatal");
  });

  it("if the retry cannot be published, the delivery gets 503 and the redelivery runs the attempt again", async () => {
    let runs = 0;
    const t = task({ name: "s_republish", input: z.object({}) }, async (_i, ctx) => {
      runs++;
      return await ctx.retry({ countdown: 1 });
    });
    const h = createTestHarness({ tasks: [t] });
    await h.client.send(t, {});
    const [m] = h.broker.take();
    h.broker.failWith = new Error("broker down");
    const res = await h.deliver(m);
    expect(res.status).toBe(503);
    h.broker.failWith = undefined;
    expect((await h.deliver(m)).status).toBe(200);
    expect(runs).toBe(2);
    expect(h.broker.messages).toHaveLength(1);
  });
});

describe("semipredicates", () => {
  it("Reject without requeue is a FAILURE answered 489; with requeue it asks for redelivery (503) and runs again", async () => {
    let runs = 0;
    const t = task({ name: "s_reject", input: z.object({ requeue: z.boolean() }) }, ({ requeue }) => {
      runs++;
      if (runs === 1 || !requeue) throw new Reject("not now", { requeue });
      return "ok";
    });
    const h = createTestHarness({ tasks: [t] });
    const requeued = await h.client.send(t, { requeue: true });
    const [m] = h.broker.take();
    expect((await h.deliver(m)).status).toBe(503);
    expect((await h.deliver(m)).status).toBe(200);
    expect(await requeued.get({ timeoutMs: 100 })).toBe("ok");
    const final = await h.client.send(t, { requeue: false });
    expect((await h.deliver(h.broker.take()[0])).status).toBe(489);
    expect((await final.view()).error).toMatchObject({ type: "Reject", message: "not now" });
  });

  it("Ignore acknowledges with no state stored", async () => {
    const t = task({ name: "s_ignore", input: z.object({}), autoretryFor: [Error] }, () => {
      throw new Ignore();
    });
    const h = createTestHarness({ tasks: [t] });
    const r = await h.client.send(t, {});
    const [res] = await h.drain();
    expect(res.status).toBe(200);
    expect(await r.state).toBe("PENDING");
    expect(h.broker.messages).toHaveLength(0); // never autoretried
  });

  it("deadLetter: false answers 200 on final failure (no DLQ), still storing FAILURE", async () => {
    const t = task({ name: "s_nodlq", input: z.object({}), deadLetter: false }, () => {
      throw new Error("bad");
    });
    const h = createTestHarness({ tasks: [t] });
    const r = await h.client.send(t, {});
    const [res] = await h.drain();
    expect(res.status).toBe(200);
    expect(await r.state).toBe("FAILURE");
  });
});

describe("time limits", () => {
  it("the soft limit aborts ctx.signal with SoftTimeLimitExceeded inside the task, which can clean up", async () => {
    let cleanedUp = false;
    const t = task({ name: "s_soft", input: z.object({}), softTimeLimit: "30ms", timeLimit: "5s" }, async (_i, ctx) => {
      try {
        await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
      } finally {
        cleanedUp = true;
      }
    });
    const h = createTestHarness({ tasks: [t] });
    const r = await h.client.send(t, {});
    const [res] = await h.drain();
    expect(res.status).toBe(489);
    expect(cleanedUp).toBe(true);
    expect((await r.view()).error?.type).toBe("SoftTimeLimitExceeded");
  });

  it("the hard limit abandons the attempt and stores FAILURE TimeLimitExceeded", async () => {
    const t = task({ name: "s_hard", input: z.object({}), timeLimit: "30ms" }, () => new Promise(() => {}));
    const h = createTestHarness({ tasks: [t] });
    const r = await h.client.send(t, {});
    const [res] = await h.drain();
    expect(res.status).toBe(489);
    expect((await r.view()).error?.type).toBe("TimeLimitExceeded");
  });

  it("softTimeLimit greater than timeLimit is refused at definition", () => {
    expect(() => task({ name: "s_bad_limits", input: z.object({}), softTimeLimit: 10, timeLimit: 5 }, () => 1)).toThrow(/softTimeLimit .* greater than timeLimit/);
  });

  it("the broker is told a delivery timeout above the hard limit", async () => {
    const t = task({ name: "s_timeout", input: z.object({}), timeLimit: 30 }, () => 1);
    const h = createTestHarness({ tasks: [t] });
    await h.client.send(t, {});
    expect(h.broker.messages[0].timeoutSec).toBeGreaterThan(30);
  });
});

describe("expiry and revoke", () => {
  it("an expired message is stored REVOKED (expired) without running", async () => {
    const c = clock();
    let runs = 0;
    const t = task({ name: "s_exp", input: z.object({}) }, () => ++runs);
    const h = createTestHarness({ tasks: [t], now: c.now });
    const r = await h.client.send(t, {}, { expires: 60 });
    c.advance(61_000);
    const [res] = await h.drain();
    expect(res.status).toBe(200);
    expect(runs).toBe(0);
    expect((await r.view())).toMatchObject({ state: "REVOKED", error: { type: "TaskRevokedError", message: "expired" } });
  });

  it("revoke() before delivery stores REVOKED, cancels the pending message, and the task never runs", async () => {
    let runs = 0;
    const t = task({ name: "s_rev", input: z.object({}) }, () => ++runs);
    const h = createTestHarness({ tasks: [t] });
    const r = await h.client.send(t, {});
    const [m] = h.broker.messages;
    await r.revoke();
    expect(m.cancelled).toBe(true);
    expect((await h.deliver(m)).status).toBe(200);
    expect(runs).toBe(0);
    expect(await r.state).toBe("REVOKED");
  });

  it("a revoke outlives a countdown longer than the result TTL: the message is still refused when it arrives", async () => {
    const c = clock();
    let runs = 0;
    const t = task({ name: "s_rev_late", input: z.object({}) }, () => ++runs);
    const h = createTestHarness({ tasks: [t], now: c.now });
    const r = await h.client.send(t, {}, { countdown: 2 * 86_400 });
    const [m] = h.broker.take();
    await r.revoke();
    c.advance(2 * 86_400_000 + 1000); // past the 1-day result TTL, at the message's eta
    expect((await h.deliver(m)).status).toBe(200);
    expect(runs).toBe(0);
  });

  it("a running task sees ctx.signal aborted when it next checks the backend", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let aborted = false;
    let started = false;
    const t = task({ name: "s_rev_running", input: z.object({}) }, async (_i, ctx) => {
      started = true;
      await gate;
      try {
        await ctx.updateState("PROGRESS", { current: 1 });
      } finally {
        aborted = ctx.signal.aborted;
      }
    });
    const h = createTestHarness({ tasks: [t] });
    const r = await h.client.send(t, {});
    const running = h.drain();
    await expect.poll(() => started).toBe(true);
    await h.client.revoke(r.id);
    release();
    const [res] = await running;
    expect(res.status).toBe(200);
    expect(aborted).toBe(true);
    expect(await r.state).toBe("REVOKED");
  });
});

describe("idempotency and caching", () => {
  it("the same idempotencyKey returns the same task id and publishes once", async () => {
    const t = task({ name: "s_idem", input: z.object({}) }, () => 1);
    const h = createTestHarness({ tasks: [t] });
    const a = await h.client.send(t, {}, { idempotencyKey: "order-1" });
    const b = await h.client.send(t, {}, { idempotencyKey: "order-1" });
    const c = await h.client.send(t, {}, { idempotencyKey: "order-2" });
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);
    expect(h.broker.messages.map((m) => m.deduplicationId)).toEqual(["order-1", "order-2"]);
  });

  it("an idempotent send whose publish failed is delivered by the next send with the same key, under the same id", async () => {
    let runs = 0;
    const t = task({ name: "s_idem_heal", input: z.object({}) }, () => ++runs);
    const h = createTestHarness({ tasks: [t] });
    h.broker.failWith = new Error("broker down");
    await expect(h.client.send(t, {}, { idempotencyKey: "order-9" })).rejects.toThrow("broker down");
    h.broker.failWith = undefined;
    const retried = await h.client.send(t, {}, { idempotencyKey: "order-9" });
    const again = await h.client.send(t, {}, { idempotencyKey: "order-9" });
    expect(again.id).toBe(retried.id);
    expect(h.broker.messages).toHaveLength(1);
    await h.drain();
    expect(await retried.get()).toBe(1);
    expect(runs).toBe(1);
  });

  it("cache returns a stored SUCCESS for the same key without running the handler", async () => {
    let runs = 0;
    const t = task({ name: "s_cache", input: z.object({ q: z.string() }), cache: { key: ({ q }) => q, ttl: 60 } }, ({ q }) => `${q}:${++runs}`);
    const h = createTestHarness({ tasks: [t] });
    const first = await h.client.send(t, { q: "a" });
    await h.drain();
    const second = await h.client.send(t, { q: "a" });
    const other = await h.client.send(t, { q: "b" });
    await h.drain();
    expect([await first.get(), await second.get(), await other.get()]).toEqual(["a:1", "a:1", "b:2"]);
  });
});

describe("locks", () => {
  it("a held lock makes a second run fail with LockNotAcquiredError, and it is free again after release", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const t = task({ name: "s_lock", input: z.object({ wait: z.boolean() }), throws: [LockNotAcquiredError] }, async ({ wait }, ctx) =>
      await ctx.withLock("report_1", { timeout: 60, blockingTimeout: 0 }, async () => {
        if (wait) await gate;
        return "done";
      }));
    const h = createTestHarness({ tasks: [t] });
    const first = await h.client.send(t, { wait: true });
    const [m1] = h.broker.take();
    const running = h.deliver(m1);
    const second = await h.client.send(t, { wait: false });
    await h.drain();
    expect((await second.view()).error?.type).toBe("LockNotAcquiredError");
    release();
    await running;
    expect(await first.get()).toBe("done");
    const third = await h.client.send(t, { wait: false });
    await h.drain();
    expect(await third.get()).toBe("done");
  });
});

describe("acknowledgement", () => {
  it("50 concurrent deliveries of the same message run the handler once and all get 200", async () => {
    let runs = 0;
    const t = task({ name: "s_dup", input: z.object({}) }, async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20)); // work that takes a while, so the duplicates overlap it
      return "once";
    });
    const h = createTestHarness({ tasks: [t] });
    const r = await h.client.send(t, {});
    const [m] = h.broker.take();
    const responses = await Promise.all(Array.from({ length: 50 }, () => h.deliver(m)));
    expect(runs).toBe(1);
    expect(responses.map((x) => x.status)).toEqual(Array(50).fill(200));
    expect(await r.get()).toBe("once");
  });

  it("ack early: a redelivery after the attempt's lease ran out records WorkerLostError instead of running again", async () => {
    const c = clock();
    let runs = 0;
    const t = task({ name: "s_lost", input: z.object({}), timeLimit: 10 }, () => {
      runs++;
      return new Promise(() => {}); // the worker "dies": never answers
    });
    const h = createTestHarness({ tasks: [t], now: c.now });
    const r = await h.client.send(t, {});
    const [m] = h.broker.take();
    void h.deliver(m);
    await expect.poll(() => runs).toBe(1);
    c.advance(10_000 + 30_000 + 1);
    const res = await h.deliver(m);
    expect(res.status).toBe(489);
    expect(runs).toBe(1);
    expect((await r.view()).error?.type).toBe("WorkerLostError");
  });

  it("acksLate: a redelivery after the lease ran out runs the task again to SUCCESS; after SUCCESS, redeliveries are no-ops", async () => {
    const c = clock();
    let runs = 0;
    const t = task({ name: "s_late", input: z.object({}), acksLate: true, timeLimit: 10 }, () => (++runs === 1 ? new Promise(() => {}) : "second"));
    const h = createTestHarness({ tasks: [t], now: c.now });
    const r = await h.client.send(t, {});
    const [m] = h.broker.take();
    void h.deliver(m);
    await expect.poll(() => runs).toBe(1);
    c.advance(40_001);
    expect((await h.deliver(m)).status).toBe(200);
    expect(await r.get()).toBe("second");
    expect((await h.deliver(m)).status).toBe(200);
    expect(runs).toBe(2);
  });

  it("acksLate: a redelivery while the lease is live and the holder is busy gets 429 with Retry-After", async () => {
    const c = clock();
    const t = task({ name: "s_busy", input: z.object({}), acksLate: true, timeLimit: 10 }, () => new Promise(() => {}));
    const h = createTestHarness({ tasks: [t], now: c.now });
    await h.client.send(t, {});
    const [m] = h.broker.take();
    h.worker.runtime.duplicateWaitMs = 0;
    void h.deliver(m);
    await expect.poll(() => h.worker.runtime.inflight.size).toBe(1);
    h.worker.runtime.inflight.clear(); // as if the holder were another process
    const res = await h.deliver(m);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("Retry-After"))).toBe(30); // the lease left: 30 s, the worker's default
  });
});

describe("handlers and logging", () => {
  it("hooks run in Celery's order after the state is persisted", async () => {
    const calls: string[] = [];
    const t = task({
      name: "s_hooks", input: z.object({ fail: z.boolean() }),
      beforeStart: () => void calls.push("beforeStart"),
      onSuccess: (r) => void calls.push(`onSuccess:${r}`),
      onFailure: (e) => void calls.push(`onFailure:${(e as Error).message}`),
      afterReturn: (state) => void calls.push(`afterReturn:${state}`),
    }, ({ fail }) => {
      calls.push("run");
      if (fail) throw new Error("x");
      return 1;
    });
    const h = createTestHarness({ tasks: [t] });
    const original = h.backend.storeAttemptMeta.bind(h.backend);
    h.backend.storeAttemptMeta = async (meta, ttl, fence, options) => {
      calls.push(`store:${meta?.status}`);
      return await original(meta, ttl, fence, options);
    };
    await h.client.send(t, { fail: false });
    await h.client.send(t, { fail: true });
    await h.drain();
    expect(calls).toEqual([
      "beforeStart", "run", "store:SUCCESS", "onSuccess:1", "afterReturn:SUCCESS",
      "beforeStart", "run", "store:FAILURE", "onFailure:x", "afterReturn:FAILURE",
    ]);
  });

  it("argsrepr replaces the input in the stored result, and the task logger prefixes name[id]", async () => {
    const lines: string[] = [];
    const logger = { debug() {}, info: (m: string) => void lines.push(m), warn() {}, error: (m: string) => void lines.push(m) };
    const t = task({ name: "s_repr", input: z.object({ card: z.string() }) }, (_i, ctx) => ctx.log.info("charging"));
    const h = createTestHarness({ tasks: [t], logger });
    const r = await h.client.send(t, { card: "4242 4242 4242 4242" }, { argsrepr: "card=****4242" });
    await h.drain();
    expect((await r.view()).input).toBe("card=****4242");
    expect(lines).toContain(`s_repr[${r.id}]: charging`);
  });
});
