/**
 * Shared fixtures of the Redis REST bridge tests: the suite's private redis-server (the global
 * setup's), random key prefixes with cleanup, and a bridge served on a random port that counts
 * the HTTP requests it receives per path.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll } from "vitest";
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import { createRedisRestBridge, type RedisRestBridge } from "../../../src/node/redis-bridge/bridge.ts";
import { startRedisRestBridge, type StartRedisRestBridgeOptions, type StartedRedisRestBridge } from "../../../src/node/redis-bridge/server.ts";
import { waitFor } from "../../support/wait.ts";
import { connectDirect, deleteByPrefix, type NodeRedis, REDIS_URL } from "../../backend/redis-env.ts";

export { randomPrefix as keyPrefix, REDIS_URL, requireRedis } from "../../backend/redis-env.ts";

/** Deletes every key under `prefix` (SCAN, not KEYS). */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = await connectDirect();
  try {
    await deleteByPrefix(client, prefix);
  } finally {
    await client.close();
  }
}

/** A bridge on 127.0.0.1:<random port> that counts requests per path. */
export interface TestBridge {
  url: string;
  token: string;
  bridge: RedisRestBridge;
  /** HTTP requests received, by path (`/`, `/pipeline`, `/multi-exec`, …). */
  requests: Map<string, number>;
  /** An official client pointed at the bridge; options are passed through. */
  client(options?: Partial<RedisConfigNodejs>): Redis;
  /** A raw authenticated POST; resolves with the status and the parsed JSON body. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startTestBridge(redisUrl = REDIS_URL, extra: { maxReconnectDelayMs?: number } = {}): Promise<TestBridge> {
  const token = randomBytes(12).toString("hex");
  const bridge = createRedisRestBridge({ redisUrl, token, ...extra });
  const requests = new Map<string, number>();
  const server = await new Promise<Server>((resolve) => {
    const s = serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request: Request) => {
        const path = new URL(request.url).pathname;
        requests.set(path, (requests.get(path) ?? 0) + 1);
        return bridge.fetch(request);
      },
    }) as Server;
    s.once("listening", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token,
    bridge,
    requests,
    client: (options = {}) =>
      new Redis({ url, token, enableTelemetry: false, retry: { retries: 0 }, ...options }),
    post: async (path, body, headers = {}) => {
      const res = await fetch(url + path, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) };
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bridge.close();
    },
  };
}

/** Polls `check` until it returns true; fails after `timeoutMs`. For conditions the test cannot await directly. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  await waitFor(check, { timeoutMs, what, intervalMs: 20 });
}

/**
 * The usual fixture of a bridge test file: one bridge over the real Redis for the whole file
 * (when Redis answers), closed afterwards with the file's keys deleted. `use` receives it.
 */
export function useTestBridge(hasRedis: boolean, prefix: string, use: (server: TestBridge) => void): void {
  let server: TestBridge;
  beforeAll(async () => {
    if (!hasRedis) return;
    server = await startTestBridge();
    await server.bridge.waitUntilReady();
    use(server);
  });
  afterAll(async () => {
    if (!hasRedis) return;
    await server.close();
    await deleteKeys(prefix);
  });
}

/**
 * The fixture of the pub/sub test files: a bridge started as `celeriac redis-bridge` starts it
 * (`startRedisRestBridge`, whose `close()` also ends open SSE streams) and a direct node-redis
 * connection, for the whole file (when Redis answers). `use` receives both.
 */
export function useStartedBridge(
  hasRedis: boolean,
  options: Partial<StartRedisRestBridgeOptions>,
  use: (started: { server: StartedRedisRestBridge; direct: NodeRedis }) => void,
): void {
  let server: StartedRedisRestBridge;
  let direct: NodeRedis;
  beforeAll(async () => {
    if (!hasRedis) return;
    server = await startRedisRestBridge({ redisUrl: REDIS_URL, port: 0, ...options });
    await server.bridge.waitUntilReady();
    direct = await connectDirect();
    use({ server, direct });
  });
  afterAll(async () => {
    if (!hasRedis) return;
    await server.close();
    await direct.close();
  });
}
