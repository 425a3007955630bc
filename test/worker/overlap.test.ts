import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { schedule, task } from "../../src/index.ts";
import { createTestHarness, type TestHarness } from "../../src/testing/index.ts";

const T0 = Date.parse("2026-03-29T00:00:00Z");
const MIN = 60_000;

/** A task whose runs block until released, so a test can hold one "running". */
function blockingReport() {
  const gates: Array<() => void> = [];
  const started: string[] = [];
  const report = task({ name: "main_prepare_a_massive_report", input: z.object({ dataId: z.number() }) }, async ({ dataId }, ctx) => {
    started.push(ctx.request.id);
    await new Promise<void>((release) => gates.push(release));
    return { dataId, tick: ctx.request.schedule?.tick ?? null };
  });
  return { report, started, releaseAll: () => gates.splice(0).forEach((g) => g()) };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe("overlap: skip", () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  function setup(extra: Partial<Parameters<typeof schedule>[0]> = {}) {
    let now = T0;
    const b = blockingReport();
    cleanup = b.releaseAll;
    const every10 = schedule({ name: "report_every_10m", cron: "*/10 * * * *", task: b.report, input: { dataId: 7 }, overlap: "skip", lockTimeout: "20m", ...extra });
    const h = createTestHarness({ tasks: { report: b.report, every10 }, now: () => now });
    return { h, b, every10, clock: { set: (t: number) => (now = t) } };
  }

  /** Fire `tick`, take the one published message, deliver it (without awaiting the run). */
  async function fireAndDeliver(h: TestHarness, tick: number) {
    const fired = await h.worker.schedules!.fireTick("report_every_10m", tick);
    expect(fired.status).toBe("published");
    const [message] = h.broker.take();
    return { id: (fired as { id: string }).id, response: h.deliver(message) };
  }

  it("a tick that comes while the previous run holds the lock is skipped (REVOKED), and the next tick after it runs", async () => {
    const { h, b, clock } = setup();
    const first = await fireAndDeliver(h, T0);
    await waitFor(() => b.started.length === 1, "the first run to start");

    clock.set(T0 + 10 * MIN);
    const second = await fireAndDeliver(h, T0 + 10 * MIN);
    const res2 = await second.response;
    expect(res2.status).toBe(200);
    expect(await res2.json()).toMatchObject({ id: second.id, state: "REVOKED" });
    expect(b.started).toHaveLength(1);
    const skipped = await h.client.result(second.id).view();
    expect(skipped.state).toBe("REVOKED");
    expect(skipped.error?.message).toMatch(/previous run of schedule "report_every_10m" still holds its lock/);

    b.releaseAll();
    expect((await first.response).status).toBe(200);
    expect(await h.client.result(first.id).get({ timeoutMs: 1000 })).toEqual({ dataId: 7, tick: "2026-03-29T00:00:00.000Z" });

    clock.set(T0 + 20 * MIN);
    const third = await fireAndDeliver(h, T0 + 20 * MIN);
    await waitFor(() => b.started.length === 2, "the third run to start");
    b.releaseAll();
    expect((await third.response).status).toBe(200);
    expect(await h.client.result(third.id).get({ timeoutMs: 1000 })).toEqual({ dataId: 7, tick: "2026-03-29T00:20:00.000Z" });
  });

  it("the lock expires when a run's worker dies: no release, and after lockTimeout the next tick runs", async () => {
    const { h, b, clock } = setup();
    await fireAndDeliver(h, T0); // this run never finishes: its worker "died" holding the lock
    await waitFor(() => b.started.length === 1, "the doomed run to start");

    clock.set(T0 + 10 * MIN); // lock still live (20 min TTL)
    const blocked = await fireAndDeliver(h, T0 + 10 * MIN);
    expect(await (await blocked.response).json()).toMatchObject({ state: "REVOKED" });

    clock.set(T0 + 20 * MIN + 1000); // TTL passed without a release
    const next = await fireAndDeliver(h, T0 + 20 * MIN);
    await waitFor(() => b.started.length === 2, "the run after the expiry to start");
    expect(b.started[1]).toBe(next.id);
  });

  it("the lock TTL defaults to the task's time limit plus 30 s", async () => {
    let now = T0;
    const b = blockingReport();
    cleanup = b.releaseAll;
    const limited = task({ name: "limited_report", input: z.object({}), timeLimit: "5m" }, async (_i, ctx) => {
      b.started.push(ctx.request.id);
      await new Promise<void>(() => {});
    });
    const every = schedule({ name: "limited", cron: "* * * * *", task: limited });
    const h = createTestHarness({ tasks: { limited, every }, now: () => now, timers: { setTimeout: () => 0, clearTimeout: () => {} } });
    const runs = h.worker.schedules!;
    await runs.fireTick("limited", T0);
    void h.deliver(h.broker.take()[0]);
    await waitFor(() => b.started.length === 1, "the first run");
    now = T0 + 5 * MIN + 29_000;
    await runs.fireTick("limited", T0 + 5 * MIN);
    expect(await (await h.deliver(h.broker.take()[0])).json()).toMatchObject({ state: "REVOKED" });
    now = T0 + 5 * MIN + 31_000;
    await runs.fireTick("limited", T0 + 6 * MIN);
    void h.deliver(h.broker.take()[0]);
    await waitFor(() => b.started.length === 2, "the run after the TTL");
  });

  it("the same task sent by hand is not guarded by the schedule's lock", async () => {
    const { h, b } = setup();
    await fireAndDeliver(h, T0);
    await waitFor(() => b.started.length === 1, "the scheduled run");
    const manual = await h.client.send("main_prepare_a_massive_report", { dataId: 1 });
    void h.deliver(h.broker.take()[0]);
    await waitFor(() => b.started.length === 2, "the manual run");
    expect(b.started[1]).toBe(manual.id);
  });
});

describe("overlap: allow and queue", () => {
  it("allow runs overlapping ticks side by side", async () => {
    const b = blockingReport();
    const every10 = schedule({ name: "report_every_10m", cron: "*/10 * * * *", task: b.report, input: { dataId: 7 }, overlap: "allow" });
    const h = createTestHarness({ tasks: { report: b.report, every10 }, now: () => T0 });
    await h.worker.schedules!.fireTick("report_every_10m", T0);
    await h.worker.schedules!.fireTick("report_every_10m", T0 + 10 * MIN);
    for (const m of h.broker.take()) void h.deliver(m);
    await waitFor(() => b.started.length === 2, "both runs");
    b.releaseAll();
  });

  it("queue publishes every run into the schedule's broker queue (parallelism 1), so runs follow one another", async () => {
    const b = blockingReport();
    const every10 = schedule({ name: "report_every_10m", cron: "*/10 * * * *", task: b.report, input: { dataId: 7 }, overlap: "queue" });
    const h = createTestHarness({ tasks: { report: b.report, every10 }, now: () => T0 });
    await h.worker.schedules!.fireTick("report_every_10m", T0);
    const [m] = h.broker.take();
    expect(m.queue).toBe("celeriac.report_every_10m");
    expect(m.url).toBe("http://worker.test/tasks/main_prepare_a_massive_report");
  });
});
