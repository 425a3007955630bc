/**
 * Named queues: FIFO delivery with at most `parallelism` messages active at once. A message takes
 * a slot when it first becomes active and keeps it through its retries until it is delivered,
 * fails or is cancelled (QStash: the next message waits for the current one to finish). A paused
 * queue accepts messages and delivers none.
 * @module
 */

import { Fifo } from "./fifo.ts";
import type { StoredMessage } from "../message/message.ts";
import type { QueueRecord } from "../message/records.ts";

/** Runtime state of one queue. */
export interface QueueState {
  record: QueueRecord;
  /** Messages holding a slot. */
  active: number;
  /** Due messages waiting for a slot, in order. */
  waiting: Fifo<StoredMessage>;
  /** Messages not yet delivered or failed. */
  lag: number;
}

export class QueueGate {
  readonly #queues = new Map<string, QueueState>();
  /** Where a message goes once it has a queue slot (the flow-control gate, then the scheduler). */
  readonly #release: (msg: StoredMessage) => void;
  readonly #now: () => number;

  constructor(release: (msg: StoredMessage) => void, now: () => number) {
    this.#release = release;
    this.#now = now;
  }

  /** The state of `name`, created in memory (parallelism 1) when unknown. */
  state(name: string): QueueState {
    let q = this.#queues.get(name);
    if (!q) {
      const now = this.#now();
      q = { record: { name, createdAt: now, updatedAt: now, parallelism: 1, paused: false }, active: 0, waiting: new Fifo(), lag: 0 };
      this.#queues.set(name, q);
    }
    return q;
  }

  /** Apply a stored or upserted record (parallelism, paused) and release what now fits. */
  configure(record: QueueRecord): void {
    const q = this.state(record.name);
    q.record = record;
    this.#pump(q);
  }

  /** Forget a deleted queue's settings; its waiting messages run without a queue limit. */
  forget(name: string): StoredMessage[] {
    const q = this.#queues.get(name);
    if (!q) return [];
    this.#queues.delete(name);
    return q.waiting.drain();
  }

  admit(msg: StoredMessage): boolean {
    if (!msg.queueName || msg.holdsQueueSlot) return true;
    const q = this.state(msg.queueName);
    if (q.record.paused || q.active >= q.record.parallelism || q.waiting.length > 0) {
      q.waiting.push(msg);
      return false;
    }
    q.active++;
    msg.holdsQueueSlot = true;
    return true;
  }

  onCreated(msg: StoredMessage): void {
    if (msg.queueName) this.state(msg.queueName).lag++;
  }

  /** Count a stored message at startup (rebuilding counters from the store). */
  restore(msg: StoredMessage): void {
    if (!msg.queueName) return;
    const q = this.state(msg.queueName);
    q.lag++;
    if (msg.holdsQueueSlot) q.active++;
  }

  onFinished(msg: StoredMessage): void {
    if (!msg.queueName) return;
    const q = this.#queues.get(msg.queueName);
    if (!q) return;
    q.lag = Math.max(0, q.lag - 1);
    if (msg.holdsQueueSlot) {
      msg.holdsQueueSlot = false;
      q.active = Math.max(0, q.active - 1);
      this.#pump(q);
    }
  }

  unpark(msg: StoredMessage): boolean {
    return msg.queueName !== undefined && (this.#queues.get(msg.queueName)?.waiting.remove(msg) ?? false);
  }

  drain(): StoredMessage[] {
    return [...this.#queues.values()].flatMap((q) => q.waiting.drain());
  }

  #pump(q: QueueState): void {
    while (!q.record.paused && q.active < q.record.parallelism && q.waiting.length > 0) {
      const msg = q.waiting.shift()!;
      q.active++;
      msg.holdsQueueSlot = true;
      this.#release(msg);
    }
  }
}
