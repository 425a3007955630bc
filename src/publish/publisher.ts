/**
 * The one place a task message is built and published: used by the client (direct mode), the
 * worker's publish API and `ctx.retry()`. It turns calling options and the task's own options
 * into an envelope and a broker request (delay, expiry, flow control, timeout, dedup).
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import type { Broker, PublishRequest } from "../broker/broker.ts";
import { type Envelope, ENVELOPE_VERSION, serializeEnvelope } from "../task/envelope.ts";
import type { AnyTask } from "../task/task.ts";
import { toFlowControl } from "./flow-control.ts";
import { deliveryTimeoutSec } from "./delivery-timeout.ts";
import { currentTask } from "../current.ts";
import { checkSendOptions, etaOf, expiresOf, type SendOptions } from "../task/send-options.ts";
import type { Canvas, ChordMember } from "../canvas/signature.ts";
import { freeze } from "../canvas/freeze.ts";
import { BrokerError } from "../errors.ts";

/** What the publisher needs of a task: its options (a registered task, or a manifest entry). */
export interface TaskShape {
  name: string;
  options: Pick<AnyTask["options"], "queue" | "expiresMs" | "deliveryRetries" | "timeLimitMs" | "rateLimit">;
  rateLimitKey: AnyTask["rateLimitKey"];
}

/** Where a message sits in a canvas: what runs after it, its chord and group, its callbacks. */
export interface CanvasPlace {
  /** The steps after this one (a chain's rest), in order. */
  chain?: Canvas[] | undefined;
  chord?: ChordMember | undefined;
  groupId?: string | null | undefined;
  link?: Canvas[] | undefined;
  linkError?: Canvas[] | undefined;
  /** The broker's deduplication id (a step published by a worker: a duplicate publish is dropped). */
  deduplicationId?: string | undefined;
  /** Ids of replaced tasks whose result this task's result also is (`ctx.replace`). */
  replaces?: string[] | undefined;
}

export interface PublisherOptions {
  broker: Broker;
  /** The worker's public base URL: the broker delivers to `<workerUrl>/tasks/<name>`. */
  workerUrl: string;
  /** Needed for `idempotencyKey`. */
  backend?: Backend | undefined;
  /** Known tasks (a registry, or a manifest's lookup): their options (queue, rate limit, time limit, default expiry) shape the message. */
  registry?: { find(name: string): TaskShape | undefined } | undefined;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: (() => number) | undefined;
  /** Largest message body the broker takes. Default 1 MiB (QStash's limit). */
  maxMessageBytes?: number | undefined;
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
/** Delivery retries of the failure callback: with QStash's backoff, five span about a day. */
const FAILURE_CALLBACK_RETRIES = 5;
/** The queue that is a plain publish (no broker queue). */
export const DEFAULT_QUEUE = "default";
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

  /** Send task `name` with `input` (at `place` in a canvas); bad options throw `SendOptionError` before anything is published. */
  async send(name: string, input: unknown, sendOptions?: SendOptions, place: CanvasPlace = {}): Promise<Published> {
    const now = this.#now();
    const options = checkSendOptions(sendOptions, now);
    const task = this.#o.registry?.find(name);
    let id = options.id ?? crypto.randomUUID();
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
    if (options.link !== undefined && !place.link) place = { ...place, link: [options.link].flat().map((c) => freeze(c)) };
    if (options.linkError !== undefined && !place.linkError) place = { ...place, linkError: [options.linkError].flat().map((c) => freeze(c)) };
    const etaMs = etaOf(options, now);
    const expiresMs = options.expires !== undefined ? expiresOf(options.expires, now) : task?.options.expiresMs !== undefined ? now + task.options.expiresMs : undefined;
    // Call > task > worker defaults: left out (null), the worker decides from the task and its defaults.
    const ignoreResult = options.ignoreResult ?? null;
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
      groupId: place.groupId ?? null,
      ...(place.chain?.length ? { chain: place.chain } : {}),
      ...(place.chord ? { chord: place.chord } : {}),
      ...(place.link?.length ? { link: place.link } : {}),
      ...(place.linkError?.length ? { linkError: place.linkError } : {}),
      ...(place.replaces?.length ? { replaces: place.replaces } : {}),
      ignoreResult,
      queue: options.queue ?? task?.options.queue ?? null,
      argsrepr: options.argsrepr ?? null,
      idempotencyKey: options.idempotencyKey ?? null,
      sentAt: new Date(now).toISOString(),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(task ? { shaped: true } : {}),
      ...(options.schedule ? { schedule: options.schedule } : {}),
    };
    if (!envelope.rootId) envelope.rootId = id;
    const result = await this.#o.broker.publish(this.#request(envelope, task, etaMs, options.idempotencyKey ?? place.deduplicationId));
    const runsUntilMs = expiresMs ?? etaMs;
    return { id, messageId: result.messageId, deduplicated: repeated || (result.deduplicated ?? false), ...(runsUntilMs !== undefined ? { runsUntilMs } : {}) };
  }

  /**
   * Publish `envelope` again (a retry: same id, the caller bumps `retries`), not before `etaMs`;
   * with `deduplicationId`, the broker drops a repeat of this republish.
   */
  async republish(envelope: Envelope, etaMs: number, deduplicationId?: string): Promise<Published> {
    const task = this.#o.registry?.find(envelope.task);
    const result = await this.#o.broker.publish(this.#request(task ? { ...envelope, shaped: true } : envelope, task, etaMs, deduplicationId));
    return { id: envelope.id, messageId: result.messageId, deduplicated: result.deduplicated ?? false };
  }

  #request(envelope: Envelope, task: TaskShape | undefined, etaMs: number | undefined, dedupId?: string): PublishRequest {
    const req: PublishRequest = { url: this.destination(envelope.task), body: serializeEnvelope(envelope) };
    const max = this.#o.maxMessageBytes ?? 1024 * 1024;
    // Characters ≤ bytes ≤ 3 × characters (UTF-8): encode only when it could matter.
    const bytes = req.body.length * 3 > max ? new TextEncoder().encode(req.body).length : 0;
    if (bytes > max) {
      throw new BrokerError(
        `The message of task "${envelope.task}" is ${bytes} bytes, over the broker's limit of ${max} (QStash: 1 MiB). A canvas carries its remaining steps (and a chord its body) in every message: send smaller inputs, or store large data elsewhere and pass its key.`,
        { status: 413 },
      );
    }
    // The task id as the broker's label: its logs and DLQ then filter by task (the dashboard's timeline).
    if (LABEL.test(envelope.id)) req.label = envelope.id;
    if (etaMs !== undefined) {
      const delayMs = etaMs - this.#now();
      if (delayMs > 0) req.delaySec = Math.ceil(delayMs / 1000);
    }
    if (dedupId) req.deduplicationId = dedupId;
    // A named queue is a broker queue (FIFO, its parallelism synced from code); "default" is a plain publish.
    if (envelope.queue && envelope.queue !== DEFAULT_QUEUE) req.queue = envelope.queue;
    if (task) {
      const o = task.options;
      req.retries = o.deliveryRetries;
      const timeoutSec = deliveryTimeoutSec(o);
      if (timeoutSec !== undefined) req.timeoutSec = timeoutSec;
      const key = task.rateLimitKey ? `${task.name}:${task.rateLimitKey(envelope.input as never)}` : task.name;
      const flow = toFlowControl(o.rateLimit, key);
      if (flow) req.flowControl = flow;
    }
    // When the broker gives up on the message (e.g. delivery retries spent while the worker was
    // down), it tells the worker, which records a terminal state instead of leaving PENDING.
    req.failureCallback = this.failureCallbackUrl(envelope.task);
    req.failureCallbackRetries = Math.max(FAILURE_CALLBACK_RETRIES, req.retries ?? 0);
    return req;
  }

  /** The URL the broker calls when it gives up on a message of task `name` (`POST /tasks/<name>/failed`). */
  failureCallbackUrl(name: string): string {
    return `${this.destination(name)}/failed`;
  }
}
