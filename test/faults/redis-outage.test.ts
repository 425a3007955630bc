/**
 * Fault scenario 1: Redis unreachable for 5 s in the middle of a burst of 1,000 tasks (half ack
 * early, half acksLate, 100 a second), once by killing the REST bridge and starting it again, once
 * by pausing the redis-server (SIGSTOP … SIGCONT). Every task must reach a ready state within about
 * a minute of Redis coming back, none lost; a body that returned ends SUCCESS (never
 * WorkerLostError); no ack-early body runs twice; an acksLate body runs again only when its
 * result was not stored (here the worker stays up, so never).
 */
import { afterEach, describe, expect, it } from "vitest";
import { outcome, printFigures, settle, startBurst } from "./harness/load.ts";
import { type FaultStack, startFaultStack } from "./harness/stack.ts";

const OUTAGE_MS = 5_000;
const COUNT = 1_000;
const RATE = 100;

describe("Redis unreachable for 5 s in the middle of a burst of 1,000 tasks", () => {
  let stack: FaultStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  /** `upLeadMs`: how long `up` takes to bring Redis back, started that much before the 5 s are over. */
  async function run(label: string, down: (s: FaultStack) => Promise<void>, up: (s: FaultStack) => Promise<void>, upLeadMs: (s: FaultStack) => number) {
    stack = await startFaultStack();
    const s = stack;
    const burst = startBurst(s, { count: COUNT, ratePerSec: RATE, workMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the fault lands mid-burst: timing of the fault, not a synchronisation
    const downAt = Date.now();
    await down(s);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - upLeadMs(s)))); // the outage itself
    await up(s);
    const upAt = Date.now();
    await burst.done;
    await settle(s, burst.sent.map((t) => t.id), 90_000);
    const o = await outcome(s, burst.sent);
    const log = s.workerLog();
    const figures = {
      tasks: COUNT, outageMs: upAt - downAt, readyAfterRecoveryMs: Date.now() - upAt, states: o.states,
      earlyRunTwice: o.earlyRunTwice, lateRunTwice: o.lateRunTwice, lateRerunAfterReturn: o.lateRerunAfterReturn,
      returnedNotSuccess: o.returnedNotSuccess, refusedSends: burst.refusedSends,
      redeliveriesAsked: (log.match(/asking the broker to redeliver/g) ?? []).length,
      outcomesKeptForRedelivery: (log.match(/kept in this process until the broker delivers it again/g) ?? []).length,
    };
    printFigures(label, figures);
    const failed = [...o.early, ...o.late].filter((t) => t.state !== "SUCCESS");
    for (const t of failed.slice(0, 5)) console.log(JSON.stringify({ ...t, meta: await s.meta(t.id) }));
    if (failed.length) console.log(log.slice(0, 4000));
    expect(o.states).toEqual({ SUCCESS: COUNT });
    expect(o.earlyRunTwice).toBe(0);
    expect(o.returnedNotSuccess).toBe(0);
    expect(o.lateRerunAfterReturn).toBe(0);
    expect(figures.readyAfterRecoveryMs).toBeLessThan(75_000);
  }

  it("the bridge killed and started again: every task SUCCESS, no body that returned run again", async () => {
    await run("redis-bridge killed 5 s", (s) => s.bridge.kill(), (s) => s.bridge.start(), (s) => s.bridge.lastStartMs);
  });

  it("the redis-server paused (SIGSTOP) and resumed: every task SUCCESS, no body that returned run again", async () => {
    await run("redis-server paused 5 s", async (s) => s.redis.pause(), async (s) => s.redis.resume(), () => 0);
  });
});
