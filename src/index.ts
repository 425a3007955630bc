/**
 * celeriac: Celery's task model for the edge. Define named, typed tasks (`task`, `schedule`);
 * serve them as one Hono app (`createWorker`, or a runtime adapter: `celeriac/cloudflare`,
 * `celeriac/deno`, `celeriac/node`); send them and read their results (`createClient`,
 * `AsyncResult`); steer them with Celery's control-flow errors (`Retry`, `Reject`, `Ignore`).
 * A QStash-compatible broker pushes each message with a signed request; results, claims, locks
 * and idempotency keys live in (Upstash) Redis.
 *
 * The rest lives on subpaths named for what they are: `celeriac/errors` (every error class),
 * `celeriac/redis` and `celeriac/qstash` (the production clients), `celeriac/broker` (the local
 * QStash-compatible broker), `celeriac/config` (the environment and the parts built from it),
 * `celeriac/schedules` (schedule engines), `celeriac/canvas` (chain, group, chord), `celeriac/redis-bridge` (Node), `celeriac/testing`.
 *
 * @example
 * import { task } from "celeriac";
 * import * as z from "zod";
 * export const add = task({ name: "math_add", input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
 * @module
 */

// define
export { task } from "./task/task.ts";
export type { AnyTask, CacheOptions, ErrorMatcher, ResolvedTaskOptions, Task, TaskDefaults, TaskHandler, TaskHooks, TaskOptions, TasksByName } from "./task/task.ts";
export type { Lock, LockOptions, Register, RetryOptions, SendFromTask, TaskContext, TaskRequest } from "./task/context.ts";
export type { StandardSchemaV1 } from "./task/standard-schema.ts";
export { queue } from "./task/queue.ts";
export type { Queue, QueueOptions } from "./task/queue.ts";
export { schedule } from "./schedule/schedule.ts";
export type { MisfirePolicy, OverlapPolicy, Schedule, ScheduleOptions } from "./schedule/schedule.ts";

// canvas: chain, group, chord and signature() are in celeriac/canvas
export type { Canvas, Signature } from "./canvas/signature.ts";
export type { SignatureCallOptions } from "./task/task.ts";

// serve
export { createWorker } from "./worker/create-worker.ts";
export type { Worker, WorkerOptions } from "./worker/create-worker.ts";
export { fromEnv } from "./config/from-env.ts";
export type { EnvConfig, EnvSource, FromEnvOptions, RuntimeName } from "./config/from-env.ts";
export type { Backend, ClaimInput, ClaimResult, ExceptionInfo, TaskMeta } from "./backend/backend.ts";
export type { Broker, BrokerSchedule, FlowControl, PublishRequest, PublishResult } from "./broker/broker.ts";
export type { Verifier, VerifyInput } from "./verify/verifier.ts";
export type { Logger } from "./util/logger.ts";
export type { Timers } from "./execution/time-limit.ts";
export type { Duration } from "./duration.ts";

// send, results
export { createClient } from "./client/client.ts";
export type { Client, DirectClientOptions, EagerClientOptions, HttpClientOptions } from "./client/client.ts";
export type { SendOptions } from "./task/send-options.ts";
export { taskManifest } from "./publish/manifest.ts";
export type { ManifestEntry, TaskManifest } from "./publish/manifest.ts";
export { AsyncResult } from "./result/async-result.ts";
export type { GetOptions, ResultSource } from "./result/async-result.ts";
export type { CanvasResult, GroupResult } from "./result/group-result.ts";
export type { ErrorView, ResultView } from "./backend/result-view.ts";

// states
export * as states from "./states.ts";
export type { State } from "./states.ts";

// errors a task throws or a caller catches (every error class: celeriac/errors)
export {
  CeleriacError,
  Ignore,
  LockNotAcquiredError,
  MaxRetriesExceededError,
  Reject,
  ResultTimeoutError,
  Retry,
  SendOptionError,
  SoftTimeLimitExceeded,
  TaskError,
} from "./errors.ts";
