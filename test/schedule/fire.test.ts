import { describe, expect, it } from "vitest";
import { z } from "zod";
import { task } from "../../src/index.ts";
import { schedule } from "../../src/schedule/schedule.ts";
import { triggerBody } from "../../src/schedule/runner.ts";
import { wranglerCrons } from "../../src/schedule/cloudflare-crons.ts";
import { createTestHarness, parseEnvelope } from "../../src/testing/index.ts";

const at = (s: string) => Date.parse(s);
const MIN = 60_000;
const report = task({ name: "main_prepare_a_massive_report", input: z.object({ dataId: z.number() }) }, ({ dataId }, ctx) => ({ dataId, schedule: ctx.request.schedule }));

function harness(now: () => number, random = () => 0.5, extra: Record<string, unknown> = {}) {
  return createTestHarness({ tasks: { report, ...extra }, now, random });
}

describe("firing a tick", () => {
  it("publishes an ordinary task message with a fresh id and schedule {name, tick}, and the run sees it in ctx.request", async () => {
    const nightly = schedule({ name: "nightly", cron: "30 2 * * *", tz: "Europe/Berlin", task: report, input: { dataId: 3 } });
    const h = harness(() => at("2026-03-29T01:00:02Z"), undefined, { nightly });
    const fired = await h.worker.schedules!.fireTick("nightly", at("2026-03-29T01:00:00Z"));
    expect(fired).toMatchObject({ status: "published", tick: "2026-03-29T01:00:00.000Z", delayMs: 0 });
    const [m] = h.broker.take();
    const env = parseEnvelope(m.body);
    expect(env).toMatchObject({ task: "main_prepare_a_massive_report", input: { dataId: 3 }, schedule: { name: "nightly", tick: "2026-03-29T01:00:00.000Z" } });
    expect(env.id).toBe((fired as { id: string }).id);
    await h.deliver(m);
    expect(await h.client.result(env.id).get({ timeoutMs: 1000 })).toEqual({ dataId: 3, schedule: { name: "nightly", tick: "2026-03-29T01:00:00.000Z" } });
  });

  it("the same tick fired twice (two engines, a broker retry) publishes once; the next tick gets another id", async () => {
    const every = schedule({ name: "every_min", cron: "* * * * *", task: report, input: { dataId: 1 } });
    const h = harness(() => at("2026-01-01T00:00:10Z"), undefined, { every });
    const a = await h.worker.schedules!.fireTick("every_min", at("2026-01-01T00:00:00Z"));
    const b = await h.worker.schedules!.fireTick("every_min", at("2026-01-01T00:00:00Z"));
    const c = await h.worker.schedules!.fireTick("every_min", at("2026-01-01T00:01:00Z"));
    expect([a.status, b.status, c.status]).toEqual(["published", "duplicate", "published"]);
    expect((b as { id: string }).id).toBe((a as { id: string }).id);
    expect((c as { id: string }).id).not.toBe((a as { id: string }).id);
    expect(h.broker.take()).toHaveLength(2);
  });

  it("misfire: a tick fired past the grace is dropped with skip and run once with runOnce", async () => {
    let now = at("2026-01-01T10:07:00Z"); // 7 min after the 10:00 tick: past the 5-min grace
    const skip = schedule({ name: "late_skip", cron: "0 * * * *", task: report, input: { dataId: 1 }, misfire: "skip" });
    const once = schedule({ name: "late_once", cron: "0 * * * *", task: report, input: { dataId: 1 }, misfire: "runOnce" });
    const h = harness(() => now, undefined, { skip, once });
    const runner = h.worker.schedules!;
    expect(await runner.fire("late_skip")).toMatchObject({ status: "missed", tick: "2026-01-01T10:00:00.000Z", lateMs: 7 * MIN });
    // After downtime the broker delivers several missed firings: they all stand for the latest tick: one run.
    const results = [await runner.fire("late_once"), await runner.fire("late_once"), await runner.fire("late_once")];
    expect(results.map((r) => r!.status)).toEqual(["published", "duplicate", "duplicate"]);
    now = at("2026-01-01T10:02:00Z");
    expect(await runner.fire("late_skip")).toMatchObject({ status: "published" }); // within the grace: on time
    expect(h.broker.take()).toHaveLength(2);
  });

  it("jitter delays each run by random × jitter (randomness injected)", async () => {
    const spread = schedule({ name: "spread", cron: "0 * * * *", task: report, input: { dataId: 1 }, jitter: "10m" });
    const h = harness(() => at("2026-01-01T10:00:00Z"), () => 0.25, { spread });
    expect(await h.worker.schedules!.fireTick("spread", at("2026-01-01T10:00:00Z"))).toMatchObject({ delayMs: 150_000 });
    expect(h.broker.take()[0].delaySec).toBe(150);
  });
});

describe("POST /schedules/:name (broker schedules)", () => {
  const every10 = schedule({ name: "report_every_10m", cron: "*/10 * * * *", task: report, input: { dataId: 9 } });

  it("a signed trigger publishes the tick it stands for (a broker 2 s early means the coming tick)", async () => {
    const h = harness(() => at("2026-01-01T10:09:58Z"), undefined, { every10 });
    const url = h.worker.schedules!.triggerUrl("report_every_10m");
    expect(url).toBe("http://worker.test/schedules/report_every_10m");
    const res = await h.deliver({ url, body: triggerBody("report_every_10m"), messageId: "msg_sched_1" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: "published", note: "report_every_10m tick 2026-01-01T10:10:00.000Z" });
    // QStash delivering the same trigger again (inside its dedup window) publishes nothing new.
    expect(await (await h.deliver({ url, body: triggerBody("report_every_10m"), messageId: "msg_sched_1" })).json()).toMatchObject({ state: "duplicate" });
    const [m, ...rest] = h.broker.take();
    expect(rest).toHaveLength(0);
    expect(parseEnvelope(m.body).schedule).toEqual({ name: "report_every_10m", tick: "2026-01-01T10:10:00.000Z" });
  });

  it("a tick published again after the broker forgot it has the same task id, and runs once", async () => {
    let runs = 0;
    const counted = task({ name: "sched_counted", input: z.object({}) }, () => ++runs);
    const every = schedule({ name: "counted", cron: "0 * * * *", task: counted });
    const h = createTestHarness({ tasks: { counted, every }, now: () => at("2026-01-01T10:00:01Z") });
    const first = await h.worker.schedules!.fire("counted");
    const [m1] = h.broker.take(); // the broker's dedup window passed
    const again = await h.worker.schedules!.fire("counted");
    const [m2] = h.broker.take();
    expect((again as { id: string }).id).toBe((first as { id: string }).id);
    expect(parseEnvelope(m2.body).id).toBe(parseEnvelope(m1.body).id);
    expect((await h.deliver(m1)).status).toBe(200);
    expect(await (await h.deliver(m2)).json()).toMatchObject({ state: "SUCCESS", note: "duplicate of a successful task" });
    expect(runs).toBe(1);
    expect(await h.client.result((first as { id: string }).id).get({ timeoutMs: 1000 })).toBe(1);
  });

  it("refuses unsigned triggers, and names the fix for a schedule the code no longer has", async () => {
    const h = harness(() => at("2026-01-01T10:00:00Z"), undefined, { every10 });
    const url = h.worker.schedules!.triggerUrl("report_every_10m");
    expect((await h.deliver({ url, body: triggerBody("report_every_10m") }, { signature: null })).status).toBe(401);
    const gone = "http://worker.test/schedules/old_one";
    const res = await h.deliver({ url: gone, body: triggerBody("old_one") });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/not defined in this worker.*celeriac schedules sync/);
    // A signed trigger whose body is not this schedule's can never succeed: 489, not retried.
    const wrong = await h.deliver({ url, body: triggerBody("old_one") });
    expect([wrong.status, wrong.headers.get("upstash-nonretryable-error")]).toEqual([489, "true"]);
    expect((await wrong.json()).error).toMatch(/^Not a trigger for schedule "report_every_10m"/);
    expect(h.broker.take()).toHaveLength(0);
  });
});

describe("Cloudflare cron triggers", () => {
  const berlin = schedule({ name: "berlin_0230", cron: "30 2 * * *", tz: "Europe/Berlin", task: report, input: { dataId: 1 } });
  const weekdays = schedule({ name: "weekdays", cron: "0 9 * * 1-5", task: report, input: { dataId: 2 } });
  const hourly = schedule({ name: "hourly", cron: "@hourly", tz: "Europe/Berlin", task: report, input: { dataId: 3 } });

  it("wrangler lines are UTC: zoned schedules widen to every UTC hour/minute they can map to", () => {
    expect(wranglerCrons([berlin, weekdays, hourly])).toEqual(["0 * * * *", "0 9 * * MON-FRI", "0,30 0,1 * * *"]);
  });

  it("onCron publishes only the schedules whose tick, in their own zone, is the event's time", async () => {
    let now = 0;
    const h = harness(() => now, undefined, { berlin, weekdays, hourly });
    const runner = h.worker.schedules!;
    const fire = async (cron: string, iso: string) => {
      now = at(iso) + 1500;
      return (await runner.onCron({ cron, scheduledTime: at(iso) })).map((r) => `${r.schedule}@${r.tick}:${r.status}`);
    };
    expect(await fire("0,30 0,1 * * *", "2026-03-28T00:30:00Z")).toEqual([]); // 01:30 CET
    expect(await fire("0,30 0,1 * * *", "2026-03-28T01:30:00Z")).toEqual(["berlin_0230@2026-03-28T01:30:00.000Z:published"]);
    expect(await fire("0,30 0,1 * * *", "2026-03-29T01:00:00Z")).toEqual(["berlin_0230@2026-03-29T01:00:00.000Z:published"]); // DST day: 03:00 CEST
    expect(await fire("0,30 0,1 * * *", "2026-03-30T00:30:00Z")).toEqual(["berlin_0230@2026-03-30T00:30:00.000Z:published"]);
    expect(await fire("0 9 * * MON-FRI", "2026-03-30T09:00:00Z")).toEqual(["weekdays@2026-03-30T09:00:00.000Z:published"]);
    expect(await fire("0 * * * *", "2026-03-29T09:00:00Z")).toEqual(["hourly@2026-03-29T09:00:00.000Z:published"]);
    // A cron no schedule maps to (stale wrangler.toml): everything due at that minute still fires.
    expect(await fire("*/30 * * * *", "2026-03-31T09:00:00Z")).toEqual([
      "hourly@2026-03-31T09:00:00.000Z:published", "weekdays@2026-03-31T09:00:00.000Z:published",
    ]);
    expect(h.broker.take()).toHaveLength(7);
  });
});
