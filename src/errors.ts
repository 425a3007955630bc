/**
 * celeriac/errors: the error hierarchy, every class of it (the root `celeriac` re-exports the ones
 * a task throws or a caller catches). Every error sets `name`, so it is recognisable across
 * bundles (`err.name === "Retry"`, or `hasName(err, "Retry")`) without `instanceof`. Messages say
 * what failed and what to do.
 *
 * @example
 * import { ConfigError, hasName } from "celeriac/errors";
 * if (hasName(err, "ConfigError")) console.error(err.message);
 * @module
 */

/** Base class of every celeriac error. */
export class CeleriacError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

// ── control flow (semipredicates) ────────────────────────────────────────────

/** Thrown by `ctx.retry()`: the task was republished for a later attempt. */
export class Retry extends CeleriacError {
  /** Seconds until the next attempt (countdown), if known. */
  readonly when: number | undefined;
  readonly exc: unknown;
  constructor(message = "Task can be retried", options: { when?: number; exc?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause ?? options.exc });
    this.name = "Retry";
    this.when = options.when;
    this.exc = options.exc;
  }
}

/** Reject the message: `requeue: false` is final (FAILURE, to the DLQ); `requeue: true` asks for redelivery. */
export class Reject extends CeleriacError {
  readonly requeue: boolean;
  readonly reason: unknown;
  constructor(reason?: unknown, options: { requeue?: boolean } = {}) {
    super(typeof reason === "string" ? reason : reason instanceof Error ? reason.message : "Task rejected", {
      cause: reason instanceof Error ? reason : undefined,
    });
    this.name = "Reject";
    this.requeue = options.requeue ?? false;
    this.reason = reason;
  }
}

/** Acknowledge the message and store no state (Celery's `Ignore`). Never autoretried. */
export class Ignore extends CeleriacError {
  constructor(message = "Task ignored") {
    super(message);
    this.name = "Ignore";
  }
}

// ── task failures ────────────────────────────────────────────────────────────

/** `ctx.retry()` was called after the last allowed retry and no `exc` was given. */
export class MaxRetriesExceededError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MaxRetriesExceededError";
  }
}

/** Raised inside the task (and `ctx.signal` aborted) when the soft time limit passes. */
export class SoftTimeLimitExceeded extends CeleriacError {
  constructor(message = "Soft time limit exceeded") {
    super(message);
    this.name = "SoftTimeLimitExceeded";
  }
}

/** The hard time limit passed: the attempt was abandoned. */
export class TimeLimitExceeded extends CeleriacError {
  constructor(message = "Time limit exceeded") {
    super(message);
    this.name = "TimeLimitExceeded";
  }
}

/** An early-acked attempt was delivered again: the first attempt started but never finished. */
export class WorkerLostError extends CeleriacError {
  constructor(message = "Worker exited prematurely: the task started but never finished, and acksLate is off") {
    super(message);
    this.name = "WorkerLostError";
  }
}

/**
 * The broker gave up on a message no worker ever started (its delivery retries ran out, for
 * example while every worker was down). The message is in the broker's DLQ, to replay from there.
 */
export class DeliveryFailedError extends CeleriacError {
  constructor(message = "The broker gave up delivering this task and no worker ever started it; replay it from the broker's DLQ") {
    super(message);
    this.name = "DeliveryFailedError";
  }
}

/** The task was revoked (by `revoke()` or because it expired). */
export class TaskRevokedError extends CeleriacError {
  constructor(message = "Task revoked") {
    super(message);
    this.name = "TaskRevokedError";
  }
}

/** A value failed a task's schema; `issues` lists what was wrong. */
abstract class SchemaError extends CeleriacError {
  readonly issues: readonly { message: string; path?: readonly unknown[] }[];
  constructor(message: (summary: string) => string, issues: readonly { message: string; path?: readonly PropertyKey[] | readonly unknown[] }[]) {
    super(message(issues.slice(0, 5).map((i) => `${formatPath(i.path)}${i.message}`).join("; ")));
    this.issues = issues.map((i) => ({ message: i.message, path: i.path ? [...i.path].map(pathKey) : undefined }));
  }
}

/** The task's input failed its schema. Never retried. `issues` lists what was wrong. */
export class InputValidationError extends SchemaError {
  constructor(task: string, issues: ConstructorParameters<typeof SchemaError>[1]) {
    super((summary) => `Input for task "${task}" failed its schema: ${summary}. Fix the input you send; this attempt will not be retried.`, issues);
    this.name = "InputValidationError";
  }
}

/**
 * The task's return value failed its `output` schema. Never retried, also under `autoretryFor`: the
 * same code returns the same value. `issues` lists what was wrong.
 */
export class OutputValidationError extends SchemaError {
  constructor(task: string, issues: ConstructorParameters<typeof SchemaError>[1]) {
    super((summary) => `Task "${task}" returned a value that fails its output schema: ${summary}. Fix the task or its schema; this attempt will not be retried.`, issues);
    this.name = "OutputValidationError";
  }
}

const pathKey = (p: unknown): unknown => (typeof p === "object" && p !== null && "key" in p ? (p as { key: unknown }).key : p);
const formatPath = (path?: readonly unknown[]): string => (path && path.length ? `${path.map(pathKey).join(".")}: ` : "");

/** No task with that name is registered. */
export class NotRegistered extends CeleriacError {
  readonly task: string;
  constructor(task: string, known: readonly string[] = []) {
    const hint = known.length ? ` Registered tasks: ${known.slice(0, 20).join(", ")}.` : "";
    super(`Task "${task}" is not registered with this worker. Check the name, and that the task is in the worker's \`tasks\`.${hint}`);
    this.name = "NotRegistered";
    this.task = task;
  }
}

/** A chord's header member failed, so its body cannot run (Celery's `ChordError`). */
export class ChordError extends CeleriacError {
  /** The id of the header task that failed. */
  readonly taskId: string;
  constructor(taskId: string, task: string, error: { type: string; message: string }) {
    super(`Dependency ${taskId} (${task}) raised ${error.type}: ${error.message}`);
    this.name = "ChordError";
    this.taskId = taskId;
  }
}

/** A canvas that cannot run as given: a step's partial input cannot take the previous result. */
export class CanvasError extends CeleriacError {
  constructor(message: string) {
    super(message);
    this.name = "CanvasError";
  }
}

/** `ctx.lock()` could not acquire the lock within its blocking timeout. */
export class LockNotAcquiredError extends CeleriacError {
  readonly key: string;
  constructor(key: string) {
    super(`Lock "${key}" is held by another run; it was not acquired within the blocking timeout.`);
    this.name = "LockNotAcquiredError";
    this.key = key;
  }
}

/**
 * A task's stored failure, re-raised by `AsyncResult.get()`. `name` is the original error's
 * type name (for example `"HttpError"`), `message` its message, `remoteStack` its stack.
 */
export class TaskError extends CeleriacError {
  readonly taskId: string;
  readonly remoteStack: string | undefined;
  readonly data: unknown;
  constructor(type: string, message: string, options: { taskId: string; stack?: string; data?: unknown }) {
    super(message);
    this.name = type;
    this.taskId = options.taskId;
    this.remoteStack = options.stack;
    this.data = options.data;
  }
}

/** `AsyncResult.get()` waited longer than its timeout. */
export class ResultTimeoutError extends CeleriacError {
  constructor(id: string, timeoutMs: number) {
    super(`Task ${id} did not finish within ${timeoutMs} ms. Call get() with a longer timeout, or check its state.`);
    this.name = "ResultTimeoutError";
  }
}

/** `AsyncResult.get()` was called inside a running task (deadlock risk) without `disableSyncSubtasks: false`. */
export class SyncSubtaskError extends CeleriacError {
  constructor() {
    super("Never call result.get() within a task: it can deadlock the worker. Chain tasks instead, or pass { disableSyncSubtasks: false }.");
    this.name = "SyncSubtaskError";
  }
}

/**
 * A calling option of `send` / `applyAsync` (or of `POST /api/tasks/:name`) is invalid. `option`
 * names it; the message says which forms it accepts. Nothing was published.
 */
export class SendOptionError extends CeleriacError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`Invalid send option \`${option}\`: ${message} Nothing was sent.`);
    this.name = "SendOptionError";
    this.option = option;
  }
}

// ── infrastructure ───────────────────────────────────────────────────────────

/** Missing or invalid configuration. The message names every problem and how to fix it. */
export class ConfigError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/** A command line the CLI cannot run: an unknown command or option, or a bad option value. */
export class UsageError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The broker refused or failed a request. */
export class BrokerError extends CeleriacError {
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "BrokerError";
    this.status = options.status;
  }
}

/** The result backend (Redis) failed a request. */
export class BackendError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackendError";
  }
}

/** A worker's HTTP API refused or failed a request of the CLI (`celeriac call`, `inspect`, …); `status` is its HTTP status, if it answered. */
export class WorkerApiError extends CeleriacError {
  readonly status: number | undefined;
  /** The worker's JSON answer, when it gave one (a refused input's `issues`). */
  readonly body: unknown;
  constructor(message: string, options: { status?: number; body?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "WorkerApiError";
    this.status = options.status;
    this.body = options.body;
  }
}

/** A delivery's signature was missing or did not verify. */
export class SignatureError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SignatureError";
  }
}

/** The request body is not a valid task envelope. */
export class EnvelopeError extends CeleriacError {
  /** True when a newer worker could read it (an unknown envelope version); false when no worker ever will. */
  readonly readableLater: boolean;
  constructor(message: string, options?: { cause?: unknown; readableLater?: boolean }) {
    super(message, options);
    this.name = "EnvelopeError";
    this.readableLater = options?.readableLater ?? false;
  }
}

/** The retry message of a task could not be published: the delivery must be redelivered. */
export class RepublishFailed extends CeleriacError {
  constructor(cause: unknown) {
    super(`Could not publish the retry: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = "RepublishFailed";
  }
}

/** True when `err` is an Error (or error-like) whose `name` is one of `names`. */
export function hasName(err: unknown, ...names: string[]): boolean {
  return typeof err === "object" && err !== null && names.includes((err as { name?: unknown }).name as string);
}
