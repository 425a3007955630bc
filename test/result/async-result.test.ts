/**
 * `AsyncResult.get()`: a handle on an existing result reads at once and polls with growing
 * intervals; with a source that can listen (pub/sub), a `get()` still waiting after 50 ms
 * subscribes, wakes when the result is published, reads once after subscribing (a result stored
 * meanwhile is not missed), polls on if a message is lost, and stops listening when it returns.
 */
import { describe, expect, it, vi } from "vitest";
import { AsyncResult, type ResultSource } from "../../src/result/async-result.ts";
import type { ResultView } from "../../src/index.ts";
import { PENDING, SUCCESS } from "../../src/states.ts";
import { waitFor } from "../support/wait.ts";

/** A source whose result is ready from `readyAt` (epoch ms) on, or from its `readyAtRead`-th read, counting reads. */
function source(readyAt: number, readyAtRead = Infinity) {
  const reads: number[] = [];
  const src: ResultSource = {
    async fetch(id) {
      reads.push(Date.now());
      const ready = Date.now() >= readyAt || reads.length >= readyAtRead;
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
    // With fake timers that never advance, a get() that slept before its first read would never settle.
    vi.useFakeTimers({ toFake: ["setTimeout", "setInterval"] });
    try {
      let value: unknown;
      const got = new AsyncResult("t2", src).get({ intervalMs: 1000 }).then((v) => (value = v));
      await vi.advanceTimersByTimeAsync(0);
      expect(value).toBe(42);
      await got;
    } finally {
      vi.useRealTimers();
    }
    expect(reads).toHaveLength(1);
  });

  it("keeps polling with growing intervals until the result is ready", async () => {
    // Ready at the 4th read (not at a time, which a busy machine could pass before the 2nd read).
    const { src, reads } = source(Infinity, 4);
    expect(await new AsyncResult("t3", src, { sentAt: Date.now() }).get({ intervalMs: 5 })).toBe(42);
    expect(reads).toHaveLength(4);
    const gaps = reads.slice(1).map((t, i) => t - reads[i]);
    // Each wait is at least its interval (5, 7.5, 11.25 ms; a timer never fires early), less 1 ms of clock rounding.
    expect(gaps.map((g, i) => g >= 5 * 1.5 ** i - 1)).toEqual([true, true, true]);
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
