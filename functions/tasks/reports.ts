/**
 * `main_prepare_a_massive_report`: seed 001's long report. It takes a per-object lock (so two
 * runs for the same data never overlap, and the lock expires if the worker dies), and reports
 * PROGRESS that `AsyncResult.info` and the dashboard show.
 */
import { z } from "zod";
import { LockNotAcquiredError, task } from "../../src/index.ts";

export const prepareReport = task({
  name: "main_prepare_a_massive_report",
  description: "Build a report in steps, under a per-object lock, reporting progress.",
  input: z.object({ dataId: z.number().int(), steps: z.number().int().min(1).max(100).default(5) }),
  trackStarted: true,
  timeLimit: "25m",
  softTimeLimit: "20m",
  throws: [LockNotAcquiredError],
}, async ({ dataId, steps }, ctx) => {
  return await ctx.withLock(`report_${dataId}`, { timeout: "20m", blockingTimeout: 1 }, async () => {
    let rows = 0;
    for (let step = 1; step <= steps; step++) {
      ctx.signal.throwIfAborted();
      rows += await prepareReportChunk(dataId, step);
      await ctx.updateState("PROGRESS", { current: step, total: steps });
    }
    return { dataId, rows };
  });
});

/** The actual logic, kept apart from the task (seed 001: "separate celery task from the actual logic"). */
export async function prepareReportChunk(dataId: number, step: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 300)); // stands in for a slow query

  return (dataId * 31 + step * 17) % 100;
}
