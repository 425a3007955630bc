/**
 * `createWorker()`: the one Hono app serving a set of tasks — broker deliveries, the publish and
 * results API, and a health check. Runtime adapters only turn their environment into these options.
 * @module
 */
import { discardBody } from "../util/discard-body.ts";
import { Hono } from "hono/tiny";
import type { Backend } from "../backend/backend.ts";
import type { Broker } from "../broker/broker.ts";
import { Publisher } from "../publish/publisher.ts";
import { ConfigError } from "../errors.ts";
import { type Duration, toMs } from "../duration.ts";
import { consoleLogger, type Logger } from "../util/logger.ts";
import type { WorkerRuntime } from "../execution/runtime.ts";
import { realTimers, type Timers } from "../execution/time-limit.ts";
import { createWorkerSender } from "../execution/worker-sender.ts";
import { Registry, toRegistry } from "../task/registry.ts";
import { type AnyTask, type TaskDefaults, withWorkerDefaults } from "../task/task.ts";
import type { Verifier } from "../verify/verifier.ts";
import { createApi } from "./api.ts";
import { deliverHandler } from "./deliver.ts";
import { failureCallbackHandler } from "./failure-callback.ts";
import type { Schedule } from "../schedule/schedule.ts";
import type { ScheduleRunner } from "../schedule/runner.ts";
import { guardRegistry, mountSchedules, workerSchedules } from "./worker-schedules.ts";
import { UnfinishedAttempts } from "../execution/unfinished.ts";

export interface WorkerOptions {
  /** The tasks this worker runs: an array, a module namespace (`import * as tasks`), or a registry. */
  tasks: Registry | Iterable<AnyTask> | Record<string, unknown>;
  backend: Backend;
  /** Publishes retries and API sends. */
  broker: Broker;
  /** Checks that deliveries come from the broker. */
  verifier: Verifier;
  /** The worker's public base URL (`CELERIAC_URL`): where the broker delivers, and the signature's URL. */
  publicUrl: string;
  /** Bearer token of the publish/results API (`CELERIAC_API_TOKEN`). Without it the API is off. */
  apiToken?: string | undefined;
  /** How long results live. Default 1 day (Celery's `result_expires`). */
  resultExpires?: Duration | undefined;
  /** Largest accepted body. Default 1 MiB (QStash's message limit). */
  maxBodyBytes?: number | undefined;
  /** Shown in `ctx.request.hostname` and STARTED metas. Default `"celeriac"`. */
  hostname?: string | undefined;
  /** Where the worker and its tasks log (`ctx.log`). Default `consoleLogger("info")`. */
  logger?: Logger | undefined;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: (() => number) | undefined;
  /** Randomness for jitter. Default `Math.random`. */
  random?: (() => number) | undefined;
  /** `setTimeout`/`clearTimeout` for the time limits (a virtual clock in tests). Default the global ones. */
  timers?: Timers | undefined;
  /**
   * How long a duplicate delivery waits for the running one before answering 429 + Retry-After.
   * Never longer than half the delivery timeout the broker was given. Default 10 s.
   */
  duplicateWait?: Duration | undefined;
  /**
   * An attempt's lease: how long a running attempt counts as alive after its last heartbeat
   * (renewed every third of it, 3 billed Redis commands a beat). A redelivery that finds the
   * lease over records `WorkerLostError` (ack early) or runs the task again (`acksLate`).
   * Default 30 s.
   */
  lease?: Duration | undefined;
  /**
   * Defaults for the options a task leaves out (Celery's `task_ignore_result`, `task_acks_late`, …):
   * a send's own option wins, then the task's, then these, then Celery's defaults.
   */
  taskDefaults?: TaskDefaults | undefined;
  /** Cron schedules (`schedule()`) this worker fires and guards. Default: those exported beside the tasks when `tasks` is a module namespace. */
  schedules?: Iterable<Schedule> | undefined;
  /** The operations dashboard, `dashboard()` from `celeriac/dashboard`. Default none (and none of its code in the bundle). */
  dashboard?: WorkerExtension | undefined;
}

/** What an extension of the worker app gets: the worker's runtime and ports. */
export interface WorkerExtensionContext {
  rt: WorkerRuntime;
  broker: Broker;
  apiToken: string | undefined;
  publicUrl: string;
  schedules: ScheduleRunner | undefined;
}

/** Routes added to the worker app by an optional part (the dashboard), so the core never imports it. */
export interface WorkerExtension {
  mount(app: Hono, context: WorkerExtensionContext): void;
}

/** A worker: the Hono app plus the runtime, for adapters and tests. */
export interface Worker {
  app: Hono;
  fetch: Hono["fetch"];
  runtime: WorkerRuntime;
  /** The schedules and their engine entry points (`onCron`, `fire`); undefined without schedules. */
  schedules: ScheduleRunner | undefined;
}

/** Build the worker app. */
export function createWorker(options: WorkerOptions): Worker {
  for (const key of ["backend", "broker", "verifier", "publicUrl"] as const) {
    if (!options[key]) throw new ConfigError(`createWorker() needs \`${key}\`.`);
  }
  const resultExpiresMs = toMs(options.resultExpires ?? 86_400);
  if (!(resultExpiresMs > 0)) throw new ConfigError("resultExpires must be greater than 0: results without a TTL leak forever.");
  const schedules = workerSchedules(options.schedules, options.tasks);
  const registry = guardRegistry(withDefaults(toRegistry(options.tasks), options.taskDefaults), schedules, () => rt);
  const now = options.now ?? Date.now;
  const publisher = new Publisher({ broker: options.broker, backend: options.backend, workerUrl: options.publicUrl, registry, now });
  const leaseMs = toMs(options.lease ?? 30);
  if (!(leaseMs >= 1000)) throw new ConfigError(`lease must be at least 1 s (got ${String(options.lease)}): a running attempt renews it every third of it.`);
  const rt: WorkerRuntime = {
    registry,
    backend: options.backend,
    publisher,
    sender: createWorkerSender({ publisher, registry, backend: options.backend, broker: options.broker, resultExpiresMs, now }),
    now,
    random: options.random ?? Math.random,
    hostname: options.hostname ?? "celeriac",
    resultExpiresMs,
    logger: options.logger ?? consoleLogger(),
    timers: options.timers ?? realTimers,
    leaseMs,
    heartbeatMs: Math.max(1, Math.floor(leaseMs / 3)),
    duplicateWaitMs: toMs(options.duplicateWait ?? 10),
    inflight: new Map(),
    unfinished: new UnfinishedAttempts(),
  };
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const app = new Hono();
  // A request answered before its body was read (a wrong API token) has the rest dropped, so the client gets the answer.
  app.use("*", async (c, next) => {
    await next();
    await discardBody(c.req.raw, maxBodyBytes * 16);
  });
  app.post("/tasks/:name", deliverHandler({ rt, verifier: options.verifier, maxBodyBytes }));
  app.post("/tasks/:name/failed", failureCallbackHandler({ rt, verifier: options.verifier, maxBodyBytes }));
  app.route("/api", createApi({ rt, broker: options.broker, apiToken: options.apiToken, maxBodyBytes }));
  const scheduleRunner = mountSchedules(app, rt, schedules, { broker: options.broker, verifier: options.verifier, publicUrl: options.publicUrl, maxBodyBytes });
  options.dashboard?.mount(app, { rt, broker: options.broker, apiToken: options.apiToken, publicUrl: options.publicUrl, schedules: scheduleRunner });
  app.get("/healthz", (c) => c.json({ ok: true, backend: options.backend.kind, tasks: registry.names().length }));
  app.notFound((c) => c.json({ error: `No route for ${c.req.method} ${c.req.path}: deliveries go to POST /tasks/<name>, the API is under /api.`, code: "NoRoute" }, 404));
  app.onError((error, c) => {
    rt.logger.error(`Unhandled error on ${c.req.method} ${c.req.path}: ${error.stack ?? error}`);
    return c.json({ error: `Internal error: ${error.message}. The request can be retried.` }, 500);
  });
  return { app, fetch: app.fetch, runtime: rt, schedules: scheduleRunner };
}

/** The registry with `defaults` applied to each task (the same registry without defaults). */
function withDefaults(registry: Registry, defaults: TaskDefaults | undefined): Registry {
  return defaults ? new Registry([...registry].map((t) => withWorkerDefaults(t, defaults))) : registry;
}
