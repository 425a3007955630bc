/**
 * Redis for broker tests: reachable or (in CI) a failure, a random prefix per file, cleanup.
 */
import { createClient } from "redis";
import { TEST_REDIS_URL } from "../../support/test-redis.ts";

/** The suite's private redis-server (started by the global setup on a free port). */
export const REDIS_URL = TEST_REDIS_URL;

/** True when Redis answers; throws in CI when it does not (tests must fail, not skip). */
export async function redisAvailable(): Promise<boolean> {
  const c = createClient({ url: REDIS_URL, RESP: 2, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  c.on("error", () => {});
  try {
    await c.connect();
    await c.ping();
    await c.close();
    return true;
  } catch {
    if (process.env.CI) throw new Error(`CI is set but no Redis answers at ${REDIS_URL}: start redis-server before the tests.`);
    return false;
  }
}

export const randomPrefix = (name: string): string => `celeriac-test:${name}:${Math.random().toString(36).slice(2, 10)}:`;

/** Delete every key under `prefix`. */
export async function cleanup(prefix: string): Promise<void> {
  const c = createClient({ url: REDIS_URL, RESP: 2 });
  c.on("error", () => {});
  await c.connect();
  for await (const keys of c.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    if (keys.length) await c.del(keys);
  }
  await c.close();
}
