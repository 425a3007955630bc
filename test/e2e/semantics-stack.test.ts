/**
 * Issue 4 through the real local broker over HTTP (memory and real Redis), with the broker's and
 * the worker's clocks injected: idempotency keys (and the broker's dedup), result caching, locks,
 * rate limits through the broker's flow control, hooks, the in-task `get()` guard, argsrepr and
 * the task logger.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { LockNotAcquiredError, task } from "../../src/index.ts";
import { type CurrentTask, setContextStorage } from "../../src/config/index.ts";
import { connectDirect, keysByPrefix, requireRedis } from "../backend/redis-env.ts";
import { createdMessages } from "../support/broker-view.ts";
import { type ClockedStack, readyView, startClockedStack } from "../support/clocked-stack.ts";

const redisUp = await requireRedis();

beforeAll(() => setContextStorage(new AsyncLocalStorage<CurrentTask>()));
afterAll(() => setContextStorage(undefined));

for (const backend of ["memory", "redis"] as const) {
  describe.runIf(backend === "memory" || redisUp)(`idempotency, cache, locks, rate limits, hooks and logging through the local broker (${backend} backend)`, () => {
    const runs = new Map<string, number>();
    const run = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
    const count = (key: string) => runs.get(key) ?? 0;
    const calls: string[] = [];
    let s: ClockedStack;
    let openLock!: () => void;

    const idem = task({ name: "ss_idem", input: z.object({}) }, () => run("ss_idem"));
    const cached = task({ name: "ss_cache", input: z.object({ q: z.string() }), cache: { key: ({ q }) => q, ttl: 60 } }, ({ q }) => {
      run("ss_cache");
      return `${q}:${count("ss_cache")}`;
    });
    const locked = task({ name: "ss_lock", input: z.object({ wait: z.boolean() }), throws: [LockNotAcquiredError] }, async ({ wait }, ctx) =>
      await ctx.withLock("report_1", { timeout: 60, blockingTimeout: 0 }, async () => {
        run("ss_lock");
        if (wait) await new Promise<void>((r) => (openLock = r));
        return "report done";
      }));
    const limited = task({ name: "ss_rate", input: z.object({ n: z.number() }), rateLimit: "2/s" }, () => run("ss_rate"));
    const perCustomer = task(
      { name: "ss_rate_key", input: z.object({ customer: z.string() }), rateLimit: "1/m", rateLimitKey: ({ customer }) => customer },
      ({ customer }) => run(`ss_rate_key:${customer}`),
    );
    const stored = async (id: string) => (await s.stack.backend.getMeta(id))?.status;
    const hooked = task({
      name: "ss_hooks", input: z.object({ mode: z.enum(["ok", "retry", "fail"]) }),
      beforeStart: () => void calls.push("beforeStart"),
      onSuccess: async (r, ctx) => void calls.push(`onSuccess:${r}:stored ${await stored(ctx.request.id)}`),
      onRetry: async (e, ctx) => void calls.push(`onRetry:${(e as Error).name}:stored ${await stored(ctx.request.id)}`),
      onFailure: async (e, ctx) => void calls.push(`onFailure:${(e as Error).message}:stored ${await stored(ctx.request.id)}`),
      afterReturn: (state) => void calls.push(`afterReturn:${state}`),
    }, async ({ mode }, ctx) => {
      calls.push("run");
      if (mode === "fail") throw new Error("boom");
      if (mode === "retry" && ctx.request.retries === 0) return await ctx.retry({ countdown: 5 });
      return 1;
    });
    const child = task({ name: "ss_child", input: z.object({}) }, () => 7);
    const parent = task({ name: "ss_parent", input: z.object({ override: z.boolean() }) }, async ({ override }, ctx) => {
      const sub = await s.stack.client.send(child, {});
      try {
        return { value: await sub.get(override ? { disableSyncSubtasks: false } : {}), childId: sub.id, parentId: ctx.request.id };
      } catch (error) {
        return { error: (error as Error).name };
      }
    });
    const trusting = task({ name: "ss_trusting", input: z.object({}), disableSyncSubtasks: false }, async () => await (await s.stack.client.send(child, {})).get());
    const secret = task({ name: "ss_repr", input: z.object({ card: z.string() }) }, (_i, ctx) => ctx.log.info("charging"));

    beforeAll(async () => {
      s = await startClockedStack({ tasks: [idem, cached, locked, limited, perCustomer, hooked, child, parent, trusting, secret], backend });
    });
    afterAll(async () => {
      openLock?.();
      await s?.close();
    });

    it("the same idempotencyKey returns the same task id and publishes once (direct and HTTP mode); the broker dedups the key too", async () => {
      const a = await s.stack.client.send(idem, {}, { idempotencyKey: `order-${backend}-1` });
      const b = await s.stack.client.send(idem, {}, { idempotencyKey: `order-${backend}-1` });
      const c = await s.stack.httpClient.send(idem, {}, { idempotencyKey: `order-${backend}-1` });
      const d = await s.stack.httpClient.send(idem, {}, { idempotencyKey: `order-${backend}-2` });
      const e = await s.stack.httpClient.send(idem, {}, { idempotencyKey: `order-${backend}-2` });
      await s.settle();
      expect([b.id, c.id]).toEqual([a.id, a.id]);
      expect(e.id).toBe(d.id);
      expect(d.id).not.toBe(a.id);
      const created = await createdMessages(s.qstash, s.url("ss_idem"));
      expect(created.map((m) => m.envelope?.id)).toEqual([a.id, d.id]);
      expect(count("ss_idem")).toBe(2);
      // The key went to the broker as Upstash-Deduplication-Id: publishing it again is deduplicated there.
      const again = await s.qstash.publish({ url: s.url("ss_idem"), body: "{}", deduplicationId: `order-${backend}-1` });
      expect([again.messageId, again.deduplicated]).toEqual([a.messageId, true]);
    });

    it("cache: a stored SUCCESS for the same key is returned without running the handler", async () => {
      const first = await s.stack.client.send(cached, { q: "a" });
      await s.settle();
      const second = await s.stack.client.send(cached, { q: "a" });
      const other = await s.stack.httpClient.send(cached, { q: "b" });
      await s.settle();
      expect([await first.get(), await second.get(), await other.get()]).toEqual(["a:1", "a:1", "b:2"]);
      expect(count("ss_cache")).toBe(2);
    });

    it("ctx.lock: a held lock makes another run fail with LockNotAcquiredError (logged at info, no stack); the lock has a TTL and is free after release", async () => {
      const first = await s.stack.client.send(locked, { wait: true });
      await expect.poll(() => count("ss_lock")).toBe(1);
      let lockKey: string | undefined;
      if (backend === "redis") {
        const direct = await connectDirect();
        lockKey = `${s.stack.prefix}celeriac:lock:report_1`;
        expect(await keysByPrefix(direct, `${s.stack.prefix}celeriac:lock:`)).toEqual([lockKey]);
        const ttl = await direct.pTTL(lockKey);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
        await direct.close();
      }
      const second = await s.stack.client.send(locked, { wait: false });
      const refused = await readyView(second);
      expect([refused.state, refused.error?.type]).toEqual(["FAILURE", "LockNotAcquiredError"]);
      expect(s.lines).toContain(`info ss_lock[${second.id}]: failed (expected): LockNotAcquiredError: ${refused.error?.message}`);
      expect(s.lines.filter((l) => l.startsWith("error") && l.includes(second.id))).toEqual([]);
      openLock();
      await s.settle();
      expect(await first.get()).toBe("report done");
      if (lockKey) {
        const direct = await connectDirect();
        expect(await direct.exists(lockKey)).toBe(0);
        await direct.close();
      }
      const third = await s.stack.client.send(locked, { wait: false });
      await s.settle();
      expect(await third.get()).toBe("report done");
    });

    it('rateLimit "2/s" is enforced by the broker\'s flow control: of 6 messages sent at once, 2 are delivered per second of the broker\'s clock', async () => {
      await Promise.all(Array.from({ length: 6 }, (_, n) => s.stack.client.send(limited, { n })));
      await s.settle();
      expect(count("ss_rate")).toBe(2);
      expect(await s.qstash.flowControl.get("ss_rate")).toMatchObject({ waitListSize: 4, rateMax: 2, ratePeriod: 1 });
      await s.advance(999);
      expect(count("ss_rate")).toBe(2);
      await s.advance(1);
      expect(count("ss_rate")).toBe(4);
      await s.advance(1_000);
      expect(count("ss_rate")).toBe(6);
    });

    it("rateLimitKey: the limit applies per key from the input (\"1/m\" per customer), one broker flow-control key each", async () => {
      for (const customer of ["acme", "acme", "globex", "globex"]) await s.stack.client.send(perCustomer, { customer });
      await s.settle();
      expect([count("ss_rate_key:acme"), count("ss_rate_key:globex")]).toEqual([1, 1]);
      expect(await s.qstash.flowControl.get("ss_rate_key:acme")).toMatchObject({ waitListSize: 1, rateMax: 1, ratePeriod: 60 });
      await s.advance(60_000);
      expect([count("ss_rate_key:acme"), count("ss_rate_key:globex")]).toEqual([2, 2]);
    });

    it("hooks run in Celery's order, each after the state is persisted (success, retry then success, failure)", async () => {
      const ok = await s.stack.client.send(hooked, { mode: "ok" });
      await s.settle();
      await s.stack.client.send(hooked, { mode: "retry" });
      await s.settle();
      await s.advance(5_000);
      await s.stack.client.send(hooked, { mode: "fail" });
      await s.settle();
      expect(await ok.get()).toBe(1);
      expect(calls).toEqual([
        "beforeStart", "run", "onSuccess:1:stored SUCCESS", "afterReturn:SUCCESS",
        "beforeStart", "run", "onRetry:Retry:stored RETRY", "afterReturn:RETRY",
        "beforeStart", "run", "onSuccess:1:stored SUCCESS", "afterReturn:SUCCESS",
        "beforeStart", "run", "onFailure:boom:stored FAILURE", "afterReturn:FAILURE",
      ]);
    });

    it("AsyncResult.get() inside a running task throws SyncSubtaskError, unless disableSyncSubtasks: false (per call or per task)", async () => {
      const guarded = await s.stack.client.send(parent, { override: false });
      const overridden = await s.stack.client.send(parent, { override: true });
      const trusted = await s.stack.client.send(trusting, {});
      await s.settle();
      expect(await guarded.get()).toEqual({ error: "SyncSubtaskError" });
      const value = (await overridden.get()) as { value: number; childId: string; parentId: string };
      expect(value).toMatchObject({ value: 7, parentId: overridden.id });
      expect((await s.stack.backend.getMeta(value.childId))?.parent_id).toBe(overridden.id);
      expect(await trusted.get()).toBe(7);
    });

    it("argsrepr replaces the input in the stored result and the logs; task log lines carry name[id]", async () => {
      const card = "4242 4242 4242 4242";
      const result = await s.stack.client.send(secret, { card }, { argsrepr: "card=****4242" });
      await s.settle();
      expect((await result.view()).input).toBe("card=****4242");
      expect((await s.stack.httpClient.result(result.id).view()).input).toBe("card=****4242");
      expect(JSON.stringify(await s.stack.backend.getMeta(result.id))).not.toContain(card);
      if (backend === "redis") {
        const direct = await connectDirect();
        expect(await direct.get(`${s.stack.prefix}celery-task-meta-${result.id}`)).not.toContain(card);
        await direct.close();
      }
      expect(s.lines).toContain(`info ss_repr[${result.id}]: charging`);
      expect(s.lines.filter((l) => l.includes(card))).toEqual([]);
    });
  });
}
