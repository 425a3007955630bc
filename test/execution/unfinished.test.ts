/**
 * An attempt the backend could not see through: the broker's redelivery finishes it in the same
 * process instead of running the body again or recording a lost worker (fault scenario 1 found
 * both: test/faults/redis-outage.test.ts).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { task } from "../../src/index.ts";
import { BackendError } from "../../src/errors.ts";
import { createTestHarness, MemoryBackend } from "../../src/testing/index.ts";
import type { ClaimInput, ClaimResult, Fence, FencedWrite, TaskMeta } from "../../src/backend/backend.ts";

/** A memory backend whose next store, or whose next claim's reply, is lost as in a Redis outage. */
class FlakyBackend extends MemoryBackend {
  failNextStore = false;
  loseNextClaimReply = false;
  override async storeMeta(meta: TaskMeta, ttlMs: number): Promise<boolean> {
    if (this.failNextStore && meta.status !== "STARTED") {
      this.failNextStore = false;
      throw new BackendError("Redis REST request failed: connect ECONNREFUSED");
    }
    return await super.storeMeta(meta, ttlMs);
  }
  override async storeAttemptMeta(meta: TaskMeta | null, ttlMs: number, fence: Fence, options?: { close?: boolean }): Promise<FencedWrite> {
    if (this.failNextStore && meta && meta.status !== "STARTED") {
      this.failNextStore = false;
      throw new BackendError("Redis REST request failed: connect ECONNREFUSED");
    }
    return await super.storeAttemptMeta(meta, ttlMs, fence, options);
  }
  override async claim(input: ClaimInput): Promise<ClaimResult> {
    const result = await super.claim(input); // taken in Redis…
    if (this.loseNextClaimReply) {
      this.loseNextClaimReply = false;
      throw new BackendError("Redis REST request failed: socket hang up"); // …but the reply never arrives
    }
    return result;
  }
}

function setup(acksLate: boolean) {
  let now = Date.parse("2026-03-01T12:00:00Z");
  let runs = 0;
  const t = task({ name: acksLate ? "u_late" : "u_early", input: z.object({}), acksLate, timeLimit: 1 }, () => ++runs);
  const backend = new FlakyBackend({ clock: () => now });
  const h = createTestHarness({ tasks: [t], backend, now: () => now });
  return { h, t, backend, runs: () => runs, advance: (ms: number) => (now += ms) };
}

describe.each([false, true])("acksLate %s: the redelivery of an attempt the backend did not answer", (acksLate) => {
  it("stores the outcome of a body that returned while the result store failed: SUCCESS, the body ran once", async () => {
    const { h, t, backend, runs, advance } = setup(acksLate);
    const result = await h.client.send(t, {});
    const [message] = h.broker.take();
    backend.failNextStore = true;
    expect((await h.deliver(message, { retried: 0 })).status).toBe(503);
    expect(await result.state).toBe("PENDING");
    advance(60_000); // the broker's backoff, past the attempt's lease
    const again = await h.deliver(message, { retried: 1 });
    expect(again.status).toBe(200);
    expect(await result.state).toBe("SUCCESS");
    expect(await result.get({ timeoutMs: 100 })).toBe(1);
    expect(runs()).toBe(1);
  });

  it("claims again with the same token when the claim's reply was lost: the body runs once, never WorkerLostError", async () => {
    const { h, t, backend, runs, advance } = setup(acksLate);
    const result = await h.client.send(t, {});
    const [message] = h.broker.take();
    backend.loseNextClaimReply = true;
    expect((await h.deliver(message, { retried: 0 })).status).toBe(503);
    expect(runs()).toBe(0);
    advance(60_000);
    expect((await h.deliver(message, { retried: 1 })).status).toBe(200);
    expect(await result.state).toBe("SUCCESS");
    expect(runs()).toBe(1);
  });
});
