/**
 * The in-memory store: one process, nothing survives a restart. Pending messages sit in an
 * indexed heap ordered by (due time, insertion order), so every operation is O(log n).
 * @module
 */

import { IndexedHeap } from "./heap.ts";
import type { DlqEntry, EventRecord, StoredMessage } from "../message/message.ts";
import type { QueueRecord, ScheduleRecord, TopicRecord } from "../message/records.ts";
import type { BrokerStore, DedupStore, DlqStore, EventStore, MessageStore, RecordStore, ScheduleStore } from "./store.ts";

const byDue = (a: StoredMessage, b: StoredMessage): boolean => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);

class MemoryMessages implements MessageStore {
  readonly #all = new Map<string, StoredMessage>();
  readonly #due = new IndexedHeap<StoredMessage>(byDue);

  async insert(msg: StoredMessage): Promise<void> {
    this.#all.set(msg.id, msg);
    this.#due.push(msg);
  }
  async get(id: string): Promise<StoredMessage | undefined> {
    return this.#all.get(id);
  }
  async claimDue(now: number, max: number): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    while (out.length < max) {
      const top = this.#due.peek();
      if (!top || top.dueAt > now) break;
      out.push(this.#due.pop()!);
    }
    return out;
  }
  async nextDueAt(): Promise<number | undefined> {
    return this.#due.peek()?.dueAt;
  }
  async reschedule(msg: StoredMessage): Promise<boolean> {
    if (this.#all.get(msg.id) !== msg) return false;
    this.#due.remove(msg);
    this.#due.push(msg);
    return true;
  }
  async remove(id: string): Promise<StoredMessage | undefined> {
    const msg = this.#all.get(id);
    if (!msg) return undefined;
    this.#all.delete(id);
    this.#due.remove(msg);
    return msg;
  }
  async list(): Promise<StoredMessage[]> {
    return [...this.#all.values()];
  }
  async release(msgs: readonly StoredMessage[]): Promise<void> {
    for (const m of msgs) if (this.#all.get(m.id) === m && !this.#due.has(m)) this.#due.push(m);
  }
}

class MemoryDlq implements DlqStore {
  readonly #entries = new Map<string, DlqEntry>();
  async add(entry: DlqEntry): Promise<void> {
    this.#entries.set(entry.dlqId, entry);
  }
  async get(dlqId: string): Promise<DlqEntry | undefined> {
    return this.#entries.get(dlqId);
  }
  async list(): Promise<DlqEntry[]> {
    return [...this.#entries.values()];
  }
  async remove(dlqId: string): Promise<boolean> {
    return this.#entries.delete(dlqId);
  }
}

/** All windows are equal, so insertion order is expiry order: expire from the front, O(1) amortized. */
class MemoryDedup implements DedupStore {
  readonly #live = new Map<string, { messageId: string; expiresAt: number }>();
  async claim(key: string, messageId: string, now: number, windowMs: number): Promise<string | undefined> {
    for (const [k, v] of this.#live) {
      if (v.expiresAt > now) break;
      this.#live.delete(k);
    }
    const hit = this.#live.get(key);
    if (hit && hit.expiresAt > now) return hit.messageId;
    this.#live.delete(key);
    this.#live.set(key, { messageId, expiresAt: now + windowMs });
    return undefined;
  }
}

/** A ring buffer of the newest `capacity` events. */
class MemoryEvents implements EventStore {
  readonly #ring: (EventRecord | undefined)[];
  #seq = 0;
  constructor(capacity: number) {
    this.#ring = new Array(Math.max(1, capacity));
  }
  async add(event: EventRecord): Promise<void> {
    event.seq = ++this.#seq;
    this.#ring[event.seq % this.#ring.length] = event;
  }
  async list(options: { before?: number; count: number; filter: (e: EventRecord) => boolean }): Promise<EventRecord[]> {
    const out: EventRecord[] = [];
    const cap = this.#ring.length;
    let seq = Math.min(this.#seq, (options.before ?? Infinity) - 1);
    for (; seq > 0 && seq > this.#seq - cap && out.length < options.count; seq--) {
      const e = this.#ring[seq % cap];
      if (e && e.seq === seq && options.filter(e)) out.push(e);
    }
    return out;
  }
}

class MemorySchedules implements ScheduleStore {
  readonly #all = new Map<string, ScheduleRecord>();
  async put(schedule: ScheduleRecord): Promise<void> {
    this.#all.set(schedule.scheduleId, schedule);
  }
  async get(id: string): Promise<ScheduleRecord | undefined> {
    return this.#all.get(id);
  }
  async list(): Promise<ScheduleRecord[]> {
    return [...this.#all.values()];
  }
  async remove(id: string): Promise<boolean> {
    return this.#all.delete(id);
  }
  async due(now: number): Promise<ScheduleRecord[]> {
    return [...this.#all.values()].filter((s) => !s.isPaused && s.nextScheduleTime !== undefined && s.nextScheduleTime <= now);
  }
  async nextDueAt(): Promise<number | undefined> {
    let min: number | undefined;
    for (const s of this.#all.values()) {
      if (!s.isPaused && s.nextScheduleTime !== undefined && (min === undefined || s.nextScheduleTime < min)) min = s.nextScheduleTime;
    }
    return min;
  }
  async advance(schedule: ScheduleRecord, from: number): Promise<boolean> {
    const current = this.#all.get(schedule.scheduleId);
    if (!current || current.nextScheduleTime !== from) return false;
    this.#all.set(schedule.scheduleId, { ...schedule, lastScheduleStates: current.lastScheduleStates });
    return true;
  }
  async setStates(id: string, states: Record<string, string>): Promise<void> {
    const s = this.#all.get(id);
    if (s) s.lastScheduleStates = { ...states };
  }
  async markState(id: string, messageId: string, state: string): Promise<void> {
    const s = this.#all.get(id);
    if (s?.lastScheduleStates && messageId in s.lastScheduleStates) s.lastScheduleStates[messageId] = state;
  }
}

class MemoryRecords<T extends { name: string }> implements RecordStore<T> {
  readonly #all = new Map<string, T>();
  async put(record: T): Promise<void> {
    this.#all.set(record.name, record);
  }
  async get(name: string): Promise<T | undefined> {
    return this.#all.get(name);
  }
  async list(): Promise<T[]> {
    return [...this.#all.values()];
  }
  async remove(name: string): Promise<boolean> {
    return this.#all.delete(name);
  }
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Delivery-log entries kept. Default 10 000. */
  maxEvents?: number | undefined;
}

/** The default store: fast, process-local, lost on restart. */
export class MemoryStore implements BrokerStore {
  readonly messages: MessageStore = new MemoryMessages();
  readonly dlq: DlqStore = new MemoryDlq();
  readonly dedup: DedupStore = new MemoryDedup();
  readonly events: EventStore;
  readonly schedules: ScheduleStore = new MemorySchedules();
  readonly queues: RecordStore<QueueRecord> = new MemoryRecords<QueueRecord>();
  readonly topics: RecordStore<TopicRecord> = new MemoryRecords<TopicRecord>();
  readonly shared: boolean = false;
  constructor(options: MemoryStoreOptions = {}) {
    this.events = new MemoryEvents(options.maxEvents ?? 10_000);
  }
  async close(): Promise<void> {}
}
