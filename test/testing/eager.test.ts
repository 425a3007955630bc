/**
 * Issue #20 item 8: eager mode. `task.apply()` runs a task inline with the worker's full
 * semantics (schemas, states in the given backend, hooks, retries run inline at once) and
 * resolves with a result handle; `createClient({ eager: true })` runs every send that way
 * (Celery's task_always_eager), children and retries included. No worker, broker or HTTP to set up.
 */
import "../../src/testing/index.ts";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient, task } from "../../src/index.ts";
import { MemoryBackend } from "../../src/testing/index.ts";

class Flaky extends Error {
  override name = "Flaky";
}

describe("task.apply()", () => {
  it("runs inline and resolves done: SUCCESS stored in the given backend, ctx.request.isEager true", async () => {
    const seen: boolean[] = [];
    const add = task({ name: "eager_add", input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }, ctx) => {
      seen.push(ctx.request.isEager);
      return a + b;
    });
    const backend = new MemoryBackend();
    const r = await add.apply({ a: 2, b: 3 }, { backend });
    expect(await r.state).toBe("SUCCESS"); // already done: no waiting
    expect(await r.get({ timeoutMs: 1 })).toBe(5);
    expect((await backend.getMeta(r.id))?.status).toBe("SUCCESS");
    expect(seen).toEqual([true]);
  });

  it("retries run inline at once (no 180 s wait), with states and hooks, until the task succeeds", async () => {
    let runs = 0;
    const retried: number[] = [];
    const flaky = task({
      name: "eager_flaky", input: z.object({}), autoretryFor: [Flaky], maxRetries: 5,
      onRetry: (_e, ctx) => void retried.push(ctx.request.retries),
    }, () => {
      if (++runs < 3) throw new Flaky("not yet");
      return "ok";
    });
    const r = await flaky.apply({});
    expect([runs, retried, await r.get({ timeoutMs: 1 })]).toEqual([3, [0, 1], "ok"]);
  });

  it("a failure is stored and raised by get(); bad input is an InputValidationError; maxRetries exhausted inline", async () => {
    const broken = task({ name: "eager_broken", input: z.object({ n: z.number() }), autoretryFor: [Flaky], maxRetries: 2 }, () => {
      throw new Flaky("always");
    });
    const r = await broken.apply({ n: 1 });
    expect(await r.state).toBe("FAILURE");
    expect((await r.get({ timeoutMs: 1 }).catch((e) => e)).name).toBe("Flaky");
    expect((await r.view()).retries).toBe(2);
    const bad = await broken.apply({ n: "x" } as never);
    expect((await bad.get({ timeoutMs: 1 }).catch((e) => e)).name).toBe("InputValidationError");
  });
});

describe("createClient({ eager: true })", () => {
  it("every send runs inline; a task's ctx.send of another task runs inline too, as its child", async () => {
    const child = task({ name: "eager_child", input: z.object({ n: z.number() }) }, ({ n }) => n * 10);
    const parent = task({ name: "eager_parent", input: z.object({ n: z.number() }) }, async ({ n }, ctx) => (await ctx.send(child, { n })).id);
    const backend = new MemoryBackend();
    const client = createClient({ eager: true, tasks: [parent, child], backend, setAsCurrent: false });
    const r = await client.send("eager_parent", { n: 4 });
    const childId = (await r.get({ timeoutMs: 1 })) as string;
    const childMeta = await backend.getMeta(childId);
    expect([childMeta?.status, childMeta?.result, childMeta?.parent_id]).toEqual(["SUCCESS", 40, r.id]);
  });

  it("as the current client, task.delay() runs inline", async () => {
    const double = task({ name: "eager_double", input: z.number() }, (n) => n * 2);
    createClient({ eager: true, tasks: [double] });
    expect(await (await double.delay(21)).get({ timeoutMs: 1 })).toBe(42);
  });
});
