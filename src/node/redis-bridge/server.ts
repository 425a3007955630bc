/**
 * Serves the Redis REST bridge over HTTP with `@hono/node-server`, in-process: used by
 * `celeriac redis-bridge`, `celeriac dev --redis …`, the backend tests and the benchmark.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import { listenHttp } from "../http/listen.ts";
import type { ServerLimits } from "../http/server-limits.ts";
import { redisUnreachable } from "../redis-unreachable.ts";
import { createRedisRestBridge, type RedisRestBridge, type RedisRestBridgeOptions } from "./bridge.ts";

/** Options of {@link startRedisRestBridge}. */
export interface StartRedisRestBridgeOptions extends Omit<RedisRestBridgeOptions, "token"> {
  /** TCP port; `0` picks a free one. Default 8079. */
  port?: number | undefined;
  /** Interface to listen on. Default `127.0.0.1` (loopback only). */
  host?: string | undefined;
  /** The bearer token clients must send. Default: a random 32-character token (see `token` on the result). */
  token?: string | undefined;
  /**
   * Before listening, wait this long for Redis to answer, and reject with a `BackendError` naming
   * the URL at the first failed attempt (what the CLI does). Default: listen at once, and answer
   * 503 until Redis is reachable.
   */
  waitForRedisMs?: number | undefined;
  /** Slow-client and connection limits of the HTTP server (headers, request, keep-alive timeouts; max connections). Default: `DEFAULT_SERVER_LIMITS`. */
  serverLimits?: ServerLimits | undefined;
}

/** A running bridge. */
export interface StartedRedisRestBridge {
  /** Base URL for clients (`UPSTASH_REDIS_REST_URL`), e.g. `http://127.0.0.1:8079`. */
  url: string;
  /** The token clients must send (`UPSTASH_REDIS_REST_TOKEN`). */
  token: string;
  /** The port actually bound. */
  port: number;
  /** The underlying app and its Redis connection. */
  bridge: RedisRestBridge;
  /**
   * Stops accepting requests, drops idle keep-alive connections, ends open subscription streams,
   * waits for the requests in flight, then closes the bridge's Redis connections.
   */
  close(): Promise<void>;
}

/** A random bearer token, safe in URLs and env files. */
export function generateBridgeToken(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * Starts the bridge on `host:port` and resolves once it is listening (Redis may still be
 * connecting: use `bridge.waitUntilReady()` to wait for it, or `waitForRedisMs`).
 *
 * @example
 * ```ts
 * const server = await startRedisRestBridge({ redisUrl: "redis://127.0.0.1:6379", port: 0 });
 * const redis = new Redis({ url: server.url, token: server.token });
 * await server.close();
 * ```
 */
export async function startRedisRestBridge(options: StartRedisRestBridgeOptions): Promise<StartedRedisRestBridge> {
  const token = options.token ?? generateBridgeToken();
  const host = options.host ?? "127.0.0.1";
  const bridge = createRedisRestBridge({ ...options, token });
  let server: Server;
  let port: number;
  try {
    if (options.waitForRedisMs !== undefined) {
      await bridge.waitUntilReady(options.waitForRedisMs, { failFast: true }).catch((error: Error) => {
        throw redisUnreachable(options.redisUrl ?? bridge.redisLabel, error.cause ?? error);
      });
    }
    ({ server, port } = await listenHttp(bridge.fetch, host, options.port ?? 8079, options.serverLimits));
  } catch (err) {
    await bridge.close();
    throw err;
  }
  const unused = trackUnusedSockets(server);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}`,
    token,
    port,
    bridge,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        unused.destroy();
        // Open subscription streams would keep the server from closing; their sockets close with them.
        bridge.closeSubscriptions();
        await stopped;
        await bridge.close();
      })()),
  };
}

/**
 * Sockets that have not carried a request yet. `closeIdleConnections()` leaves them open, and
 * undici (Node's fetch) opens one whenever a streaming response is aborted, such as an
 * unsubscribed `redis.subscribe()`: the server's close would then wait for the client's 4 s
 * keep-alive timeout.
 */
function trackUnusedSockets(server: Server): { destroy(): void } {
  const unused = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    unused.add(socket);
    socket.once("close", () => unused.delete(socket));
  });
  server.on("request", (request: IncomingMessage) => unused.delete(request.socket));
  return {
    destroy: () => {
      for (const socket of unused) socket.destroy();
    },
  };
}

/** The host part of a client URL: wildcard addresses become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
