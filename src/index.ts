/**
 * celeriac: Celery's task model for the edge. Define named, typed tasks; serve them as one Hono
 * app; a QStash-compatible broker pushes each message with a signed request; results, claims,
 * locks and idempotency keys live in (Upstash) Redis.
 *
 * @example
 * import { task, createWorker } from "celeriac";
 * export const add = task({ name: "math_add", input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
 * @module
 */
export { task, matchesError } from "./task/task.ts";
export type { AnyTask, CacheOptions, ErrorMatcher, ResolvedTaskOptions, Task, TaskHandler, TaskHooks, TaskOptions } from "./task/task.ts";
export { isTask, Registry, toRegistry } from "./task/registry.ts";
export { ENVELOPE_VERSION, parseEnvelope, serializeEnvelope } from "./task/envelope.ts";
export type { Envelope } from "./task/envelope.ts";
export type { StandardSchemaV1 } from "./task/standard-schema.ts";

export { createWorker } from "./worker/create-worker.ts";
export type { Worker, WorkerOptions } from "./worker/create-worker.ts";
export { toResponse } from "./worker/to-response.ts";

export { createClient } from "./client/client.ts";
export type { Client, DirectClientOptions, HttpClientOptions } from "./client/client.ts";
export { AsyncResult } from "./result/async-result.ts";
export type { GetOptions, ResultSource } from "./result/async-result.ts";
export type { ResultView, ErrorView } from "./backend/result-view.ts";
export type { SendOptions } from "./task/send-options.ts";
export { currentSender, setCurrentSender } from "./task/sender.ts";
export type { Sender } from "./task/sender.ts";
export { Publisher } from "./publish/publisher.ts";

export type { Lock, LockOptions, RetryOptions, TaskContext, TaskRequest } from "./task/context.ts";
export { autoretryCountdown, exponentialBackoff } from "./execution/backoff.ts";
export { parseRate, toFlowControl } from "./publish/flow-control.ts";
export { consoleLogger, silentLogger, taskLogger } from "./util/logger.ts";
export type { Logger } from "./util/logger.ts";
export { setContextStorage } from "./current.ts";

export type { Backend, ClaimInput, ClaimResult, ExceptionInfo, TaskMeta } from "./backend/backend.ts";
export { MemoryBackend } from "./backend/memory.ts";
export { RedisBackend } from "./backend/redis/redis-backend.ts";
export type { Broker, BrokerSchedule, FlowControl, PublishRequest, PublishResult } from "./broker/broker.ts";
export type { Verifier } from "./verify/verifier.ts";
export { collectSchedules, isSchedule, schedule } from "./schedule/schedule.ts";
export type { MisfirePolicy, OverlapPolicy, Schedule, ScheduleOptions } from "./schedule/schedule.ts";
export { ScheduleRunner } from "./schedule/runner.ts";
export type { CronEvent } from "./schedule/runner.ts";
export type { FireResult } from "./schedule/fire.ts";
export { syncSchedules } from "./schedule/sync.ts";
export type { SyncReport } from "./schedule/sync.ts";
export { wranglerCrons } from "./schedule/cloudflare-crons.ts";
export { createQStashVerifier } from "./verify/qstash-verifier.ts";

export * from "./errors.ts";
export * as states from "./states.ts";
export type { State } from "./states.ts";
export type { Duration } from "./duration.ts";

export { ENV_VARIABLES, fromEnv, howToSet } from "./config/from-env.ts";
export type { EnvConfig, EnvSource, FromEnvOptions, ProvidedParts, RuntimeName } from "./config/from-env.ts";
export { configFromEnv } from "./config/env-config.ts";
export type { EnvParts } from "./config/env-config.ts";
export { OFFICIAL_PARTS } from "./config/from-env.ts";
export { SLIM_PARTS } from "./config/slim-parts.ts";
export { createRestRedis } from "./backend/redis/rest-redis.ts";
export { QStashBroker } from "./broker/qstash.ts";
export { type BrokerFetch, QStashFetchBroker } from "./broker/qstash-fetch.ts";
export { createJwtVerifier } from "./verify/jwt-verifier.ts";
