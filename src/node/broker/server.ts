/**
 * Serve the local broker alone on Node (what `celeriac broker` runs): node:http keep-alive
 * delivery, the node:crypto signer, and an in-memory or Redis store. The Redis store (and with it
 * the optional peer dependency `redis`) is loaded only when `redis` is given.
 * @module
 */

import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { ConfigError } from "../../errors.ts";
import { createLocalBroker, type LocalBroker, type LocalBrokerOptions } from "../../broker/local/create-local-broker.ts";
import { createNodeSigner } from "./signer.ts";
import { createNodeDeliver } from "../http/http-deliver.ts";

/** Options of {@link startBrokerServer}. */
export interface BrokerServerOptions extends Omit<LocalBrokerOptions, "store" | "deliver" | "createSigner"> {
  /** Port; default 8080 (where `QSTASH_DEV=true` clients look). 0 picks a free one. */
  port?: number | undefined;
  /** Interface; default 127.0.0.1. */
  host?: string | undefined;
  /** `redis://…`: keep messages, schedules, queues and the DLQ in Redis (survives restarts; several brokers may share it). */
  redis?: string | undefined;
  /** Key prefix in Redis; default "celeriac:broker:". */
  redisPrefix?: string | undefined;
}

/** The Redis store, loaded on demand: it needs `redis` (node-redis), an optional peer dependency. */
async function loadRedisStore(): Promise<typeof import("./redis-store.ts")> {
  try {
    return await import("./redis-store.ts");
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && /'redis'/.test((err as Error).message)) {
      throw new ConfigError("A broker with a Redis store needs the `redis` package (node-redis): run `npm install redis`, or leave out the Redis URL to keep the broker in memory.", { cause: err });
    }
    throw err;
  }
}

/** A running broker server. */
export interface BrokerServer {
  /** The broker (its token, keys, `direct` port, clock). */
  broker: LocalBroker;
  /** `http://host:port` — the `QSTASH_URL`. */
  url: string;
  /** Stop listening, wait for deliveries in flight, close the store. */
  close(): Promise<void>;
}

/**
 * Start the local broker on `host:port`; resolves once it listens.
 * @example
 * import { startBrokerServer } from "celeriac/node";
 * const broker = await startBrokerServer({ port: 0 }); // QSTASH_URL=broker.url, QSTASH_TOKEN=broker.broker.token
 * await broker.close();
 */
export async function startBrokerServer(options: BrokerServerOptions = {}): Promise<BrokerServer> {
  const { port = 8080, host = "127.0.0.1", redis, redisPrefix, ...brokerOptions } = options;
  const store = redis ? await (await loadRedisStore()).createRedisBrokerStore({ url: redis, prefix: redisPrefix }) : undefined;
  const deliver = createNodeDeliver();
  const broker = createLocalBroker({ ...brokerOptions, store, deliver, createSigner: createNodeSigner });
  let server: ServerType | undefined;
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: broker.fetch, port, hostname: host }, (info) => resolve(info as AddressInfo));
    server.once("error", reject);
  }).catch(async (err: unknown) => {
    await broker.close();
    deliver.close();
    throw err;
  });
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    broker,
    url: `http://${shownHost}:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server!.close(() => resolve());
      });
      await broker.close();
      deliver.close();
    },
  };
}
