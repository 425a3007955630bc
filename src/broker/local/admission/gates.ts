/**
 * Admission between "due" and "in flight": first the message's queue (FIFO, parallelism), then
 * its flow-control key (parallelism, rate). A message refused by either is parked in that gate's
 * wait list and handed to the scheduler when its turn comes.
 * @module
 */

import { FlowControlGate } from "./flow-control.ts";
import type { StoredMessage } from "../message/message.ts";
import { QueueGate } from "./queue-gate.ts";
import type { QueueRecord } from "../message/records.ts";
import type { RecordStore } from "../store/store.ts";

export class Gates {
  readonly queues: QueueGate;
  readonly flow: FlowControlGate;
  readonly #queueStore: RecordStore<QueueRecord>;
  readonly #now: () => number;

  /** `ready` starts an admitted message (the scheduler's `ready`). */
  constructor(options: { ready: (msg: StoredMessage) => void; now: () => number; queueStore: RecordStore<QueueRecord> }) {
    this.#now = options.now;
    this.#queueStore = options.queueStore;
    this.flow = new FlowControlGate(options.ready);
    this.queues = new QueueGate((msg) => {
      if (this.flow.admit(msg, this.#now())) options.ready(msg);
    }, options.now);
  }

  admit(msg: StoredMessage, now: number): boolean {
    return this.queues.admit(msg) && this.flow.admit(msg, now);
  }

  onCreated(msg: StoredMessage): void {
    this.queues.onCreated(msg);
    if (msg.flowControl) this.flow.observe(msg.flowControl, this.#now());
  }

  onAttemptEnd(msg: StoredMessage): void {
    this.flow.onAttemptEnd(msg, this.#now());
  }

  onFinished(msg: StoredMessage): void {
    this.queues.onFinished(msg);
  }

  unpark(msg: StoredMessage): boolean {
    return this.queues.unpark(msg) || this.flow.unpark(msg);
  }

  /** Enqueue auto-creates a queue with parallelism 1. */
  async ensureQueue(name: string): Promise<void> {
    if (await this.#queueStore.get(name)) return;
    const now = this.#now();
    const record: QueueRecord = { name, createdAt: now, updatedAt: now, parallelism: 1, paused: false };
    await this.#queueStore.put(record);
    this.queues.configure(record);
  }

  drain(): StoredMessage[] {
    return [...this.queues.drain(), ...this.flow.drain()];
  }
}
