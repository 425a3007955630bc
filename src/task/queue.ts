/**
 * `queue()`: a named queue and its parallelism, declared in code (Celery's `worker -Q critical -c 4`).
 * Messages of a task whose `queue` is not `"default"` go through the broker queue of that name
 * (QStash `POST /v2/enqueue/<queue>/…`: FIFO, at most `parallelism` deliveries in flight);
 * `celeriac queues sync` (and `celeriac dev` at start) makes the broker's queues match these
 * declarations. Priority has no QStash equivalent: use a separate queue with more parallelism.
 * @module
 */
import { ConfigError } from "../errors.ts";
import { QUEUE_NAME } from "./send-options.ts";

/** A declared queue. */
export interface Queue {
  readonly kind: "celeriac.queue";
  readonly name: string;
  /** Deliveries in flight at once. */
  readonly parallelism: number;
  /** A paused queue accepts messages and delivers none. */
  readonly paused: boolean;
}

/** Options of {@link queue}. */
export interface QueueOptions {
  /** Letters, digits, `-`, `_` and `.` (QStash's rule); not `"default"`, the plain publish. */
  name: string;
  /** Deliveries in flight at once. Default 1 (strict FIFO). */
  parallelism?: number | undefined;
  /** Keep messages without delivering them. Default false. */
  paused?: boolean | undefined;
}

/**
 * Declare a queue; pass it (or its name) as a task's `queue`, and export it beside your tasks so
 * `celeriac queues sync` finds it.
 * @example
 * export const critical = queue({ name: "critical", parallelism: 4 });
 * export const charge = task({ name: "billing_charge", queue: critical, input }, handler);
 */
export function queue(options: QueueOptions): Queue {
  const { name, parallelism = 1, paused = false } = options ?? ({} as QueueOptions);
  if (typeof name !== "string" || !QUEUE_NAME.test(name) || name === "default") {
    throw new ConfigError(`queue() needs a name of letters, digits, "-", "_" and "." other than "default" (got ${JSON.stringify(name)}).`);
  }
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new ConfigError(`queue "${name}": parallelism must be a whole number of deliveries in flight, at least 1 (got ${parallelism}).`);
  }
  return Object.freeze({ kind: "celeriac.queue", name, parallelism, paused: paused === true });
}

/** True for a value made by `queue()`. */
export function isQueue(value: unknown): value is Queue {
  return typeof value === "object" && value !== null && (value as Queue).kind === "celeriac.queue";
}
