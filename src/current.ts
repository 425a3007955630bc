/**
 * Which task (if any) the running code belongs to. Runtimes with `AsyncLocalStorage` install it
 * with `setContextStorage` (the Node and Deno adapters and the dev server do); without it, nothing
 * is tracked and the in-task guards are off.
 * @module
 */

/** What the guards need to know about the running task. */
export interface CurrentTask {
  id: string;
  rootId: string;
  name: string;
  disableSyncSubtasks: boolean;
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
