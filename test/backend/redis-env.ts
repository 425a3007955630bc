/**
 * Test plumbing for the Redis backend tests: is Redis reachable (fail in CI when not), the
 * REST bridge in front of it, an unmodified `@upstash/redis` client, a private redis-server for
 * tests that need the whole server to themselves (INFO commandstats, SCRIPT FLUSH), and key
 * cleanup by prefix.
 */
import { Redis } from "@upstash/redis";
import { createClient } from "redis";
import { startRedisRestBridge, type StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { waitFor } from "../support/wait.ts";
import { findRedisServer, startRedisServer } from "../support/redis-server.ts";
import { TEST_REDIS_URL } from "../support/test-redis.ts";

/** The suite's private redis-server (started by the global setup on a free port). */
export const REDIS_URL = TEST_REDIS_URL;
export const IN_CI = Boolean(process.env.CI);

const createDirect = (url: string) => createClient({ url, RESP: 2, socket: { connectTimeout: 2000, reconnectStrategy: false } });
export type NodeRedis = ReturnType<typeof createDirect>;

/** A connected node-redis client (RESP2), for looking at what Redis really holds. */
export async function connectDirect(url = REDIS_URL): Promise<NodeRedis> {
  const client = createDirect(url);
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** True when a Redis answers PING at `url`. */
export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  try {
    const c = await connectDirect(url);
    await c.ping();
    await c.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the Redis tests can run here. In CI a missing Redis is an error (the tests must fail,
 * not skip); elsewhere the tests skip.
 */
export async function requireRedis(url = REDIS_URL): Promise<boolean> {
  const up = await redisReachable(url);
  if (!up && IN_CI) throw new Error(`CI is set but no Redis answers at ${url}: start redis-server before the tests.`);
  return up;
}

/** A random key prefix for one test file. */
export const randomPrefix = (label: string) => `celeriac-test-${label}-${crypto.randomUUID().slice(0, 8)}:`;

/** Start the REST bridge in front of `redisUrl` on a random loopback port. */
export async function startBridge(redisUrl = REDIS_URL): Promise<StartedRedisRestBridge> {
  const bridge = await startRedisRestBridge({ redisUrl, port: 0, host: "127.0.0.1" });
  await bridge.bridge.waitUntilReady();
  return bridge;
}

/** An unmodified `@upstash/redis` client talking to the bridge. */
export function upstashClient(bridge: StartedRedisRestBridge, options: { automaticDeserialization?: boolean } = {}): Redis {
  return new Redis({ url: bridge.url, token: bridge.token, enableTelemetry: false, retry: { retries: 0 }, ...options });
}

/** Delete every key under `prefix` (SCAN, not KEYS). */
export async function deleteByPrefix(client: NodeRedis, prefix: string): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${escapeGlob(prefix)}*`, COUNT: 500 })) {
    if (keys.length) await client.del(keys);
  }
}

/** All keys under `prefix`. */
export async function keysByPrefix(client: NodeRedis, prefix: string): Promise<string[]> {
  const all: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: `${escapeGlob(prefix)}*`, COUNT: 500 })) all.push(...keys);
  return all;
}

const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, "\\$&");

/** Retry `check` until it passes or `timeoutMs` runs out (waiting on an observable condition). */
export async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await check(), true), { timeoutMs, what: "the check to pass" });
}

/** A private redis-server on a free loopback port, for tests that need the server to themselves. */
export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
}

export const REDIS_SERVER_BIN = findRedisServer();

/** Start another private `redis-server` (no persistence, own temp dir) on a free port; resolves once it answers PING. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const { url, stop } = await startRedisServer();
  return { url, stop };
}
