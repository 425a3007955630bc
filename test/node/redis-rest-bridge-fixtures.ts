/**
 * Shared fixtures of the Redis REST bridge tests: the real Redis on 127.0.0.1:6379 (required when
 * CI is set), random key prefixes with cleanup, and a bridge served on a random port that counts
 * the HTTP requests it receives per path.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { serve } from "@hono/node-server";
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import { createClient } from "redis";
import { createRedisRestBridge, type RedisRestBridge } from "../../src/node/redis-rest-bridge.ts";
import { waitFor } from "../support/wait.ts";

export const REDIS_URL = "redis://127.0.0.1:6379";

/** True when a Redis answers on 127.0.0.1:6379. With CI set, a missing Redis is an error, not a skip. */
export async function requireRedis(): Promise<boolean> {
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: 6379 });
    socket.setTimeout(1000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
  if (!reachable && process.env.CI) {
    throw new Error("CI is set but no Redis answers on 127.0.0.1:6379: the Redis REST bridge tests need a real redis-server.");
  }
  return reachable;
}

/** A fresh key prefix for one test file. */
export function keyPrefix(area: string): string {
  return `test:${area}:${randomBytes(6).toString("hex")}:`;
}

/** Deletes every key under `prefix` (SCAN, not KEYS). */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length) await client.del(keys);
    }
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
