/**
 * Issue 4 through the real local broker over HTTP (memory and real Redis), with the broker's and
 * the worker's clocks injected: retries, max retries and the DLQ, autoretry with Celery's backoff,
 * a failed republish, Reject, Ignore and final failures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Broker, Ignore, Reject, task } from "../../src/index.ts";
import { QStashBroker } from "../../src/qstash.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { brokerEvents, createdMessages, dlqFor } from "../support/broker-view.ts";
import { type ClockedStack, readyView, startClockedStack } from "../support/clocked-stack.ts";

class Upstream extends Error {
  override name = "Upstream";
}
class Fatal extends Upstream {
  override name = "Fatal";
}

/** The broker's default delay before its first redelivery: QStash's e^2.5 s. */
const BROKER_FIRST_BACKOFF_MS = Math.round(Math.exp(2.5) * 1000);

const redisUp = await requireRedis();

for (const backend of ["memory", "redis"] as const) {
  describe.runIf(backend === "memory" || redisUp)(`retries and failures through the local broker (${backend} backend)`, () => {
    const runs = new Map<string, number>();
    const run = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
    const count = (key: string) => runs.get(key) ?? 0;
    const deliveries: string[] = [];
    let random = 0.5;
    let failPublishes = 0;
    let target: QStashBroker | undefined;
    // The worker publishes retries through this: it forwards to the local broker, or fails while `failPublishes` > 0.
    const flaky: Broker = {
      publish: (r) => (failPublishes > 0 ? (failPublishes--, Promise.reject(new Error("broker unreachable"))) : target!.publish(r)),
      cancel: (id) => target!.cancel(id),
    };

    const retrying = task({ name: "sr_retry", input: z.object({}) }, async (_i, ctx) => {
      run("sr_retry");
      deliveries.push(`${ctx.request.retries}:${ctx.request.deliveryInfo.messageId}`);
      return ctx.request.retries === 0 ? await ctx.retry({ countdown: 10 }) : "done";
    });
    const exhausting = task({ name: "sr_max", input: z.object({}), maxRetries: 1 }, async (_i, ctx) => {
      run("sr_max");
      return await ctx.retry({ countdown: 1 });
    });
    const backoff = task(
      { name: "sr_backoff", input: z.object({ fatal: z.boolean() }), autoretryFor: [Upstream], dontAutoretryFor: ["Fatal"], retryBackoff: 2, retryJitter: false },
      ({ fatal }) => {
        run(`sr_backoff:${fatal}`);
        throw fatal ? new Fatal("no point") : new Upstream("503 from upstream");
      },
    );
    const jitter = task({ name: "sr_jitter", input: z.object({}), autoretryFor: [Upstream], retryBackoff: true, maxRetries: 2 }, () => {
      run("sr_jitter");
      throw new Upstream("flaky");
    });
    const quirk = task({ name: "sr_quirk", input: z.object({}), autoretryFor: [Upstream] }, (_i, ctx) => {
      run("sr_quirk");
      if (ctx.request.retries === 0) throw new Upstream("once");
      return "second time";
    });
    const kwargs = task({ name: "sr_kwargs", input: z.object({}), autoretryFor: [Upstream], retryKwargs: { countdown: 7, maxRetries: 1 } }, () => {
      run("sr_kwargs");
      throw new Upstream("still down");
    });
    const republish = task({ name: "sr_republish", input: z.object({}) }, async (_i, ctx) => {
      run("sr_republish");
      return ctx.request.retries === 0 ? await ctx.retry({ countdown: 1 }) : "published at last";
    });
    const reject = task({ name: "sr_reject", input: z.object({ requeue: z.boolean() }) }, ({ requeue }, ctx) => {
      run(`sr_reject:${ctx.request.id}`);
      if (count(`sr_reject:${ctx.request.id}`) === 1 || !requeue) throw new Reject("not now", { requeue });
      return "ok";
    });
    const ignore = task({ name: "sr_ignore", input: z.object({}), autoretryFor: [Error] }, () => {
      run("sr_ignore");
      throw new Ignore();
    });
    const noDlq = task({ name: "sr_nodlq", input: z.object({}), deadLetter: false }, () => {
      throw new Error("bad");
    });
    const typed = task({ name: "sr_typed", input: z.object({ n: z.number() }) }, ({ n }) => n);

    let s: ClockedStack;
    beforeAll(async () => {
      s = await startClockedStack({
        tasks: [retrying, exhausting, backoff, jitter, quirk, kwargs, republish, reject, ignore, noDlq, typed],
        backend,
        worker: { random: () => random, broker: flaky },
      });
      target = new QStashBroker({ token: s.stack.broker.token, baseUrl: s.stack.brokerUrl });
    });
    afterAll(async () => await s?.close());

    it("ctx.retry({ countdown: 10 }) stores RETRY; the broker redelivers the same id only once 10 s passed on its clock; then SUCCESS", async () => {
      const result = await s.stack.client.send(retrying, {});
      await s.settle();
      expect([count("sr_retry"), await result.state]).toEqual([1, "RETRY"]);
      const [first, retry] = await createdMessages(s.qstash, s.url("sr_retry"));
      expect(retry.envelope).toMatchObject({ id: result.id, retries: 1 });
      const pending = await s.qstash.messages.get(retry.messageId);
      expect(pending.notBefore! - pending.createdAt).toBe(10_000);

      await s.advance(9_999);
      expect([count("sr_retry"), await result.state]).toEqual([1, "RETRY"]);
      await s.advance(1);
      expect(count("sr_retry")).toBe(2);
      expect(await result.get()).toBe("done");
      expect(deliveries).toEqual([`0:${first.messageId}`, `1:${retry.messageId}`]);
    });

    it("past maxRetries: FAILURE MaxRetriesExceededError, the delivery is answered 489 and the message is in the broker's DLQ", async () => {
      const result = await s.stack.client.send(exhausting, {});
      await s.settle();
      await s.advance(1_000);
      expect(count("sr_max")).toBe(2);
      const view = await readyView(result);
      expect([view.state, view.error?.type, view.retries]).toEqual(["FAILURE", "MaxRetriesExceededError", 1]);
      const last = (await createdMessages(s.qstash, s.url("sr_max"))).at(-1)!;
      const dlq = await dlqFor(s.qstash, s.url("sr_max"));
      expect(dlq.map((m) => [m.messageId, m.responseStatus])).toEqual([[last.messageId, 489]]);
      expect(JSON.parse(dlq[0].body!)).toMatchObject({ id: result.id, retries: 1 });
      await s.advance(600_000);
      expect(count("sr_max")).toBe(2);
      const overHttp = await s.stack.httpClient.result(result.id).get({ timeoutMs: 5_000 }).catch((e: Error) => e);
      expect((overHttp as Error).name).toBe("MaxRetriesExceededError");
    });

    it("autoretryFor with retryBackoff: 2 (no jitter): the broker holds each retry 2, 4, 8 s (Celery's formula), then FAILURE with the original error in the DLQ", async () => {
      const result = await s.stack.client.send(backoff, { fatal: false });
      await s.settle();
      for (const [i, delaySec] of [2, 4, 8].entries()) {
        const retry = (await createdMessages(s.qstash, s.url("sr_backoff"))).at(-1)!;
        expect(retry.envelope).toMatchObject({ id: result.id, retries: i + 1 });
        const pending = await s.qstash.messages.get(retry.messageId);
        expect(pending.notBefore! - pending.createdAt).toBe(delaySec * 1000);
        await s.advance(delaySec * 1000 - 1);
        expect(count("sr_backoff:false")).toBe(i + 1);
        await s.advance(1);
        expect(count("sr_backoff:false")).toBe(i + 2);
      }
      const view = await readyView(result);
      expect([view.state, view.error?.type, view.error?.message, view.retries]).toEqual(["FAILURE", "Upstream", "503 from upstream", 3]);
      expect((await dlqFor(s.qstash, s.url("sr_backoff"))).map((m) => JSON.parse(m.body!).id)).toEqual([result.id]);
    });

    it("dontAutoretryFor wins over autoretryFor: the error is final at once (489, DLQ), no retry published", async () => {
      const result = await s.stack.client.send(backoff, { fatal: true });
      await s.settle();
      expect((await readyView(result)).error?.type).toBe("Fatal");
      expect(count("sr_backoff:true")).toBe(1);
      const created = (await createdMessages(s.qstash, s.url("sr_backoff"))).filter((m) => m.envelope?.id === result.id);
      expect(created).toHaveLength(1);
      expect((await dlqFor(s.qstash, s.url("sr_backoff"))).map((m) => m.messageId)).toContain(created[0].messageId);
    });

    it("retryBackoff with full jitter: each delay the broker applies is the injected-random share of the capped countdown", async () => {
      random = 0.5; // countdowns 1, 2, 4 s → jittered floor(0.5 · (c + 1)) = 1, 1, 2 s
      const result = await s.stack.client.send(jitter, {});
      await s.settle();
      for (const [i, delaySec] of [1, 1].entries()) {
        const retry = (await createdMessages(s.qstash, s.url("sr_jitter"))).at(-1)!;
        const pending = await s.qstash.messages.get(retry.messageId);
        expect(pending.notBefore! - pending.createdAt).toBe(delaySec * 1000);
        await s.advance(delaySec * 1000);
        expect(count("sr_jitter")).toBe(i + 2);
      }
      expect((await readyView(result)).error?.type).toBe("Upstream");
    });

    it("autoretry without backoff waits defaultRetryDelay (180 s on the broker's clock), Celery's quirk", async () => {
      const result = await s.stack.client.send(quirk, {});
      await s.settle();
      expect(await result.state).toBe("RETRY");
      await s.advance(179_999);
      expect(count("sr_quirk")).toBe(1);
      await s.advance(1);
      expect(count("sr_quirk")).toBe(2);
      expect(await result.get()).toBe("second time");
    });

    it("autoretry with retryKwargs { countdown: 7, maxRetries: 1 }: one retry 7 s later, then FAILURE with the original error", async () => {
      const result = await s.stack.client.send(kwargs, {});
      await s.settle();
      await s.advance(6_999);
      expect(count("sr_kwargs")).toBe(1);
      await s.advance(1);
      expect(count("sr_kwargs")).toBe(2);
      expect(await readyView(result)).toMatchObject({ state: "FAILURE", retries: 1, error: { type: "Upstream", message: "still down" } });
      await s.advance(600_000);
      expect(count("sr_kwargs")).toBe(2);
    });

    it("when the retry cannot be published the delivery is answered 503 and the broker redelivers the same attempt", async () => {
      failPublishes = 1;
      const result = await s.stack.client.send(republish, {});
      await s.settle();
      const [first] = await brokerEvents(s.qstash, s.url("sr_republish"));
      const events = (await brokerEvents(s.qstash, s.url("sr_republish"))).filter((e) => e.messageId === first.messageId);
      expect(events.map((e) => [e.state, e.responseStatus])).toEqual([["CREATED", undefined], ["ACTIVE", undefined], ["ERROR", 503], ["RETRY", undefined]]);
      expect(count("sr_republish")).toBe(1);
      await s.advance(BROKER_FIRST_BACKOFF_MS);
      expect(count("sr_republish")).toBe(2);
      await s.advance(1_000);
      expect(count("sr_republish")).toBe(3);
      expect(await result.get()).toBe("published at last");
    });

    it("Reject({ requeue: true }) is answered 503 (no state stored) and the broker's redelivery runs it to SUCCESS", async () => {
      const result = await s.stack.client.send(reject, { requeue: true });
      await s.settle();
      expect([count(`sr_reject:${result.id}`), await result.state]).toEqual([1, "PENDING"]);
      const events = await brokerEvents(s.qstash, s.url("sr_reject"));
      const retry = events.find((e) => e.state === "RETRY")!;
      expect(events.find((e) => e.state === "ERROR")?.responseStatus).toBe(503);
      expect(retry.nextDeliveryTime! - retry.time).toBe(BROKER_FIRST_BACKOFF_MS);
      await s.advance(BROKER_FIRST_BACKOFF_MS - 1);
      expect(count(`sr_reject:${result.id}`)).toBe(1);
      await s.advance(1);
      expect(await result.get()).toBe("ok");
    });

    it("Reject({ requeue: false }) is a FAILURE answered 489: one run, the message in the DLQ", async () => {
      const result = await s.stack.client.send(reject, { requeue: false });
      await s.settle();
      expect((await readyView(result)).error).toMatchObject({ type: "Reject", message: "not now" });
      expect(count(`sr_reject:${result.id}`)).toBe(1);
      expect((await dlqFor(s.qstash, s.url("sr_reject"))).map((m) => JSON.parse(m.body!).id)).toEqual([result.id]);
    });

    it("Ignore acknowledges (200) with no state stored, no retry and no DLQ entry, even with autoretryFor: [Error]", async () => {
      const result = await s.stack.client.send(ignore, {});
      await s.settle();
      expect(await result.state).toBe("PENDING");
      const events = await brokerEvents(s.qstash, s.url("sr_ignore"));
      expect(events.map((e) => e.state)).toEqual(["CREATED", "ACTIVE", "DELIVERED"]);
      await s.advance(600_000);
      expect(count("sr_ignore")).toBe(1);
      expect(await dlqFor(s.qstash, s.url("sr_ignore"))).toEqual([]);
    });

    it("final failures: invalid input is FAILURE InputValidationError in the DLQ; deadLetter: false stores FAILURE but answers 200 (no DLQ)", async () => {
      const invalid = await s.stack.client.send("sr_typed", { n: "not a number" });
      const kept = await s.stack.client.send(noDlq, {});
      await s.settle();
      expect((await readyView(invalid)).error?.type).toBe("InputValidationError");
      expect((await dlqFor(s.qstash, s.url("sr_typed"))).map((m) => JSON.parse(m.body!).id)).toEqual([invalid.id]);
      expect((await readyView(kept)).error?.type).toBe("Error");
      expect(await dlqFor(s.qstash, s.url("sr_nodlq"))).toEqual([]);
      expect((await brokerEvents(s.qstash, s.url("sr_nodlq"))).map((e) => e.state)).toEqual(["CREATED", "ACTIVE", "DELIVERED"]);
    });
  });
}
