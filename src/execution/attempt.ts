/**
 * One running attempt of a task: implements the task context (`ctx`) on top of the runtime.
 *
 * Every write the attempt makes (state, progress, RETRY before its republish, locks, the
 * outcome) is fenced by its claim (`Backend.storeAttemptMeta`): once the attempt is abandoned —
 * hard time limit, lease lost, revoked — its later writes are refused, in this process at once
 * and in the backend's scripts for whatever was already on its way, and logged, never stored.
 * While it runs, a heartbeat renews its lease every `heartbeatMs`.
 * @module
 */
import type { Fence, FencedWrite, TaskMeta } from "../backend/backend.ts";
import { Ignore, LockNotAcquiredError, MaxRetriesExceededError, RepublishFailed, Retry, TaskRevokedError, WorkerLostError } from "../errors.ts";
import { toMs } from "../duration.ts";
import { RETRY, type State } from "../states.ts";
import type { Envelope } from "../task/envelope.ts";
import type { AnyTask } from "../task/task.ts";
import type { Lock, LockOptions, RetryOptions, SendFromTask, TaskContext, TaskRequest } from "../task/context.ts";
import type { SendOptions } from "../task/send-options.ts";
import { type Canvas, isCanvas } from "../canvas/signature.ts";
import { attachCallbacks, celeryTuple, finalSignatures, freeze, type ResultIds, resultIds } from "../canvas/freeze.ts";
import { idsOf } from "../result/group-result.ts";
import { publishCanvas } from "../publish/publish-canvas.ts";
import { checkCanvas } from "../publish/send-canvas.ts";
import type { Logger } from "../util/logger.ts";
import { taskLogger } from "../util/logger.ts";
import { baseMeta, errorMeta, storesOf } from "./meta.ts";
import type { WorkerRuntime } from "./runtime.ts";

const LOCK_TIMEOUT_S = 600; // Celery cookbook's LOCK_EXPIRE

export class Attempt<I = unknown> implements TaskContext<I> {
  readonly request: TaskRequest;
  readonly controller = new AbortController();
  readonly log: Logger;
  /** The claim this attempt's writes are fenced by (absent for a delivery that never claimed). */
  readonly fence: Fence | undefined;
  /** Rejects with the reason once the attempt is abandoned (`close()`), so the run can stop waiting for the body. */
  readonly abandoned: Promise<never>;
  readonly #locks = new Set<Lock>();
  #closed: Error | undefined;
  #ended = false;
  #abandon!: (reason: Error) => void;
  #beat: unknown;
  #beating = false;
  /** Set by `retry()` once the retry is stored and published. */
  retried: Retry | undefined;

  constructor(
    readonly rt: WorkerRuntime,
    readonly task: AnyTask,
    readonly env: Envelope,
    readonly input: I,
    delivery: { messageId: string | null; retried: number },
    token?: string,
  ) {
    const o = task.options;
    this.log = taskLogger(rt.logger, task.name, env.id);
    this.fence = token === undefined ? undefined : { id: env.id, retries: env.retries, token };
    this.abandoned = new Promise<never>((_, reject) => (this.#abandon = reject));
    this.abandoned.catch(() => {}); // nobody may be racing it
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
      isEager: rt.eager === true,
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

  /** Why the attempt was abandoned, or undefined. */
  get closed(): Error | undefined {
    return this.#closed;
  }

  /** Abandon the attempt: its later writes are refused, `ctx.signal` aborts with `reason` (unless already aborted) and `abandoned` rejects. */
  close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = reason;
    this.stopHeartbeat();
    if (!this.signal.aborted) this.controller.abort(reason);
    this.#abandon(reason);
  }

  /** The run is over (its outcome is decided): stray writes of the body are refused from now on, except the outcome's own. */
  end(): void {
    this.#ended = true;
    this.stopHeartbeat();
  }

  /**
   * Write `meta` as this attempt (null: only check the fence), refused once the attempt is
   * closed. A refusal closes the attempt and throws its reason (`TaskRevokedError`,
   * `WorkerLostError`); with `final` (the outcome's own write) it is returned instead, and the
   * in-process fence is not consulted (the hard time limit closes the attempt before its FAILURE).
   */
  async write(meta: TaskMeta | null, what: string, options: { close?: boolean; final?: boolean; quiet?: boolean; chordId?: string } = {}): Promise<FencedWrite> {
    if (!options.final && (this.#closed || this.#ended)) throw this.#refused(what, this.#closed ?? new Error("The attempt has ended"));
    if (!this.fence) return meta && !(await this.rt.backend.storeMeta(meta, this.rt.resultExpiresMs)) ? "kept" : "stored";
    let result: FencedWrite;
    if (options.chordId && meta) {
      const member = await this.rt.backend.storeChordMember(meta, this.rt.resultExpiresMs, this.fence, options.chordId);
      result = member.write;
      this.chordCount = member.count;
    } else {
      result = await this.rt.backend.storeAttemptMeta(meta, this.rt.resultExpiresMs, this.fence, { close: options.close, quiet: options.quiet });
    }
    if (result === "kept") this.log.warn(`${what} not stored: a ready state is already stored (Celery's precedence)`);
    if (result !== "fenced" && result !== "revoked") return result;
    const reason = result === "revoked"
      ? new TaskRevokedError(`Task ${this.env.id} was revoked while running`)
      : new WorkerLostError(`Attempt ${this.env.id}:${this.env.retries} lost its claim (its lease ran out and another delivery settled it)`);
    this.close(reason);
    if (options.final) {
      this.#refused(what, reason);
      return result;
    }
    throw this.#refused(what, reason);
  }

  #refused(what: string, reason: Error): Error {
    this.log.warn(`refused ${what}: the attempt was abandoned (${reason.name}: ${reason.message})`);
    return reason;
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
    // The RETRY write is the fence of the republish: an abandoned attempt publishes nothing.
    const written = await this.write(this.storesErrors ? errorMeta(this.env, RETRY, exc, now) : null, RETRY);
    if (written === "kept") throw new Ignore("Not retried: a ready state is already stored for this task");
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

  /** A chord member's count in its chord after its SUCCESS was stored (`write` with `chordId`). */
  chordCount: number | undefined;

  /** What this attempt sent (Celery's `children`): a task id, or a sent canvas's result ids. */
  readonly children = new Set<unknown>();

  readonly send: SendFromTask = (async (target: unknown, input?: unknown, options?: SendOptions) => {
    const lineage = { parentId: this.env.id, rootId: this.env.rootId ?? this.env.id };
    const sent = isCanvas(target)
      ? await this.rt.sender.send(target as never, { ...lineage, ...(input as SendOptions) })
      : await this.rt.sender.send(target as string, input, { ...lineage, ...options });
    // Also recorded here where no AsyncLocalStorage tracks the task (the sender then cannot).
    this.children.add(idsOf(sent as never));
    return sent;
  }) as SendFromTask;

  /** The children as Celery stores them (`as_tuple()` of each result), each once. */
  childTuples(): unknown[] {
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const c of this.children) {
      const ids: ResultIds = typeof c === "string" ? { id: c } : (c as ResultIds);
      const key = "id" in ids ? ids.id : ids.groupId;
      if (!seen.has(key)) (seen.add(key), out.push(celeryTuple(ids)));
    }
    return out;
  }

  async replace(canvas: Canvas): Promise<never> {
    const env = this.env;
    checkCanvas(canvas, this.rt.registry);
    const frozen = attachCallbacks(freeze(canvas), env.link ?? undefined, env.linkError ?? undefined);
    for (const sig of finalSignatures(frozen)) sig.replaces = [...(env.replaces ?? []), env.id];
    const rt = this.rt;
    await publishCanvas({ publisher: rt.publisher, backend: rt.backend, resultExpiresMs: rt.resultExpiresMs }, frozen, undefined, {
      chain: env.chain ?? undefined, chord: env.chord ?? undefined, groupId: env.groupId, parentId: env.id, rootId: env.rootId ?? env.id,
    });
    throw new Ignore(`Replaced by ${JSON.stringify(resultIds(frozen))}`);
  }

  async updateState(state: State, meta?: unknown): Promise<void> {
    if (!this.storesResult) return await this.checkRevoked();
    await this.write(baseMeta(this.env, state, meta, this.rt.now()), state);
  }

  async checkRevoked(): Promise<void> {
    if (this.#closed) throw this.#closed;
    if (this.signal.aborted && this.signal.reason instanceof TaskRevokedError) throw this.signal.reason;
    if (await this.rt.backend.isRevoked(this.env.id)) {
      const error = new TaskRevokedError(`Task ${this.env.id} was revoked while running`);
      this.close(error);
      throw error;
    }
  }

  async lock(key: string, options: LockOptions = {}): Promise<Lock> {
    if (this.#closed || this.#ended) throw this.#refused(`lock ${key}`, this.#closed ?? new Error("The attempt has ended"));
    if (!this.fence) await this.checkRevoked();
    const ttlMs = toMs(options.timeout ?? LOCK_TIMEOUT_S);
    const deadline = this.rt.now() + toMs(options.blockingTimeout ?? 0);
    const token = crypto.randomUUID();
    let wait = 50;
    for (;;) {
      if (await this.#acquire(key, token, ttlMs)) break;
      const left = deadline - this.rt.now();
      if (left <= 0) throw new LockNotAcquiredError(key);
      await new Promise((r) => this.rt.timers.setTimeout(() => r(undefined), Math.min(wait, left)));
      wait = Math.min(wait * 2, 1000);
      if (this.#closed) throw this.#refused(`lock ${key}`, this.#closed);
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

  async #acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (!this.fence) return await this.rt.backend.acquireLock(key, token, ttlMs, this.rt.now());
    const answer = await this.rt.backend.acquireAttemptLock(key, token, ttlMs, this.rt.now(), this.fence);
    if (answer === "acquired" || answer === "busy") return answer === "acquired";
    const reason = answer === "revoked" ? new TaskRevokedError(`Task ${this.env.id} was revoked while running`) : new WorkerLostError(`Attempt ${this.env.id}:${this.env.retries} lost its claim`);
    this.close(reason);
    throw this.#refused(`lock ${key}`, reason);
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

  /**
   * Renew the lease every `heartbeatMs` until `stopHeartbeat()`; a renewal that finds the claim
   * gone or the id revoked abandons the attempt. A renewal that fails (Redis unreachable) is
   * logged and tried again at the next beat: the lease still runs until then.
   */
  startHeartbeat(claimTtlMs: number): void {
    const fence = this.fence;
    if (!fence || this.#beating) return;
    this.#beating = true;
    const beat = async () => {
      this.#beat = undefined;
      let renewal;
      try {
        renewal = await this.rt.backend.renewLease(fence, this.rt.leaseMs, claimTtlMs, this.rt.now());
      } catch (error) {
        this.log.warn(`heartbeat failed, trying again in ${this.rt.heartbeatMs} ms: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!this.#beating) return;
      if (renewal === "lost") this.close(new WorkerLostError(`Attempt ${this.env.id}:${this.env.retries} lost its lease: another delivery settled it`));
      else if (renewal === "revoked") this.close(new TaskRevokedError(`Task ${this.env.id} was revoked while running`));
      else this.#beat = this.rt.timers.setTimeout(() => void beat(), this.rt.heartbeatMs);
    };
    this.#beat = this.rt.timers.setTimeout(() => void beat(), this.rt.heartbeatMs);
  }

  stopHeartbeat(): void {
    this.#beating = false;
    if (this.#beat !== undefined) this.rt.timers.clearTimeout(this.#beat);
    this.#beat = undefined;
  }
}
