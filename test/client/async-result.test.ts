/**
 * `AsyncResult.get()` polling: a handle from a send does not read before its first interval (a
 * message just sent has not run yet), while a handle on an existing result reads at once.
 */
import { describe, expect, it } from "vitest";
import { AsyncResult, type ResultSource } from "../../src/client/async-result.ts";
import type { ResultView } from "../../src/client/result-view.ts";
import { PENDING, SUCCESS } from "../../src/states.ts";

/** A source whose result is ready from `readyAt` (epoch ms) on, counting reads. */
function source(readyAt: number) {
  const reads: number[] = [];
  const src: ResultSource = {
    async fetch(id) {
      reads.push(Date.now());
      const ready = Date.now() >= readyAt;
      return { id, state: ready ? SUCCESS : PENDING, result: ready ? 42 : null } as unknown as ResultView;
    },
    revoke: async () => {},
    forget: async () => {},
  };
  return { src, reads };
}

describe("AsyncResult.get() polling", () => {
  it("a just-sent handle waits out its first interval, so a task done by then costs one read", async () => {
    const sentAt = Date.now();
    // Ready 5 ms before the interval ends: slack for Date.now() and timer rounding.
    const { src, reads } = source(sentAt + 35);
    const r = new AsyncResult("t1", src, { sentAt });
    expect(await r.get({ intervalMs: 40 })).toBe(42);
    expect(reads).toHaveLength(1);
  });

  it("a handle on an existing result reads at once", async () => {
    const { src, reads } = source(0);
    const t0 = Date.now();
    expect(await new AsyncResult("t2", src).get({ intervalMs: 1000 })).toBe(42);
    expect(reads).toHaveLength(1);
    expect(reads[0] - t0).toBeLessThan(500);
  });

  it("keeps polling with growing intervals until the result is ready", async () => {
    const sentAt = Date.now();
    const { src, reads } = source(sentAt + 30);
    expect(await new AsyncResult("t3", src, { sentAt }).get({ intervalMs: 5 })).toBe(42);
    expect(reads.length).toBeGreaterThan(1);
    const gaps = reads.slice(1).map((t, i) => t - reads[i]);
    expect(gaps.every((g) => g >= 4)).toBe(true); // ≥ the 5 ms interval, less 1 ms of clock rounding
  });
});
