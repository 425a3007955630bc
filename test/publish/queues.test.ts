/**
 * Issue #20 item 3: queues are real. A task's `queue` (a `queue()` with its parallelism, or a
 * name) and a send's `queue` go through the broker queue of that name; `syncQueues` sets its
 * parallelism on the broker, and no more deliveries than that run at once; the envelope, the
 * stored result and `GET /api/tasks` carry the queue; "default" stays a plain publish.
 * Real parts: the local broker over HTTP, the official QStash client, the worker over HTTP.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { queue, task } from "../../src/index.ts";
import { collectQueues, syncQueues } from "../../src/schedule/index.ts";
import { QStashBroker } from "../../src/qstash.ts";
import { QStashFetchBroker } from "../../src/broker/qstash-fetch.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe("queues", () => {
  it("a task on queue({ parallelism: 2 }) never has more than 2 deliveries running, once synced", async () => {
    const critical = queue({ name: "critical", parallelism: 2 });
    let active = 0;
    let maxActive = 0;
    const releases: (() => void)[] = [];
    const charge = task({ name: "q_charge", input: z.object({ n: z.number() }), queue: critical }, async ({ n }) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => releases.push(resolve));
      active--;
      return n;
    });
    stack = await startStack({ tasks: [charge] });
    const broker = new QStashBroker({ token: stack.broker.token, baseUrl: stack.brokerUrl });
    expect(collectQueues({ critical, charge })).toEqual([critical]);
    const report = await syncQueues(broker, collectQueues([charge]));
    expect(report.changes).toEqual([{ name: "critical", action: "created", parallelism: 2, paused: false }]);
    expect((await syncQueues(broker, [critical])).changes[0].action).toBe("unchanged");

    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => stack!.client.send(charge, { n })));
    await waitFor(() => active === 2, { what: "two deliveries running" });
    const [listed] = (await broker.listQueues()).filter((q) => q.name === "critical");
    expect(listed).toMatchObject({ parallelism: 2, lag: 6 }); // none delivered yet: two running, four waiting
    // Release one run at a time until all six have run.
    for (let released = 0; released < 6; released++) {
      await waitFor(() => releases.length > 0, { what: "a running delivery", timeoutMs: 15_000 });
      releases.shift()!();
    }
    expect(await Promise.all(results.map((r) => r.get({ timeoutMs: 15_000 })))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(maxActive).toBe(2);
  });

  it("the queue is on the envelope, the result and GET /api/tasks; a send's queue wins; default is a plain publish", async () => {
    const named = task({ name: "q_named", input: z.object({}), queue: "critical" }, () => "ok");
    const plain = task({ name: "q_plain", input: z.object({}) }, () => "ok");
    stack = await startStack({ tasks: [named, plain] });
    const a = await stack.client.send(named, {});
    const b = await stack.client.send(plain, {}, { queue: "other" });
    const c = await stack.client.send(plain, {});
    for (const r of [a, b, c]) await r.get({ timeoutMs: 15_000 });
    const views = await Promise.all([a, b, c].map((r) => stack!.httpClient.result(r.id).view()));
    expect(views.map((v) => v.queue)).toEqual(["critical", "other", "default"]);
    const broker = new QStashBroker({ token: stack.broker.token, baseUrl: stack.brokerUrl });
    const names = (await broker.listQueues()).map((q) => q.name).sort();
    expect(names).toEqual(["critical", "other"]); // "default" made no broker queue
    const logs = (await broker.listLogs({ state: "DELIVERED" })).items;
    const queueOf = (id: string) => logs.find((l) => l.labels?.includes(id))?.queueName;
    expect([queueOf(a.id), queueOf(b.id), queueOf(c.id)]).toEqual(["critical", "other", undefined]);
    const listing = await fetch(`${stack.workerUrl}/api/tasks`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
    const { tasks } = (await listing.json()) as { tasks: { name: string; options: { queue: string } }[] };
    expect(Object.fromEntries(tasks.map((t) => [t.name, t.options.queue]))).toEqual({ q_named: "critical", q_plain: "default" });
  });

  it("the Workers broker (QStashFetchBroker) syncs queues too: created, then updated when the code changes", async () => {
    stack = await startStack({ tasks: [] });
    const broker = new QStashFetchBroker({ token: stack.broker.token, baseUrl: stack.brokerUrl });
    await syncQueues(broker, [queue({ name: "bulk", parallelism: 1 })]);
    const report = await syncQueues(broker, [queue({ name: "bulk", parallelism: 8, paused: true })]);
    expect(report.changes).toEqual([{ name: "bulk", action: "updated", parallelism: 8, paused: true, changes: ["parallelism 1 → 8", "paused"] }]);
    expect((await broker.listQueues()).find((q) => q.name === "bulk")).toMatchObject({ parallelism: 8, paused: true });
  });
});
