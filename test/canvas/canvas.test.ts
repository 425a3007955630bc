/**
 * The canvas in-process (harness: the worker on a recording broker and an in-memory backend, each
 * published message delivered by `drain`): chain, group, chord, callbacks, composition, bad input.
 * The same behaviour on the real stack (local broker, Redis through the bridge) is in
 * test/e2e/canvas.test.ts.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient, task } from "../../src/index.ts";
import { chain, chord, ChordError, group, GroupResult, signature } from "../../src/canvas/index.ts";
import { setContextStorage } from "../../src/current.ts";
import { createTestHarness } from "../../src/testing/index.ts";

beforeAll(() => setContextStorage(new AsyncLocalStorage()));
afterAll(() => setContextStorage(undefined));

const ran: string[] = [];
const add = task({ name: "cv_add", input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => (ran.push(`add ${a}+${b}`), a + b));
const double = task({ name: "cv_double", input: z.number() }, (n) => (ran.push(`double ${n}`), n * 2));
const toPair = task({ name: "cv_to_pair", input: z.number() }, (n) => ({ a: n, b: 1 }));
const sum = task({ name: "cv_sum", input: z.array(z.number()) }, (xs) => (ran.push(`sum ${xs.length}`), xs.reduce((s, x) => s + x, 0)));
const boom = task({ name: "cv_boom", input: z.unknown(), maxRetries: 0 }, () => {
  throw new TypeError("boom");
});
const errback = task({ name: "cv_errback", input: z.object({ id: z.string(), task: z.string(), error: z.object({ type: z.string(), message: z.string() }) }) }, (f) => f);
const parent = task({ name: "cv_parent", input: z.object({}) }, async (_i, ctx) => {
  const a = await ctx.send(double, 1);
  const b = await double.delay(2);
  const c = await ctx.send(chain(double.s(), double.s()), {}).catch((e: Error) => e.name);
  return { a: a.id, b: b.id, c };
});
const replacer = task({ name: "cv_replacer", input: z.number() }, async (n, ctx) => await ctx.replace(double.si(n * 10)));
const tasks = [add, double, toPair, sum, boom, errback, parent, replacer];

/** A harness whose `published` lists every message ever published (the broker's `take()` empties its own list). */
function harness() {
  ran.length = 0;
  const h = createTestHarness({ tasks });
  const published: { task: string; id: string; input: unknown }[] = [];
  const publish = h.broker.publish.bind(h.broker);
  h.broker.publish = async (request) => {
    const result = await publish(request);
    if (!result.deduplicated) published.push(JSON.parse(request.body));
    return result;
  };
  return Object.assign(h, { published });
}

describe("chain", () => {
  it("chain passes each result to the next step and answers the last step's result", async () => {
    const h = harness();
    const r = await h.client.send(chain(add.s({ a: 1, b: 2 }), double.s(), toPair.s(), add.s()));
    await h.drain();
    expect(await r.get({ timeoutMs: 1000 })).toBe(7); // (1+2)*2 = 6 → {a: 6, b: 1} → 7
  });

  it("chain with a failing middle step stores FAILURE on it, sends its linkError, and never runs the rest", async () => {
    const h = harness();
    const failing = boom.s();
    const r = await h.client.send(chain(double.si(1), failing, double.s()), { linkError: errback.s() });
    await h.drain();
    expect(ran).toEqual(["double 1"]);
    const meta = await h.backend.getMeta(r.id);
    expect(meta).toBeNull(); // the last step never ran
    const stored = h.published;
    const boomId = stored.find((m) => m.task === "cv_boom")!.id;
    expect((await h.backend.getMeta(boomId))?.status).toBe("FAILURE");
    const errbacks = stored.filter((m) => m.task === "cv_errback");
    expect(errbacks).toHaveLength(1);
    expect(errbacks[0].input).toMatchObject({ id: boomId, task: "cv_boom", error: { type: "TypeError", message: "boom" } });
    expect(await h.client.result(errbacks[0].id).get({ timeoutMs: 1000 })).toMatchObject({ id: boomId });
  });

  it("an immutable step ignores the previous result", async () => {
    const h = harness();
    const r = await h.client.send(chain(double.si(5), add.si({ a: 1, b: 1 })));
    await h.drain();
    expect(await r.get({ timeoutMs: 1000 })).toBe(2);
  });
});

describe("group", () => {
  it("group answers results in call order, counts completions, and is restored by id", async () => {
    const h = harness();
    const g = await h.client.send(group(double.si(1), double.si(2), add.si({ a: 3, b: 4 })));
    expect(g).toBeInstanceOf(GroupResult);
    expect(await g.completedCount()).toBe(0);
    expect(await g.ready()).toBe(false);
    // Deliver in reverse order: the results still come back in call order.
    for (const m of h.broker.take().reverse()) await h.deliver(m);
    expect(await g.get({ timeoutMs: 1000 })).toEqual([2, 4, 7]);
    expect(await g.completedCount()).toBe(3);
    const restored = await h.client.groupResult(g.id);
    expect(restored?.results.map((r) => r.id)).toEqual(g.results.map((r) => r.id));
    expect(await restored!.get({ timeoutMs: 1000 })).toEqual([2, 4, 7]);
  });

  it("group revoke revokes every member", async () => {
    const h = harness();
    const g = await h.client.send(group(double.si(1), double.si(2)));
    await g.revoke();
    await h.drain();
    expect(ran).toEqual([]);
    expect(await g.ready()).toBe(true);
  });
});

describe("chord", () => {
  it("chord runs its body once with every header result in order, whatever the duplicates", async () => {
    const h = harness();
    const r = await h.client.send(chord(Array.from({ length: 20 }, (_, i) => double.si(i)), sum.s()));
    const header = h.broker.take();
    // Every header delivery twice, in reverse order.
    for (const m of [...header.reverse(), ...header]) await h.deliver(m);
    await h.drain();
    expect(await r.get({ timeoutMs: 1000 })).toBe(380);
    expect(h.published.filter((m) => m.task === "cv_sum")).toHaveLength(1);
    expect(ran.filter((line) => line.startsWith("sum"))).toHaveLength(1);
  });

  it("a failed header fails the body with a ChordError naming the failed task, and sends the error callbacks", async () => {
    const h = harness();
    const r = await h.client.send(chord([double.si(1), boom.si(null), double.si(2)], sum.s()), { linkError: errback.s() });
    await h.drain();
    const failure = await r.get({ timeoutMs: 1000 }).catch((e: Error) => e);
    expect(failure).toMatchObject({ name: "ChordError" });
    const boomId = h.published.find((m) => m.task === "cv_boom")!.id;
    expect((failure as Error).message).toContain(boomId);
    expect((failure as Error).message).toContain("TypeError: boom");
    const errbacks = h.published.filter((m) => m.task === "cv_errback").map((m) => m.input);
    expect(errbacks).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: boomId, error: { type: "TypeError", message: "boom" } }),
      expect.objectContaining({ id: r.id, error: expect.objectContaining({ type: "ChordError" }) }),
    ]));
    expect(ChordError.name).toBe("ChordError");
  });

  it("a revoked header task fails the chord with a ChordError naming it, instead of leaving the body waiting forever", async () => {
    const h = harness();
    const r = await h.client.send(chord([double.si(1), double.si(2)], sum.s()));
    const header = h.published.filter((m) => m.task === "cv_double");
    await h.client.revoke(header[1]!.id);
    await h.drain();
    const failure = await r.get({ timeoutMs: 1000 }).catch((e: Error) => e);
    expect(failure).toMatchObject({ name: "ChordError" });
    expect((failure as Error).message).toContain(`${header[1]!.id} (cv_double) raised TaskRevokedError`);
    expect(ran).toEqual(["double 1"]);
  });
});

describe("composition", () => {
  it("group in a chain: the next step gets the group's results (a chord)", async () => {
    const h = harness();
    const r = await h.client.send(chain(double.si(1), group(double.s(), double.s()), sum.s()));
    await h.drain();
    expect(await r.get({ timeoutMs: 1000 })).toBe(8);
  });

  it("chord in a chain, with a chain as its body and a step after it", async () => {
    const h = harness();
    const r = await h.client.send(chain(toPair.si(1), chord([add.s(), add.s()], chain(sum.s(), double.s())), double.s()));
    await h.drain();
    expect(await r.get({ timeoutMs: 1000 })).toBe(16); // {1,1} → [2, 2] → 4 → 8 → 16
  });

  it("chain in a group: the group's result is each chain's last result", async () => {
    const h = harness();
    const g = await h.client.send(group(chain(double.si(1), double.s()), double.si(10)));
    await h.drain();
    expect(await g.get({ timeoutMs: 1000 })).toEqual([4, 20]);
  });

  it("a chain in a chord header joins when its last step finishes", async () => {
    const h = harness();
    const r = await h.client.send(chord([chain(double.si(1), double.s()), double.si(3)], sum.s()));
    await h.drain();
    expect(await r.get({ timeoutMs: 1000 })).toBe(10);
  });
});

describe("callbacks and bad input", () => {
  it("link on a plain send runs with the result", async () => {
    const h = harness();
    const r = await h.client.send(double, 4, { link: double.s() });
    await h.drain();
    expect(await r.get({ timeoutMs: 1000 })).toBe(8);
    expect(ran).toEqual(["double 4", "double 8"]);
  });

  it("a canvas naming an unknown task is refused at send when the client knows the tasks", async () => {
    const h = harness();
    await expect(h.client.send(chain(double.si(1), signature("cv_nope")))).rejects.toMatchObject({ name: "NotRegistered" });
    expect(h.broker.messages).toHaveLength(0);
  });

  it("a client that does not know the tasks publishes the canvas; the step naming an unknown task fails NotRegistered, sends its linkError, and the rest never runs", async () => {
    const h = harness();
    const blind = createClient({ broker: h.broker, backend: h.backend, workerUrl: h.publicUrl, setAsCurrent: false });
    const last = await blind.send(chain(double.si(1), signature("cv_nope"), double.si(3)), { linkError: errback.s() });
    await h.drain();
    expect(ran).toEqual(["double 1"]);
    const nope = h.published.find((m) => m.task === "cv_errback")!.input as { id: string; task: string; error: { type: string } };
    expect(nope).toMatchObject({ task: "cv_nope", error: { type: "NotRegistered" } });
    expect(await h.backend.getMeta(nope.id)).toMatchObject({ status: "FAILURE", name: "cv_nope" });
    expect(await last.state).toBe("PENDING");
  });

  it("a canvas whose message would pass the broker's 1 MiB is refused with a clear error, nothing published (413 over HTTP)", async () => {
    const h = createTestHarness({ tasks, apiToken: "t" });
    const big = "x".repeat(600_000);
    const canvas = chord([double.si(1), double.si(2)], signature("cv_sum", [big, big]));
    await expect(h.client.send(canvas)).rejects.toThrow(/over the broker's limit of 1048576.*carries its remaining steps/);
    const res = await h.worker.app.request("/api/canvas", {
      method: "POST", headers: { authorization: "Bearer t", "content-type": "application/json" }, body: JSON.stringify({
        // 400 KB sent; the first message carries the rest of the chain, each step with its own copy of the error callback.
        canvas: chain(double.si(1), double.s(), double.s()), options: { linkError: signature("cv_errback", { id: "y".repeat(400_000) }, { immutable: true }) },
      }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toContain("over the broker's limit");
  });

  it("a chord with no header whose callback's partial input cannot take [] is refused at send (400 over HTTP), nothing published", async () => {
    const h = createTestHarness({ tasks, apiToken: "t" });
    const res = await h.worker.app.request("/api/canvas", {
      method: "POST", headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: JSON.stringify({ canvas: { kind: "chord", header: [], body: { kind: "chain", steps: [{ task: "cv_sum", input: "" }] } }, options: {} }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^Step "cv_sum" has a partial input, and the previous step returned \[\]/);
    expect(h.broker.messages).toHaveLength(0);
  });

  it("ctx.send and delay() inside a task set the child's parent; a canvas sent from a task is refused NotRegistered when it names no served task", async () => {
    const h = harness();
    const r = await h.client.send(parent, {});
    await h.drain();
    const out = (await r.get({ timeoutMs: 1000 })) as { a: string; b: string; c: unknown };
    for (const id of [out.a, out.b]) expect(await h.backend.getMeta(id)).toMatchObject({ parent_id: r.id, root_id: r.id });
    // Celery's children in the parent's stored meta; the result view lists them, and each child names its parent.
    expect((await h.backend.getMeta(r.id))?.children).toEqual(expect.arrayContaining([[[out.a, null], null], [[out.b, null], null]]));
    expect((await r.view()).children).toEqual(expect.arrayContaining([out.a, out.b]));
    expect((await h.client.result(out.a).view()).parentId).toBe(r.id);
    expect(typeof out.c).toBe("object"); // a GroupResult/AsyncResult serialized: the chain was sent
  });

  it("ctx.replace runs the replacement in the task's place: the chain continues after it and the original id gets its result", async () => {
    const h = harness();
    const r = await h.client.send(chain(replacer.si(2), double.s()));
    await h.drain();
    expect(await r.get({ timeoutMs: 1000 })).toBe(80); // replaced by double(20) = 40, then the chain's double
    const first = h.published[0].id;
    expect(await h.client.result(first).get({ timeoutMs: 1000 })).toBe(40);
  });
});
