/**
 * Cron evaluation on `croner`, for schedules and the local broker (5-field patterns, IANA time
 * zones, DST). One rule everywhere: a schedule's ticks are exactly the instants croner enumerates
 * for its pattern in its zone. In a spring-forward gap a fixed-time job ("30 2 * * *") runs at the first valid time
 * after the gap; when a time repeats (fall back) it runs once; interval jobs ("0 * * * *") skip
 * the missing hour and run in both repeated ones. Every engine asks this module, so brokers whose
 * cron reads DST differently cannot make a schedule run twice or at another instant.
 * @module
 */
import { Cron } from "croner";
import { ConfigError } from "../errors.ts";

/** The `@…` shorthands accepted in `cron`, and the 5-field pattern each stands for. */
export const CRON_ALIASES: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Trim, collapse spaces and expand an alias; throws `ConfigError` unless there are 5 fields. */
export function normalizeCron(expression: string, where = "cron"): string {
  if (typeof expression !== "string") throw new ConfigError(`${where}: expected a cron string, got ${typeof expression}.`);
  const trimmed = expression.trim().replace(/\s+/g, " ");
  const expanded = CRON_ALIASES[trimmed.toLowerCase()] ?? trimmed;
  if (expanded.startsWith("@")) {
    throw new ConfigError(`${where}: unknown alias "${trimmed}"; use one of ${Object.keys(CRON_ALIASES).join(", ")} or a 5-field pattern.`);
  }
  if (expanded.split(" ").length !== 5) {
    throw new ConfigError(
      `${where}: "${trimmed}" has ${expanded.split(" ").length} fields; write standard 5-field cron "minute hour day-of-month month day-of-week" (no seconds), e.g. "*/10 * * * *".`,
    );
  }
  return expanded;
}

/** Throws `ConfigError` unless `tz` is an IANA zone this runtime knows. */
export function checkTimeZone(tz: string, where = "tz"): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    throw new ConfigError(`${where}: unknown time zone ${JSON.stringify(tz)}; use an IANA name such as "UTC" or "Europe/Berlin".`);
  }
}

/** A compiled pattern in a zone. Build with {@link compileCron}. */
export class CronClock {
  readonly #cron: Cron;

  constructor(readonly pattern: string, readonly tz: string) {
    this.#cron = new Cron(pattern, { timezone: tz, mode: "5-part", paused: true });
  }

  /** The first tick strictly after `after` (epoch ms), or undefined. */
  next(after: number): number | undefined {
    return this.#cron.nextRun(new Date(after))?.getTime();
  }

  /** The last tick at or before `at` (epoch ms), or undefined. */
  previous(at: number): number | undefined {
    return this.#cron.previousRuns(1, new Date(at + 1))[0]?.getTime();
  }

  /** True when `at` (epoch ms, whole minute) is a tick. */
  isTick(at: number): boolean {
    return this.next(at - 1000) === at;
  }

  /** Up to `limit` ticks in `(from, to]`. */
  between(from: number, to: number, limit = 1000): number[] {
    const out: number[] = [];
    let t = this.next(from);
    while (t !== undefined && t <= to && out.length < limit) {
      out.push(t);
      t = this.next(t);
    }
    return out;
  }

  /**
   * The tick a firing at `at` stands for: the next tick when it is at most `earlyMs` away (a
   * broker firing slightly early), else the last tick at or before `at`.
   */
  nearest(at: number, earlyMs: number): number | undefined {
    const next = this.next(at);
    if (next !== undefined && next - at <= earlyMs) return next;
    return this.previous(at);
  }
}

/** Compile `pattern` (already normalized) in `tz`; throws `ConfigError` with croner's reason. */
export function compileCron(pattern: string, tz: string, where = "cron"): CronClock {
  checkTimeZone(tz, where);
  try {
    const clock = new CronClock(pattern, tz);
    clock.next(0);
    return clock;
  } catch (cause) {
    throw new ConfigError(`${where}: invalid cron "${pattern}" (${(cause as Error).message}).`);
  }
}
