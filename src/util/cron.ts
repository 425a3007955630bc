/**
 * Cron evaluation for schedules and the local broker (5-field patterns, IANA time zones, DST),
 * on our own pattern walker (`cron-pattern.ts`, which says why not croner) and `Intl` for zones.
 * One rule everywhere, croner's: a schedule's ticks are its matching wall-clock minutes in its
 * zone, each at the instant it happens. A wall time that happens twice (fall back) runs twice,
 * except for a fixed-time job (one minute and one hour, e.g. "30 2 * * *"), which runs at the first
 * one; a wall time that does not exist (spring forward) is skipped, except for a fixed-time job,
 * which runs when the gap ends. Every engine asks this module, so brokers whose cron reads DST
 * differently cannot make a schedule run twice or at another instant.
 * @module
 */
import { type CronFields, nextWallMinute, parseCronFields } from "./cron-pattern.ts";
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

const HOUR = 3_600_000;
const formats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock time of `at` in `tz`, as epoch ms of the same fields read as UTC (whole seconds). */
function wallOf(at: number, tz: string): number {
  let format = formats.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formats.set(tz, format);
  }
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(at)) p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** A compiled pattern in a zone. Build with {@link compileCron}. */
export class CronClock {
  readonly #fields: CronFields;
  readonly #utc: boolean;

  constructor(readonly pattern: string, readonly tz: string) {
    this.#fields = parseCronFields(pattern);
    this.#utc = tz === "UTC" || tz === "Etc/UTC";
  }

  #wall(at: number): number {
    return this.#utc ? Math.floor(at / 1000) * 1000 : wallOf(at, this.tz);
  }

  #offset(at: number): number {
    const whole = Math.floor(at / 1000) * 1000;
    return this.#wall(whole) - whole;
  }

  /** The instants wall time `w` stands for, ascending, as ticks (see the module comment). */
  #instants(w: number): number[] {
    if (this.#utc) return [w];
    const offsets = new Set([this.#offset(w - 15 * HOUR), this.#offset(w), this.#offset(w + 15 * HOUR)]);
    const found = [...offsets].map((o) => w - o).filter((t) => this.#wall(t) === w).sort((a, b) => a - b);
    const at = [...new Set(found)];
    if (at.length > 1) return this.#fields.fixed ? [at[0]] : at;
    if (at.length === 1 || !this.#fields.fixed) return at;
    // In a gap: the instant the zone's offset changes, between the two readings of w.
    const guesses = [...offsets].map((o) => w - o);
    let lo = Math.min(...guesses);
    let hi = Math.max(...guesses);
    const before = this.#offset(lo);
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (this.#offset(mid) === before) lo = mid;
      else hi = mid;
    }
    return Math.floor(this.#wall(hi) / 86_400_000) === Math.floor(w / 86_400_000) ? [hi] : [];
  }

  /** The first tick strictly after `after` (epoch ms), or undefined. */
  next(after: number): number | undefined {
    // Starting inside the first reading of a repeated hour, earlier wall times still come again.
    let w: number | undefined = this.#wall(after) - (!this.#utc && this.#offset(after + 3 * HOUR) < this.#offset(after) ? 3 * HOUR : 0);
    let best: number | undefined;
    let stop = Infinity;
    while ((w = nextWallMinute(this.#fields, w)) !== undefined && w <= stop) {
      const ticks = this.#instants(w).filter((t) => t > after);
      if (!ticks.length) continue;
      if (best === undefined || ticks[0] < best) best = ticks[0];
      // A later reading of a repeated wall time: walls after it may still come first.
      if (ticks[0] === this.#instants(w)[0]) break;
      stop = Math.min(stop, w + 3 * HOUR);
    }
    return best;
  }

  /** The last tick at or before `at` (epoch ms), or undefined. */
  previous(at: number): number | undefined {
    let span = 2 * HOUR;
    let lo = at - span;
    for (;;) {
      const n = this.next(lo);
      if (n !== undefined && n <= at) break;
      if (span > 30 * 366 * 24 * HOUR) return undefined;
      span *= 2;
      lo = at - span;
    }
    // Ticks are at least a minute apart, so once (lo, hi] is shorter than that it holds the last one.
    let hi = at;
    while (hi - lo > 30_000) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const n = this.next(mid);
      if (n !== undefined && n <= at) lo = mid;
      else hi = mid;
    }
    return this.next(lo);
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

/** Compile `pattern` (already normalized) in `tz`; throws `ConfigError` saying what is wrong. */
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
