/**
 * Issue #20 item 4: a task's rate limit, delivery timeout and default expiry hold however it is
 * sent. A client that sends by name without importing the tasks loads the manifest that
 * `celeriac manifest` writes from the functions module, and publishes what the task's own code
 * would; 20 sends of a "5/s" task are activated by the (real, local) broker at that rate.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type TaskManifest } from "../../src/index.ts";
import { QStashBroker } from "../../src/qstash.ts";
import { runManifest } from "../../src/node/deploy/manifest-command.ts";
import { createTestHarness } from "../../src/testing/index.ts";
import * as functions from "./fixtures/limited-functions.ts";
import { startStack, type Stack } from "../support/stack.ts";

const FUNCTIONS = "test/publish/fixtures/limited-functions.ts";

async function manifestFromCli(): Promise<TaskManifest> {
  let out = "";
  expect(await runManifest(["--functions", FUNCTIONS], { out: (t) => (out += t), err: () => {} })).toBe(0);
  return JSON.parse(out) as TaskManifest;
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe("task manifest", () => {
  it("celeriac manifest lists each task's broker-facing options", async () => {
    expect(await manifestFromCli()).toEqual({
      v: 1,
      tasks: {
        manifest_limited: { queue: "default", deliveryRetries: 2, expiresMs: 3_600_000, timeLimitMs: 20_000, rateLimit: "5/s" },
        manifest_build: { queue: "reports", deliveryRetries: 3 },
      },
    });
  });

  it("a by-name client with the manifest publishes flow control, timeout, expiry and queue as the task's code would; without it, none", async () => {
    const h = createTestHarness({ tasks: functions });
    const withManifest = createClient({ broker: h.broker, backend: h.backend, workerUrl: h.publicUrl, manifest: await manifestFromCli(), setAsCurrent: false });
    const bare = createClient({ broker: h.broker, backend: h.backend, workerUrl: h.publicUrl, setAsCurrent: false });
    await withManifest.send("manifest_limited", { n: 1 });
    await h.client.send(functions.limited, { n: 1 }); // the task's own code
    await bare.send("manifest_limited", { n: 1 });
    const [byName, byTask, unshaped] = h.broker.take();
    const shape = (m: typeof byName) => ({ flow: m.flowControl, timeout: m.timeoutSec, retries: m.retries, expires: JSON.parse(m.body).expires !== null, queue: m.queue });
    expect(shape(byName)).toEqual({ flow: { key: "manifest_limited", rate: 5, periodSec: 1 }, timeout: expect.any(Number), retries: 2, expires: true, queue: undefined });
    expect(shape(byName)).toEqual(shape(byTask));
    expect(shape(unshaped)).toEqual({ flow: undefined, timeout: undefined, retries: undefined, expires: false, queue: undefined });
    await withManifest.send("manifest_build", {});
    expect(h.broker.take()[0].queue).toBe("reports");
    await expect(withManifest.send("manifest_limted", { n: 1 })).rejects.toThrow(/not in the task manifest/);
  });

  it("20 sends by name from a client that does not import the tasks are activated at most 5 per second", async () => {
    stack = await startStack({ tasks: [functions.limited] });
    const publisher = new QStashBroker({ token: stack.broker.token, baseUrl: stack.brokerUrl });
    const client = createClient({ broker: publisher, backend: stack.backend, workerUrl: stack.workerUrl, manifest: await manifestFromCli(), setAsCurrent: false });
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => client.send("manifest_limited", { n })));
    expect(await Promise.all(results.map((r) => r.get({ timeoutMs: 30_000 })))).toEqual(Array.from({ length: 20 }, (_, n) => n));
    const active = (await publisher.listLogs({ state: "ACTIVE", count: 1000 })).items.map((e) => e.time).sort((a, b) => a - b);
    expect(active).toHaveLength(20);
    // The broker's windows are at least 1 s long and hold at most 5 activations: 20 need 4 windows,
    // and any 11 consecutive activations span more than one whole window. (50 ms slack: the log's
    // timestamp is read apart from the gate's clock reading. Unlimited, all 20 activate at once.)
    expect(active[19] - active[0]).toBeGreaterThanOrEqual(3000 - 50);
    for (let i = 0; i + 10 < active.length; i++) expect(active[i + 10] - active[i]).toBeGreaterThanOrEqual(1000 - 50);
  }, 60_000);
});

describe("a task's broker options hold however it is sent", () => {
  it("as the issue wrote it — createClient({ broker, backend, workerUrl }), no tasks, no manifest: the worker republishes each send once with the task's options, and the 20 runs are activated at most 5 per second", async () => {
    let runs = 0;
    const { task } = await import("../../src/index.ts");
    const { z } = await import("zod");
    const limited = task({ name: "bare_limited", input: z.object({ n: z.number() }), rateLimit: "5/s", expires: "1h" }, ({ n }) => (runs++, n));
    stack = await startStack({ tasks: [limited] });
    const publisher = new QStashBroker({ token: stack.broker.token, baseUrl: stack.brokerUrl });
    const client = createClient({ broker: publisher, backend: stack.backend, workerUrl: stack.workerUrl, setAsCurrent: false });
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => client.send("bare_limited", { n })));
    expect(await Promise.all(results.map((r) => r.get({ timeoutMs: 30_000 })))).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(runs).toBe(20);
    const entries = (await publisher.listLogs({ state: "ACTIVE", count: 1000 })).items;
    const shaped = entries.filter((e) => JSON.parse(e.body ?? "{}").shaped === true);
    expect([entries.length, shaped.length]).toEqual([40, 20]); // each bare send, then its republish
    expect(shaped.every((e) => JSON.parse(e.body!).expires !== null)).toBe(true);
    const active = shaped.map((e) => e.time).sort((a, b) => a - b);
    expect(active[19] - active[0]).toBeGreaterThanOrEqual(3000 - 50);
    for (let i = 0; i + 10 < active.length; i++) expect(active[i + 10] - active[i]).toBeGreaterThanOrEqual(1000 - 50);
  }, 60_000);


  it("over the HTTP API, from a schedule, from inside another task and on its retries: flow control, timeout, expiry and queue every time", async () => {
    const { schedule, task } = await import("../../src/index.ts");
    const { z } = await import("zod");
    let runs = 0;
    const limited = task(
      { name: "held_limited", input: z.object({}), rateLimit: "5/s", timeLimit: 20, expires: "1h", queue: "reports", autoretryFor: ["Flaky"], retryKwargs: { countdown: 1 } },
      () => {
        if (++runs === 1) throw Object.assign(new Error("once"), { name: "Flaky" });
        return "ok";
      },
    );
    const sender = task({ name: "held_sender", input: z.object({}) }, async (_i, ctx) => (await ctx.send(limited, {})).id);
    const every = schedule({ name: "held_every_minute", cron: "* * * * *", task: limited });
    const h = createTestHarness({ tasks: { limited, sender, every }, apiToken: "t" });
    const api = await h.worker.app.request("http://worker.test/api/tasks/held_limited", { method: "POST", headers: { authorization: "Bearer t" }, body: '{"input":{}}' });
    expect(api.status).toBe(202);
    await h.worker.schedules!.fireTick("held_every_minute", Date.parse("2030-01-01T00:00:00Z"));
    await h.client.send(sender, {});
    const published = h.broker.take();
    expect(published.map((m) => JSON.parse(m.body).task)).toEqual(["held_limited", "held_limited", "held_sender"]);
    await h.deliver(published[2]); // the sender publishes held_limited from inside a task
    const fromTask = h.broker.take();
    await h.deliver(fromTask[0]); // fails once: its retry is published
    const retry = h.broker.take();
    expect(JSON.parse(retry[0].body).retries).toBe(1);
    for (const m of [published[0], published[1], fromTask[0], retry[0]]) {
      expect({ flow: m.flowControl, timeout: m.timeoutSec, queue: m.queue, expires: JSON.parse(m.body).expires !== null })
        .toEqual({ flow: { key: "held_limited", rate: 5, periodSec: 1 }, timeout: expect.any(Number), queue: "reports", expires: true });
    }
  });
});
