/**
 * Fault scenario 3: the worker process SIGKILLed 20 times under a steady load (20 tasks a second,
 * half ack early, half acksLate, each body 100 ms). Each time a replacement is loaded first and
 * takes the port as soon as the old process is gone, as a supervisor restarting a crashed worker
 * would. Ack-early bodies run at most once (a killed one ends FAILURE WorkerLostError), acksLate
 * bodies at least once (a killed one runs again to SUCCESS), every task reaches a ready state.
 * An ack-early attempt killed after its claim and before its body, or after its body returned and
 * before its result was stored, ends WorkerLostError too (Celery: the worker was lost before the ack).
 * The brokers' retry delays are scaled by 0.01 (QStash's e^2.5 s, e^5 s, e^7.5 s, e^10 s become
 * 0.12 s, 1.5 s, 18 s, 220 s) and the workers' lease is 2 s (a killed attempt's redelivery waits
 * for it at most that long), so the 20 kills fit in about two minutes: a message hit by a kill is
 * delivered again at once, and one that meets a kill, a live lease and another kill is not left
 * waiting e^7.5 s = 30 min.
 */
import { afterEach, describe, expect, it } from "vitest";
import { outcome, printFigures, settle, startBurst } from "./harness/load.ts";
import { type FaultStack, startFaultStack } from "./harness/stack.ts";

const KILLS = 20;
const RATE = 20;
/** An upper bound: the load runs until the last kill. */
const COUNT = 4_000;

describe("the worker killed 20 times under a steady load", () => {
  let stack: FaultStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("ack-early bodies run at most once, acksLate ones at least once, every task ready", async () => {
    stack = await startFaultStack({ retryDelayScale: 0.01, lease: 2 });
    const s = stack;
    const burst = startBurst(s, { count: COUNT, ratePerSec: RATE, workMs: 100 });
    const start = Date.now();
    let kills = 0;
    while (kills < KILLS) {
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // some load between kills: timing of the fault
      await s.workers[0].killAndReplace();
      kills++;
    }
    const killsMs = Date.now() - start;
    await burst.stop();
    const lastKillAt = Date.now();
    await settle(s, burst.sent.map((t) => t.id), 240_000);
    const o = await outcome(s, burst.sent);
    const lost = o.early.filter((t) => t.state === "FAILURE").length;
    const figures = {
      tasks: burst.sent.length, kills, killsOverMs: killsMs, readyAfterLastKillMs: Date.now() - lastKillAt, states: o.states,
      earlyRunTwice: o.earlyRunTwice, earlyWorkerLost: lost, earlyLostBeforeBody: o.early.filter((t) => t.state === "FAILURE" && t.started === 0).length,
      earlyLostAfterReturn: o.early.filter((t) => t.state === "FAILURE" && t.returned > 0).length, lateRunAgain: o.lateRunTwice,
    };
    printFigures("worker SIGKILLed 20 times", figures);
    expect(kills).toBe(KILLS);
    expect(o.earlyRunTwice).toBe(0);
    // acksLate: every one ends SUCCESS, its body run at least once (a killed run is run again).
    expect(o.late.filter((t) => t.state !== "SUCCESS" || t.started < 1)).toEqual([]);
    // Ack early: SUCCESS after one run, or WorkerLostError for an attempt whose process died
    // after its claim and before its outcome was stored (in its body, before it, or after it returned).
    expect(o.early.filter((t) => t.state === "SUCCESS" && t.started !== 1)).toEqual([]);
    for (const t of o.early.filter((e) => e.state !== "SUCCESS")) {
      const meta = (await s.meta(t.id)) as { result?: { exc_type?: string } } | undefined;
      expect({ id: t.id, state: t.state, error: meta?.result?.exc_type }).toEqual({ id: t.id, state: "FAILURE", error: "WorkerLostError" });
    }
  });
});
