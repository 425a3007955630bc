/**
 * Tasks of the worker-crash test, shared by the child worker process (which runs them) and the
 * test (whose client needs their options to shape the messages). Each body start appends
 * `<name> <Upstash-Retried>` to `runFile`; the first delivery then hangs (the process is killed
 * there), a redelivery returns.
 */
import { appendFileSync } from "node:fs";
import { z } from "zod";
import { type AnyTask, task, type TaskContext } from "../../src/index.ts";

/** Hard time limit of the crash tasks, and the lease the crash test gives its worker. */
export const CRASH_TIME_LIMIT_SEC = 2;

export function crashTasks(runFile: string): AnyTask[] {
  const body = (name: string) => async (_input: unknown, ctx: TaskContext): Promise<string> => {
    appendFileSync(runFile, `${name} ${ctx.request.deliveryInfo.retried}\n`);
    if (ctx.request.deliveryInfo.retried > 0) return "finished on redelivery";
    return await new Promise<never>(() => {}); // hangs until the process is killed
  };
  return [
    task({ name: "crash_early", input: z.object({}), timeLimit: CRASH_TIME_LIMIT_SEC }, body("crash_early")),
    task({ name: "crash_late", input: z.object({}), timeLimit: CRASH_TIME_LIMIT_SEC, acksLate: true }, body("crash_late")),
  ];
}
