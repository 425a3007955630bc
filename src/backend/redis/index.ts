/**
 * celeriac/redis: the production result backend. `RedisBackend` keeps results (Celery's layout,
 * readable by a Python Celery client), claims, locks, revokes and idempotency keys in Redis over
 * `@upstash/redis`, or over `createRestRedis`, a fetch-only REST client for small bundles; every
 * billed command is counted in `backend.commands` (`CommandCounter`).
 *
 * @example
 * import { Redis } from "@upstash/redis";
 * import { RedisBackend } from "celeriac/redis";
 * const backend = new RedisBackend({ redis: Redis.fromEnv(), resultExpiresMs: 86_400_000 });
 * @module
 */
export { RedisBackend } from "./redis-backend.ts";
export type { BackendRedis, RedisBackendOptions } from "./redis-backend.ts";
export { createRestRedis } from "./rest-redis.ts";
export type { RestRedisOptions } from "./rest-redis.ts";
export { CommandCounter } from "./command-counter.ts";
export type { CommandCounts } from "./command-counter.ts";
