/**
 * The one place a task message is built and published: used by the client (direct mode), the
 * worker's publish API and `ctx.retry()`. It turns calling options and the task's own options
 * into an envelope and a broker request (delay, expiry, flow control, timeout, dedup).
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import type { Broker, PublishRequest } from "../broker/broker.ts";
import { type Envelope, ENVELOPE_VERSION, serializeEnvelope } from "../task/envelope.ts";
import type { Registry } from "../task/registry.ts";
import type { AnyTask } from "../task/task.ts";
import { toFlowControl } from "./flow-control.ts";
import { currentTask } from "../current.ts";
import { toMs } from "../duration.ts";
import type { SendOptions } from "../task/send-options.ts";

export interface PublisherOptions {
  broker: Broker;
  /** The worker's public base URL: the broker delivers to `<workerUrl>/tasks/<name>`. */
  workerUrl: string;
  /** Needed for `idempotencyKey`. */
  backend?: Backend | undefined;
  /** Known tasks: their options (rate limit, time limit, default expiry) shape the message. */
  registry?: Registry | undefined;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: (() => number) | undefined;
  /** How long an idempotency key keeps returning the same id. Default 1 day. */
  idempotencyTtlMs?: number | undefined;
}

/** What a publish produced. */
export interface Published {
  id: string;
  messageId: string | undefined;
  /** True when an idempotency key (or the broker's dedup) matched an earlier send: nothing new was published. */
  deduplicated: boolean;
  /** The latest time the message may still start (its expiry, else its eta), epoch ms; a revoke must outlive it. */
  runsUntilMs?: number;
}

const DAY_MS = 86_400_000;
/** Ids usable as a QStash label as they are (no comma, which separates labels). */
const LABEL = /^[\w.:-]{1,200}$/;

/** Build and publish task messages. */
export class Publisher {
  readonly #o: PublisherOptions;
  readonly #now: () => number;
  readonly #base: string;

  constructor(options: PublisherOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#base = options.workerUrl.replace(/\/+$/, "");
  }

  /** The URL the broker delivers task `name` to. */
  destination(name: string): string {
    return `${this.#base}/tasks/${encodeURIComponent(name)}`;
  }

  /** Send task `name` with `input`. */
  async send(name: string, input: unknown, options: SendOptions = {}): Promise<Published> {
    const task = this.#o.registry?.find(name);
    let id = options.id ?? crypto.randomUUID();
    const now = this.#now();
    let repeated = false;
    if (options.idempotencyKey) {
      if (!this.#o.backend) throw new TypeError("idempotencyKey needs a backend: create the client with one (direct mode) or send over HTTP.");
      // The key binds to the first id. A repeat is published again under that id with the key as the
      // broker's deduplication id: the broker drops it when the first publish went through, and when
      // the first publish failed this one delivers it. The worker's claim stops a second run either way.
      const bound = await this.#o.backend.reserveIdempotencyKey(options.idempotencyKey, id, this.#o.idempotencyTtlMs ?? DAY_MS);
      repeated = bound !== id;
      id = bound;
    }
    const running = currentTask();
    const etaMs = options.eta !== undefined ? new Date(options.eta).getTime() : options.countdown ? now + options.countdown * 1000 : undefined;
    if (etaMs !== undefined && Number.isNaN(etaMs)) throw new TypeError(`Invalid eta ${String(options.eta)}: pass a Date, an ISO string or epoch ms.`);
    const expiresMs = resolveExpires(options.expires, task, now);
    const envelope: Envelope = {
      v: ENVELOPE_VERSION,
      id,
      task: name,
      input,
      retries: 0,
      eta: etaMs !== undefined ? new Date(etaMs).toISOString() : null,
      expires: expiresMs !== undefined ? new Date(expiresMs).toISOString() : null,
      parentId: options.parentId ?? running?.id ?? null,
      rootId: options.rootId ?? running?.rootId ?? null,
      groupId: null,
      ignoreResult: options.ignoreResult ?? task?.options.ignoreResult ?? false,
      argsrepr: options.argsrepr ?? null,
      idempotencyKey: options.idempotencyKey ?? null,
      sentAt: new Date(now).toISOString(),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.schedule ? { schedule: options.schedule } : {}),
    };
    if (!envelope.rootId) envelope.rootId = id;
    const result = await this.#o.broker.publish(this.#request(envelope, task, etaMs, options.idempotencyKey));
    const runsUntilMs = expiresMs ?? etaMs;
    return { id, messageId: result.messageId, deduplicated: repeated || (result.deduplicated ?? false), ...(runsUntilMs !== undefined ? { runsUntilMs } : {}) };
  }

  /**
   * Publish `envelope` again (a retry: same id, the caller bumps `retries`), not before `etaMs`;
   * with `deduplicationId`, the broker drops a repeat of this republish.
   */
  async republish(envelope: Envelope, etaMs: number, deduplicationId?: string): Promise<Published> {
    const task = this.#o.registry?.find(envelope.task);
    const result = await this.#o.broker.publish(this.#request(envelope, task, etaMs, deduplicationId));
    return { id: envelope.id, messageId: result.messageId, deduplicated: result.deduplicated ?? false };
  }

  #request(envelope: Envelope, task: AnyTask | undefined, etaMs: number | undefined, dedupId?: string): PublishRequest {
    const req: PublishRequest = { url: this.destination(envelope.task), body: serializeEnvelope(envelope) };
    // The task id as the broker's label: its logs and DLQ then filter by task (the dashboard's timeline).
    if (LABEL.test(envelope.id)) req.label = envelope.id;
    if (etaMs !== undefined) {
      const delayMs = etaMs - this.#now();
      if (delayMs > 0) req.delaySec = Math.ceil(delayMs / 1000);
    }
    if (dedupId) req.deduplicationId = dedupId;
    if (task) {
      const o = task.options;
      req.retries = o.deliveryRetries;
      if (o.timeLimitMs !== undefined) req.timeoutSec = Math.ceil(o.timeLimitMs / 1000) + 5;
      const key = task.rateLimitKey ? `${task.name}:${task.rateLimitKey(envelope.input as never)}` : task.name;
      const flow = toFlowControl(o.rateLimit, key);
      if (flow) req.flowControl = flow;
    }
    return req;
  }
}

function resolveExpires(expires: SendOptions["expires"], task: AnyTask | undefined, now: number): number | undefined {
  if (expires instanceof Date) return expires.getTime();
  if (expires !== undefined) return now + toMs(expires);
  if (task?.options.expiresMs !== undefined) return now + task.options.expiresMs;
  return undefined;
}
