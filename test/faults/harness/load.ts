/**
 * Load and outcome for the fault scenarios: a paced burst of sends (each send retried by the
 * sender until the broker accepts it, as a producer must when the broker is down), waiting for
 * every task to reach a ready state, and the figures each scenario prints as one JSON line.
 * @module
 */
import { waitFor } from "../../support/wait.ts";
import type { FaultStack } from "./stack.ts";

export type FaultTaskName = "fault_early" | "fault_late";

export interface BurstOptions {
  count: number;
  ratePerSec: number;
  /** Which task message `i` is. Default: alternately early and late. */
  task?: (i: number) => FaultTaskName;
  /** Which broker and worker message `i` goes through. Default broker 0, worker 0. */
  route?: (i: number) => [broker: number, worker: number];
  /** The body's own work, ms. Default 0. */
  workMs?: number;
  /** Give up on a send after this long, ms. Default 120 000. */
  sendDeadlineMs?: number;
}

export interface Burst {
  /** Every task id, in send order, with its task name. */
  sent: { id: string; task: FaultTaskName }[];
  /** Sends the broker refused or did not answer (each retried). */
  refusedSends: number;
  /** Resolves once every send was accepted. */
  done: Promise<void>;
  /** Send no more (`sent` keeps only what was sent); resolves like `done`. */
  stop(): Promise<void>;
}

/**
 * While a burst runs, the official QStash client's own line for each refused publish
 * (`[Upstash QStash] POST … failed after 1 attempt`, on console.error) is dropped: the burst counts
 * them in `refusedSends`, and a broker down for seconds would print a thousand of them.
 */
function quietRefusedPublishes(): () => void {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("[Upstash QStash] POST")) return;
    original(...args);
  };
  return () => void (console.error = original);
}

/** Start sending; resolves at once (await `done`). Ids are chosen here, so a retried send keeps its id. */
export function startBurst(stack: FaultStack, o: BurstOptions): Burst {
  const taskOf = o.task ?? ((i) => (i % 2 ? "fault_late" : "fault_early"));
  const route = o.route ?? (() => [0, 0] as [number, number]);
  const sent = Array.from({ length: o.count }, (_, i) => ({ id: crypto.randomUUID(), task: taskOf(i) }));
  let stopped = false;
  const burst: Burst = { sent, refusedSends: 0, done: Promise.resolve(), stop: () => ((stopped = true), burst.done) };
  const deadline = Date.now() + (o.sendDeadlineMs ?? 120_000);
  const sendOne = async (i: number) => {
    const [b, w] = route(i);
    for (;;) {
      try {
        await stack.client(b, w).send(sent[i].task, { workMs: o.workMs ?? 0 }, { id: sent[i].id });
        return;
      } catch (error) {
        burst.refusedSends++;
        if (Date.now() > deadline) throw new Error(`send ${i} still refused at its deadline: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200)); // the producer's own backoff before sending again
      }
    }
  };
  const restoreConsole = quietRefusedPublishes();
  burst.done = (async () => {
    const start = Date.now();
    const pending: Promise<void>[] = [];
    let i = 0;
    while (i < o.count && !stopped) {
      const due = Math.min(o.count, Math.floor(((Date.now() - start) / 1000) * o.ratePerSec) + 1);
      for (; i < due; i++) pending.push(sendOne(i));
      if (i < o.count) await new Promise((resolve) => setTimeout(resolve, 10)); // pacing, not synchronisation
    }
    sent.length = i;
    await Promise.all(pending);
  })().finally(restoreConsole);
  return burst;
}

const READY = new Set(["SUCCESS", "FAILURE", "REVOKED"]);

/** Wait until every id has a ready state; resolves with the ms waited. Fails listing what is left. */
export async function settle(stack: FaultStack, ids: string[], timeoutMs: number): Promise<number> {
  const start = Date.now();
  let left: string[] = ids;
  try {
    await waitFor(async () => {
      const states = await stack.states(left);
      left = left.filter((_, i) => !READY.has(states[i] ?? ""));
      return left.length === 0;
    }, { timeoutMs, intervalMs: 250, what: "every task to reach a ready state" });
  } catch (error) {
    const first = left.slice(0, 5);
    const states = await stack.states(first);
    const runs = stack.runs();
    const trails = await Promise.all(first.map((id) => stack.trail(id).catch((e: Error) => [`(no broker log: ${e.message})`])));
    const detail = first.map((id, i) => `${id}=${states[i] ?? "PENDING"} started ${runs.started.get(id) ?? 0} returned ${runs.returned.get(id) ?? 0}\n    ${trails[i].join("\n    ")}`);
    throw new Error(`${left.length} of ${ids.length} tasks not ready after ${timeoutMs} ms:\n${detail.join("\n")}\nworker log:\n${stack.workerLog().slice(-3000)}`, { cause: error });
  }
  return Date.now() - start;
}

/** States, body runs and their counts per task kind, for the assertions and the printed figures. */
export async function outcome(stack: FaultStack, sent: Burst["sent"]) {
  const states = await stack.states(sent.map((s) => s.id));
  const runs = stack.runs();
  const byState: Record<string, number> = {};
  states.forEach((s) => (byState[s ?? "PENDING"] = (byState[s ?? "PENDING"] ?? 0) + 1));
  const of = (kind: FaultTaskName) => sent.map((s, i) => ({ ...s, state: states[i], started: runs.started.get(s.id) ?? 0, returned: runs.returned.get(s.id) ?? 0 })).filter((s) => s.task === kind);
  const early = of("fault_early");
  const late = of("fault_late");
  return {
    states: byState,
    early,
    late,
    /** Ack-early bodies that started more than once (must be 0). */
    earlyRunTwice: early.filter((t) => t.started > 1).length,
    /** Bodies that returned but whose task is not SUCCESS. */
    returnedNotSuccess: [...early, ...late].filter((t) => t.returned > 0 && t.state !== "SUCCESS").length,
    /** acksLate bodies that started again after an earlier run had returned. */
    lateRerunAfterReturn: late.filter((t) => t.returned > 0 && t.started > 1).length,
    lateRunTwice: late.filter((t) => t.started > 1).length,
    neverRan: [...early, ...late].filter((t) => t.started === 0).length,
  };
}

/** Print one scenario's figures as one JSON line (the README's Reliability table is made from them). */
export function printFigures(scenario: string, figures: Record<string, unknown>): void {
  // eslint-disable-next-line no-console
  console.log(JSON.stringify({ scenario, ...figures }));
}
