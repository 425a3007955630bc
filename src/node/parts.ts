/**
 * `NODE_PARTS`: what `fromEnv` builds on Node (`serveNode`, `celeriac/node`). Node's global
 * `fetch` costs more CPU per request than celeriac's pooled-socket client (`http/socket-client.ts`,
 * bench/README.md), so on Node:
 * - the backend is the official `@upstash/redis` client on the Node requester over that client
 *   (`upstash-requester.ts`: a turn's commands share one `/pipeline` request);
 * - the broker client is `QStashFetchBroker` on `createNodeBrokerFetch` (that client, to a local
 *   broker or QStash), with publish batching on (a turn's publishes share one
 *   `POST /v2/batch`; a lone publish is sent as usual);
 * - deliveries are verified on node:crypto (`createNodeVerifier`: the official Receiver's checks,
 *   10–18 µs of CPU a token instead of 51–113 with the Receiver, `bench/jwt.ts`).
 * @module
 */
import { RedisBackend } from "../backend/redis/redis-backend.ts";
import { QStashFetchBroker } from "../broker/qstash-fetch.ts";
import type { EnvParts } from "../config/env-config.ts";
import { createNodeBrokerFetch } from "./http/node-fetch.ts";
import { createNodeVerifier } from "./verifier.ts";
import { nodeRedis } from "./http/upstash-requester.ts";

/**
 * The parts celeriac builds from the environment on Node.
 * @example
 * const config = fromEnv(process.env, { envParts: NODE_PARTS });
 */
export const NODE_PARTS: EnvParts = {
  backend: (v) => new RedisBackend({ redis: nodeRedis({ url: v.url, token: v.token }), resultExpiresMs: v.resultExpiresMs, prefix: v.prefix }),
  broker: (v) => new QStashFetchBroker({ ...v, fetch: createNodeBrokerFetch(), batch: true }),
  verifier: (v) => createNodeVerifier(v),
};
