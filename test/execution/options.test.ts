/**
 * Issue #20 items 5 and 7: a call's options win over the task's (Celery: call > task > defaults),
 * `storeErrorsEvenIfIgnored` stores the failures of an ignored task, and a return value failing
 * the output schema is a non-retryable `OutputValidationError`, also under `autoretryFor: [TypeError]`.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { task } from "../../src/index.ts";
import { createTestHarness } from "../../src/testing/index.ts";

describe("option precedence", () => {
  const quiet = task({ name: "opt_quiet", input: z.object({ n: z.number() }), ignoreResult: true }, ({ n }) => n * 2);

  it("ignoreResult: false at send stores the result of a task defined with ignoreResult: true", async () => {
    const h = createTestHarness({ tasks: [quiet] });
    const stored = await h.client.send(quiet, { n: 2 }, { ignoreResult: false });
    const ignored = await h.client.send(quiet, { n: 3 });
    await h.drain();
    expect(await stored.get({ timeoutMs: 1000 })).toBe(4);
    expect(await ignored.state).toBe("PENDING");
  });

  it("the call wins also when the sender did not know the task (sent by name, no manifest)", async () => {
    const h = createTestHarness({ tasks: [quiet] });
    const { createClient } = await import("../../src/index.ts");
    const byName = createClient({ broker: h.broker, backend: h.backend, workerUrl: h.publicUrl, setAsCurrent: false });
    const stored = await byName.send("opt_quiet", { n: 5 }, { ignoreResult: false });
    const ignored = await byName.send("opt_quiet", { n: 6 });
    expect(JSON.parse(h.broker.messages[1].body).ignoreResult).toBeNull(); // left to the task
    await h.drain();
    expect(await stored.get({ timeoutMs: 1000 })).toBe(10);
    expect(await ignored.state).toBe("PENDING");
  });

  it("ignoreResult: true at send ignores the result of a task that stores results", async () => {
    const loud = task({ name: "opt_loud", input: z.object({}) }, () => "x");
    const h = createTestHarness({ tasks: [loud] });
    const r = await h.client.send(loud, {}, { ignoreResult: true });
    await h.drain();
    expect(await r.state).toBe("PENDING");
  });
});

describe("worker defaults (createWorker({ taskDefaults }))", () => {
  it("fill what a task leaves out; the task's own option and then the call's win over them", async () => {
    const { createWorker, createClient } = await import("../../src/index.ts");
    const { RecordingBroker, MemoryBackend } = await import("../../src/testing/index.ts");
    const plain = task({ name: "wd_plain", input: z.object({}) }, () => "plain");
    const keeps = task({ name: "wd_keeps", input: z.object({}), ignoreResult: false }, () => "keeps");
    const backend = new MemoryBackend();
    const broker = new RecordingBroker();
    const worker = createWorker({
      tasks: [plain, keeps], backend, broker, publicUrl: "http://w.test", taskDefaults: { ignoreResult: true, maxRetries: 7 },
      verifier: { verify: async () => {} },
    });
    expect([worker.runtime.registry.get("wd_plain").options.maxRetries, plain.options.maxRetries]).toEqual([7, 3]);
    const client = createClient({ broker, backend, workerUrl: "http://w.test", tasks: [plain, keeps], setAsCurrent: false });
    const ignored = await client.send(plain, {});
    const byTask = await client.send(keeps, {});
    const byCall = await client.send(plain, {}, { ignoreResult: false });
    for (const m of broker.take()) await worker.app.request(m.url, { method: "POST", body: m.body, headers: { "upstash-signature": "x" } });
    expect(await Promise.all([ignored, byTask, byCall].map((r) => r.state))).toEqual(["PENDING", "SUCCESS", "SUCCESS"]);
  });
});

describe("storeErrorsEvenIfIgnored", () => {
  it("an ignored task's failure stays PENDING without it, and is stored as FAILURE with it", async () => {
    const plain = task({ name: "opt_fail_plain", input: z.object({}), ignoreResult: true }, () => {
      throw new Error("boom");
    });
    const keeps = task({ name: "opt_fail_kept", input: z.object({}), ignoreResult: true, storeErrorsEvenIfIgnored: true }, () => {
      throw new Error("boom");
    });
    const h = createTestHarness({ tasks: [plain, keeps] });
    const a = await h.client.send(plain, {});
    const b = await h.client.send(keeps, {});
    await h.drain();
    expect(await a.state).toBe("PENDING");
    expect(await b.state).toBe("FAILURE");
    expect((await b.get({ timeoutMs: 100 }).catch((e) => e)).message).toBe("boom");
  });

  it("stores RETRY of an ignored task too, and still no SUCCESS", async () => {
    let runs = 0;
    const flaky = task({ name: "opt_retry_kept", input: z.object({}), ignoreResult: true, storeErrorsEvenIfIgnored: true }, async (_i, ctx) => {
      if (runs++ === 0) return await ctx.retry({ countdown: 1 });
      return "done";
    });
    const h = createTestHarness({ tasks: [flaky] });
    const r = await h.client.send(flaky, {});
    await h.deliver(h.broker.take()[0]);
    expect(await r.state).toBe("RETRY");
    await h.drain();
    expect(runs).toBe(2);
    expect(await r.state).toBe("RETRY"); // the SUCCESS is ignored, as Celery does
  });
});

describe("output schema", () => {
  it("a value failing the output schema is an OutputValidationError, never autoretried, even with autoretryFor: [TypeError]", async () => {
    let runs = 0;
    const bad = task({
      name: "opt_bad_output", input: z.object({}), output: z.object({ id: z.string() }),
      autoretryFor: [TypeError, Error], maxRetries: 5,
    }, () => {
      runs++;
      return { id: 7 } as unknown as { id: string };
    });
    const h = createTestHarness({ tasks: [bad] });
    const r = await h.client.send(bad, {});
    const responses = await h.drain();
    expect(runs).toBe(1);
    expect(responses.map((res) => res.status)).toEqual([489]);
    const error = await r.get({ timeoutMs: 100 }).catch((e) => e);
    expect(error.name).toBe("OutputValidationError");
    expect(error.message).toMatch(/output schema.*id/);
    expect(error.data).toEqual([expect.objectContaining({ path: ["id"] })]);
  });
});
