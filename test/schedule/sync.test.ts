/**
 * The QStash engine against the local broker over HTTP: `celeriac schedules sync` reconciles,
 * checked through the official `@upstash/qstash` Client's `schedules.list()`; then the broker
 * fires a synced schedule and the worker runs the tick (shared virtual clock).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { runSchedules } from "../../src/node/cli/schedules-command.ts";
import { brokerEvents } from "../support/broker-view.ts";
import { type ClockedStack, readyView, startClockedStack } from "../support/clocked-stack.ts";
import * as v1 from "./fixtures/functions-v1.ts";
import { gate, runs } from "./fixtures/report-task.ts";
import { waitFor } from "../support/wait.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let s: ClockedStack;
beforeAll(async () => {
  s = await startClockedStack({ tasks: [v1.fixtureReport], backend: "memory", worker: { schedules: [v1.every10, v1.nightly] } });
});
afterAll(async () => {
  gate.release();
  await s?.close();
});

async function sync(version: string, ...flags: string[]): Promise<string> {
  let out = "";
  const env = { QSTASH_URL: s.stack.brokerUrl, QSTASH_TOKEN: s.stack.broker.token, CELERIAC_URL: s.stack.workerUrl };
  const code = await runSchedules(["sync", "--functions", fixture(version), ...flags], { env, out: (t) => (out += t), err: (t) => (out += t) });
  expect(code).toBe(0);
  return out;
}

const listed = async () =>
  Object.fromEntries((await s.qstash.schedules.list()).map((x) => [x.scheduleId, { cron: x.cron, destination: x.destination, body: x.body }]));

describe("celeriac schedules sync (local broker, official client view)", () => {
  it("creates, then reports no changes, then updates and deletes, leaving other schedules alone", async () => {
    await s.qstash.schedules.create({ scheduleId: "other-app", destination: "https://example.com/hook", cron: "0 * * * *" });
    await s.qstash.schedules.create({ scheduleId: "celeriac.elsewhere", destination: "https://elsewhere.example/schedules/x", cron: "0 * * * *" });

    const first = await sync("functions-v1.ts");
    expect(first).toContain("+ created   celeriac.berlin_nightly  (CRON_TZ=Europe/Berlin 30 2 * * *)");
    expect(first).toContain("+ created   celeriac.report_every_10m  (*/10 * * * *)");
    expect(first).toContain("! left alone celeriac.elsewhere");
    expect(first).toContain("created 2, updated 0, deleted 0, unchanged 0\n");
    const trigger = (name: string) => `${s.stack.workerUrl}/schedules/${name}`;
    expect(await listed()).toEqual({
      "celeriac.berlin_nightly": { cron: "CRON_TZ=Europe/Berlin 30 2 * * *", destination: trigger("berlin_nightly"), body: '{"celeriac":"schedule","v":1,"name":"berlin_nightly"}' },
      "celeriac.report_every_10m": { cron: "*/10 * * * *", destination: trigger("report_every_10m"), body: '{"celeriac":"schedule","v":1,"name":"report_every_10m"}' },
      "celeriac.elsewhere": { cron: "0 * * * *", destination: "https://elsewhere.example/schedules/x", body: undefined },
      "other-app": { cron: "0 * * * *", destination: "https://example.com/hook", body: undefined },
    });
    const createdAt = (await s.qstash.schedules.get("celeriac.report_every_10m")).createdAt;

    const again = await sync("functions-v1.ts");
    expect(again).toContain("= unchanged celeriac.berlin_nightly");
    expect(again).toContain("= unchanged celeriac.report_every_10m");
    expect(again).toMatch(/\ncreated 0, updated 0, deleted 0, unchanged 2 \(no changes\)\n$/);
    expect((await s.qstash.schedules.get("celeriac.report_every_10m")).createdAt).toBe(createdAt); // not re-created

    const dry = await sync("functions-v2.ts", "--dry-run");
    expect(dry).toContain("would have created 0, updated 1, deleted 1, unchanged 0");
    expect(Object.keys(await listed())).toContain("celeriac.berlin_nightly");

    const second = await sync("functions-v2.ts");
    expect(second).toContain('~ updated   celeriac.report_every_10m  (*/5 * * * *): cron: "*/10 * * * *" → "*/5 * * * *"');
    expect(second).toContain("- deleted   celeriac.berlin_nightly");
    const after = await listed();
    expect(Object.keys(after).sort()).toEqual(["celeriac.elsewhere", "celeriac.report_every_10m", "other-app"]);
    expect(after["celeriac.report_every_10m"].cron).toBe("*/5 * * * *");
    expect(await sync("functions-v2.ts")).toContain("(no changes)");

    await sync("functions-v1.ts"); // back to v1 for the firing tests below
  });

  it("fails with the names of the missing variables", async () => {
    const err: string[] = [];
    await expect(runSchedules(["sync", "--functions", fixture("functions-v1.ts")], { env: {}, out: () => {}, err: (t) => err.push(t) }))
      .rejects.toThrow(/set QSTASH_TOKEN and CELERIAC_URL/);
  });
});

describe("the broker fires synced schedules through the worker", () => {
  const nextTick = () => v1.every10.clock.next(s.clock.now())!;
  // This schedule's runs only: the virtual clock starts at the real time, and ten-minute steps from
  // about 01:00 UTC pass the nightly schedule's 02:30 Berlin, which runs the same task.
  const ticks = () => runs.filter((r) => r.schedule?.name === "report_every_10m");
  const scheduledEnvelopes = async () =>
    (await brokerEvents(s.qstash, s.url("sched_fixture_report"))).filter((e) => e.state === "CREATED" && e.envelope?.schedule?.name === "report_every_10m").map((e) => e.envelope!.id);

  it("each tick is published as a new task message with the schedule in ctx.request", async () => {
    const before = ticks().length;
    const tick = nextTick();
    await s.advance(tick - s.clock.now());
    await waitUntil(() => ticks().length > before, "the scheduled run");
    const run = ticks().at(-1)!;
    expect(run.schedule).toEqual({ name: "report_every_10m", tick: new Date(tick).toISOString() });
    const view = await readyView(s.stack.client.result(run.id));
    expect(view).toMatchObject({ state: "SUCCESS", result: { dataId: 1, tick: new Date(tick).toISOString() } });

    const tick2 = nextTick();
    await s.advance(tick2 - s.clock.now());
    await waitUntil(() => ticks().length > before + 1, "the second scheduled run");
    expect(ticks().at(-1)!.id).not.toBe(run.id); // a fresh task id per tick
  });

  it("overlap skip: a tick while the previous run is still going is stored REVOKED, the run after it proceeds", async () => {
    gate.hold = true;
    const before = ticks().length;
    const t1 = nextTick();
    s.clock.advance(t1 - s.clock.now());
    void s.settle();
    await waitUntil(() => ticks().length === before + 1, "the long run to start");
    const longRun = ticks().at(-1)!.id;

    const t2 = nextTick();
    s.clock.advance(t2 - s.clock.now());
    void s.settle();
    const skippedId = await waitUntilAsync(async () => (await scheduledEnvelopes()).find((id) => id !== longRun && !ticks().some((r) => r.id === id)), "the overlapping tick's message");
    const skipped = await readyView(s.stack.client.result(skippedId));
    expect(skipped.state).toBe("REVOKED");
    expect(skipped.error?.message).toMatch(/still holds its lock/);
    expect(ticks()).toHaveLength(before + 1);

    gate.release();
    expect((await readyView(s.stack.client.result(longRun))).state).toBe("SUCCESS");
    const t3 = nextTick();
    await s.advance(t3 - s.clock.now());
    await waitUntil(() => ticks().length === before + 2, "the next tick's run");
  });
});

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  await waitUntilAsync(async () => check() || undefined, what);
}

async function waitUntilAsync<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  return (await waitFor(check, { timeoutMs, what })) as T;
}
