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
