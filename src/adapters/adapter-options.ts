/**
 * What the runtime adapters share: their options (the tasks, plus any worker option to override
 * what the environment gives) and the one function that turns an environment into a worker.
 * Runtime-neutral: the adapters pass their environment in.
 * @module
 */
import { configFromEnv, type EnvParts, type EnvSource, type ProvidedParts, type RuntimeName } from "../config/env-config.ts";
import { createWorker, type Worker, type WorkerOptions } from "../worker/create-worker.ts";

/** Every property of `T` optional, `undefined` allowed (so `exactOptionalPropertyTypes` users may pass a maybe-undefined value). */
type OptionalParts<T> = { [K in keyof T]?: T[K] | undefined };

/**
 * Options of every adapter: `tasks`, and optionally any other worker option. A part given here
 * (say `backend`) wins over the environment, and its variables are then not required.
 */
export interface AdapterOptions extends OptionalParts<Omit<WorkerOptions, "tasks">> {
  /** The tasks to serve: an array, a module namespace (`import * as tasks`), or a registry. */
  tasks: WorkerOptions["tasks"];
}

/**
 * Build the worker from `env` with `configFromEnv` and the runtime's part factories (`parts`),
 * letting `options` override any part. Each adapter passes its own parts, so a bundle holds only
 * the clients its runtime uses.
 */
export function workerFromEnv(options: AdapterOptions, env: EnvSource, runtime: RuntimeName, parts: EnvParts): Worker {
  const overrides = Object.fromEntries(Object.entries(options).filter(([k, v]) => k !== "tasks" && v !== undefined)) as Partial<WorkerOptions>;
  const config = configFromEnv(env, { runtime, provided: overrides as ProvidedParts }, parts);
  return createWorker({ ...config, ...overrides, tasks: options.tasks });
}
