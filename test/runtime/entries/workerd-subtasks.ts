/**
 * Workers entry for the subtask test on workerd (test/runtime/workerd.test.ts): a parent task
 * that sends a child with `ctx.send` and another with `delay()`, and tries `get()` on one of
 * them (which must raise `SyncSubtaskError` inside a task). Served with wrangler.toml's settings
 * (its `nodejs_als` flag) and this file as the entry.
 */
import { z } from "zod";
import { createCloudflareWorker } from "../../../src/adapters/cloudflare.ts";
import { task } from "../../../src/index.ts";

export const child = task({ name: "rt_child", input: z.object({ n: z.number() }) }, ({ n }) => n * 2);

export const parent = task({ name: "rt_parent", input: z.object({}) }, async (_input, ctx) => {
  const viaSend = await ctx.send(child, { n: 1 });
  const viaDelay = await child.delay({ n: 2 });
  let getError: string | null = null;
  try {
    await viaDelay.get({ timeoutMs: 5_000 });
  } catch (error) {
    getError = (error as Error).name;
  }
  return { viaSend: viaSend.id, viaDelay: viaDelay.id, getError };
});

export default createCloudflareWorker({ tasks: [child, parent] });
