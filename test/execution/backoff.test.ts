import { describe, expect, it } from "vitest";
import { z } from "zod";
import { autoretryCountdown, exponentialBackoff } from "../../src/execution/backoff.ts";
import { task } from "../../src/index.ts";
import { createTestHarness } from "../../src/testing/index.ts";

// Celery's get_exponential_backoff_interval with retry_backoff_max=600, written out by hand.
const EXPECTED: Record<number, number[]> = {
  1: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600],
  2: [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600, 600],
  3: [3, 6, 12, 24, 48, 96, 192, 384, 600, 600, 600, 600, 600],
};

describe("retryBackoff", () => {
  for (const [factor, delays] of Object.entries(EXPECTED)) {
    it(`factor ${factor} without jitter gives Celery's delays for retries 0–12`, () => {
      const got = delays.map((_, retries) => autoretryCountdown(retries, { retryBackoff: Number(factor), retryBackoffMax: 600, retryJitter: false, retryKwargs: {} }));
      expect(got).toEqual(delays);
    });

    it(`factor ${factor} with full jitter stays within [0, capped delay] as whole seconds`, () => {
      delays.forEach((cap, retries) => {
        const low = autoretryCountdown(retries, { retryBackoff: Number(factor), retryBackoffMax: 600, retryJitter: true, retryKwargs: {} }, () => 0);
        const high = autoretryCountdown(retries, { retryBackoff: Number(factor), retryBackoffMax: 600, retryJitter: true, retryKwargs: {} }, () => 0.999999);
        const mid = autoretryCountdown(retries, { retryBackoff: Number(factor), retryBackoffMax: 600, retryJitter: true, retryKwargs: {} }, () => 0.5);
        expect(low).toBe(0);
        expect(high).toBe(cap); // the cap applies before the jitter, so the top of the range is the cap
        expect(Number.isInteger(mid)).toBe(true);
        expect(mid).toBeLessThanOrEqual(cap);
      });
    });
  }

  it("true means factor 1, and fractional factors truncate (2.7 → 2, 0.5 → 1)", () => {
    const at = (retryBackoff: boolean | number, retries: number) => autoretryCountdown(retries, { retryBackoff, retryBackoffMax: 600, retryJitter: false, retryKwargs: {} });
    expect(at(true, 3)).toBe(8);
    expect(at(2.7, 3)).toBe(16);
    expect(at(0.5, 3)).toBe(8);
  });

  it("a lower retryBackoffMax caps the delay", () => {
    expect(exponentialBackoff(1, 12, 60, false)).toBe(60);
  });
});

describe("autoretry without backoff", () => {
  it("waits defaultRetryDelay (180 s), Celery's quirk, not zero", async () => {
    class Flaky extends Error {
      override name = "Flaky";
    }
    const t = task({ name: "q_flaky", input: z.object({}), autoretryFor: [Flaky] }, () => {
      throw new Flaky("try later");
    });
    let now = Date.parse("2026-01-01T00:00:00Z");
    const h = createTestHarness({ tasks: [t], now: () => now });
    const result = await h.client.send("q_flaky", {});
    const first = h.broker.take();
    const res = await h.deliver(first[0]);
    expect(res.status).toBe(200);
    const [retry] = h.broker.take();
    expect(retry.delaySec).toBe(180);
    expect(JSON.parse(retry.body)).toMatchObject({ id: result.id, retries: 1, eta: "2026-01-01T00:03:00.000Z" });
    expect(await result.state).toBe("RETRY");
  });
});
