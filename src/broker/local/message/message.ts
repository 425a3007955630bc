/**
 * The broker's message record and its vocabulary.
 * @module
 */

/** Log states, spelled as QStash and its clients expect (`CANCELED`, one L). */
export type MessageState = "CREATED" | "ACTIVE" | "RETRY" | "ERROR" | "DELIVERED" | "FAILED" | "CANCEL_REQUESTED" | "CANCELED";

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
