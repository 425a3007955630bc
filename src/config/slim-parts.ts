/**
 * `SLIM_PARTS`: the backend, broker and verifier built from the environment with the fetch-only
 * clients, for small bundles (the Workers default).
 * @module
 */
import { RedisBackend } from "../backend/redis/redis-backend.ts";
import { createRestRedis } from "../backend/redis/rest-redis.ts";
import { QStashFetchBroker } from "../broker/qstash-fetch.ts";
import type { EnvParts } from "./env-config.ts";
import { createJwtVerifier } from "../verify/jwt-verifier.ts";

/**
 * The fetch-only clients, for small bundles (the Workers default): `RedisBackend` over
 * `createRestRedis`, `QStashFetchBroker`, and `createJwtVerifier` on Web Crypto. The same
 * contract suites run against them and the official ones.
 */
export const SLIM_PARTS: EnvParts = {
  backend: (v) => new RedisBackend({ redis: createRestRedis({ url: v.url, token: v.token }), resultExpiresMs: v.resultExpiresMs, prefix: v.prefix }),
  broker: (v) => new QStashFetchBroker(v),
  verifier: (v) => createJwtVerifier(v),
};
