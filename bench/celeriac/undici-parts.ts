/**
 * The `celeriac-undici` system's parts: `NODE_PARTS` and `nodeBrokerOptions()` line for line, with
 * undici (bench/lib/undici-client.ts) in place of celeriac's socket client under each of them:
 * the `@upstash/redis` requester (`nodeRedis({ client })`), the publisher's `BrokerFetch`, the
 * local broker's deliveries (`createNodeDeliver({ client })`). Everything else is the same code,
 * so `bench/ab.ts --only celeriac,celeriac-undici` compares the two HTTP clients end to end.
 * @module
 */
import { createNodeDeliver, createNodeSigner, createNodeVerifier, type NodeDeliver, nodeRedis } from "../../src/adapters/node.ts";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import type { EnvParts } from "../../src/config/index.ts";
import { type BrokerFetch, QStashFetchBroker } from "../../src/qstash.ts";
import { createUndiciClient } from "../lib/undici-client.ts";

/** `createNodeBrokerFetch` (src/node/http/node-fetch.ts) on undici. */
function undiciBrokerFetch(): BrokerFetch {
  const client = createUndiciClient();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return async (url, init) => {
    const body = init.body === undefined ? null : encoder.encode(init.body);
    const res = await client({ url, method: init.method, headers: init.headers, body, timeoutMs: Infinity });
    const text = decoder.decode(res.body);
    return { status: res.status, text: () => Promise.resolve(text) };
  };
}

/** `NODE_PARTS` with undici under the requester and the publisher. */
export const UNDICI_PARTS: EnvParts = {
  backend: (v) => new RedisBackend({ redis: nodeRedis({ url: v.url, token: v.token, client: createUndiciClient({ maxSockets: 64 }) }), resultExpiresMs: v.resultExpiresMs, prefix: v.prefix }),
  broker: (v) => new QStashFetchBroker({ ...v, fetch: undiciBrokerFetch(), batch: true }),
  verifier: (v) => createNodeVerifier(v),
};

/** `nodeBrokerOptions()` delivering over undici. */
export function undiciBrokerOptions(): { deliver: NodeDeliver; createSigner: typeof createNodeSigner } {
  return { deliver: createNodeDeliver({ client: createUndiciClient() }), createSigner: createNodeSigner };
}
