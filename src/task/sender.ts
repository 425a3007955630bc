/**
 * The sender port: what `task.delay()` and `task.applyAsync()` send through (Celery's
 * `current_app`). Inside a running task it is the worker's own publisher (so a child gets its
 * `parentId` and `rootId`); elsewhere `createClient()` makes itself the current sender unless told not to.
 * @module
 */
import { ConfigError } from "../errors.ts";
import { currentTask } from "../current.ts";
import type { AsyncResult } from "../result/async-result.ts";
import type { SendOptions } from "./send-options.ts";

/** Anything that sends a task by name: a client, or a worker's own publisher inside a task. */
export interface Sender {
  /** Send task `name` (or a task); a canvas node instead of a name is sent with `input` as its options. */
  send(name: string, input?: unknown, options?: SendOptions): Promise<AsyncResult<unknown>>;
}

let current: Sender | undefined;

/** Make `sender` the one `delay()`/`applyAsync()` send through (`undefined` clears it). */
export function setCurrentSender(sender: Sender | undefined): void {
  current = sender;
}

/** The current sender, or a clear error when there is none. */
export function currentSender(): Sender {
  const inTask = currentTask()?.sender as Sender | undefined;
  if (inTask) return inTask;
  if (!current) {
    throw new ConfigError("No client to send through: call createClient(...) first (it becomes the current client), or use client.send(name, input).");
  }
  return current;
}

/**
 * Eager mode (Celery's `apply()` and `task_always_eager`): runs a task inline with a worker's full
 * semantics. It lives in `celeriac/testing`, which registers it when imported, so production
 * bundles do not carry it.
 */
export interface EagerMode {
  /** Run `task` inline (retries inline too); resolves once it is done, with its result handle. */
  apply(task: unknown, input: unknown, options?: SendOptions & { backend?: unknown }): Promise<AsyncResult<unknown>>;
  /** A client whose every send runs inline (`createClient({ eager: true, tasks })`). */
  client(options: unknown): Sender;
}

let eager: EagerMode | undefined;

/** Register the eager mode (`celeriac/testing` does, when imported). */
export function setEagerMode(mode: EagerMode): void {
  eager = mode;
}

/** The eager mode, or a clear error when `celeriac/testing` was not imported. */
export function eagerMode(): EagerMode {
  if (!eager) {
    throw new ConfigError('Eager mode (task.apply(), createClient({ eager: true })) lives in celeriac/testing: import it in your tests, e.g. import "celeriac/testing".');
  }
  return eager;
}
