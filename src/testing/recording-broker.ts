/**
 * A `Broker` that records what is published instead of delivering it, for unit tests that drive
 * the worker directly (`app.request()`); integration tests use the local broker over HTTP.
 * @module
 */
import type { Broker, PublishRequest, PublishResult } from "../broker/broker.ts";

/** A recorded publish. */
export interface RecordedMessage extends PublishRequest {
  messageId: string;
  cancelled: boolean;
}

export class RecordingBroker implements Broker {
  readonly messages: RecordedMessage[] = [];
  /** When set, the next publishes reject with it (simulate a broker outage). */
  failWith: Error | undefined;
  #seq = 0;

  publish(request: PublishRequest): Promise<PublishResult> {
    if (this.failWith) return Promise.reject(this.failWith);
    const dup = request.deduplicationId && this.messages.find((m) => m.deduplicationId === request.deduplicationId);
    if (dup) return Promise.resolve({ messageId: dup.messageId, deduplicated: true });
    const messageId = `msg_test_${++this.#seq}`;
    this.messages.push({ ...request, messageId, cancelled: false });
    return Promise.resolve({ messageId });
  }

  cancel(messageId: string): Promise<boolean> {
    const m = this.messages.find((x) => x.messageId === messageId && !x.cancelled);
    if (m) m.cancelled = true;
    return Promise.resolve(Boolean(m));
  }

  /** Remove and return the messages published so far. */
  take(): RecordedMessage[] {
    return this.messages.splice(0).filter((m) => !m.cancelled);
  }
}
