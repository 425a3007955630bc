/**
 * BullMQ's Redis connection for the benchmark. BullMQ 6 drives Redis through ioredis, node-redis
 * or others; ioredis is not installed here, so BullMQ gets its node-redis adapter
 * (`createNodeRedisClient`) on the same redis-server and database as every other system.
 * @module
 */
import { createNodeRedisClient, RedisConnection } from "bullmq";
import { createClient } from "redis";

/** Route every BullMQ connection of this process to `redisUrl` through node-redis. */
export function useNodeRedis(redisUrl: string): { host: string; port: number; db: number } {
  const url = new URL(redisUrl);
  RedisConnection.clientFactory = () => createNodeRedisClient(createClient({ url: redisUrl }));
  return { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) };
}

/** The queue name used by the benchmark. */
export const QUEUE = "celeriac-bench";
