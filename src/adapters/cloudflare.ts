/**
 * celeriac/cloudflare, the Cloudflare Workers adapter: `export default createCloudflareWorker({ tasks })` is a complete
 * Worker. The worker app is built once per isolate, on the first event, from the `env` bindings
 * (`[vars]` and secrets) as `fromEnv` does; a missing variable answers 500 with the list of what
 * to set. Cron triggers publish the worker's due schedules.
 *
 * Slim by default: the parts built from `env` use the fetch-only clients (`SLIM_PARTS`: REST
 * Redis, `QStashFetchBroker`, the Web Crypto JWT verifier), so the bundle holds neither
 * `@upstash/redis` nor `@upstash/qstash`; pass `envParts: OFFICIAL_PARTS` for the official ones.
 *
 * The running task is tracked with `AsyncLocalStorage` from `node:async_hooks`, so `delay()`
 * inside a task sends through the worker and sets the child's `parentId`, and `get()` inside a
 * task raises `SyncSubtaskError`: the Worker needs the `nodejs_als` (or `nodejs_compat`)
 * compatibility flag in wrangler.toml.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { EnvParts, EnvSource } from "../config/env-config.ts";
import { SLIM_PARTS } from "../config/slim-parts.ts";
import { ConfigError } from "../errors.ts";
import { type ContextStorage, setContextStorage } from "../current.ts";
import type { Worker } from "../worker/create-worker.ts";
import { type AdapterOptions, workerFromEnv } from "./adapter-options.ts";

/** The parts of the Workers `ExecutionContext` used here. */
export interface WorkersContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

/** A cron trigger's event (`[triggers] crons` in wrangler.toml). */
export interface WorkersScheduledEvent {
  /** The cron expression that fired. */
  cron: string;
  /** When it was scheduled to fire (epoch ms). */
  scheduledTime: number;
}

/** Called for each cron trigger with the worker built from `env`. */
export type ScheduledHandler = (event: WorkersScheduledEvent, env: Record<string, unknown>, ctx: WorkersContext, worker: Worker) => void | Promise<void>;

/** Options of {@link createCloudflareWorker}. */
export interface CloudflareWorkerOptions extends AdapterOptions {
  /**
   * Runs on each cron trigger (`[triggers] crons` in wrangler.toml). Default: publish the
   * worker's schedules due at the event's time (`worker.schedules.onCron(event)`; nothing when
   * the worker has no schedules). Given, it replaces the default (call
   * `worker.schedules?.onCron(event)` yourself to keep it).
   */
  onScheduled?: ScheduledHandler | undefined;
  /**
   * What tracks the running task (sends from inside a task, the in-task guards such as "never
   * call `result.get()` inside a task"). Default: `new AsyncLocalStorage()` from
   * `node:async_hooks` (the `nodejs_als` or `nodejs_compat` compatibility flag).
   */
  contextStorage?: ContextStorage | undefined;
  /**
   * How the backend, broker and verifier are built from `env`. Default `SLIM_PARTS` (fetch-only
   * clients, the smallest bundle); `OFFICIAL_PARTS` (from `celeriac/config`) uses
   * `@upstash/redis` and `@upstash/qstash`, about 35 KB gzip more.
   */
  envParts?: EnvParts | undefined;
}

/** The Worker's module entry shape. */
export interface CloudflareWorker {
  fetch(request: Request, env: Record<string, unknown>, ctx: WorkersContext): Promise<Response>;
  scheduled(event: WorkersScheduledEvent, env: Record<string, unknown>, ctx: WorkersContext): Promise<void>;
}

/**
 * A Workers module entry serving `tasks`.
 * @example
 * // functions/worker.ts
 * import { createCloudflareWorker } from "celeriac/cloudflare";
 * import * as tasks from "./index.ts";
 * export default createCloudflareWorker({ tasks });
 */
export function createCloudflareWorker(options: CloudflareWorkerOptions): CloudflareWorker {
  const { onScheduled, contextStorage, envParts = SLIM_PARTS, ...workerOptions } = options;
  let worker: Worker | undefined;
  const build = (env: Record<string, unknown>): Worker => {
    if (!worker) {
      setContextStorage(contextStorage ?? new AsyncLocalStorage());
      worker = workerFromEnv(workerOptions, env as EnvSource, "cloudflare", envParts);
    }
    return worker;
  };
  return {
    async fetch(request, env, ctx) {
      let w: Worker;
      try {
        w = build(env);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(err.message);
        return Response.json({ error: err.message }, { status: 500 });
      }
      return await w.app.fetch(request, env, ctx as Parameters<Worker["app"]["fetch"]>[2]);
    },
    async scheduled(event, env, ctx) {
      const w = build(env);
      if (onScheduled) await onScheduled(event, env, ctx, w);
      else await w.schedules?.onCron(event);
    },
  };
}
