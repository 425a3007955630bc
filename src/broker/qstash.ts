/**
 * `QStashBroker`: the Broker port over the official `@upstash/qstash` `Client`. Production talks to
 * QStash; pointed at the local broker (`baseUrl`), it is also how celeriac publishes in
 * development and tests, so one code path is exercised everywhere.
 * @module
 */

import { Client, QstashError } from "@upstash/qstash";
import { BrokerError, ConfigError } from "../errors.ts";
import { UPSTASH_FAILURE_CALLBACK_RETRIES } from "../headers.ts";
import type { Broker, BrokerDlqEntry, BrokerDlqQuery, BrokerLogEntry, BrokerLogQuery, BrokerPage, BrokerQueue, BrokerSchedule, FlowControl, PublishRequest, PublishResult } from "./broker.ts";
import { toBrokerSchedule } from "./schedule-view.ts";
import { toBrokerRecord } from "./log-view.ts";

/** Options of {@link QStashBroker}. */
export interface QStashBrokerOptions {
  /** `QSTASH_TOKEN`. */
  token: string;
  /** `QSTASH_URL`; default `https://qstash.upstash.io`. */
  baseUrl?: string | undefined;
  /** Retries of the client's own HTTP call on network errors (not deliveries). Default 3. */
  networkRetries?: number | undefined;
}

type ClientFlowControl = { key: string; parallelism?: number; rate?: number; period?: number };

function flowControl(fc: FlowControl | undefined): ClientFlowControl | undefined {
  if (!fc) return undefined;
  const out: ClientFlowControl = { key: fc.key };
  if (fc.parallelism !== undefined) out.parallelism = fc.parallelism;
  if (fc.rate !== undefined) out.rate = fc.rate;
  if (fc.periodSec !== undefined) out.period = fc.periodSec;
  return out;
}

function brokerError(action: string, err: unknown): BrokerError {
  const status = err instanceof QstashError ? err.status : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  return new BrokerError(`QStash ${action} failed${status ? ` (${status})` : ""}: ${detail}. Check QSTASH_URL and QSTASH_TOKEN.`, { status, cause: err });
}

const statusOf = (err: unknown): number | undefined => (err instanceof QstashError ? err.status : undefined);

/**
 * The Broker port on QStash.
 * @example
 * const broker = new QStashBroker({ token: env.QSTASH_TOKEN, baseUrl: env.QSTASH_URL });
 * await broker.publish({ url: "https://app.example.com/tasks/main_send_email", body: envelope, delaySec: 10 });
 */
export class QStashBroker implements Broker {
  readonly client: Client;

  constructor(options: QStashBrokerOptions) {
    if (!options.token) throw new ConfigError("QStashBroker needs a token: set QSTASH_TOKEN (the local broker prints one).");
    // devMode false: the configured URL and token win even when QSTASH_DEV is set in the environment.
    this.client = new Client({
      token: options.token,
      baseUrl: options.baseUrl,
      devMode: false,
      retry: { retries: options.networkRetries ?? 3 },
    });
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const headers: Record<string, string> = { "Content-Type": "application/json", ...request.headers };
    // The official client keeps `Upstash-*` headers as they are (callback settings included).
    if (request.failureCallbackRetries !== undefined) headers[UPSTASH_FAILURE_CALLBACK_RETRIES] = request.failureCallbackRetries.toFixed(0);
    const common = {
      url: request.url,
      body: request.body,
      headers,
      method: "POST" as const,
      delay: request.notBefore === undefined ? request.delaySec : undefined,
      notBefore: request.notBefore,
      retries: request.retries,
      timeout: request.timeoutSec,
      deduplicationId: request.deduplicationId,
      flowControl: flowControl(request.flowControl),
      label: request.label,
      failureCallback: request.failureCallback,
    };
    try {
      const res = request.queue
        ? await this.client.queue({ queueName: request.queue }).enqueue(common as Parameters<ReturnType<Client["queue"]>["enqueue"]>[0])
        : await this.client.publish(common as Parameters<Client["publish"]>[0]);
      const one = (Array.isArray(res) ? res[0] : res) as { messageId: string; deduplicated?: boolean };
      return one.deduplicated ? { messageId: one.messageId, deduplicated: true } : { messageId: one.messageId };
    } catch (err) {
      throw brokerError(`publish to ${request.url}`, err);
    }
  }

  async cancel(messageId: string): Promise<boolean> {
    try {
      const res = await this.client.messages.cancel(messageId);
      return (res?.cancelled ?? 1) > 0;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw brokerError(`cancel of ${messageId}`, err);
    }
  }

  async upsertSchedule(schedule: BrokerSchedule): Promise<string> {
    try {
      const { scheduleId } = await this.client.schedules.create({
        destination: schedule.url,
        cron: schedule.cron,
        body: schedule.body,
        headers: { "Content-Type": "application/json", ...schedule.headers },
        retries: schedule.retries,
        timeout: schedule.timeoutSec,
        scheduleId: schedule.scheduleId || undefined,
      });
      if (schedule.isPaused) await this.client.schedules.pause({ schedule: scheduleId });
      return scheduleId;
    } catch (err) {
      throw brokerError(`schedule ${schedule.scheduleId}`, err);
    }
  }

  async listSchedules(): Promise<BrokerSchedule[]> {
    try {
      const list = await this.client.schedules.list();
      return list.map(toBrokerSchedule);
    } catch (err) {
      throw brokerError("schedule list", err);
    }
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    try {
      await this.client.schedules.delete(scheduleId);
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw brokerError(`schedule delete of ${scheduleId}`, err);
    }
  }

  async listLogs(query: BrokerLogQuery = {}): Promise<BrokerPage<BrokerLogEntry>> {
    const { count, cursor, messageIds, ...filter } = query;
    try {
      const page = await this.client.logs(
        (messageIds ? { count, messageIds } : { count, cursor, filter }) as Parameters<Client["logs"]>[0],
      );
      return { items: page.logs.map((l) => toBrokerRecord<BrokerLogEntry>(l as unknown as Record<string, unknown>, true)), ...(page.cursor ? { cursor: page.cursor } : {}) };
    } catch (err) {
      throw brokerError("log list", err);
    }
  }

  async listDlq(query: BrokerDlqQuery = {}): Promise<BrokerPage<BrokerDlqEntry>> {
    const { count, cursor, dlqIds, ...filter } = query;
    try {
      const page = await this.client.dlq.listMessages(
        (dlqIds ? { count, dlqIds } : { count, cursor, filter }) as Parameters<Client["dlq"]["listMessages"]>[0],
      );
      return { items: page.messages.map((m) => toBrokerRecord<BrokerDlqEntry>(m as unknown as Record<string, unknown>, false)), ...(page.cursor ? { cursor: page.cursor } : {}) };
    } catch (err) {
      throw brokerError("DLQ list", err);
    }
  }

  async retryDlq(dlqId: string): Promise<string | undefined> {
    try {
      return (await this.client.dlq.retry(dlqId)).responses[0]?.messageId;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw brokerError(`DLQ retry of ${dlqId}`, err);
    }
  }

  async deleteDlq(dlqId: string): Promise<boolean> {
    try {
      await this.client.dlq.delete(dlqId);
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw brokerError(`DLQ delete of ${dlqId}`, err);
    }
  }

  async upsertQueue(queue: { name: string; parallelism: number; paused: boolean }): Promise<void> {
    try {
      await this.client.queue({ queueName: queue.name }).upsert({ parallelism: queue.parallelism, paused: queue.paused });
    } catch (err) {
      throw brokerError(`queue upsert of ${queue.name}`, err);
    }
  }

  async listQueues(): Promise<BrokerQueue[]> {
    try {
      return (await this.client.queue().list()) as BrokerQueue[];
    } catch (err) {
      throw brokerError("queue list", err);
    }
  }
}
