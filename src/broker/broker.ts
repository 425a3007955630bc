/**
 * The broker port: how celeriac publishes task messages. The production implementation is
 * `QStashBroker` over the official `@upstash/qstash` `Client`; pointed at the local broker
 * (`createLocalBroker`), the same adapter is how celeriac talks to it in development and tests.
 * @module
 */

/** Flow control (QStash `Upstash-Flow-Control-*`): a global limit shared by every message with `key`. */
export interface FlowControl {
  key: string;
  /** Activations allowed per `periodSec`. */
  rate?: number;
  /** Seconds in a rate period. Default 1. */
  periodSec?: number;
  /** Deliveries in flight at once. */
  parallelism?: number;
}

/** One message to publish. */
export interface PublishRequest {
  /** The destination URL the broker delivers to (the worker's `/tasks/<name>`). */
  url: string;
  /** The exact body bytes to deliver (a JSON envelope). */
  body: string;
  /** Extra headers forwarded to the destination. */
  headers?: Record<string, string>;
  /** Deliver no earlier than `delaySec` from now. */
  delaySec?: number;
  /** Deliver no earlier than this epoch second (wins over `delaySec`). */
  notBefore?: number;
  /** Broker-level delivery retries after the first attempt. */
  retries?: number;
  /** Per-attempt HTTP timeout in seconds. */
  timeoutSec?: number;
  /** The broker drops a second message with the same id inside its dedup window. */
  deduplicationId?: string;
  flowControl?: FlowControl;
  /** A named FIFO queue. */
  queue?: string;
  /** Labels, for filtering logs and the DLQ. */
  label?: string;
}

/** What the broker answered. */
export interface PublishResult {
  messageId: string;
  /** True when the broker dropped this publish as a duplicate and answered the earlier message's id. */
  deduplicated?: boolean;
}

/** A cron schedule the broker fires by itself. */
export interface BrokerSchedule {
  scheduleId: string;
  cron: string;
  url: string;
  body?: string;
  headers?: Record<string, string>;
  retries?: number;
  timeoutSec?: number;
  isPaused?: boolean;
}

/** The broker port. */
export interface Broker {
  publish(request: PublishRequest): Promise<PublishResult>;
  /** Cancel a pending message; resolves false when it was not found (already delivered). */
  cancel(messageId: string): Promise<boolean>;
  /** Create or replace a schedule (optional: not every broker has schedules). */
  upsertSchedule?(schedule: BrokerSchedule): Promise<string>;
  listSchedules?(): Promise<BrokerSchedule[]>;
  deleteSchedule?(scheduleId: string): Promise<void>;
}
