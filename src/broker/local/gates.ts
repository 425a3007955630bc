/**
 * Admission gates between "due" and "in flight": queue parallelism (FIFO) and flow control.
 * @module
 */

import type { StoredMessage } from "./message.ts";

/** What the engine asks of its gates. */
export interface Gates {
  /** May `msg` start now? If not, it is parked and handed to the scheduler's `ready()` later. */
  admit(msg: StoredMessage, now: number): boolean;
  /** A message was stored (queue lag). */
  onCreated(msg: StoredMessage): void;
  /** An attempt ended (frees a flow-control parallelism slot). */
  onAttemptEnd(msg: StoredMessage): void;
  /** A message is gone for good: delivered, failed or cancelled (frees its queue slot). */
  onFinished(msg: StoredMessage): void;
  /** Remove `msg` if it is parked; true when it was. */
  unpark(msg: StoredMessage): boolean;
  /** The next time a rate window opens for parked messages. */
  nextWakeAt(): number | undefined;
  /** Create queue `name` (parallelism 1) if it does not exist: enqueue auto-creates. */
  ensureQueue?(name: string): Promise<void>;
  /** Take every parked message (shutdown). */
  drain(): StoredMessage[];
}
