/**
 * The tasks of the fault-injection suite, shared by the worker processes (which run them) and the
 * test's client (whose messages their options shape). Each body start appends `B <id> <pid>` to
 * the worker's run log and each body return `E <id> <pid>` (append-only, synchronous: the lines
 * survive a SIGKILL and a Redis outage), so a scenario counts how often each body ran.
 * @module
 */
import { appendFileSync } from "node:fs";
import { z } from "zod";
import { type AnyTask, task, type TaskContext } from "../../../src/index.ts";

/** Hard time limit of the fault tasks, seconds; the workers' `lease` is 1 s more. */
export const FAULT_TIME_LIMIT_SEC = 5;

/** Delivery retries of the fault tasks' messages (QStash's default is 3): a message may meet more than one fault. */
export const FAULT_DELIVERY_RETRIES = 6;

const input = z.object({ workMs: z.number().int().min(0).max(2_000) });

function body(runLog: string) {
  return async ({ workMs }: { workMs: number }, ctx: TaskContext): Promise<string> => {
    appendFileSync(runLog, `B ${ctx.request.id} ${process.pid}\n`);
    if (workMs > 0) await new Promise((resolve) => setTimeout(resolve, workMs)); // the task's own work, not a test synchronisation
    appendFileSync(runLog, `E ${ctx.request.id} ${process.pid}\n`);
    return ctx.request.id;
  };
}

/**
 * The kill test's bodies: the first delivery works until its worker is killed (`firstMs`, longer
 * than the test needs to kill it, shorter than a 5 s time limit); a redelivery returns at once.
 */
function killBody(runLog: string) {
  return async ({ firstMs }: { firstMs: number }, ctx: TaskContext): Promise<string> => {
    appendFileSync(runLog, `B ${ctx.request.id} ${process.pid}\n`);
    if (ctx.request.deliveryInfo.retried === 0) await new Promise((resolve) => setTimeout(resolve, firstMs)); // the task's own work
    appendFileSync(runLog, `E ${ctx.request.id} ${process.pid}\n`);
    return ctx.request.id;
  };
}

/** The kill test's groups: time limit 5 s or none × ack early or late × the broker's default delivery retries or 1. */
export const KILL_GROUPS = [5, undefined].flatMap((timeLimit) => [false, true].flatMap((acksLate) => [undefined, 1].map((deliveryRetries) => ({
  name: `kill_${acksLate ? "late" : "early"}_${timeLimit ? `tl${timeLimit}` : "nolimit"}${deliveryRetries ? `_r${deliveryRetries}` : ""}`,
  timeLimit, acksLate, deliveryRetries,
}))));

/** `fault_early` (Celery's default ack) and `fault_late` (`acksLate`), both recording each run in `runLog`; and the kill test's tasks. */
export function faultTasks(runLog: string): AnyTask[] {
  const killInput = z.object({ firstMs: z.number().int().min(0).max(60_000) });
  return [
    task({ name: "fault_early", input, timeLimit: FAULT_TIME_LIMIT_SEC, deliveryRetries: FAULT_DELIVERY_RETRIES }, body(runLog)),
    task({ name: "fault_late", input, timeLimit: FAULT_TIME_LIMIT_SEC, deliveryRetries: FAULT_DELIVERY_RETRIES, acksLate: true }, body(runLog)),
    ...KILL_GROUPS.map((g) => task({ name: g.name, input: killInput, timeLimit: g.timeLimit, acksLate: g.acksLate, deliveryRetries: g.deliveryRetries }, killBody(runLog))),
  ];
}
