import { describe, expect, it } from "vitest";
import { CommandDeadlines } from "../../../src/node/broker/command-deadlines.ts";
import { createRedisBrokerStore } from "../../../src/node/broker/redis-store.ts";
import { startRedisServer } from "../../support/redis-server.ts";

describe("CommandDeadlines", () => {
  it("gives commands issued within one granularity the same signal, and aborts it once the newest is timeoutMs old", () => {
    let now = 10_000;
    const deadlines = new CommandDeadlines({ timeoutMs: 5000, granularityMs: 1000, now: () => now });
    const first = deadlines.signal();
    now += 999;
    expect(deadlines.signal()).toBe(first);
    now += 1;
    const second = deadlines.signal();
    expect(second).not.toBe(first);

    deadlines.sweep(10_000 + 1000 + 4999);
    expect(first.aborted).toBe(false);
    deadlines.sweep(10_000 + 1000 + 5000);
    expect(first.aborted).toBe(true);
    expect(second.aborted).toBe(false);
    deadlines.sweep(11_000 + 1000 + 5000);
    expect(second.aborted).toBe(true);
    deadlines.close();
  });

  it("takes many listeners on one signal without a leak warning", () => {
    const deadlines = new CommandDeadlines();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const signal = deadlines.signal();
    const listeners = Array.from({ length: 100 }, () => () => {});
    for (const l of listeners) signal.addEventListener("abort", l, { once: true });
    for (const l of listeners) signal.removeEventListener("abort", l);
    process.off("warning", onWarning);
    deadlines.close();
    expect(warnings).toEqual([]);
  });
});

describe("the Redis broker store's command timeout", () => {
  it("fails a command sent while Redis is unreachable after commandTimeoutMs, not before", async () => {
    const server = await startRedisServer();
    const store = await createRedisBrokerStore({ url: server.url, commandTimeoutMs: 300 });
    try {
      expect(await store.messages.get("none")).toBeUndefined();
      await server.stop();
      const sent = Date.now();
      const error = await store.messages.get("none").then(() => undefined, (err: unknown) => err as Error);
      const waited = Date.now() - sent;
      expect(error?.name).toBe("BackendError");
      expect(error?.message).toBe(`Redis at ${server.url} did not take a command within 300 ms (the broker keeps reconnecting): check that redis-server is running.`);
      expect(waited).toBeGreaterThanOrEqual(300);
      expect(waited).toBeLessThan(300 + 1000 + 2000); // the limit, one granularity, and a busy machine's slack
    } finally {
      await store.close().catch(() => {});
    }
  });
});
