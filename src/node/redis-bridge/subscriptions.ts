/**
 * The Server-Sent Events side of the Redis REST bridge's Pub/Sub: each `/subscribe/<channel>` or
 * `/psubscribe/<pattern>` request becomes one stream of `data:` lines, in the format the official
 * `@upstash/redis` client reads:
 *
 * ```
 * data: subscribe,<channel>,1          once Redis has confirmed the subscription
 * data: message,<channel>,<payload>    for each PUBLISH, in order
 * data: psubscribe,<pattern>,1
 * data: pmessage,<pattern>,<channel>,<payload>
 * data: unsubscribe,<channel>,0        when the bridge ends the stream (closing, or a client too slow)
 * ```
 *
 * Each event ends with a blank line and is written at once. Text that holds a line break is
 * split over several `data:` lines, as the SSE format requires (an `EventSource` joins them back;
 * the official client reads each line on its own, so publish single-line payloads such as JSON).
 * A comment line (`: keep-alive`) every `heartbeatMs` keeps idle streams from being timed out by
 * proxies and HTTP clients. The stream ends when the client goes away, after removing its
 * listener.
 * @module
 */
import { BackendError } from "../../errors.ts";
import type { MessageListener, RedisSubscriber, SubscriptionKind } from "./subscriber.ts";

/** Options of {@link SubscriptionStreams}. */
export interface SubscriptionStreamsOptions {
  /** Interval of the keep-alive comment on every open stream, in ms; 0 turns it off. Default 30000. */
  heartbeatMs?: number | undefined;
  /** How long a new stream waits for Redis to confirm its subscription before failing, in ms. Default 5000. */
  confirmTimeoutMs?: number | undefined;
}

/** A stream whose client has this many bytes not yet read is ended (it falls ever further behind). */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;
const HEARTBEAT = ": keep-alive\n\n";
const encoder = new TextEncoder();

/** One `data:` event: each line of `text` on its own `data:` line, then the blank line. */
export function sseEvent(text: string): string {
  return "data: " + text.split(/\r\n|\r|\n/).join("\ndata: ") + "\n\n";
}

/** One client's stream: its events, in order, until it ends. */
class EventStream {
  readonly body: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #open = true;
  #announced = false;
  /** Runs once when the stream ends, whoever ends it. */
  onEnd: () => void = () => {};

  constructor(
    readonly kind: SubscriptionKind,
    readonly name: string,
  ) {
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        // @hono/node-server cancels the body when the HTTP connection closes.
        cancel: () => this.#finish(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    );
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** The `subscribe`/`psubscribe` line, once: Redis has confirmed, so no later PUBLISH is missed. */
  announce(): void {
    if (this.#announced) return;
    this.#announced = true;
    this.write(sseEvent(`${this.kind},${this.name},1`));
  }

  /** A published message; the first one also announces (it can overtake the confirmation's callback). */
  readonly deliver: MessageListener = (message, channel) => {
    if (!this.#open) return;
    this.announce();
    const head = this.kind === "subscribe" ? `message,${channel}` : `pmessage,${this.name},${channel}`;
    this.write(sseEvent(`${head},${message}`));
  };

  write(text: string): void {
    if (!this.#open) return;
    this.#controller.enqueue(encoder.encode(text));
    if ((this.#controller.desiredSize ?? 0) < -MAX_UNREAD_BYTES) this.end();
  }

  /** Ends the stream from the bridge's side: an `unsubscribe` event (if it was announced), then EOF. */
  end(): void {
    if (!this.#open) return;
    if (this.#announced) this.write(sseEvent(`${this.kind === "subscribe" ? "unsubscribe" : "punsubscribe"},${this.name},0`));
    this.#finish();
    try {
      this.#controller.close();
    } catch {
      // Already cancelled by the client.
    }
  }

  #finish(): void {
    if (!this.#open) return;
    this.#open = false;
    this.onEnd();
  }
}

/**
 * The open subscription streams of one bridge, with their shared heartbeat. Create one per
 * {@link RedisSubscriber}.
 */
export class SubscriptionStreams {
  readonly #subscriber: RedisSubscriber;
  readonly #heartbeatMs: number;
  readonly #confirmTimeoutMs: number;
  readonly #open = new Set<EventStream>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(subscriber: RedisSubscriber, options: SubscriptionStreamsOptions = {}) {
    this.#subscriber = subscriber;
    this.#heartbeatMs = options.heartbeatMs ?? 30_000;
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 5000;
  }

  /** How many streams are open. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Subscribes and resolves with the stream's body once Redis has confirmed, its first event
   * (`subscribe,…`) already queued. Rejects with an `ErrorReply` when Redis refuses, with any
   * other error when Redis cannot be reached or does not confirm in time. `signal` aborting (the
   * client went away) ends the stream and removes its listener.
   */
  async open(kind: SubscriptionKind, name: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    if (this.#closed) throw new BackendError("ERR the Redis REST bridge is closed: subscribe to a running bridge.");
    const stream = new EventStream(kind, name);
    const subscription = this.#subscriber.listen(kind, name, stream.deliver);
    const end = () => stream.end();
    stream.onEnd = () => {
      subscription.stop();
      signal?.removeEventListener("abort", end);
      this.#remove(stream);
    };
    if (signal?.aborted) stream.end();
    else signal?.addEventListener("abort", end, { once: true });
    try {
      await confirmWithin(subscription.confirmed, this.#confirmTimeoutMs, `${kind.toUpperCase()} ${name}`);
    } catch (err) {
      stream.end();
      throw err;
    }
    if (stream.isOpen) {
      stream.announce();
      this.#add(stream);
    }
    return stream.body;
  }

  #add(stream: EventStream): void {
    this.#open.add(stream);
    if (this.#heartbeat === undefined && this.#heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => {
        for (const open of this.#open) open.write(HEARTBEAT);
      }, this.#heartbeatMs);
      this.#heartbeat.unref?.();
    }
  }

  #remove(stream: EventStream): void {
    this.#open.delete(stream);
    if (this.#open.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  /** Ends every open stream (each gets its `unsubscribe` event) and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const stream of [...this.#open]) stream.end();
  }
}

/** `confirmed`, or a rejection naming `what` after `timeoutMs`. */
function confirmWithin(confirmed: Promise<void>, timeoutMs: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not confirm ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([confirmed, timeout]).finally(() => clearTimeout(timer));
}
