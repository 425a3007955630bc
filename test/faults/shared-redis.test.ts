/**
 * Fault scenario 5: two Redis-backed brokers and two workers sharing one Redis. 2,000 ack-early
 * tasks, sent through both brokers to both workers (each pair a quarter); either broker may
 * deliver any message (they share the store). Each body runs exactly once and every result is
 * stored.
 */
import { afterEach, describe, expect, it } from "vitest";
import { outcome, printFigures, settle, startBurst } from "./harness/load.ts";
import { type FaultStack, startFaultStack } from "./harness/stack.ts";

const COUNT = 2_000;

describe("two brokers and two workers sharing one Redis", () => {
  let stack: FaultStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("2,000 ack-early tasks: each body run once, every result SUCCESS", async () => {
    stack = await startFaultStack({ brokers: 2, workers: 2 });
    const s = stack;
    const start = Date.now();
    const burst = startBurst(s, { count: COUNT, ratePerSec: 200, task: () => "fault_early", route: (i) => [i % 2, (i >> 1) % 2] });
    await burst.done;
    await settle(s, burst.sent.map((t) => t.id), 90_000);
    const o = await outcome(s, burst.sent);
    const runs = s.runs();
    printFigures("two brokers, two workers, one Redis", {
      tasks: COUNT, readyAfterFirstSendMs: Date.now() - start, states: o.states,
      bodiesRun: [...runs.started.values()].reduce((a, b) => a + b, 0), runTwice: o.earlyRunTwice, neverRan: o.neverRan,
    });
    expect(o.states).toEqual({ SUCCESS: COUNT });
    expect(o.early.filter((t) => t.started !== 1 || t.returned !== 1)).toEqual([]);
  });
});
