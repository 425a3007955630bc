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
  /**
   * QStash `Upstash-Failure-Callback`: a URL the broker calls once, when it gives up on the
   * message (retries exhausted or a non-retryable answer), with the message and its last answer.
   */
  failureCallback?: string;
  /** Delivery retries of that failure callback (default: the message's own `retries`). */
  failureCallbackRetries?: number;
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
  /** When the broker fires it next / fired it last (epoch ms), when the broker tells. */
  nextScheduleTime?: number;
  lastScheduleTime?: number;
  /** The last firing's messages and their states (`IN_PROGRESS`, `SUCCESS`, `FAIL`), by message id. */
  lastScheduleStates?: Record<string, string>;
}

/** One entry of the broker's delivery log (QStash `GET /v2/events`): a state change of one message. */
export interface BrokerLogEntry {
  /** Epoch ms. */
  time: number;
  messageId: string;
  /** `CREATED`, `ACTIVE`, `RETRY`, `ERROR`, `DELIVERED`, `FAILED`, `CANCEL_REQUESTED` or `CANCELED`. */
  state: string;
  url: string;
  /** The message body as text. */
  body?: string;
  labels?: string[];
  error?: string;
  /** After a RETRY: when the next attempt is due (epoch ms). */
  nextDeliveryTime?: number;
  /** After an ERROR: what the destination answered. */
  responseStatus?: number;
  responseBody?: string;
  queueName?: string;
  scheduleId?: string;
}

/** Filters of {@link Broker.listLogs}; different filters are ANDed. */
export interface BrokerLogQuery {
  /** Entries per page. Default 100, at most 1000. */
  count?: number;
  /** From a previous page's `cursor`. */
  cursor?: string;
  state?: string;
  url?: string;
  label?: string;
  messageIds?: string[];
  /** Epoch ms, inclusive. */
  fromDate?: number;
  toDate?: number;
}

/** A message in the broker's dead-letter queue. */
export interface BrokerDlqEntry {
  dlqId: string;
  messageId: string;
  url: string;
  body?: string;
  labels?: string[];
  /** When the message was created (epoch ms). */
  createdAt?: number;
  responseStatus?: number;
  responseBody?: string;
  queueName?: string;
  scheduleId?: string;
}

/** Filters of {@link Broker.listDlq}. */
export interface BrokerDlqQuery {
  /** Entries per page. Default 100, at most 100. */
  count?: number;
  cursor?: string;
  url?: string;
  label?: string;
  dlqIds?: string[];
}

/** One page of a listing; `cursor` is absent on the last page. */
export interface BrokerPage<T> {
  items: T[];
  cursor?: string;
}

/** A named FIFO queue and how far behind it is. */
export interface BrokerQueue {
  name: string;
  parallelism: number;
  /** Messages not delivered yet. */
  lag: number;
  paused: boolean;
  createdAt?: number;
  updatedAt?: number;
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
  /** The delivery log, newest first (optional: the dashboard reads it). */
  listLogs?(query?: BrokerLogQuery): Promise<BrokerPage<BrokerLogEntry>>;
  /** The dead-letter queue, oldest first. */
  listDlq?(query?: BrokerDlqQuery): Promise<BrokerPage<BrokerDlqEntry>>;
  /** Deliver a DLQ message again as a new message (it leaves the DLQ); its new message id, or undefined when the entry is gone. */
  retryDlq?(dlqId: string): Promise<string | undefined>;
  /** Delete a DLQ entry; false when it was gone. */
  deleteDlq?(dlqId: string): Promise<boolean>;
  listQueues?(): Promise<BrokerQueue[]>;
  /** Create a queue or set its parallelism and pause state (QStash `POST /v2/queues`). */
  upsertQueue?(queue: { name: string; parallelism: number; paused: boolean }): Promise<void>;
}
