import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError } from "../../src/errors.ts";
import { task } from "../../src/index.ts";
import { schedule } from "../../src/schedule/schedule.ts";

const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
const at = (s: string) => Date.parse(s);
const noop = task({ name: "sched_noop", input: z.object({ n: z.number().default(1) }) }, () => null);

describe("schedule ticks across DST in Europe/Berlin", () => {
  it("a daily 02:30 job runs at 03:00 on the spring-forward day (02:30 does not exist) and once on the fall-back day", () => {
    const s = schedule({ name: "berlin_0230", cron: "30 2 * * *", tz: "Europe/Berlin", task: noop });
    expect(iso(s.clock.between(at("2026-03-27T00:00:00Z"), at("2026-03-31T00:00:00Z")))).toEqual([
      "2026-03-27T01:30:00.000Z", // 02:30 CET (+01)
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z", // 2026-03-29: 02:00 → 03:00, runs at 03:00 CEST
      "2026-03-30T00:30:00.000Z", // 02:30 CEST (+02)
    ]);
    expect(iso(s.clock.between(at("2026-10-24T00:00:00Z"), at("2026-10-27T00:00:00Z")))).toEqual([
      "2026-10-24T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 happens twice on 2026-10-25: only the first one runs
      "2026-10-26T01:30:00.000Z", // 02:30 CET
    ]);
  });

  it("an hourly job skips the missing hour in spring and runs in both repeated hours in autumn", () => {
    const s = schedule({ name: "berlin_hourly", cron: "0 * * * *", tz: "Europe/Berlin", task: noop });
    // Spring: local 01:00 CET, then 03:00 CEST: one hour apart in real time, no 02:00.
    expect(iso(s.clock.between(at("2026-03-28T23:30:00Z"), at("2026-03-29T02:30:00Z")))).toEqual([
      "2026-03-29T00:00:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T02:00:00.000Z",
    ]);
    // Autumn: 02:00 CEST and 02:00 CET both run, so there is still one run per real hour.
    expect(iso(s.clock.between(at("2026-10-24T23:30:00Z"), at("2026-10-25T02:30:00Z")))).toEqual([
      "2026-10-25T00:00:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-25T02:00:00.000Z",
    ]);
  });

  it("a firing is mapped to its tick: a broker a few seconds early means the coming tick, a late one the last tick", () => {
    const s = schedule({ name: "berlin_early", cron: "30 2 * * *", tz: "Europe/Berlin", task: noop });
    expect(s.clock.nearest(at("2026-03-29T00:59:57Z"), 5000)).toBe(at("2026-03-29T01:00:00Z"));
    expect(s.clock.nearest(at("2026-03-29T01:04:00Z"), 5000)).toBe(at("2026-03-29T01:00:00Z"));
    expect(s.clock.isTick(at("2026-03-29T01:00:00Z"))).toBe(true);
    expect(s.clock.isTick(at("2026-03-29T00:30:00Z"))).toBe(false);
  });
});

describe("schedule definitions", () => {
  it("aliases expand to 5-field patterns, UTC by default", () => {
    const s = schedule({ name: "hourly", cron: "@hourly", task: "sched_noop" });
    expect([s.cron, s.tz, s.overlap, s.misfire, s.taskName]).toEqual(["0 * * * *", "UTC", "skip", "runOnce", "sched_noop"]);
    expect(schedule({ name: "w", cron: " @WEEKLY ", task: noop }).cron).toBe("0 0 * * 0");
    expect(iso(schedule({ name: "y", cron: "@yearly", task: noop }).clock.between(at("2026-06-01T00:00:00Z"), at("2028-06-01T00:00:00Z"))))
      .toEqual(["2027-01-01T00:00:00.000Z", "2028-01-01T00:00:00.000Z"]);
  });

  it("bad definitions fail at load with a message naming the schedule and the fix", () => {
    expect(() => schedule({ name: "six", cron: "0 0 * * * *", task: noop })).toThrow(/schedule "six".*5-field/);
    expect(() => schedule({ name: "bad_tz", cron: "0 * * * *", tz: "Mars/Olympus", task: noop })).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(() => schedule({ name: "alias", cron: "@every_5m", task: noop })).toThrow(/unknown alias/);
    expect(() => schedule({ name: "range", cron: "61 * * * *", task: noop })).toThrow(ConfigError);
    expect(() => schedule({ name: "has space", cron: "0 * * * *", task: noop })).toThrow(/letters, digits/);
    expect(() => schedule({ name: "input", cron: "0 * * * *", task: noop, input: { n: "x" } as never })).toThrow(/input does not match task "sched_noop"/);
    expect(() => schedule({ name: "ov", cron: "0 * * * *", task: noop, overlap: "never" as never })).toThrow(/overlap must be one of allow, skip, queue/);
  });
});
