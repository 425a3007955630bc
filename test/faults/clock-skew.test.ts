/**
 * Fault scenario 4: the worker's clock and the broker's apart (the worker's clock injected: its
 * `now` and its signature verifier's). QStash's tokens carry `nbf` 0 and expire 5 minutes after
 * signing, with no tolerance by default: a worker 30 s behind or 30 s ahead of the broker verifies
 * every delivery; one 5.5 minutes ahead refuses every delivery (401, the task does not run) and
 * logs why, naming the clock.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait.ts";
import { outcome, printFigures, settle, startBurst } from "./harness/load.ts";
import { type FaultStack, startFaultStack } from "./harness/stack.ts";

const OFFSETS_MS = [-30_000, 30_000, 330_000];
const PER_WORKER = 100;

describe("broker and worker clocks apart", () => {
  let stack: FaultStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("30 s either way: every delivery verifies; 5.5 min ahead: every delivery refused with a log line naming the clock", async () => {
    stack = await startFaultStack({ workers: OFFSETS_MS.length, clockOffsetsMs: OFFSETS_MS });
    const s = stack;
    const burst = startBurst(s, { count: PER_WORKER * OFFSETS_MS.length, ratePerSec: 200, task: () => "fault_early", route: (i) => [0, i % OFFSETS_MS.length] });
    await burst.done;
    const within = burst.sent.filter((_, i) => i % OFFSETS_MS.length !== 2);
    const beyond = burst.sent.filter((_, i) => i % OFFSETS_MS.length === 2);
    await settle(s, within.map((t) => t.id), 60_000);
    const refusedLine = /POST \/tasks\/fault_early refused: Signature check failed: .* is past by this machine.s clock: if the broker just sent it, a clock is off/g;
    // Each message to the skewed worker is refused at its first delivery (the broker retries later).
    await waitFor(() => (s.workerLog().match(refusedLine) ?? []).length >= PER_WORKER, { timeoutMs: 60_000, what: "a refusal logged for each delivery to the skewed worker" }).catch((error: Error) => {
      throw new Error(`${error.message}; worker log:\n${s.workerLog().slice(0, 2000)}\n${beyond.slice(0, 1).map((t) => t.id)}`);
    });
    const ok = await outcome(s, within);
    const refused = await outcome(s, beyond);
    printFigures("clock skew", {
      workerClockOffsetsMs: OFFSETS_MS, tasksPerWorker: PER_WORKER,
      within5MinStates: ok.states, beyond5MinStates: refused.states,
      beyondBodiesRun: refused.early.filter((t) => t.started > 0).length,
      refusalLines: (s.workerLog().match(refusedLine) ?? []).length,
    });
    expect(ok.states).toEqual({ SUCCESS: PER_WORKER * 2 });
    expect(refused.states).toEqual({ PENDING: PER_WORKER });
    expect(refused.early.filter((t) => t.started > 0)).toEqual([]);
  });
});
