/**
 * Vitest global setup: one private redis-server for the whole run (test/support/redis-server.ts),
 * so `npm test` never touches a Redis it did not start (a user's on 6379 stays as it was). Its URL
 * reaches the tests as the env `CELERIAC_TEST_REDIS_URL` (inherited by test workers and the
 * processes they spawn) and as `inject("redisUrl")`; test/support/test-redis.ts reads it.
 */
import type { TestProject } from "vitest/node";
import { startRedisServer } from "./redis-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedisServer();
  process.env.CELERIAC_TEST_REDIS_URL = server.url;
  project.provide("redisUrl", server.url);
  return async () => {
    await server.stop();
  };
}
