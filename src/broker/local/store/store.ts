/**
 * The broker's store port: everything the local broker keeps (messages and their due times, the
 * DLQ, dedup ids, the event log, schedules, queues, URL groups). The engine holds no state that a
 * restart must keep; runtime counters (queue slots, flow-control windows) are rebuilt from here.
 *
 * Implementations: `MemoryStore` (default) and the Redis store (`src/node/broker-redis-store.ts`).
 * @module
 */

import type { DlqEntry, EventRecord, StoredMessage } from "../message/message.ts";
import type { QueueRecord, ScheduleRecord, TopicRecord } from "../message/records.ts";

/** Messages and their due index. A claimed message leaves the due index but stays readable. */
export interface MessageStore {
  /** Store a new message, due at `msg.dueAt`. */
  insert(msg: StoredMessage): Promise<void>;
  get(id: string): Promise<StoredMessage | undefined>;
  /**
   * Atomically take up to `max` messages due at or before `now`, earliest first (ties in insertion
   * order). A claimed message is this caller's until it is rescheduled, removed or released; a
   * shared store gives it back to the due index when the claim's lease runs out.
   */
  claimDue(now: number, max: number): Promise<StoredMessage[]>;
  /** The earliest due time, or undefined when nothing is pending. */
  nextDueAt(): Promise<number | undefined>;
  /** Write back a claimed message's fields and make it due at `msg.dueAt`; false if it was removed meanwhile (cancelled). */
  reschedule(msg: StoredMessage): Promise<boolean>;
  /** Delete a message wherever it is; returns it, or undefined if unknown. */
  remove(id: string): Promise<StoredMessage | undefined>;
  /** Every stored message (pending, claimed, in flight). */
  list(): Promise<StoredMessage[]>;
  /** Keep claims alive: the caller still holds these ids (shared stores only). */
  renew?(ids: readonly string[], now: number): Promise<void>;
  /** How often the holder must call `renew` (ms); set with `renew`. */
  readonly renewEveryMs?: number;
  /** Give claimed messages back to the due index as they are (shutdown). */
  release(msgs: readonly StoredMessage[]): Promise<void>;
}

/** The dead-letter queue, oldest first. */
export interface DlqStore {
  add(entry: DlqEntry): Promise<void>;
  get(dlqId: string): Promise<DlqEntry | undefined>;
  list(): Promise<DlqEntry[]>;
  remove(dlqId: string): Promise<boolean>;
}

/** Deduplication ids within a time window. */
export interface DedupStore {
  /** Remember `key` → `messageId` for `windowMs` unless `key` is live; returns the live entry's message id if there is one. */
  claim(key: string, messageId: string, now: number, windowMs: number): Promise<string | undefined>;
}

/** The delivery log, capped; newest first. */
export interface EventStore {
  /** Append (assigns `seq`). Never awaited on the hot path by callers that do not need to. */
  add(event: EventRecord): Promise<void>;
  /** Entries with `seq < before` (all when undefined) passing `filter`, newest first, at most `count`. */
  list(options: { before?: number; count: number; filter: (e: EventRecord) => boolean }): Promise<EventRecord[]>;
}

/** Schedules and their next trigger times. */
export interface ScheduleStore {
  put(schedule: ScheduleRecord): Promise<void>;
  get(id: string): Promise<ScheduleRecord | undefined>;
  list(): Promise<ScheduleRecord[]>;
  remove(id: string): Promise<boolean>;
  /** Schedules whose `nextScheduleTime` is at or before `now`. */
  due(now: number): Promise<ScheduleRecord[]>;
  /** The earliest `nextScheduleTime` of an unpaused schedule. */
  nextDueAt(): Promise<number | undefined>;
  /**
   * Move a schedule's trigger from `from` to `schedule.nextScheduleTime` and save its fields, only
   * if its stored trigger time is still `from` (so two brokers on one store fire it once).
   */
  advance(schedule: ScheduleRecord, from: number): Promise<boolean>;
  /** Replace the last trigger's message states (`lastScheduleStates`). */
  setStates(id: string, states: Record<string, string>): Promise<void>;
  /** Set one message's state if it belongs to the last trigger. */
  markState(id: string, messageId: string, state: string): Promise<void>;
}

/** Named records keyed by `name`. */
export interface RecordStore<T extends { name: string }> {
  put(record: T): Promise<void>;
  get(name: string): Promise<T | undefined>;
  list(): Promise<T[]>;
  remove(name: string): Promise<boolean>;
}

/** Everything the broker stores. */
export interface BrokerStore {
  messages: MessageStore;
  dlq: DlqStore;
  dedup: DedupStore;
  events: EventStore;
  schedules: ScheduleStore;
  queues: RecordStore<QueueRecord>;
  topics: RecordStore<TopicRecord>;
  /** True when other processes may share it: the broker then polls for work it did not publish itself. */
  readonly shared: boolean;
  close(): Promise<void>;
}
