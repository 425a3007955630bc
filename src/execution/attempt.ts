/**
 * One running attempt of a task: implements the task context (`ctx`) on top of the runtime.
 * @module
 */
import { LockNotAcquiredError, MaxRetriesExceededError, RepublishFailed, Retry, TaskRevokedError } from "../errors.ts";
import { toMs } from "../duration.ts";
import { RETRY, type State } from "../states.ts";
import type { Envelope } from "../task/envelope.ts";
import type { AnyTask } from "../task/task.ts";
import type { Lock, LockOptions, RetryOptions, SendFromTask, TaskContext, TaskRequest } from "../task/context.ts";
import type { SendOptions } from "../task/send-options.ts";
import type { Logger } from "../util/logger.ts";
import { taskLogger } from "../util/logger.ts";
import { baseMeta, errorMeta, storesOf } from "./meta.ts";
import type { WorkerRuntime } from "./runtime.ts";

const LOCK_TIMEOUT_S = 600; // Celery cookbook's LOCK_EXPIRE

export class Attempt<I = unknown> implements TaskContext<I> {
  readonly request: TaskRequest;
  readonly controller = new AbortController();
  readonly log: Logger;
  readonly #locks = new Set<Lock>();
  /** Set by `retry()` once the retry is stored and published. */
  retried: Retry | undefined;

  constructor(
    readonly rt: WorkerRuntime,
    readonly task: AnyTask,
    readonly env: Envelope,
    readonly input: I,
    delivery: { messageId: string | null; retried: number },
  ) {
    const o = task.options;
    this.log = taskLogger(rt.logger, task.name, env.id);
    this.request = {
      id: env.id,
      task: env.task,
      retries: env.retries,
      eta: env.eta,
      expires: env.expires,
      parentId: env.parentId,
      rootId: env.rootId,
      groupId: env.groupId,
      chain: env.chain ?? null,
      hostname: rt.hostname,
      isEager: false,
      timelimit: [o.timeLimitMs === undefined ? null : o.timeLimitMs / 1000, o.softTimeLimitMs === undefined ? null : o.softTimeLimitMs / 1000],
      argsrepr: env.argsrepr,
      headers: env.headers ?? null,
      schedule: env.schedule ?? null,
      deliveryInfo: delivery,
    };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get storesResult(): boolean {
    return storesOf(this.env, this.task).result;
  }

  /** RETRY and FAILURE are stored also when results are ignored, with `storeErrorsEvenIfIgnored`. */
  get storesErrors(): boolean {
    return storesOf(this.env, this.task).errors;
  }

  async retry(options: RetryOptions = {}): Promise<never> {
    const o = this.task.options;
    const retries = this.env.retries + 1;
    const max = options.maxRetries === undefined ? o.maxRetries : options.maxRetries;
    if (max !== null && retries > max) {
      if (options.exc !== undefined) throw options.exc;
      throw new MaxRetriesExceededError(`Can't retry ${this.task.name}[${this.env.id}]: it already retried ${this.env.retries} times (maxRetries ${max}).`);
    }
    const now = this.rt.now();
    const etaMs = options.eta !== undefined
      ? new Date(options.eta).getTime()
      : now + (options.countdown !== undefined ? options.countdown * 1000 : o.defaultRetryDelayMs);
    const exc = options.exc ?? new Retry("Task can be retried");
    if (this.storesErrors) {
      await this.rt.backend.storeMeta(errorMeta(this.env, RETRY, exc, now), this.rt.resultExpiresMs);
    }
    const next: Envelope = { ...this.env, retries, eta: new Date(etaMs).toISOString() };
    try {
      await this.rt.publisher.republish(next, etaMs);
    } catch (cause) {
      throw new RepublishFailed(cause);
    }
    const when = Math.max(0, Math.round((etaMs - now) / 1000));
    this.retried = new Retry(`Retry in ${when}s${options.exc instanceof Error ? `: ${options.exc.name}: ${options.exc.message}` : ""}`, { when, exc: options.exc });
    throw this.retried;
  }

  readonly send: SendFromTask = ((target: unknown, input?: unknown, options?: SendOptions) =>
    this.rt.sender.send(target as string, input, { parentId: this.env.id, rootId: this.env.rootId ?? this.env.id, ...options })) as SendFromTask;

  async updateState(state: State, meta?: unknown): Promise<void> {
    await this.checkRevoked();
    if (!this.storesResult) return;
    await this.rt.backend.storeMeta(baseMeta(this.env, state, meta, this.rt.now()), this.rt.resultExpiresMs);
  }

  async checkRevoked(): Promise<void> {
    if (this.signal.aborted && this.signal.reason instanceof TaskRevokedError) throw this.signal.reason;
    if (await this.rt.backend.isRevoked(this.env.id)) {
      const error = new TaskRevokedError(`Task ${this.env.id} was revoked while running`);
      this.controller.abort(error);
      throw error;
    }
  }

  async lock(key: string, options: LockOptions = {}): Promise<Lock> {
    await this.checkRevoked();
    const ttlMs = toMs(options.timeout ?? LOCK_TIMEOUT_S);
    const deadline = this.rt.now() + toMs(options.blockingTimeout ?? 0);
    const token = crypto.randomUUID();
    let wait = 50;
    for (;;) {
      if (await this.rt.backend.acquireLock(key, token, ttlMs, this.rt.now())) break;
      const left = deadline - this.rt.now();
      if (left <= 0) throw new LockNotAcquiredError(key);
      await new Promise((r) => this.rt.timers.setTimeout(() => r(undefined), Math.min(wait, left)));
      wait = Math.min(wait * 2, 1000);
    }
    const backend = this.rt.backend;
    const locks = this.#locks;
    const lock: Lock = {
      key,
      release() {
        locks.delete(lock);
        return backend.releaseLock(key, token);
      },
    };
    locks.add(lock);
    return lock;
  }

  async withLock<R>(key: string, options: LockOptions, fn: () => Promise<R> | R): Promise<R> {
    const lock = await this.lock(key, options);
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  /** Release every lock still held (end of the attempt). */
  async releaseLocks(): Promise<void> {
    await Promise.allSettled([...this.#locks].map((l) => l.release()));
  }
}
