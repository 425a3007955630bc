/**
 * The broker's message record and its vocabulary.
 * @module
 */

// Log states, spelled as QStash and its clients expect (`CANCELED`, one L). Two of QStash's words
// are also Celery's (`RETRY`; `SUCCESS` of a schedule run): the same text, another vocabulary.

/** Published, not yet attempted. */
export const MESSAGE_CREATED = "CREATED";
/** An attempt is in flight. */
export const MESSAGE_ACTIVE = "ACTIVE";
/** Waiting for its next attempt. */
export const MESSAGE_RETRY = "RETRY";
/** An attempt failed. */
export const MESSAGE_ERROR = "ERROR";
/** Delivered: the destination answered 2xx. */
export const MESSAGE_DELIVERED = "DELIVERED";
/** Failed for good (moved to the DLQ). */
export const MESSAGE_FAILED = "FAILED";
/** Cancelled while an attempt was in flight; becomes CANCELED when it ends. */
export const MESSAGE_CANCEL_REQUESTED = "CANCEL_REQUESTED";
/** Cancelled. */
export const MESSAGE_CANCELED = "CANCELED";
/** The events filter that stands for ACTIVE, RETRY and ERROR. */
export const MESSAGE_IN_PROGRESS = "IN_PROGRESS";

/** A log state. */
export type MessageState =
  | typeof MESSAGE_CREATED
  | typeof MESSAGE_ACTIVE
  | typeof MESSAGE_RETRY
  | typeof MESSAGE_ERROR
  | typeof MESSAGE_DELIVERED
  | typeof MESSAGE_FAILED
  | typeof MESSAGE_CANCEL_REQUESTED
  | typeof MESSAGE_CANCELED;

/** The states a message ends in. */
export type FinalState = typeof MESSAGE_DELIVERED | typeof MESSAGE_FAILED | typeof MESSAGE_CANCELED;

// The state of each message a schedule's last trigger published (`lastScheduleStates`).

/** The schedule's message is not delivered or failed yet. */
export const SCHEDULE_RUN_IN_PROGRESS = "IN_PROGRESS";
/** The schedule's message was delivered. */
export const SCHEDULE_RUN_SUCCESS = "SUCCESS";
/** The schedule's message failed for good. */
export const SCHEDULE_RUN_FAIL = "FAIL";

/** `Upstash-Flow-Control-Key` + `-Value`. */
export interface FlowControlConfig {
  key: string;
  parallelism?: number;
  rate?: number;
  /** Seconds in a rate period (default 1). */
  periodSec?: number;
}

/** The last response of a failed attempt (kept for the DLQ and callbacks). */
export interface ResponseRecord {
  status?: number;
  headers?: Record<string, string[]>;
  body?: Uint8Array;
  error?: string;
}

/** Where a message came from when it is a callback. */
export interface CallbackSource {
  kind: "callback" | "failureCallback";
  /** The JSON payload QStash sends (built once, delivered as the body). */
  sourceMessageId: string;
}

/** One message: everything needed to deliver it, retry it and report it. */
export interface StoredMessage {
  id: string;
  /** Insertion order inside this process (tie-break for equal due times). */
  seq: number;
  /** The URL delivered to (for a URL-group message, its endpoint's URL). */
  url: string;
  method: string;
  /** Headers delivered to the destination (forwarded ones without prefix, and Content-Type), canonical names. */
  headers: Record<string, string>;
  /** Upstash-* headers passed through on delivery (Upstash-Schedule-Id, Upstash-Topic-Name, workflow headers). */
  passHeaders?: Record<string, string>;
  /** The exact body bytes. */
  body: Uint8Array;
  createdAt: number;
  /** First time it may be delivered (ms). */
  notBefore: number;
  /** When it is due next (ms). */
  dueAt: number;
  maxRetries: number;
  /** Attempts made before the next one. */
  retried: number;
  retryDelay?: string;
  timeoutMs?: number;
  callback?: string;
  failureCallback?: string;
  /** `Upstash-Callback-*` settings (the `Callback-` removed), applied to callback messages. */
  callbackHeaders?: Record<string, string>;
  failureCallbackHeaders?: Record<string, string>;
  queueName?: string;
  topicName?: string;
  endpointName?: string;
  scheduleId?: string;
  flowControl?: FlowControlConfig;
  labels?: string[];
  deduplicationId?: string;
  callerIp?: string;
  /** `Upstash-Redact-Fields`, parsed: `body`, `header` (all) or header names. */
  redact?: { body?: boolean; allHeaders?: boolean; headers?: string[] };
  state: MessageState;
  /** True once it holds one of its queue's parallelism slots (until delivered or failed). */
  holdsQueueSlot?: boolean;
  /** Set when cancelled while in flight. */
  cancelRequested?: boolean;
  lastResponse?: ResponseRecord;
  /** Cached `body` claim of the signature. */
  bodyHash?: string;
  /** Set on callback messages. */
  callbackOf?: CallbackSource;
  /** Index in the memory store's heap (not persisted). */
  heapIndex?: number;
}

/** A DLQ entry: the failed message and its last response. */
export interface DlqEntry {
  dlqId: string;
  message: StoredMessage;
  failedAt: number;
}

/** One delivery-log entry. */
export interface EventRecord {
  /** Store-assigned, increasing: newest first, and the cursor. */
  seq?: number;
  time: number;
  state: MessageState;
  message: StoredMessage;
  error?: string;
  nextDeliveryTime?: number;
  response?: ResponseRecord;
}
