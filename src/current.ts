/**
 * Which task (if any) the running code belongs to. Runtimes with `AsyncLocalStorage` install it
 * with `setContextStorage` (the Node, Deno and Workers adapters and the dev server do); without
 * it, nothing is tracked, and `delay()` inside a task, the child's `parentId` and the in-task
 * guards are off (`ctx.send` still works: the context is explicit).
 * @module
 */

/**
 * Sends through the running worker's own publisher (a loose shape here: the typed `Sender` is in
 * `task/sender.ts`, which this root module cannot import).
 */
export interface TaskSender {
  send(target: unknown, input?: unknown, options?: unknown): Promise<unknown>;
}

/** What the guards need to know about the running task. */
export interface CurrentTask {
  id: string;
  rootId: string;
  name: string;
  disableSyncSubtasks: boolean;
  /** The worker's sender: `task.delay()` inside the task sends through it. */
  sender?: TaskSender | undefined;
  /** What the task sent (Celery's `children`), as result ids; the sender adds to it. */
  children?: Set<unknown> | undefined;
}

/** The subset of `AsyncLocalStorage` used here. */
export interface ContextStorage {
  run<R>(store: CurrentTask, fn: () => R): R;
  getStore(): CurrentTask | undefined;
}

let storage: ContextStorage | undefined;

/** Install an `AsyncLocalStorage` (or compatible) so tasks are tracked across awaits. */
export function setContextStorage(s: ContextStorage | undefined): void {
  storage = s;
}

/** Run `fn` as part of `task`. */
export function runInTask<R>(task: CurrentTask, fn: () => R): R {
  return storage ? storage.run(task, fn) : fn();
}

/** The running task, when tracked. */
export function currentTask(): CurrentTask | undefined {
  return storage?.getStore();
}
