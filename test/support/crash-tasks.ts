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
    // A chord header member (test/e2e/canvas-crash.test.ts): every fiftieth hangs on its first delivery (20 of 1,000: within the broker's 64 delivery slots), until the process is killed.
    task({ name: "crash_square", input: z.number(), timeLimit: 120, acksLate: true }, async (i, ctx) => {
      appendFileSync(runFile, `crash_square ${i} ${ctx.request.deliveryInfo.retried}\n`);
      if (i % 50 === 0 && ctx.request.deliveryInfo.retried === 0) await new Promise<never>(() => {});
      return i * i;
    }),
    task({ name: "crash_collect", input: z.array(z.number()) }, (xs) => {
      appendFileSync(runFile, `crash_collect ${xs.length} ${xs.every((x, i) => x === i * i)}\n`);
      return xs.length;
    }),
  ];
}
