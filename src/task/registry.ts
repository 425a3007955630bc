/**
 * The task registry: names to tasks. Duplicate names are refused; unknown names answer
 * `NotRegistered`.
 * @module
 */
import { ConfigError, NotRegistered } from "../errors.ts";
import type { AnyTask } from "./task.ts";

/** Tasks by name. */
export class Registry {
  readonly #tasks = new Map<string, AnyTask>();

  constructor(tasks: Iterable<AnyTask> = []) {
    for (const t of tasks) this.add(t);
  }

  /** Register a task; a second task with the same name is refused. */
  add(task: AnyTask): void {
    const existing = this.#tasks.get(task.name);
    if (existing && existing !== task) {
      throw new ConfigError(`Two different tasks are named "${task.name}"; task names must be unique. Rename one (prefix names by module or purpose).`);
    }
    this.#tasks.set(task.name, task);
  }

  /** The task named `name`, or throws `NotRegistered`. */
  get(name: string): AnyTask {
    const t = this.#tasks.get(name);
    if (!t) throw new NotRegistered(name, this.names());
    return t;
  }

  /** The task named `name`, or undefined. */
  find(name: string): AnyTask | undefined {
    return this.#tasks.get(name);
  }

  names(): string[] {
    return [...this.#tasks.keys()].sort();
  }

  [Symbol.iterator](): IterableIterator<AnyTask> {
    return this.#tasks.values();
  }
}

/** Build a registry from an array, a record of tasks (a module namespace), or a registry. */
export function toRegistry(tasks: Registry | Iterable<AnyTask> | Record<string, unknown>): Registry {
  if (tasks instanceof Registry) return tasks;
  if (Symbol.iterator in (tasks as object)) return new Registry(tasks as Iterable<AnyTask>);
  return new Registry(Object.values(tasks).filter(isTask));
}

/** True for a value made by `task()`. */
export function isTask(value: unknown): value is AnyTask {
  return typeof value === "object" && value !== null && typeof (value as AnyTask).handler === "function" &&
    typeof (value as AnyTask).name === "string" && "options" in value;
}
