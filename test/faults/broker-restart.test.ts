/**
 * Fault scenario 2: the Redis-backed local broker SIGKILLed in the middle of a burst of 1,000
 * tasks (half ack early, half acksLate, 100 a second) and started again on the same port and
 * Redis. The producer sends again what the dead broker did not accept (same task id). None is
 * lost, each is delivered at least once, no ack-early body runs twice.
 */
import { afterEach, describe, expect, it } from "vitest";
import { outcome, printFigures, settle, startBurst } from "./harness/load.ts";
import { type FaultStack, startFaultStack } from "./harness/stack.ts";

const COUNT = 1_000;
const RATE = 100;

describe("the Redis-backed broker SIGKILLed and restarted in the middle of a burst of 1,000 tasks", () => {
  let stack: FaultStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("none lost, each delivered at least once, no ack-early body run twice", async () => {
    stack = await startFaultStack();
    const s = stack;
    const burst = startBurst(s, { count: COUNT, ratePerSec: RATE, workMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the fault lands mid-burst: timing of the fault, not a synchronisation
    const downAt = Date.now();
    await s.brokers[0].kill();
    await s.brokers[0].start();
    const upAt = Date.now();
    await burst.done;
    await settle(s, burst.sent.map((t) => t.id), 90_000);
    const o = await outcome(s, burst.sent);
    const figures = {
      tasks: COUNT, brokerDownMs: upAt - downAt, readyAfterRestartMs: Date.now() - upAt, states: o.states,
      earlyRunTwice: o.earlyRunTwice, lateRunTwice: o.lateRunTwice, neverRan: o.neverRan, refusedSends: burst.refusedSends,
    };
    printFigures("broker SIGKILLed and restarted", figures);
    expect(o.states).toEqual({ SUCCESS: COUNT });
    expect(o.neverRan).toBe(0);
    expect(o.earlyRunTwice).toBe(0);
    expect(o.returnedNotSuccess).toBe(0);
  });
});
