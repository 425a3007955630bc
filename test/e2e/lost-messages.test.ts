/**
 * A message the broker gives up on leaves a terminal state, never PENDING for good (issue 20,
 * item 2): every task message carries a failure callback to `POST /tasks/<name>/failed`, and the
 * worker records FAILURE there. Through the real local broker over HTTP (memory and real Redis),
 * with one virtual clock for the broker and the worker.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { BackendError } from "../../src/errors.ts";
import { task } from "../../src/index.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { brokerEvents, dlqFor } from "../support/broker-view.ts";
import { type ClockedStack, readyView, startClockedStack } from "../support/clocked-stack.ts";

const redisUp = await requireRedis();

/** The broker's default delay before its first redelivery: QStash's e^2.5 s. */
const FIRST_BACKOFF_MS = Math.ceil(Math.exp(2.5) * 1000);

for (const backend of ["memory", "redis"] as const) {
  describe.runIf(backend === "memory" || redisUp)(`messages the broker gives up on (${backend} backend)`, () => {
    let runs = 0;
    const unreachable = task({ name: "lm_unreachable", input: z.object({}), deliveryRetries: 1 }, () => ++runs);
    const failing = task({ name: "lm_failing", input: z.object({}), deliveryRetries: 1 }, () => {
      throw new TypeError("bad data");
    });
    let s: ClockedStack;

    beforeAll(async () => {
      s = await startClockedStack({ tasks: [unreachable, failing], backend });
    });
    afterAll(async () => {
      await s?.close();
    });

    it("delivery retries spent before any worker started the task: FAILURE DeliveryFailedError, the message in the DLQ", async () => {
      const claim = s.stack.backend.claim.bind(s.stack.backend);
      s.stack.backend.claim = async () => {
        throw new BackendError("Redis REST request failed: connect ECONNREFUSED"); // the worker cannot start anything
      };
      try {
        const result = await s.stack.client.send(unreachable, {});
        await s.settle();
        await s.advance(FIRST_BACKOFF_MS);
        const view = await readyView(result);
        expect([view.state, view.error?.type]).toEqual(["FAILURE", "DeliveryFailedError"]);
        expect(view.error?.message).toContain("answered 503");
        expect(runs).toBe(0);
        expect((await dlqFor(s.qstash, s.url("lm_unreachable"))).map((m) => m.messageId)).toEqual([result.messageId]);
        const callbacks = await brokerEvents(s.qstash, `${s.url("lm_unreachable")}/failed`);
        expect(callbacks.map((e) => e.state)).toEqual(["CREATED", "ACTIVE", "DELIVERED"]);
      } finally {
        s.stack.backend.claim = claim;
      }
    });

    it("a task that failed for good (489) is already settled: the callback changes nothing", async () => {
      const result = await s.stack.client.send(failing, {});
      await s.settle();
      const view = await readyView(result);
      expect([view.state, view.error?.type, view.error?.message]).toEqual(["FAILURE", "TypeError", "bad data"]);
      const callbacks = await brokerEvents(s.qstash, `${s.url("lm_failing")}/failed`);
      expect(callbacks.map((e) => e.state)).toEqual(["CREATED", "ACTIVE", "DELIVERED"]);
      expect((await result.view()).error).toEqual(view.error);
    });

    it("a failure callback without the broker's signature is refused (401) and records nothing", async () => {
      const res = await fetch(`${s.url("lm_unreachable")}/failed`, { method: "POST", body: JSON.stringify({ sourceBody: btoa("{}") }) });
      expect(res.status).toBe(401);
    });
  });
}
