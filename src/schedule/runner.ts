/**
 * `ScheduleRunner`: a worker's schedules and the engine entry points over them. Engines only
 * decide *when* to ask; which tick a firing stands for, the misfire policy and the publish are
 * here, so every engine behaves the same.
 * @module
 */
import { ConfigError } from "../errors.ts";
import { fireTick, type FireDeps, type FireResult } from "./fire.ts";
import type { Schedule } from "./schedule.ts";

/** The body of a broker schedule for schedule `name` (what `POST /schedules/:name` accepts). */
export function triggerBody(name: string): string {
  return JSON.stringify({ celeriac: "schedule", v: 1, name });
}

/** A Workers cron event (`scheduled(event)`): the UTC cron that fired and its scheduled time. */
export interface CronEvent {
  cron: string;
  /** Epoch ms. */
  scheduledTime: number;
}

/** How early a broker may fire and still mean the coming tick. */
const EARLY_MS = 5_000;
const MINUTE_MS = 60_000;

export class ScheduleRunner {
  readonly #byName = new Map<string, Schedule>();
  readonly #deps: FireDeps;

  constructor(schedules: Iterable<Schedule>, deps: FireDeps) {
    for (const s of schedules) {
      if (this.#byName.has(s.name) && this.#byName.get(s.name) !== s) throw new ConfigError(`Two different schedules are named "${s.name}".`);
      this.#byName.set(s.name, s);
    }
    this.#deps = deps;
  }

  /** Every schedule, by name. */
  list(): Schedule[] {
    return [...this.#byName.values()];
  }

  get(name: string): Schedule | undefined {
    return this.#byName.get(name);
  }

  /** Where a broker schedule delivers its trigger: `<workerUrl>/schedules/<name>`. */
  triggerUrl(name: string): string {
    return `${this.#deps.workerUrl.replace(/\/+$/, "")}/schedules/${encodeURIComponent(name)}`;
  }

  /**
   * A broker (QStash, the local broker) fired schedule `name` now: publish the tick it stands
   * for (the nearest tick, allowing a broker a few seconds early).
   */
  async fire(name: string, firedAt: number = this.#deps.now()): Promise<FireResult | undefined> {
    const s = this.#byName.get(name);
    if (!s) return undefined;
    const tick = s.clock.nearest(firedAt, EARLY_MS);
    if (tick === undefined) throw new ConfigError(`schedule "${name}": its cron "${s.cron}" has no tick before ${new Date(firedAt).toISOString()}.`);
    return await fireTick(this.#deps, s, tick, firedAt);
  }

  /**
   * A Cloudflare cron trigger fired: publish every schedule due at `event.scheduledTime`. The
   * schedules considered are those whose trigger line (`celeriac schedules wrangler`) is
   * `event.cron` (all of them when none is: a stale wrangler.toml still fires what is due); a
   * schedule runs when the time is one of its ticks in its own zone.
   */
  async onCron(event: CronEvent): Promise<FireResult[]> {
    const at = Math.floor(event.scheduledTime / MINUTE_MS) * MINUTE_MS;
    const cron = event.cron.trim().replace(/\s+/g, " ");
    const all = this.list();
    const mine = all.filter((s) => s.triggerCron === cron);
    const due = (mine.length ? mine : all).filter((s) => s.clock.isTick(at));
    const settled = await Promise.allSettled(due.map((s) => fireTick(this.#deps, s, at)));
    const failed = settled.filter((r) => r.status === "rejected");
    if (failed.length) {
      const reasons = failed.map((r) => String((r as PromiseRejectedResult).reason?.message ?? (r as PromiseRejectedResult).reason));
      throw new AggregateError(failed.map((r) => (r as PromiseRejectedResult).reason), `Could not publish ${failed.length} of ${due.length} due schedules: ${reasons.join("; ")}`);
    }
    return settled.map((r) => (r as PromiseFulfilledResult<FireResult>).value);
  }

  /** Publish tick `tick` (epoch ms) of `name` as if fired at `firedAt` (tests, manual runs). */
  async fireTick(name: string, tick: number, firedAt: number = this.#deps.now()): Promise<FireResult> {
    const s = this.#byName.get(name);
    if (!s) throw new ConfigError(`No schedule named "${name}" (known: ${[...this.#byName.keys()].join(", ") || "none"}).`);
    return await fireTick(this.#deps, s, tick, firedAt);
  }
}
