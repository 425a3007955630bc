import { describe, expect, it } from "vitest";
import { z } from "zod";
import { task } from "../../src/index.ts";
import { createTestHarness, serializeEnvelope, TEST_SIGNING_KEYS } from "../../src/testing/index.ts";

class HttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HttpError";
  }
}

let runs = 0;
const add = task({ name: "t_add", input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => {
  runs++;
  return a + b;
});
const boom = task({ name: "t_boom", input: z.object({}) }, () => {
  throw new HttpError("upstream said no");
});
const progress = task({ name: "t_progress", input: z.object({ steps: z.number() }), trackStarted: true }, async ({ steps }, ctx) => {
  for (let i = 1; i <= steps; i++) await ctx.updateState("PROGRESS", { current: i, total: steps });
  return "done";
});
const quiet = task({ name: "t_quiet", input: z.object({}), ignoreResult: true }, () => 42);

function harness() {
  return createTestHarness({ tasks: [add, boom, progress, quiet], apiToken: "secret-token" });
}

describe("broker deliveries", () => {
  it("a signed delivery runs the task and stores SUCCESS", async () => {
    const h = harness();
    const result = await h.client.send("t_add", { a: 2, b: 3 });
    const [res] = await h.drain();
    expect(res.status).toBe(200);
    expect(await result.get({ timeoutMs: 1000 })).toBe(5);
    expect(await result.state).toBe("SUCCESS");
  });

  it("a failing task stores FAILURE, answers 489 non-retryable, and get() re-raises its type and message", async () => {
    const h = harness();
    const result = await h.client.send("t_boom", {});
    const [res] = await h.drain();
    expect(res.status).toBe(489);
    expect(res.headers.get("Upstash-NonRetryable-Error")).toBe("true");
    const error = (await result.get({ timeoutMs: 1000 }).catch((e: unknown) => e)) as Error & { remoteStack?: string };
    expect(error.name).toBe("HttpError");
    expect(error.message).toBe("upstream said no");
    expect(error.remoteStack).toContain("upstream said no");
  });

  it("updateState PROGRESS is visible as state and info, then SUCCESS", async () => {
    const h = harness();
    const seen: unknown[] = [];
    const result = await h.client.send("t_progress", { steps: 2 });
    const original = h.backend.storeAttemptMeta.bind(h.backend);
    h.backend.storeAttemptMeta = async (meta, ttl, fence, options) => {
      seen.push([meta?.status, meta?.result]);
      return await original(meta, ttl, fence, options);
    };
    await h.drain();
    expect(seen).toEqual([["PROGRESS", { current: 1, total: 2 }], ["PROGRESS", { current: 2, total: 2 }], ["SUCCESS", "done"]]);
    expect(await result.info).toBe("done");
  });

  it("trackStarted stores STARTED with the worker's hostname before the handler runs", async () => {
    const h = harness();
    let stateDuringRun: string | undefined;
    const probe = task({ name: "t_probe", input: z.object({}), trackStarted: true }, async (_i, ctx) => {
      stateDuringRun = (await h.backend.getMeta(ctx.request.id))?.status;
    });
    h.worker.runtime.registry.add(probe);
    await h.client.send("t_probe", {});
    await h.drain();
    expect(stateDuringRun).toBe("STARTED");
  });

  it("ignoreResult stores nothing: the result stays PENDING", async () => {
    const h = harness();
    const result = await h.client.send("t_quiet", {});
    const [res] = await h.drain();
    expect(res.status).toBe(200);
    expect(await result.state).toBe("PENDING");
  });

  it("input failing the schema is a FAILURE listing the issues, answered 489, and the handler never runs", async () => {
    const h = harness();
    const before = runs;
    const result = await h.client.send("t_add", { a: "two", b: 3 });
    const [res] = await h.drain();
    expect(res.status).toBe(489);
    expect(runs).toBe(before);
    const view = await result.view();
    expect(view.state).toBe("FAILURE");
    expect(view.error?.type).toBe("InputValidationError");
    expect(view.error?.message).toContain("a:");
    expect(view.error?.data).toEqual([expect.objectContaining({ path: ["a"] })]);
  });
});

describe("signatures", () => {
  async function published(h: ReturnType<typeof harness>) {
    await h.client.send("t_add", { a: 1, b: 1 });
    return h.broker.take()[0];
  }

  it("a delivery without a signature gets 401 and the task does not run", async () => {
    const h = harness();
    const m = await published(h);
    const before = runs;
    const res = await h.deliver(m, { signature: null });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatch(/missing Upstash-Signature/);
    expect(runs).toBe(before);
  });

  it("a tampered body, a wrong key, an expired token and a wrong URL each get 401 and the task does not run", async () => {
    const h = harness();
    const m = await published(h);
    const before = runs;
    const cases = {
      tampered: { ...m, signature: await h.sign(m.url, m.body), body: m.body.replace('"a":1', '"a":100') },
      wrongKey: { ...m, signature: await h.sign(m.url, m.body, "sig_someoneelse0000000000000") },
      expired: { ...m, signature: await h.sign(m.url, m.body, TEST_SIGNING_KEYS.current, Date.now() / 1000 - 3600) },
      wrongUrl: { ...m, signature: await h.sign("http://worker.test/tasks/other", m.body) },
    };
    for (const [name, c] of Object.entries(cases)) {
      const res = await h.deliver({ url: c.url, body: c.body }, { signature: c.signature });
      expect(res.status, name).toBe(401);
      expect((await res.json()).error, name).toMatch(/Signature check failed/);
    }
    expect(runs).toBe(before);
  });

  it("a delivery signed with the next key is accepted (key rotation)", async () => {
    const h = harness();
    const m = await published(h);
    const res = await h.deliver(m, { signature: await h.sign(m.url, m.body, TEST_SIGNING_KEYS.next) });
    expect(res.status).toBe(200);
  });
});

describe("bad deliveries get a clear error, never a crash", () => {
  const url = "http://worker.test/tasks/t_add";
  const envelope = { v: 1, id: "id-1", task: "t_add", input: { a: 1, b: 2 }, retries: 0 };

  it("malformed JSON (signed, so redelivering cannot help) gets 489 non-retryable saying the body is not JSON", async () => {
    const res = await harness().deliver({ url, body: "{not json" });
    expect(res.status).toBe(489);
    expect(res.headers.get("upstash-nonretryable-error")).toBe("true");
    expect((await res.json()).error).toMatch(/not valid JSON/);
  });

  it("an unknown envelope version gets 400 (retryable: a newer worker reads it) naming the version", async () => {
    const res = await harness().deliver({ url, body: JSON.stringify({ ...envelope, v: 99 }) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/Unknown envelope version 99/);
  });

  it("an envelope missing its id gets 489 non-retryable naming the field", async () => {
    const res = await harness().deliver({ url, body: JSON.stringify({ v: 1, task: "t_add", input: {} }) });
    expect(res.status).toBe(489);
    expect(res.headers.get("upstash-nonretryable-error")).toBe("true");
    expect((await res.json()).error).toMatch(/id/);
  });

  it("an unknown task name gets 404 listing the registered tasks", async () => {
    const body = serializeEnvelope({ ...envelope, task: "t_nope" } as never);
    const res = await harness().deliver({ url: "http://worker.test/tasks/t_nope", body });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/"t_nope" is not registered.*t_add/);
  });

  it("an oversized body gets 413 before anything runs", async () => {
    const h = createTestHarness({ tasks: [add] });
    const big = JSON.stringify({ ...envelope, input: { a: 1, b: 2, pad: "x".repeat(2 * 1024 * 1024) } });
    const res = await h.deliver({ url, body: big }, { signature: "unused" });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/larger than/);
  });
});
