/**
 * The `[triggers] crons` lines a Cloudflare Worker needs for a set of schedules.
 *
 * Cloudflare evaluates crons in UTC and knows no time zones. So each schedule gets one UTC
 * *trigger* line that fires at least at every instant the schedule can tick, and the Worker's
 * `scheduled` handler (`ScheduleRunner.onCron`) keeps only the schedules whose tick, computed by
 * in their own zone (`util/cron.ts`), is exactly the event's time:
 * - `tz: "UTC"`: the schedule's own pattern (weekday numbers written as `SUN`…`SAT`, because
 *   Cloudflare numbers weekdays 1–7 from Sunday while standard cron uses 0–6).
 * - another zone: the UTC minutes and hours that the zone's local minutes and hours map to under
 *   every UTC offset the zone uses in the next two years, plus the instants a fixed-time run is moved to
 *   gap-time runs to on DST days; day, month and weekday are `*`. E.g. `30 2 * * *` in
 *   Europe/Berlin → `0,30 0,1 * * *`: four invocations a day, one of which publishes.
 * @module
 */
import { CronClock } from "../util/cron.ts";
import type { Schedule } from "./schedule.ts";

const DAY_MS = 86_400_000;
const SAMPLE_MS = 6 * 3_600_000;
const HORIZON_MS = 2 * 366 * DAY_MS;
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

const cache = new WeakMap<Schedule, string>();

/** The UTC cron line that triggers `s` on Cloudflare. */
export function triggerCron(s: Schedule, from: number = Date.now()): string {
  let line = cache.get(s);
  if (line === undefined) {
    line = s.tz === "UTC" || s.tz === "Etc/UTC" ? utcLine(s.cron) : zonedLine(s, from);
    cache.set(s, line);
  }
  return line;
}

/** The distinct trigger lines of `schedules`, sorted (what `[triggers] crons` must list). */
export function wranglerCrons(schedules: Iterable<Schedule>, from: number = Date.now()): string[] {
  return [...new Set([...schedules].map((s) => triggerCron(s, from)))].sort();
}

function utcLine(cron: string): string {
  const [minute, hour, dom, month, dow] = cron.split(" ");
  const domSet = dom !== "*" && dom !== "?";
  const dowSet = dow !== "*" && dow !== "?";
  // Standard cron ORs day-of-month and weekday when both are set; widen both and let the clock decide.
  if (domSet && dowSet) return `${minute} ${hour} * ${month} *`;
  return `${minute} ${hour} ${dom} ${month} ${dowSet ? weekdayNames(dow) : dow}`;
}

/** `1-5` → `MON-FRI`; anything with steps widens to `*` (the clock filters). */
function weekdayNames(field: string): string {
  if (/[/#L]/i.test(field)) return "*";
  return field.replace(/\d+/g, (n) => WEEKDAYS[Number(n)] ?? n).toUpperCase();
}

function zonedLine(s: Schedule, from: number): string {
  const [minute, hour] = s.cron.split(" ");
  const daily = new CronClock(`${minute} ${hour} * * *`, "UTC");
  const dayStart = Date.UTC(2001, 0, 1);
  const localMinutes = daily.between(dayStart - 1, dayStart + DAY_MS - 1, 1440).map((t) => (t - dayStart) / 60_000);
  if (localMinutes.length === 1440) return "* * * * *";
  const utc = new Set<number>();
  const offsetOf = offsetReader(s.tz);
  let previous = offsetOf(from);
  const offsets = new Set([previous]);
  for (let at = from + SAMPLE_MS; at <= from + HORIZON_MS; at += SAMPLE_MS) {
    const offset = offsetOf(at);
    if (offset !== previous) {
      // In the sample window holding a transition, take the clock's own instants (a run moved out of a DST gap).
      const local = new CronClock(`${minute} ${hour} * * *`, s.tz);
      for (const t of local.between(at - SAMPLE_MS, at, 400)) utc.add(Math.floor((t % DAY_MS) / 60_000));
      offsets.add(offset);
      previous = offset;
    }
  }
  for (const m of localMinutes) for (const o of offsets) utc.add((((m - o) % 1440) + 1440) % 1440);
  const minutes = new Set([...utc].map((m) => m % 60));
  const hours = new Set([...utc].map((m) => Math.floor(m / 60)));
  return `${field(minutes, 60)} ${field(hours, 24)} * * *`;
}

function field(values: Set<number>, size: number): string {
  return values.size === size ? "*" : [...values].sort((a, b) => a - b).join(",");
}

/** The zone's UTC offset in minutes at an instant, from `Intl` (no tz database of our own). */
function offsetReader(tz: string): (at: number) => number {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
  });
  return (at) => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(new Date(at))) if (p.type !== "literal") parts[p.type] = Number(p.value);
    const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
    return Math.round((local - Math.floor(at / 60_000) * 60_000) / 60_000);
  };
}
