/**
 * `task()`: define a named, typed task. Options mirror Celery's task attributes (camelCased);
 * every default is Celery's unless the TSDoc says otherwise.
 * @module
 */
import { ConfigError } from "../errors.ts";
import { type Duration, toMs } from "../duration.ts";
import type { InferInput, InferOutput, StandardSchemaV1 } from "./standard-schema.ts";
import type { TaskContext } from "./context.ts";
import type { SendOptions } from "./send-options.ts";
import type { AsyncResult } from "../result/async-result.ts";
import type { Backend } from "../backend/backend.ts";
import { currentSender, eagerMode } from "./sender.ts";
import { isQueue, type Queue } from "./queue.ts";
import { QUEUE_NAME } from "./send-options.ts";
import { type Signature, signature, type SignatureOptions } from "../canvas/signature.ts";

/** Options of `task.s()` / `task.si()`: calling options plus callbacks. */
export type SignatureCallOptions = SignatureOptions & Pick<Signature, "link" | "linkError">;

/** An error class, or an error `name` string, used to match thrown errors. */
export type ErrorMatcher = string | (abstract new (...args: never[]) => Error);

/** Result caching: a SUCCESS stored under `key(input)` is returned without running the handler. */
export interface CacheOptions<I> {
  key: (input: I) => string;
  /** How long a cached result is reused. */
  ttl: Duration;
}

/** Handler hooks, called after the state is persisted, in Celery's order. */
export interface TaskHooks<I, O> {
  /** Before the handler runs (after the claim and STARTED). */
  beforeStart?(ctx: TaskContext<I>): void | Promise<void>;
  onSuccess?(result: O, ctx: TaskContext<I>): void | Promise<void>;
  onRetry?(error: unknown, ctx: TaskContext<I>): void | Promise<void>;
  onFailure?(error: unknown, ctx: TaskContext<I>): void | Promise<void>;
  /** After every outcome (success, retry or failure), last. */
  afterReturn?(state: string, resultOrError: unknown, ctx: TaskContext<I>): void | Promise<void>;
}

/** Options of a task definition. */
export interface TaskOptions<S extends StandardSchemaV1, OS extends StandardSchemaV1 | undefined = undefined>
  extends TaskHooks<InferOutput<S>, OS extends StandardSchemaV1 ? InferOutput<OS> : unknown> {
  /** The task's explicit name, e.g. `"main_send_email"` (required; prefix it by purpose). */
  name: string;
  /** The input schema (zod or any Standard Schema); invalid input is a non-retryable FAILURE. */
  input: S;
  /** Optional output schema, checked before SUCCESS is stored. */
  output?: OS | undefined;
  /** One line for dashboards and `GET /api/tasks`. */
  description?: string | undefined;
  /** The queue its messages go through: a `queue()` (with its parallelism) or a name; a send's `queue` wins. Default `"default"` (a plain publish). */
  queue?: string | Queue | undefined;
  /** Store no result at all (a send's own `ignoreResult` wins). Default false. */
  ignoreResult?: boolean | undefined;
  /** With `ignoreResult`, still store RETRY and FAILURE states (Celery's `store_errors_even_if_ignored`). Default false. */
  storeErrorsEvenIfIgnored?: boolean | undefined;
  /** Store STARTED when an attempt starts. Default false. */
  trackStarted?: boolean | undefined;
  /** At-least-once: a lost attempt is redelivered (the task must be idempotent). Default false (ack early). */
  acksLate?: boolean | undefined;
  /** Retries allowed; `null` retries forever. Default 3. */
  maxRetries?: number | null | undefined;
  /** Delay of `ctx.retry()` without countdown/eta, and of autoretry without backoff. Default 180 s. */
  defaultRetryDelay?: Duration | undefined;
  /** Errors that retry the task automatically. Default none. */
  autoretryFor?: readonly ErrorMatcher[] | undefined;
  /** Errors never autoretried (wins over `autoretryFor`). Default none. */
  dontAutoretryFor?: readonly ErrorMatcher[] | undefined;
  /** Options for autoretries (`countdown`, `maxRetries`). */
  retryKwargs?: { countdown?: number; maxRetries?: number | null } | undefined;
  /** Exponential backoff for autoretries: `true` (factor 1) or a factor in seconds. Default false. */
  retryBackoff?: boolean | number | undefined;
  /** Cap of the backoff, in seconds. Default 600. */
  retryBackoffMax?: number | undefined;
  /** Full jitter on the backoff. Default true. */
  retryJitter?: boolean | undefined;
  /** Hard time limit: the attempt is abandoned and FAILURE `TimeLimitExceeded` stored. Default none. */
  timeLimit?: Duration | undefined;
  /** Soft time limit: `ctx.signal` aborts and `SoftTimeLimitExceeded` is raised in the task. Default none. */
  softTimeLimit?: Duration | undefined;
  /** Global rate limit, Celery's syntax: `"100/m"`, `"10/s"`, `"2/h"`, or a number per second. Default none. */
  rateLimit?: string | number | undefined;
  /** Rate-limit per key derived from the input (e.g. per customer). Default: one key per task. */
  rateLimitKey?: ((input: InferOutput<S>) => string) | undefined;
  /** Default expiry of a message after it is sent. Default none. */
  expires?: Duration | undefined;
  /** Expected errors: stored as FAILURE but logged at info without a stack. */
  throws?: readonly ErrorMatcher[] | undefined;
  /** Memoize SUCCESS results by a key derived from the input. */
  cache?: CacheOptions<InferOutput<S>> | undefined;
  /** Final failures are answered 489 so the broker keeps the message in its DLQ. Default true. */
  deadLetter?: boolean | undefined;
  /** `AsyncResult.get()` inside this task throws (deadlock guard). Default true. */
  disableSyncSubtasks?: boolean | undefined;
  /** Extra broker delivery retries for infrastructure failures (not task retries). Default 3. */
  deliveryRetries?: number | undefined;
}

/** The handler: receives the validated input and the task context (Celery's bound `self`). */
export type TaskHandler<I, O> = (input: I, ctx: TaskContext<I>) => O | Promise<O>;

/** Options after defaults and validation, in milliseconds where they are durations. */
export interface ResolvedTaskOptions {
  queue: string;
  ignoreResult: boolean;
  storeErrorsEvenIfIgnored: boolean;
  trackStarted: boolean;
  acksLate: boolean;
  maxRetries: number | null;
  defaultRetryDelayMs: number;
  autoretryFor: readonly ErrorMatcher[];
  dontAutoretryFor: readonly ErrorMatcher[];
  retryKwargs: { countdown?: number; maxRetries?: number | null };
  retryBackoff: boolean | number;
  retryBackoffMax: number;
  retryJitter: boolean;
  timeLimitMs: number | undefined;
  softTimeLimitMs: number | undefined;
  rateLimit: string | number | undefined;
  expiresMs: number | undefined;
  throws: readonly ErrorMatcher[];
  deadLetter: boolean;
  disableSyncSubtasks: boolean;
  deliveryRetries: number;
}

/** A defined task. Send it by name with `client.send(name, …)`, or with `delay`/`applyAsync`. */
export interface Task<I = unknown, O = unknown, In = I, N extends string = string> {
  readonly name: N;
  readonly description: string | undefined;
  readonly input: StandardSchemaV1<In, I>;
  readonly output: StandardSchemaV1<unknown, O> | undefined;
  readonly options: ResolvedTaskOptions;
  readonly hooks: TaskHooks<I, O>;
  readonly cache: CacheOptions<I> | undefined;
  readonly rateLimitKey: ((input: I) => string) | undefined;
  /** The `queue()` given as the task's `queue`, for `celeriac queues sync`. */
  readonly declaredQueue: Queue | undefined;
  /** The options as given to `task()` (a worker's `taskDefaults` fill what they leave out). */
  readonly given: Readonly<Record<string, unknown>>;
  readonly handler: TaskHandler<I, O>;
  /** Send with default options through the current client (`createClient` sets it). */
  delay(input: In): Promise<AsyncResult<O>>;
  /** Send with options through the current client. */
  applyAsync(input: In, options?: SendOptions): Promise<AsyncResult<O>>;
  /**
   * Run inline with a worker's full semantics (Celery's `apply()`): input and output schemas, states
   * stored in `backend` (default a new in-memory one), retries run inline at once, hooks; resolves
   * when it is done. Needs `celeriac/testing` imported (it holds the eager mode).
   */
  apply(input: In, options?: SendOptions & { backend?: Backend }): Promise<AsyncResult<O>>;
  /**
   * A signature taking the previous step's result as its input (Celery's `task.s()`); with
   * `partial`, the result's fields are merged under the fields given here.
   */
  s(): Signature<In, O>;
  s<P extends Partial<In>>(partial: P, options?: SignatureCallOptions): Signature<Omit<In, keyof P>, O>;
  /** An immutable signature: runs with `input` whatever the previous step returned (Celery's `task.si()`). */
  si(input: In, options?: SignatureCallOptions): Signature<unknown, O>;
}

/** Any task, for registries and worker options. */
// deno-lint-ignore no-explicit-any
export type AnyTask = Task<any, any, any, string>;

/** Tasks keyed by name, from a module namespace (`typeof import("./functions/index.ts")`) or a record. */
export type TasksByName<M> = {
  [K in keyof M as M[K] extends Task<any, any, any, infer N> ? (string extends N ? never : N) : never]: M[K];
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/**
 * Define a task.
 * @example
 * export const add = task({ name: "math_add", input: z.object({ a: z.number(), b: z.number() }) },
 *   ({ a, b }) => a + b);
 */
export function task<const N extends string, S extends StandardSchemaV1, O, OS extends StandardSchemaV1 | undefined = undefined>(
  options: TaskOptions<S, OS> & { name: N },
  handler: TaskHandler<InferOutput<S>, OS extends StandardSchemaV1 ? InferOutput<OS> : O>,
): Task<InferOutput<S>, OS extends StandardSchemaV1 ? InferOutput<OS> : Awaited<O>, InferInput<S>, N> {
  if (!options || typeof options.name !== "string" || !NAME.test(options.name)) {
    throw new ConfigError(
      `task() needs an explicit name of letters, digits, ".", "_", ":" or "-" (got ${JSON.stringify(options?.name)}); prefix it by purpose, e.g. "main_send_email".`,
    );
  }
  if (!options.input || typeof options.input !== "object" || !("~standard" in options.input)) {
    throw new ConfigError(`task "${options.name}" needs an \`input\` schema (zod, or any Standard Schema library).`);
  }
  if (typeof handler !== "function") throw new ConfigError(`task "${options.name}" needs a handler function.`);
  const resolved = resolveOptions(options as TaskOptions<StandardSchemaV1, StandardSchemaV1 | undefined>);
  const { name, input, output, description, cache, rateLimitKey, beforeStart, onSuccess, onRetry, onFailure, afterReturn } = options;
  const definition = {
    name,
    description,
    input,
    output,
    options: resolved,
    hooks: { beforeStart, onSuccess, onRetry, onFailure, afterReturn },
    cache,
    rateLimitKey,
    declaredQueue: isQueue(options.queue) ? options.queue : undefined,
    given: options,
    handler,
    delay: (value: unknown) => currentSender().send(name, value),
    applyAsync: (value: unknown, sendOptions?: SendOptions) => currentSender().send(name, value, sendOptions),
    apply: async (value: unknown, sendOptions?: SendOptions & { backend?: Backend }) => await eagerMode().apply(definition, value, sendOptions),
    s: (partial?: unknown, o?: SignatureCallOptions) => signature(name, partial, o),
    si: (value: unknown, o?: SignatureCallOptions) => signature(name, value, { ...o, immutable: true }),
  };
  return definition as never;
}

/** Options a worker may default for the tasks that leave them out (Celery's `task_*` settings). */
export type TaskDefaults = Pick<
  TaskOptions<StandardSchemaV1>,
  "ignoreResult" | "storeErrorsEvenIfIgnored" | "trackStarted" | "acksLate" | "maxRetries" | "defaultRetryDelay" | "retryBackoff" | "retryBackoffMax" | "retryJitter" | "deadLetter" | "disableSyncSubtasks"
>;

/** `task` with `defaults` for the options it left out (call > task > worker defaults > Celery's defaults). */
export function withWorkerDefaults<T extends AnyTask>(task: T, defaults: TaskDefaults): T {
  const given = Object.fromEntries(Object.entries(task.given).filter(([, v]) => v !== undefined));
  return { ...task, options: resolveOptions({ ...defaults, ...given } as TaskOptions<StandardSchemaV1, StandardSchemaV1 | undefined>) };
}

function resolveOptions(o: TaskOptions<StandardSchemaV1, StandardSchemaV1 | undefined>): ResolvedTaskOptions {
  const timeLimitMs = o.timeLimit === undefined ? undefined : toMs(o.timeLimit);
  const softTimeLimitMs = o.softTimeLimit === undefined ? undefined : toMs(o.softTimeLimit);
  if (timeLimitMs !== undefined && softTimeLimitMs !== undefined && softTimeLimitMs > timeLimitMs) {
    throw new ConfigError(
      `task "${o.name}": softTimeLimit (${softTimeLimitMs} ms) is greater than timeLimit (${timeLimitMs} ms); the soft limit must come first.`,
    );
  }
  if (o.maxRetries !== undefined && o.maxRetries !== null && (!Number.isInteger(o.maxRetries) || o.maxRetries < 0)) {
    throw new ConfigError(`task "${o.name}": maxRetries must be a non-negative integer or null (forever), got ${o.maxRetries}.`);
  }
  return {
    queue: queueName(o),
    ignoreResult: o.ignoreResult ?? false,
    storeErrorsEvenIfIgnored: o.storeErrorsEvenIfIgnored ?? false,
    trackStarted: o.trackStarted ?? false,
    acksLate: o.acksLate ?? false,
    maxRetries: o.maxRetries === undefined ? 3 : o.maxRetries,
    defaultRetryDelayMs: toMs(o.defaultRetryDelay ?? 180),
    autoretryFor: o.autoretryFor ?? [],
    dontAutoretryFor: o.dontAutoretryFor ?? [],
    retryKwargs: o.retryKwargs ?? {},
    retryBackoff: o.retryBackoff ?? false,
    retryBackoffMax: o.retryBackoffMax ?? 600,
    retryJitter: o.retryJitter ?? true,
    timeLimitMs,
    softTimeLimitMs,
    rateLimit: o.rateLimit,
    expiresMs: o.expires === undefined ? undefined : toMs(o.expires),
    throws: o.throws ?? [],
    deadLetter: o.deadLetter ?? true,
    disableSyncSubtasks: o.disableSyncSubtasks ?? true,
    deliveryRetries: o.deliveryRetries ?? 3,
  };
}

function queueName(o: TaskOptions<StandardSchemaV1, StandardSchemaV1 | undefined>): string {
  const q = isQueue(o.queue) ? o.queue.name : o.queue ?? "default";
  if (typeof q !== "string" || !QUEUE_NAME.test(q)) {
    throw new ConfigError(`task "${o.name}": queue must be a queue() or a name of letters, digits, "-", "_" and "." (got ${JSON.stringify(q)}).`);
  }
  return q;
}

/** True when `error` matches one of `matchers` (a class via instanceof, or a name). */
export function matchesError(error: unknown, matchers: readonly ErrorMatcher[]): boolean {
  for (const m of matchers) {
    if (typeof m === "string") {
      if (typeof error === "object" && error !== null && (error as { name?: unknown }).name === m) return true;
    } else if (error instanceof m) return true;
  }
  return false;
}
