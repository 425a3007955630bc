/**
 * The task context: Celery's bound `self` (`request`, `retry`, `update_state`) plus the lock,
 * the abort signal and a task logger.
 * @module
 */
import type { Duration } from "../duration.ts";
import type { Logger } from "../util/logger.ts";
import type { AsyncResult } from "../result/async-result.ts";
import type { SendOptions } from "./send-options.ts";
import type { Task, TasksByName } from "./task.ts";
import type { Canvas } from "../canvas/signature.ts";
import type { CanvasResult } from "../result/group-result.ts";

/**
 * Declare your tasks once to type `ctx.send` by name (input and result), as a registry:
 * @example
 * declare module "celeriac" {
 *   interface Register { tasks: typeof import("./functions/index.ts") }
 * }
 */
// deno-lint-ignore no-empty-interface
export interface Register {}

/** The declared tasks by name; without a declaration, any name with any input. */
type Registered = Register extends { tasks: infer M } ? TasksByName<M> : Record<string, Task<unknown, unknown, unknown, string>>;
type RegisteredInput<N extends keyof Registered> = Registered[N] extends Task<any, any, infer In, any> ? In : never;
type RegisteredOutput<N extends keyof Registered> = Registered[N] extends Task<any, infer O, any, any> ? O : never;

/**
 * `ctx.send`: by name (typed when {@link Register} is declared), by task, or a canvas. An
 * interface, so a task's own type may refer to the registry it belongs to.
 */
export interface SendFromTask {
  <N extends keyof Registered & string>(name: N, input: RegisteredInput<N>, options?: SendOptions): Promise<AsyncResult<RegisteredOutput<N>>>;
  <I, O, In>(task: Task<I, O, In, any>, input: In, options?: SendOptions): Promise<AsyncResult<O>>;
  <C extends Canvas>(canvas: C, options?: SendOptions): Promise<CanvasResult<C>>;
}

/** Celery's `self.request`. */
export interface TaskRequest {
  id: string;
  /** The task name. */
  task: string;
  /** Retries already done (0 on the first attempt). */
  retries: number;
  eta: string | null;
  expires: string | null;
  parentId: string | null;
  rootId: string | null;
  groupId: string | null;
  chain: unknown[] | null;
  /** The worker's host name. */
  hostname: string;
  /** Always false: celeriac has no eager mode inside a worker. */
  isEager: boolean;
  /** `[hard, soft]` limits in seconds, or null. */
  timelimit: [number | null, number | null];
  argsrepr: string | null;
  headers: Record<string, string> | null;
  /** Set when a schedule fired this message. */
  schedule: { name: string; tick: string } | null;
  /** The broker's message id and delivery count, when known. */
  deliveryInfo: { messageId: string | null; retried: number };
}

/** Options of `ctx.retry()` (Celery's `Task.retry`). */
export interface RetryOptions {
  /** Seconds until the next attempt. Default: the task's `defaultRetryDelay` (180 s). */
  countdown?: number | undefined;
  /** Earliest time of the next attempt (wins over countdown). */
  eta?: Date | string | number | undefined;
  /** Override the task's max retries for this execution. */
  maxRetries?: number | null | undefined;
  /** The error that caused the retry; re-raised when retries are exhausted. */
  exc?: unknown | undefined;
}

/** Options of `ctx.lock()` (Django's `cache.lock`). */
export interface LockOptions {
  /** The lock expires after this even if never released (the worker died). Default 600 s. */
  timeout?: Duration | undefined;
  /** Keep trying this long before `LockNotAcquiredError`. Default 0 (one try). */
  blockingTimeout?: Duration | undefined;
}

/** A held lock. */
export interface Lock {
  readonly key: string;
  /** Release it if still held by this run (compare-and-delete). */
  release(): Promise<boolean>;
}

/** The context passed to a handler. */
export interface TaskContext<I = unknown> {
  readonly request: TaskRequest;
  /** The validated input. */
  readonly input: I;
  /** Aborted at the soft time limit, the hard time limit, or when the task is found revoked. */
  readonly signal: AbortSignal;
  /** Lines carry `task_name[task_id]`. */
  readonly log: Logger;
  /** Retry later: stores RETRY, republishes the same id with `retries + 1`, and rejects with `Retry`. */
  retry(options?: RetryOptions): Promise<never>;
  /** Store a custom state (e.g. `"PROGRESS"`) with `meta`; `AsyncResult.info` returns `meta`. */
  updateState(state: string, meta?: unknown): Promise<void>;
  /** Take a lock; throws `LockNotAcquiredError` when it stays taken past `blockingTimeout`. Released at the end of the attempt at the latest. */
  lock(key: string, options?: LockOptions): Promise<Lock>;
  /** Run `fn` holding the lock, then release it. */
  withLock<R>(key: string, options: LockOptions, fn: () => Promise<R> | R): Promise<R>;
  /**
   * Send a task from this one through the worker's own publisher: the child's `parentId` is this
   * task's id and its `rootId` this task's root. Refuses (`NotRegistered`) a task this worker does not serve.
   */
  send: SendFromTask;
  /**
   * Replace this task with `canvas` (Celery's `self.replace`): it is sent with this task's place
   * (the rest of its chain, its chord, its group and callbacks), this task ends without a state
   * of its own, and its id gets the replacement's result when that finishes.
   */
  replace(canvas: Canvas): Promise<never>;
  /** Throw `TaskRevokedError` (and abort `signal`) if the task was revoked. */
  checkRevoked(): Promise<void>;
}
