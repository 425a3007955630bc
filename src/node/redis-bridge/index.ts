/**
 * celeriac/redis-bridge (Node): the Redis REST bridge, which speaks the Upstash Redis REST
 * protocol over any Redis you run, so the unmodified `@upstash/redis` client (and celeriac's
 * `RedisBackend`) works without Upstash. Needs the `redis` package (node-redis), an optional peer
 * dependency of celeriac: `npm install redis`.
 *
 * @example
 * import { startRedisRestBridge } from "celeriac/redis-bridge";
 * const bridge = await startRedisRestBridge({ redisUrl: "redis://127.0.0.1:6379", port: 0 });
 * const redis = new Redis({ url: bridge.url, token: bridge.token });
 * await bridge.close();
 * @module
 */
export { generateBridgeToken, startRedisRestBridge } from "./server.ts";
export type { StartedRedisRestBridge, StartRedisRestBridgeOptions } from "./server.ts";
export { createRedisRestBridge } from "./bridge.ts";
export type { RedisRestBridge, RedisRestBridgeOptions } from "./bridge.ts";
export type { BridgeRedisClient, RedisConnectionOptions } from "./connection.ts";
