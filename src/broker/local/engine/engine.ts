/**
 * The broker engine: publishing, the message lifecycle (CREATED → ACTIVE → DELIVERED, or
 * ERROR → RETRY … → FAILED → DLQ), cancellation and the signing keys. HTTP routes and the
 * scheduler call into it; state lives in the store.
 * @module
 */

import type { TokenSigner } from "../../../verify/qstash-jwt.ts";
import { type AttemptHandle, attemptDelivery, type AttemptOutcome, type Deliver } from "../delivery/delivery.ts";
import { IdFactory } from "../message/ids.ts";
import {
  type FinalState, MESSAGE_ACTIVE, MESSAGE_CANCELED, MESSAGE_CANCEL_REQUESTED, MESSAGE_CREATED, MESSAGE_DELIVERED, MESSAGE_ERROR,
  MESSAGE_FAILED, MESSAGE_RETRY, type MessageState, type ResponseRecord, type StoredMessage,
} from "../message/message.ts";
import type { PublishConfig } from "../message/publish-config.ts";
import { nextRetryDelayMs } from "../delivery/retry-delay.ts";
import { Scheduler } from "./scheduler.ts";
import type { BrokerStore } from "../store/store.ts";
import { Gates } from "../admission/gates.ts";
import { contentDedupKey } from "../message/dedup-key.ts";
import { RecentMessages } from "../store/recent-messages.ts";
import { buildMessage } from "./message-factory.ts";
import { SigningKeys } from "../delivery/signing-keys.ts";

/** Resolved engine settings (see `LocalBrokerOptions` for the documented defaults). */
export interface EngineOptions {
  store: BrokerStore;
  now: () => number;
  timers: boolean;
  deliver: Deliver;
  createSigner: (key: string) => TokenSigner;
  currentSigningKey: string;
  nextSigningKey: string;
  ids: IdFactory;
  maxConcurrency: number;
  defaultRetries: number;
  timeoutMs: number;
  dedupWindowMs: number;
  retryDelayScale: number;
  /** Largest message body accepted, bytes (a batch request may be `BATCH_BODY_FACTOR` times larger). */
  maxBodyBytes: number;
  onError: (err: unknown) => void;
}

/** What a publish answered. */
export interface MessagePublished {
  messageId: string;
  url?: string;
  deduplicated?: boolean;
}

/** Facts about the attempt a hook runs after. */
export interface AttemptInfo {
  /** `Upstash-Retried` of that attempt. */
  retried: number;
  /** Set when the message went to the DLQ. */
  dlqId?: string;
}

/** Where a message comes from, besides its config. */
export interface MessageOrigin {
  topicName?: string;
  endpointName?: string;
  queueName?: string;
  scheduleId?: string;
  callerIp?: string;
  /** For dedup across URL-group endpoints: the destination as published. */
  destination?: string;
}

export class BrokerEngine {
  readonly store: BrokerStore;
  readonly scheduler: Scheduler;
  readonly ids: IdFactory;
  readonly options: EngineOptions;
  /** Queue and flow-control admission. */
  readonly gates: Gates;
  /** Called after every attempt and final outcome (callbacks, schedule states). */
  readonly afterAttempt: ((msg: StoredMessage, outcome: AttemptOutcome, final: MessageState | undefined, info: AttemptInfo) => Promise<void>)[] = [];
  /** Time-driven work besides messages (schedules). */
  readonly tickers: { tick(now: number): Promise<void>; nextWakeAt(now: number): Promise<number | undefined> }[] = [];
  #offsetMs = 0;
  #seq = 0;
  readonly #keys: SigningKeys;
  /** Claimed messages this process holds (in flight, parked or ready). */
  readonly held: Map<string, StoredMessage> = new Map();
  /** Recently delivered messages, still readable for a grace period (QStash removes them "shortly after"). */
  readonly #recent = new RecentMessages();

  constructor(options: EngineOptions) {
    this.options = options;
    this.store = options.store;
    this.ids = options.ids;
    this.#keys = new SigningKeys({
      current: options.currentSigningKey,
      next: options.nextSigningKey,
      createSigner: options.createSigner,
      newKey: () => `sig_${this.ids.randomChars(28)}`,
    });
    this.scheduler = new Scheduler(
      {
        claim: async (now, max) => {
          const fresh: StoredMessage[] = [];
          for (const m of await this.store.messages.claimDue(now, max)) {
            // A lease that ran out while this process still holds the message (a stalled clock): keep ours.
            if (this.held.has(m.id)) continue;
            this.held.set(m.id, m);
            fresh.push(m);
          }
          return fresh;
        },
        nextWakeAt: (now) => this.#nextWakeAt(now),
        tick: async (now) => {
          this.gates.flow.tick(now);
          for (const t of this.tickers) await t.tick(now);
        },
        admit: (msg, now) => this.gates.admit(msg, now),
        run: (msg) => this.#run(msg),
        onError: options.onError,
      },
      { maxConcurrency: options.maxConcurrency, now: () => this.now(), timers: options.timers, pollMs: options.store.shared ? 1000 : undefined },
    );
    this.gates = new Gates({ ready: (msg) => this.scheduler.ready(msg), now: () => this.now(), queueStore: this.store.queues });
  }

  /** The broker's clock: the injected (or real) clock plus `advance()`d time. */
  now(): number {
    return this.options.now() + this.#offsetMs;
  }

  /** Move the broker's clock forward (tests). */
  advanceClock(ms: number): void {
    this.#offsetMs += ms;
  }

  get keys(): { current: string; next: string } {
    return this.#keys.pair;
  }

  /** Key rotation: next becomes current, `newNext` (default random) becomes next. */
  rotateKeys(newNext?: string): { current: string; next: string } {
    return this.#keys.rotate(newNext);
  }

  async #nextWakeAt(now: number): Promise<number | undefined> {
    let next = await this.store.messages.nextDueAt();
    for (const t of this.tickers) {
      const at = await t.nextWakeAt(now);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    const gate = this.gates.flow.nextWakeAt();
    if (gate !== undefined && (next === undefined || gate < next)) next = gate;
    return next;
  }

  /** Build a message from a config (not stored). */
  createMessage(url: string, config: PublishConfig, body: Uint8Array, origin: MessageOrigin = {}): StoredMessage {
    const now = this.now();
    return buildMessage(url, config, body, origin, { id: this.ids.messageId(now), seq: ++this.#seq, now, defaultRetries: this.options.defaultRetries });
  }

  /** Publish to one URL: dedup, store, log CREATED, wake the loop. */
  async publishToUrl(url: string, config: PublishConfig, body: Uint8Array, origin: MessageOrigin = {}): Promise<MessagePublished> {
    const msg = this.createMessage(url, config, body, origin);
    let dedupKey = config.deduplicationId;
    if (!dedupKey && config.contentBasedDeduplication) dedupKey = await contentDedupKey(origin.destination ?? url, config, body);
    if (dedupKey) {
      const key = origin.topicName ? `${dedupKey}\u0000${url}` : dedupKey;
      const existing = await this.store.dedup.claim(key, msg.id, msg.createdAt, this.options.dedupWindowMs);
      if (existing) return { messageId: existing, deduplicated: true };
      msg.deduplicationId = dedupKey;
    }
    await this.enqueue(msg);
    return { messageId: msg.id };
  }

  /** Store a built message and schedule it. */
  async enqueue(msg: StoredMessage): Promise<void> {
    await this.store.messages.insert(msg);
    this.gates.onCreated(msg);
    this.record(MESSAGE_CREATED, msg);
    this.scheduler.wake(msg.dueAt);
  }

  /** Append a log entry (not awaited: the log never slows delivery). */
  record(state: MessageState, msg: StoredMessage, extra?: { error?: string; nextDeliveryTime?: number; response?: ResponseRecord }): void {
    this.store.events.add({ time: this.now(), state, message: msg, ...extra }).catch(this.options.onError);
  }

  /** A message by id: held here, stored, or delivered within the last minute. */
  async findMessage(id: string): Promise<StoredMessage | undefined> {
    return this.held.get(id) ?? (await this.store.messages.get(id)) ?? this.#recent.get(id);
  }

  /** Cancel a message: pending ones at once, in-flight ones after the attempt. False when unknown. */
  async cancel(id: string): Promise<boolean> {
    const held = this.held.get(id);
    if (held) {
      held.cancelRequested = true;
      if (this.gates.unpark(held)) {
        await this.#finish(held, MESSAGE_CANCELED);
      } else {
        this.record(MESSAGE_CANCEL_REQUESTED, held);
      }
      return true;
    }
    const msg = await this.store.messages.remove(id);
    if (!msg) return false;
    msg.state = MESSAGE_CANCELED;
    this.gates.onFinished(msg);
    this.record(MESSAGE_CANCELED, msg);
    return true;
  }

  /** One attempt and what follows it; an unexpected error puts the message back (never dropped). */
  async #run(msg: StoredMessage): Promise<void> {
    try {
      await this.#attempt(msg);
    } catch (err) {
      this.options.onError(err);
      msg.dueAt = this.now() + 1000;
      this.held.delete(msg.id);
      try {
        if (await this.store.messages.reschedule(msg)) this.scheduler.wake(msg.dueAt);
      } catch (again) {
        this.options.onError(again); // a shared store's lease gives it back later
      }
    }
  }

  async #attempt(msg: StoredMessage): Promise<void> {
    if (msg.cancelRequested) return this.#finish(msg, MESSAGE_CANCELED);
    msg.state = MESSAGE_ACTIVE;
    this.record(MESSAGE_ACTIVE, msg);
    // A plain handle per attempt (its deliver sets `cancel`; close() calls it): no AbortSignal per request.
    const attempt: AttemptHandle = {};
    this.#attempts.add(attempt);
    const outcome = await attemptDelivery(msg, { deliver: this.options.deliver, signer: this.#keys.signer, nowMs: this.now(), timeoutMs: this.options.timeoutMs, attempt });
    this.#attempts.delete(attempt);
    if (!outcome.ok && this.#closing) {
      // Cut short by close(): not a failed attempt. Give the message back as it was.
      this.gates.onAttemptEnd(msg);
      this.held.delete(msg.id);
      await this.store.messages.release([msg]);
      return;
    }
    this.gates.onAttemptEnd(msg);
    const info: AttemptInfo = { retried: msg.retried };
    if (outcome.ok) {
      await this.#finish(msg, MESSAGE_DELIVERED, outcome, info);
      return;
    }
    msg.lastResponse = outcome.response;
    const error = outcome.response.error ?? `destination answered ${outcome.response.status}`;
    msg.state = MESSAGE_ERROR;
    this.record(MESSAGE_ERROR, msg, { error, response: outcome.response });
    if (msg.cancelRequested) return this.#finish(msg, MESSAGE_CANCELED, outcome, info);
    if (outcome.nonRetryable || msg.retried >= msg.maxRetries) return this.#finish(msg, MESSAGE_FAILED, outcome, info);
    const delay = nextRetryDelayMs({ retriedBefore: msg.retried, expression: msg.retryDelay, fromResponse: outcome.retryAfterMs });
    msg.retried++;
    msg.dueAt = this.now() + Math.round(delay * this.options.retryDelayScale);
    msg.state = MESSAGE_RETRY;
    this.record(MESSAGE_RETRY, msg, { nextDeliveryTime: msg.dueAt });
    await this.#hooks(msg, outcome, undefined, info);
    this.held.delete(msg.id);
    if (await this.store.messages.reschedule(msg)) this.scheduler.wake(msg.dueAt);
    else this.gates.onFinished(msg);
  }

  /** Final outcome: remove the message, DLQ on failure, free its queue slot. */
  async #finish(msg: StoredMessage, state: FinalState, outcome?: AttemptOutcome, info: AttemptInfo = { retried: msg.retried }): Promise<void> {
    msg.state = state;
    this.held.delete(msg.id);
    if (state === MESSAGE_FAILED) {
      const now = this.now();
      info.dlqId = this.ids.dlqId(now);
      await this.store.dlq.add({ dlqId: info.dlqId, message: msg, failedAt: now });
    }
    await this.store.messages.remove(msg.id);
    if (state === MESSAGE_DELIVERED) this.#recent.add(msg, this.now());
    this.record(state, msg);
    this.gates.onFinished(msg);
    if (outcome) await this.#hooks(msg, outcome, state, info);
  }

  async #hooks(msg: StoredMessage, outcome: AttemptOutcome, final: MessageState | undefined, info: AttemptInfo): Promise<void> {
    for (const hook of this.afterAttempt) {
      try {
        await hook(msg, outcome, final, info);
      } catch (err) {
        this.options.onError(err);
      }
    }
  }

  /** Rebuild runtime state from the store (queue settings and counters, flow-control keys), then start the loop. */
  async start(): Promise<void> {
    try {
      for (const q of await this.store.queues.list()) this.gates.queues.configure(q);
      for (const m of await this.store.messages.list()) {
        this.gates.queues.restore(m);
        if (m.flowControl) this.gates.flow.observe(m.flowControl, this.now());
      }
    } catch (err) {
      this.options.onError(err);
    }
    const messages = this.store.messages;
    if (messages.renew && messages.renewEveryMs) {
      this.#renewTimer = setInterval(() => {
        if (this.held.size) messages.renew!([...this.held.keys()], this.now()).catch(this.options.onError);
      }, messages.renewEveryMs);
      (this.#renewTimer as { unref?: () => void }).unref?.();
    }
    this.scheduler.kick();
  }

  #renewTimer: ReturnType<typeof setInterval> | undefined;

  /** Stop the loop; give parked and ready messages back to the store. */
  readonly #attempts = new Set<AttemptHandle>();
  #closing = false;

  async close(): Promise<void> {
    this.#closing = true;
    for (const a of this.#attempts) a.cancel?.();
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    await this.scheduler.close();
    const giveBack = [...this.gates.drain(), ...this.scheduler.takeReady()];
    if (giveBack.length) await this.store.messages.release(giveBack);
    this.held.clear();
  }
}
