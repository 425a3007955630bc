/**
 * The Broker port straight into a local broker's engine: the same messages as publishing through
 * the official client over HTTP, without the HTTP round trip (for the dev server and benchmarks
 * that run the broker in-process).
 * @module
 */

import type { Broker, BrokerDlqEntry, BrokerDlqQuery, BrokerLogEntry, BrokerLogQuery, BrokerPage, BrokerQueue, BrokerSchedule, PublishRequest, PublishResult } from "../broker.ts";
import { listingParams, toBrokerRecord } from "../log-view.ts";
import { listEvents } from "./http/events.ts";
import { retryDlqEntries, selectDlq } from "./http/dlq.ts";
import { queueJson } from "./http/queues.ts";
import { dlqJson } from "./http/wire.ts";
import { BrokerError } from "../../errors.ts";
import { UPSTASH_RETRIES } from "../../headers.ts";
import { canonicalHeaderName } from "./message/canonical.ts";
import { isValidName, parseDestination } from "./message/destination.ts";
import type { BrokerEngine } from "./engine/engine.ts";
import type { PublishConfig } from "./message/publish-config.ts";
import type { BrokerScheduleFirer } from "./engine/schedule-firer.ts";
import { parseCron } from "./message/cron.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function headersOf(extra: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = { "Content-Type": "application/json" };
  if (extra) for (const k of Object.keys(extra)) out[canonicalHeaderName(k)] = extra[k];
  return out;
}

export class DirectBroker implements Broker {
  readonly #engine: BrokerEngine;
  readonly #runner: BrokerScheduleFirer;
  readonly #ready: Promise<void>;

  constructor(engine: BrokerEngine, runner: BrokerScheduleFirer, ready: Promise<void>) {
    this.#engine = engine;
    this.#runner = runner;
    this.#ready = ready;
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    await this.#ready;
    const destination = parseDestination(request.url);
    const config: PublishConfig = { method: "POST", headers: headersOf(request.headers) };
    if (request.notBefore !== undefined) config.notBeforeMs = request.notBefore * 1000;
    else if (request.delaySec !== undefined) config.delayMs = request.delaySec * 1000;
    if (request.retries !== undefined) config.retries = request.retries;
    if (request.timeoutSec !== undefined) config.timeoutMs = request.timeoutSec * 1000;
    if (request.deduplicationId) config.deduplicationId = request.deduplicationId;
    if (request.flowControl) config.flowControl = { key: request.flowControl.key, parallelism: request.flowControl.parallelism, rate: request.flowControl.rate, periodSec: request.flowControl.periodSec };
    if (request.failureCallback) config.failureCallback = request.failureCallback;
    if (request.failureCallbackRetries !== undefined) config.failureCallbackHeaders = { [UPSTASH_RETRIES]: String(request.failureCallbackRetries) };
    if (request.label) config.labels = request.label.split(",").map((l) => l.trim()).filter(Boolean);
    if (request.queue) {
      if (!isValidName(request.queue)) throw new BrokerError(`invalid queue name "${request.queue}"`, { status: 400 });
      await this.#engine.gates.ensureQueue(request.queue);
    }
    if (destination.kind !== "url") throw new BrokerError(`publish needs an http(s) URL, got "${request.url}"`, { status: 400 });
    const r = await this.#engine.publishToUrl(destination.url, config, encoder.encode(request.body), request.queue ? { queueName: request.queue } : {});
    return r.deduplicated ? { messageId: r.messageId, deduplicated: true } : { messageId: r.messageId };
  }

  async cancel(messageId: string): Promise<boolean> {
    await this.#ready;
    return this.#engine.cancel(messageId);
  }

  async upsertSchedule(schedule: BrokerSchedule): Promise<string> {
    await this.#ready;
    const cron = schedule.cron.trim();
    parseCron(cron);
    const scheduleId = schedule.scheduleId || this.#engine.ids.scheduleId();
    if (!isValidName(scheduleId)) throw new BrokerError(`invalid schedule id "${scheduleId}"`, { status: 400 });
    const destination = parseDestination(schedule.url);
    const config: PublishConfig = { method: "POST", headers: headersOf(schedule.headers) };
    if (schedule.retries !== undefined) config.retries = schedule.retries;
    if (schedule.timeoutSec !== undefined) config.timeoutMs = schedule.timeoutSec * 1000;
    await this.#engine.store.schedules.put({
      scheduleId,
      cron,
      destination: destination.kind === "url" ? destination.url : destination.name,
      createdAt: this.#engine.now(),
      isPaused: schedule.isPaused ?? false,
      config,
      body: encoder.encode(schedule.body ?? ""),
      nextScheduleTime: this.#runner.firstTrigger(cron),
    });
    await this.#engine.store.schedules.setStates(scheduleId, {});
    this.#runner.changed();
    return scheduleId;
  }

  async listSchedules(): Promise<BrokerSchedule[]> {
    return (await this.#engine.store.schedules.list()).map((s) => {
      const out: BrokerSchedule = { scheduleId: s.scheduleId, cron: s.cron, url: s.destination, headers: { ...s.config.headers }, retries: s.config.retries ?? this.#engine.options.defaultRetries, isPaused: s.isPaused };
      if (s.body.length) out.body = decoder.decode(s.body);
      if (s.config.timeoutMs !== undefined) out.timeoutSec = s.config.timeoutMs / 1000;
      if (s.nextScheduleTime !== undefined) out.nextScheduleTime = s.nextScheduleTime;
      if (s.lastScheduleTime !== undefined) out.lastScheduleTime = s.lastScheduleTime;
      if (s.lastScheduleStates) out.lastScheduleStates = { ...s.lastScheduleStates };
      return out;
    });
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.#engine.store.schedules.remove(scheduleId);
    this.#runner.changed();
  }

  async listLogs(query: BrokerLogQuery = {}): Promise<BrokerPage<BrokerLogEntry>> {
    await this.#ready;
    const { entries, cursor } = await listEvents(this.#engine, new URL(`http://local/v2/events?${listingParams(query, 1000)}`));
    return { items: entries.map((e) => toBrokerRecord<BrokerLogEntry>(e, true)), ...(cursor ? { cursor } : {}) };
  }

  async listDlq(query: BrokerDlqQuery = {}): Promise<BrokerPage<BrokerDlqEntry>> {
    await this.#ready;
    const { page, cursor } = await selectDlq(this.#engine, new URL(`http://local/v2/dlq?${listingParams(query, 100)}`), 100);
    return { items: (await Promise.all(page.map(dlqJson))).map((e) => toBrokerRecord<BrokerDlqEntry>(e, false)), ...(cursor ? { cursor } : {}) };
  }

  async retryDlq(dlqId: string): Promise<string | undefined> {
    await this.#ready;
    const entry = await this.#engine.store.dlq.get(dlqId);
    if (!entry) return undefined;
    return (await retryDlqEntries(this.#engine, [entry], new Headers()))[0]?.messageId;
  }

  async deleteDlq(dlqId: string): Promise<boolean> {
    await this.#ready;
    return this.#engine.store.dlq.remove(dlqId);
  }

  async upsertQueue(queue: { name: string; parallelism: number; paused: boolean }): Promise<void> {
    await this.#ready;
    if (!isValidName(queue.name) || !(Number.isInteger(queue.parallelism) && queue.parallelism >= 1)) {
      throw new BrokerError(`invalid queue ${JSON.stringify(queue.name)} with parallelism ${queue.parallelism}`, { status: 400 });
    }
    const now = this.#engine.now();
    const existing = await this.#engine.store.queues.get(queue.name);
    const record = { name: queue.name, createdAt: existing?.createdAt ?? now, updatedAt: now, parallelism: queue.parallelism, paused: queue.paused };
    await this.#engine.store.queues.put(record);
    this.#engine.gates.queues.configure(record);
  }

  async listQueues(): Promise<BrokerQueue[]> {
    await this.#ready;
    return (await this.#engine.store.queues.list()).map((r) => queueJson(this.#engine, r) as unknown as BrokerQueue);
  }
}
