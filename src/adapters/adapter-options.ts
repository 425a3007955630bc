/**
 * What the runtime adapters share: their options (the tasks, plus any worker option to override
 * what the environment gives) and the one function that turns an environment into a worker.
 * Runtime-neutral: the adapters pass their environment in.
 * @module
 */
import { type EnvSource, fromEnv, type ProvidedParts, type RuntimeName } from "../config.ts";
import { createWorker, type Worker, type WorkerOptions } from "../worker/create-worker.ts";

/**
 * Options of every adapter: `tasks`, and optionally any other worker option. A part given here
 * (say `backend`) wins over the environment, and its variables are then not required.
 */
export interface AdapterOptions extends Partial<Omit<WorkerOptions, "tasks">> {
  /** The tasks to serve: an array, a module namespace (`import * as tasks`), or a registry. */
  tasks: WorkerOptions["tasks"];
}

/** Build the worker from `env` with `fromEnv`, letting `options` override any part. */
export function workerFromEnv(options: AdapterOptions, env: EnvSource, runtime: RuntimeName): Worker {
  const overrides = Object.fromEntries(Object.entries(options).filter(([k, v]) => k !== "tasks" && v !== undefined)) as Partial<WorkerOptions>;
  const config = fromEnv(env, { runtime, provided: overrides as ProvidedParts });
  return createWorker({ ...config, ...overrides, tasks: options.tasks });
}
