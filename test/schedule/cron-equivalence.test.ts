/**
 * The cron walker (`src/util/cron-pattern.ts`, `CronClock`) against croner, the library it
 * replaces on the Workers path: for generated 5-field patterns in zones with DST (an hour, half an
 * hour at Lord Howe, two hours at Troll), both accept the same patterns and give the same next and
 * previous ticks, from instants around DST changes and at random.
 */
import { Cron } from "croner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronClock } from "../../src/util/cron.ts";

const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Antarctica/Troll", "Pacific/Chatham", "Asia/Kolkata"];
/** Just before DST changes of 2026 (Berlin, New York, Lord Howe, Chatham), then anywhere in 2001-2060. */
const STARTS = ["2026-03-29T00:30:00Z", "2026-10-25T00:10:00Z", "2026-03-08T06:00:00Z", "2026-11-01T05:00:00Z", "2026-04-04T14:00:00Z", "2026-10-03T15:00:00Z", "2026-04-04T13:00:00Z", "2026-09-26T13:30:00Z"].map(Date.parse);

function item(min: number, max: number, names: string[]): fc.Arbitrary<string> {
  const value = fc.oneof({ weight: 8, arbitrary: fc.integer({ min, max }).map(String) }, { weight: 1, arbitrary: fc.integer({ min: min - 1, max: max + 2 }).map(String) }, { weight: names.length ? 2 : 0, arbitrary: fc.constantFrom(...(names.length ? names : ["x"])) });
  return fc.oneof(
    { weight: 6, arbitrary: value },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: max + 2 }).map((s) => `*/${s}`) },
    { weight: 2, arbitrary: fc.tuple(value, value).map(([a, b]) => `${a}-${b}`) },
    { weight: 1, arbitrary: fc.tuple(value, value, fc.integer({ min: 0, max: 9 })).map(([a, b, s]) => `${a}-${b}/${s}`) },
    { weight: 1, arbitrary: fc.tuple(value, fc.integer({ min: 1, max: 5 })).map(([a, s]) => `${a}/${s}`) },
    { weight: 1, arbitrary: fc.constantFrom("*") },
  );
}

function part(min: number, max: number, names: string[] = []): fc.Arbitrary<string> {
  return fc.oneof({ weight: 2, arbitrary: fc.constantFrom("*", "?") }, { weight: 5, arbitrary: fc.array(item(min, max, names), { minLength: 1, maxLength: 3 }).map((a) => a.join(",")) });
}

const pattern = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 59 }).map(String), part(0, 59)),
    // Hours 1-3 hold most DST changes: a fixed time there is moved out of a gap or run once in an overlap.
    fc.oneof(fc.integer({ min: 0, max: 23 }).map(String), fc.constantFrom("1", "2", "3"), part(0, 23)),
    fc.oneof({ weight: 8, arbitrary: part(1, 31) }, { weight: 1, arbitrary: fc.constantFrom("L", "L,15") }),
    part(1, 12, ["JAN", "feb", "Dec", "MAR"]),
    part(0, 7, ["MON", "sun", "FRI", "SUN", "sat"]),
  )
  .map((fields) => fields.join(" "));

function croner(p: string, tz: string): Cron | undefined {
  try {
    const c = new Cron(p, { timezone: tz, mode: "5-part", paused: true });
    c.nextRun(new Date(0));
    return c;
  } catch {
    return undefined;
  }
}

function ours(p: string, tz: string): CronClock | undefined {
  try {
    const c = new CronClock(p, tz);
    c.next(0);
    return c;
  } catch {
    return undefined;
  }
}

describe("the cron walker reads patterns as croner does", () => {
  it("accepts the same patterns and gives the same next and previous ticks, across DST changes", () => {
    let accepted = 0;
    const start = fc.oneof(fc.constantFrom(...STARTS), fc.integer({ min: Date.parse("2001-01-01"), max: Date.parse("2060-01-01") }));
    fc.assert(
      fc.property(pattern, fc.constantFrom(...ZONES), start, fc.integer({ min: -180, max: 180 }), (p, tz, at, shiftMin) => {
        const theirs = croner(p, tz);
        const mine = ours(p, tz);
        expect(mine !== undefined, `${p} in ${tz}: croner ${theirs ? "accepts" : "refuses"} it`).toBe(theirs !== undefined);
        if (!theirs || !mine) return;
        accepted++;
        let t = at + shiftMin * 60_000;
        for (let k = 0; k < 5; k++) {
          const expected = theirs.nextRun(new Date(t))?.getTime();
          expect(mine.next(t), `next after ${new Date(t).toISOString()} of ${p} in ${tz}`).toBe(expected);
          expect(mine.previous(t), `previous at ${new Date(t).toISOString()} of ${p} in ${tz}`).toBe(theirs.previousRuns(1, new Date(t + 1))[0]?.getTime());
          if (expected === undefined) return;
          t = expected;
        }
      }),
      { numRuns: 400 },
    );
    expect(accepted, "patterns both accepted, whose ticks were compared").toBeGreaterThan(100);
  }, 120_000);

  it("moves, skips and repeats the same runs on DST days: fixed times and intervals near each change", () => {
    const minute = fc.oneof(fc.integer({ min: 0, max: 59 }).map(String), fc.constantFrom("*/15", "0,30", "*", "15-45/15"));
    const hour = fc.oneof(fc.integer({ min: 0, max: 4 }).map(String), fc.constantFrom("*", "1-3", "*/2", "2,3"));
    fc.assert(
      fc.property(minute, hour, fc.constantFrom(...ZONES.slice(1)), fc.constantFrom(...STARTS), fc.integer({ min: -240, max: 240 }), (m, h, tz, at, shiftMin) => {
        const p = `${m} ${h} * * *`;
        const theirs = croner(p, tz)!;
        const mine = ours(p, tz)!;
        let t = at + shiftMin * 60_000;
        for (let k = 0; k < 4; k++) {
          const expected = theirs.nextRun(new Date(t))?.getTime();
          expect(mine.next(t), `next after ${new Date(t).toISOString()} of ${p} in ${tz}`).toBe(expected);
          expect(mine.previous(t), `previous at ${new Date(t).toISOString()} of ${p} in ${tz}`).toBe(theirs.previousRuns(1, new Date(t + 1))[0]?.getTime());
          t = expected!;
        }
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it("refuses croner's extensions with a message saying they are not supported", () => {
    for (const p of ["0 0 15W * *", "0 0 LW * *", "0 0 * * 5#2", "0 0 * * 5L", "0 0 * * +MON"]) {
      expect(() => new CronClock(p, "UTC"), p).toThrow(/not supported/);
    }
  });
});
