/**
 * Issue 4 through the real local broker over HTTP (memory and real Redis), with the broker's and
 * the worker's clocks and timers injected: time limits, expiry, revoke (pending and running),
 * acksLate's 429 while the lease is live and the no-op redelivery after SUCCESS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { task } from "../../src/index.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { brokerEvents, createdMessages, dlqFor, statusOf } from "../support/broker-view.ts";
import { type ClockedStack, readyView, startClockedStack } from "../support/clocked-stack.ts";

const redisUp = await requireRedis();

/** A promise the test resolves: a task body that is "still working". */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

for (const backend of ["memory", "redis"] as const) {
  describe.runIf(backend === "memory" || redisUp)(`time limits, expiry, revoke and acknowledgement through the local broker (${backend} backend)`, () => {
    const runs = new Map<string, number>();
    const run = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
    const count = (key: string) => runs.get(key) ?? 0;
    let cleanedUp = false;
    let abortedAtUpdate: boolean | undefined;
    let hold = gate();

    const soft = task({ name: "sl_soft", input: z.object({}), softTimeLimit: 1, timeLimit: 5 }, async (_i, ctx) => {
      run("sl_soft");
      try {
        await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
      } finally {
        cleanedUp = true;
      }
    });
    const hard = task({ name: "sl_hard", input: z.object({}), timeLimit: 2 }, () => {
      run("sl_hard");
      return new Promise(() => {}); // never settles: only the hard limit ends it
    });
    const expiring = task({ name: "sl_expiring", input: z.object({}), expires: 30 }, () => run("sl_expiring"));
    const pending = task({ name: "sl_pending", input: z.object({}) }, () => run("sl_pending"));
    const running = task({ name: "sl_running", input: z.object({}), trackStarted: true }, async (_i, ctx) => {
      run("sl_running");
      await hold.opened;
      try {
        await ctx.updateState("PROGRESS", { done: 1 });
        return "finished anyway";
      } finally {
        abortedAtUpdate = ctx.signal.aborted;
      }
    });
    const late = task({ name: "sl_late", input: z.object({}), acksLate: true, timeLimit: 60 }, async () => {
      run("sl_late");
      await hold.opened;
      return "once";
    });

    let s: ClockedStack;
    beforeAll(async () => {
      s = await startClockedStack({ tasks: [soft, hard, expiring, pending, running, late], backend });
    });
    afterAll(async () => {
      hold.open(); // a failed assertion must not leave a delivery in flight forever
      await s?.close();
    });

    it("softTimeLimit aborts ctx.signal with SoftTimeLimitExceeded when the worker's clock passes it; the task cleans up; FAILURE in the DLQ", async () => {
      const result = await s.stack.client.send(soft, {});
      await expect.poll(() => count("sl_soft")).toBe(1);
      s.clock.advance(999);
      expect(cleanedUp).toBe(false);
      s.clock.advance(1);
      await s.settle();
      expect(cleanedUp).toBe(true);
      expect((await readyView(result)).error?.type).toBe("SoftTimeLimitExceeded");
      expect((await dlqFor(s.qstash, s.url("sl_soft"))).map((m) => m.responseStatus)).toEqual([489]);
    });

    it("timeLimit abandons the attempt: FAILURE TimeLimitExceeded; the broker was told a delivery timeout above the limit", async () => {
      const result = await s.stack.client.send(hard, {});
      await expect.poll(() => count("sl_hard")).toBe(1);
      const inFlight = (await s.qstash.messages.get(result.messageId!)) as { timeout?: number }; // ms, as the local broker reports it
      expect(inFlight.timeout).toBeGreaterThan(2_000);
      s.clock.advance(1_999);
      expect(await result.state).toBe("PENDING");
      s.clock.advance(1);
      await s.settle();
      expect((await readyView(result)).error?.type).toBe("TimeLimitExceeded");
      expect((await dlqFor(s.qstash, s.url("sl_hard"))).map((m) => m.messageId)).toEqual([result.messageId]);
    });

    it("an expired message (task expires option or send expires) is REVOKED (expired) without running, and acknowledged", async () => {
      const byTask = await s.stack.client.send(expiring, {}, { countdown: 60 });
      const bySend = await s.stack.client.send(pending, {}, { countdown: 120, expires: 60 });
      await s.advance(120_000);
      for (const result of [byTask, bySend]) {
        expect(await readyView(result)).toMatchObject({ state: "REVOKED", error: { type: "TaskRevokedError", message: "expired" } });
      }
      expect([count("sl_expiring"), count("sl_pending")]).toEqual([0, 0]);
      expect((await brokerEvents(s.qstash, s.url("sl_expiring"))).map((e) => [e.state, e.responseStatus])).toContainEqual(["DELIVERED", undefined]);
    });

    for (const mode of ["direct", "HTTP"] as const) {
      it(`revoke() of a countdown'd message (${mode} mode) cancels the pending broker message, stores REVOKED, and the task never runs`, async () => {
        const client = mode === "direct" ? s.stack.client : s.stack.httpClient;
        const before = count("sl_pending");
        const result = await client.send(pending, {}, { countdown: 60 });
        expect(result.messageId).toMatch(/^msg_/);
        expect(await statusOf(s.qstash.messages.get(result.messageId!))).toBe("ok");
        await result.revoke();
        expect(await result.state).toBe("REVOKED");
        expect(await statusOf(s.qstash.messages.get(result.messageId!))).toBe(404);
        expect((await brokerEvents(s.qstash, s.url("sl_pending"))).filter((e) => e.messageId === result.messageId).map((e) => e.state)).toEqual(["CREATED", "CANCELED"]);
        await s.advance(60_000);
        expect(count("sl_pending")).toBe(before);
      });
    }

    it("revoke of a running task: ctx.signal is aborted at its next updateState, the delivery is acknowledged, the state stays REVOKED", async () => {
      hold = gate();
      const result = await s.stack.client.send(running, {});
      await expect.poll(() => count("sl_running")).toBe(1);
      expect(await result.state).toBe("STARTED");
      await s.stack.client.revoke(result.id);
      hold.open();
      await s.settle();
      expect(abortedAtUpdate).toBe(true);
      expect(await result.state).toBe("REVOKED");
      expect((await brokerEvents(s.qstash, s.url("sl_running"))).map((e) => e.state)).toEqual(["CREATED", "ACTIVE", "DELIVERED"]);
    });

    it("acksLate: a second delivery while the lease is live waits, then gets 429 + Retry-After (lease left); after SUCCESS the redelivery is a no-op", async () => {
      hold = gate();
      const result = await s.stack.client.send(late, {});
      await expect.poll(() => count("sl_late")).toBe(1);
      const [created] = await createdMessages(s.qstash, s.url("sl_late"));
      const body = JSON.stringify(created.envelope);
      const timersBefore = s.clock.pendingTimers;
      const duplicate = await s.qstash.publish({ url: s.url("sl_late"), body, headers: { "Content-Type": "application/json" } });
      await expect.poll(() => s.clock.pendingTimers).toBe(timersBefore + 1); // the duplicate is waiting for the holder
      s.clock.advance(10_000); // duplicateWait (10 s) runs out on the worker's clock; the lease (30 s) is still live
      await expect.poll(async () => (await brokerEvents(s.qstash, s.url("sl_late"))).find((e) => e.messageId === duplicate.messageId && e.state === "RETRY")).toBeTruthy();
      const events = (await brokerEvents(s.qstash, s.url("sl_late"))).filter((e) => e.messageId === duplicate.messageId);
      const error = events.find((e) => e.state === "ERROR")!;
      const retry = events.find((e) => e.state === "RETRY")!;
      expect(error.responseStatus).toBe(429);
      expect(retry.nextDeliveryTime! - retry.time).toBe(20_000); // Retry-After: the 20 s left of the lease

      hold.open();
      await s.settle();
      expect(await result.get()).toBe("once");
      await s.advance(20_000);
      const last = (await brokerEvents(s.qstash, s.url("sl_late"))).filter((e) => e.messageId === duplicate.messageId).at(-1)!;
      expect(last.state).toBe("DELIVERED");
      expect(count("sl_late")).toBe(1);
      expect(await result.get()).toBe("once");
    });
  });
}
