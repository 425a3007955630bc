/**
 * The Redis REST bridge's subscriber connection: one node-redis connection in subscribe mode,
 * shared by every `/subscribe` and `/psubscribe` stream. node-redis multiplexes listeners, so any
 * number of streams on one channel hold one Redis subscription, and Redis gets UNSUBSCRIBE when
 * the last of them stops.
 * @module
 */
import { BackendError } from "../../errors.ts";
import type { BridgeRedisClient } from "./connection.ts";

/** `subscribe` listens on one channel; `psubscribe` on every channel matching a glob pattern. */
export type SubscriptionKind = "subscribe" | "psubscribe";

/** Receives each message: its payload (UTF-8 text) and the channel it was published on. */
export type MessageListener = (message: string, channel: string) => void;

/** One listener's hold on a channel or pattern. */
export interface Subscription {
  /** Resolves once Redis has confirmed the subscription; rejects if it could not be made. */
  readonly confirmed: Promise<void>;
  /** Removes the listener (once the subscription settled); Redis unsubscribes when no listener is left. Idempotent. */
  stop(): void;
}

/** The part of a node-redis client in subscribe mode that the bridge uses. */
interface SubscriberClient {
  subscribe(channel: string, listener: MessageListener): Promise<void>;
  unsubscribe(channel: string, listener: MessageListener): Promise<void>;
  pSubscribe(pattern: string, listener: MessageListener): Promise<void>;
  pUnsubscribe(pattern: string, listener: MessageListener): Promise<void>;
  connect(): Promise<unknown>;
  on(event: "error", listener: (err: unknown) => void): unknown;
  readonly isOpen: boolean;
  readonly isReady: boolean;
  close(): Promise<void>;
  destroy(): void;
}

/**
 * The shared subscriber connection, opened on the first subscription as a duplicate of the
 * bridge's client (same URL and reconnect policy). While Redis is unreachable node-redis keeps
 * reconnecting and then subscribes again to everything still listened to; messages published in
 * between are lost, as Redis Pub/Sub keeps no history.
 */
export class RedisSubscriber {
  readonly #source: BridgeRedisClient;
  #client: SubscriberClient | undefined;
  #closed = false;

  constructor(source: BridgeRedisClient) {
    this.#source = source;
  }

  /**
   * Adds `listener` to `name` (a channel, or a pattern for `psubscribe`). Throws a
   * `BackendError` when the bridge is closed or its client cannot open a second connection.
   */
  listen(kind: SubscriptionKind, name: string, listener: MessageListener): Subscription {
    const client = this.#connection();
    const confirmed = kind === "subscribe" ? client.subscribe(name, listener) : client.pSubscribe(name, listener);
    let stopped = false;
    return {
      confirmed,
      stop: () => {
        if (stopped) return;
        stopped = true;
        // Only after Redis answered: an UNSUBSCRIBE racing our own pending SUBSCRIBE could undo
        // another stream's subscription to the same channel.
        confirmed.then(
          () => {
            if (this.#closed || this.#client !== client) return;
            const done = kind === "subscribe" ? client.unsubscribe(name, listener) : client.pUnsubscribe(name, listener);
            return done.catch(() => {});
          },
          () => {},
        );
      },
    };
  }

  #connection(): SubscriberClient {
    if (this.#closed) {
      throw new BackendError("ERR the Redis REST bridge is closed: subscribe to a running bridge.");
    }
    if (this.#client !== undefined) return this.#client;
    if (typeof this.#source.duplicate !== "function") {
      throw new BackendError(
        "ERR the Redis client given to the REST bridge has no duplicate(), and SUBSCRIBE needs a second connection: pass a node-redis client.",
      );
    }
    // Fail a subscription at once while Redis is down rather than queue it.
    const client = this.#source.duplicate({ disableOfflineQueue: true }) as SubscriberClient;
    // Without a listener node-redis would throw connection errors at the process; the bridge's
    // main connection already reports outages, and requests see them as 503s.
    client.on("error", () => {});
    client.connect().catch(() => {});
    this.#client = client;
    return client;
  }

  /** Closes the subscriber connection; later subscriptions throw. */
  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined || !client.isOpen) return;
    if (client.isReady) await client.close().catch(() => client.destroy());
    else client.destroy();
  }
}
