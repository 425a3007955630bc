/**
 * `QStashBroker`: the production `Broker`, over the official `@upstash/qstash` `Client`. Pointed
 * at the local broker (`baseUrl`), the same adapter is how celeriac publishes in development and
 * in the integration tests, so the two are proven against each other.
 * @module
 */
import { Client } from "@upstash/qstash";
import { BrokerError, ConfigError } from "../errors.ts";
import type { Broker, BrokerSchedule, PublishRequest, PublishResult } from "./broker.ts";

export interface QStashBrokerOptions {
  /** `QSTASH_TOKEN`. */
  token: string;
  /** `QSTASH_URL`. Default QStash's own. */
  baseUrl?: string;
}

type FlowControlArg = { key: string; parallelism?: number; rate?: number; period?: string };

/** The Broker port over QStash's official client. */
export class QStashBroker implements Broker {
  readonly client: Client;

  constructor(options: QStashBrokerOptions) {
    if (!options?.token) throw new ConfigError("QStashBroker needs `token`: set QSTASH_TOKEN (the local broker prints one).");
    this.client = new Client({ token: options.token, baseUrl: options.baseUrl, enableTelemetry: false });
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const args = {
      url: request.url,
      body: request.body,
      headers: { "Content-Type": "application/json", ...request.headers },
      ...(request.notBefore !== undefined ? { notBefore: request.notBefore } : request.delaySec ? { delay: request.delaySec } : {}),
      ...(request.retries !== undefined ? { retries: request.retries } : {}),
      ...(request.timeoutSec !== undefined ? { timeout: request.timeoutSec } : {}),
      ...(request.deduplicationId ? { deduplicationId: request.deduplicationId } : {}),
      ...(request.label ? { label: request.label } : {}),
      ...(request.flowControl ? { flowControl: toFlowControl(request.flowControl) as never } : {}),
    };
    const result = await call("publish", () =>
      request.queue ? this.client.queue({ queueName: request.queue }).enqueue(args) : this.client.publish(args)
    );
    const first = (Array.isArray(result) ? result[0] : result) as { messageId: string; deduplicated?: boolean };
    return { messageId: first.messageId, ...(first.deduplicated ? { deduplicated: true } : {}) };
  }

  async cancel(messageId: string): Promise<boolean> {
    try {
      const res = (await this.client.messages.cancel(messageId)) as unknown as { cancelled?: number } | undefined;
      return (res?.cancelled ?? 1) > 0;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return false;
      throw wrap("cancel", error);
    }
  }

  async upsertSchedule(s: BrokerSchedule): Promise<string> {
    const { scheduleId } = await call("create a schedule", () =>
      this.client.schedules.create({
        destination: s.url,
        cron: s.cron,
        scheduleId: s.scheduleId,
        ...(s.body !== undefined ? { body: s.body } : {}),
        headers: { "Content-Type": "application/json", ...s.headers },
        ...(s.retries !== undefined ? { retries: s.retries } : {}),
        ...(s.timeoutSec !== undefined ? { timeout: s.timeoutSec } : {}),
      })
    );
    return scheduleId;
  }

  async listSchedules(): Promise<BrokerSchedule[]> {
    const list = await call("list schedules", () => this.client.schedules.list());
    return list.map((s) => ({
      scheduleId: s.scheduleId,
      cron: s.cron,
      url: s.destination,
      ...(s.body !== undefined ? { body: s.body } : {}),
      ...(s.header ? { headers: Object.fromEntries(Object.entries(s.header).map(([k, v]) => [k, v.join(", ")])) } : {}),
      retries: s.retries,
      isPaused: s.isPaused,
    }));
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await call("delete a schedule", () => this.client.schedules.delete(scheduleId));
  }
}

function toFlowControl(f: NonNullable<PublishRequest["flowControl"]>): FlowControlArg {
  return {
    key: f.key,
    ...(f.parallelism !== undefined ? { parallelism: f.parallelism } : {}),
    ...(f.rate !== undefined ? { rate: f.rate } : {}),
    ...(f.periodSec !== undefined ? { period: `${f.periodSec}s` } : {}),
  };
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw wrap(what, error);
  }
}

function wrap(what: string, error: unknown): BrokerError {
  const status = (error as { status?: number }).status;
  const detail = error instanceof Error ? error.message : String(error);
  const hint = status === 401 ? " Check QSTASH_TOKEN." : status === undefined ? " Is the broker reachable at QSTASH_URL?" : "";
  return new BrokerError(`QStash refused to ${what}${status ? ` (${status})` : ""}: ${detail}.${hint}`, { status, cause: error });
}
