/**
 * Serve the local broker alone on Node (what `celeriac broker` runs): keep-alive
 * delivery (`createNodeDeliver`), the node:crypto signer, and an in-memory or Redis store. The Redis store (and with it
 * the optional peer dependency `redis`) is loaded only when `redis` is given.
 * @module
 */

import { createLocalBroker, type LocalBroker, type LocalBrokerOptions } from "../../broker/local/create-local-broker.ts";
import type { BrokerStore } from "../../broker/local/store/store.ts";
import { createNodeSigner } from "./signer.ts";
import { createNodeDeliver } from "../http/node-fetch.ts";
import { listenHttp } from "../http/listen.ts";
import type { ServerLimits } from "../http/server-limits.ts";
import { importOptional } from "../import-optional.ts";

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
  /** Slow-client and connection limits of the HTTP server (headers, request, keep-alive timeouts; max connections). Default: `DEFAULT_SERVER_LIMITS`. */
  serverLimits?: ServerLimits | undefined;
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
  const { port = 8080, host = "127.0.0.1", redis, redisPrefix, serverLimits, ...brokerOptions } = options;
  let store: BrokerStore | undefined;
  if (redis) {
    const { createRedisBrokerStore } = await importOptional("redis", "A broker with a Redis store", () => import("./redis-store.ts"));
    store = await createRedisBrokerStore({ url: redis, prefix: redisPrefix });
  }
  const deliver = createNodeDeliver();
  const broker = createLocalBroker({ ...brokerOptions, store, deliver, createSigner: createNodeSigner });
  const { server, port: bound } = await listenHttp(broker.fetch, host, port, serverLimits).catch(async (err: unknown) => {
    await broker.close();
    deliver.close();
    throw err;
  });
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    broker,
    url: `http://${shownHost}:${bound}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await broker.close();
      deliver.close();
    },
  };
}
