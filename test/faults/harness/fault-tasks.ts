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

/** `fault_early` (Celery's default ack) and `fault_late` (`acksLate`), both recording each run in `runLog`. */
export function faultTasks(runLog: string): AnyTask[] {
  return [
    task({ name: "fault_early", input, timeLimit: FAULT_TIME_LIMIT_SEC, deliveryRetries: FAULT_DELIVERY_RETRIES }, body(runLog)),
    task({ name: "fault_late", input, timeLimit: FAULT_TIME_LIMIT_SEC, deliveryRetries: FAULT_DELIVERY_RETRIES, acksLate: true }, body(runLog)),
  ];
}
