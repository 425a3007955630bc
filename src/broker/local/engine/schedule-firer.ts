/**
 * Fires schedules: at each trigger, publish an ordinary message (to the URL, the URL group's
 * endpoints, or onto the schedule's queue) carrying `scheduleId`, then move the trigger to the
 * next cron time. Missed triggers (broker down) fire once, not once per missed slot. The move is
 * a compare-and-set in the store, so brokers sharing a store fire each trigger once.
 * @module
 */

import { nextCronTime } from "../message/cron.ts";
import { parseDestination } from "../message/destination.ts";
import type { BrokerEngine } from "./engine.ts";
import {
  MESSAGE_DELIVERED, MESSAGE_FAILED, type MessageState, SCHEDULE_RUN_FAIL, SCHEDULE_RUN_IN_PROGRESS, SCHEDULE_RUN_SUCCESS, type StoredMessage,
} from "../message/message.ts";
import { publishTo } from "./publish.ts";
import type { ScheduleRecord } from "../message/records.ts";

export class BrokerScheduleFirer {
  readonly #engine: BrokerEngine;
  /** Cached earliest trigger (so the scheduler's frequent ticks cost nothing). */
  #nextAt: number | undefined;
  #checkedAt = -Infinity;
  #stale = true;

  constructor(engine: BrokerEngine) {
    this.#engine = engine;
    engine.tickers.push(this);
    engine.afterAttempt.push((msg, _outcome, final) => this.#onOutcome(msg, final));
  }

  /** Something changed (create, delete, pause, resume): re-read the earliest trigger. */
  changed(): void {
    this.#stale = true;
    this.#engine.scheduler.kick();
  }

  async #refresh(now: number): Promise<void> {
    const pollMs = this.#engine.store.shared ? 1000 : Infinity;
    if (!this.#stale && now - this.#checkedAt < pollMs) return;
    this.#nextAt = await this.#engine.store.schedules.nextDueAt();
    this.#checkedAt = now;
    this.#stale = false;
  }

  async nextWakeAt(now: number): Promise<number | undefined> {
    await this.#refresh(now);
    return this.#nextAt;
  }

  async tick(now: number): Promise<void> {
    await this.#refresh(now);
    if (this.#nextAt === undefined || this.#nextAt > now) return;
    for (const s of await this.#engine.store.schedules.due(now)) await this.#fire(s, now);
    this.#stale = true;
    await this.#refresh(now);
  }

  /** The first trigger of a new or resumed schedule. */
  firstTrigger(cron: string): number | undefined {
    return nextCronTime(cron, this.#engine.now());
  }

  async #fire(s: ScheduleRecord, now: number): Promise<void> {
    const from = s.nextScheduleTime!;
    const updated: ScheduleRecord = { ...s, lastScheduleTime: from, nextScheduleTime: nextCronTime(s.cron, now) };
    if (!(await this.#engine.store.schedules.advance(updated, from))) return;
    const engine = this.#engine;
    const states: Record<string, string> = {};
    try {
      const config = { ...s.config, notBeforeMs: undefined, delayMs: s.config.delayMs };
      if (config.queueName) await engine.gates.ensureQueue(config.queueName);
      const result = await publishTo(engine, parseDestination(s.destination), config, s.body, { scheduleId: s.scheduleId, callerIp: s.callerIp });
      for (const r of Array.isArray(result) ? result : [result]) states[r.messageId] = SCHEDULE_RUN_IN_PROGRESS;
    } catch (err) {
      engine.options.onError(err);
    }
    await engine.store.schedules.setStates(s.scheduleId, states);
  }

  async #onOutcome(msg: StoredMessage, final: MessageState | undefined): Promise<void> {
    if (!msg.scheduleId || (final !== MESSAGE_DELIVERED && final !== MESSAGE_FAILED)) return;
    await this.#engine.store.schedules.markState(msg.scheduleId, msg.id, final === MESSAGE_DELIVERED ? SCHEDULE_RUN_SUCCESS : SCHEDULE_RUN_FAIL);
  }
}
