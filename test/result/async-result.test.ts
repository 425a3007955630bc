/**
 * `AsyncResult.get()`: a handle on an existing result reads at once and polls with growing
 * intervals; with a source that can listen (pub/sub), a `get()` still waiting after 50 ms
 * subscribes, wakes when the result is published, reads once after subscribing (a result stored
 * meanwhile is not missed), polls on if a message is lost, and stops listening when it returns.
 */
import { describe, expect, it } from "vitest";
import { AsyncResult, type ResultSource } from "../../src/result/async-result.ts";
import type { ResultView } from "../../src/index.ts";
import { PENDING, SUCCESS } from "../../src/states.ts";
import { waitFor } from "../support/wait.ts";

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

describe("AsyncResult.get() listening", () => {
  /** A source whose result is stored at `store()`; it publishes unless `lose` is set. */
  function listening(options: { lose?: boolean; storeWhileSubscribing?: boolean } = {}) {
    let stored = false;
    let listener: ((v: ResultView) => void) | undefined;
    const events: string[] = [];
    const done = (id: string) => ({ id, state: SUCCESS, result: 7 }) as unknown as ResultView;
    const src: ResultSource = {
      async fetch(id) {
        events.push("read");
        return stored ? done(id) : ({ id, state: PENDING, result: null } as unknown as ResultView);
      },
      async watch(id, onView) {
        events.push("subscribe");
        if (options.storeWhileSubscribing) stored = true; // stored, and published before the subscription took
        listener = (v) => onView(v);
        return () => {
          events.push("unsubscribe");
          listener = undefined;
        };
      },
      revoke: async () => {},
      forget: async () => {},
    };
    return {
      src,
      events,
      store(id: string) {
        stored = true;
        if (!options.lose) listener?.(done(id));
      },
      listening: () => listener !== undefined,
    };
  }

  it("a get() still waiting after 50 ms subscribes and wakes as soon as the result is published, long before its next poll", async () => {
    const s = listening();
    const waiting = new AsyncResult("w1", s.src, { sentAt: Date.now() }).get({ intervalMs: 60_000 });
    await waitFor(() => s.listening() && s.events.at(-1) === "read", { what: "the subscription and the read after it" });
    s.store("w1");
    expect(await waiting).toBe(7);
    expect(s.events.slice(s.events.indexOf("subscribe"))).toEqual(["subscribe", "read", "unsubscribe"]);
  });

  it("a result stored while the subscription is being made is found by the read that follows it", async () => {
    const s = listening({ storeWhileSubscribing: true });
    expect(await new AsyncResult("w2", s.src, { sentAt: Date.now() }).get({ intervalMs: 60_000 })).toBe(7);
    expect(s.events.slice(s.events.indexOf("subscribe"))).toEqual(["subscribe", "read", "unsubscribe"]);
  });

  it("a lost message is made up for by polling", async () => {
    const s = listening({ lose: true });
    const waiting = new AsyncResult("w3", s.src, { sentAt: Date.now() }).get();
    await waitFor(() => s.listening(), { what: "the subscription" });
    s.store("w3");
    expect(await waiting).toBe(7);
    expect(s.events.at(-1)).toBe("unsubscribe");
  });

  it("a quick result or an existing one is read without subscribing", async () => {
    const s = listening();
    s.store("w4");
    expect(await new AsyncResult("w4", s.src).get()).toBe(7);
    expect(await new AsyncResult("w4", s.src, { sentAt: Date.now() }).get()).toBe(7);
    expect(s.events).toEqual(["read", "read"]);
  });

  it("listen: false never subscribes", async () => {
    const s = listening();
    const waiting = new AsyncResult("w5", s.src).get({ listen: false, intervalMs: 5 });
    await waitFor(() => s.events.length >= 4, { what: "a few polls" });
    s.store("w5");
    expect(await waiting).toBe(7);
    expect(s.events.every((e) => e === "read")).toBe(true);
  });
});
