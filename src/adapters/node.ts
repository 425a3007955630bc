/**
 * celeriac/node: the Node adapter. `serveNode({ tasks })` serves the worker with
 * `@hono/node-server`, configured from `process.env` with `NODE_PARTS` (load a file with
 * `node --env-file=.env`); the running task is tracked with `AsyncLocalStorage`. Also here, to
 * build the parts by hand: `nodeRedis` / `createNodeRequester` (the official `@upstash/redis` on
 * celeriac's keep-alive socket client), `createNodeFetch` (a `fetch` on that client), `createNodeVerifier` (`Upstash-Signature` checks on
 * node:crypto); and the local broker on Node: `startBrokerServer` (what `celeriac broker` runs),
 * `nodeBrokerOptions` (keep-alive delivery and the node:crypto signer for `createLocalBroker`).
 * Needs neither `redis` nor `tsx` (a broker with `redis: "redis://…"` loads `redis` then).
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Http2SecureServer, Http2Server } from "node:http2";
import { serve } from "@hono/node-server";
import { setContextStorage } from "../current.ts";
import { NODE_PARTS } from "../node/parts.ts";
import type { Worker } from "../worker/create-worker.ts";
import { applyServerLimits, limitServerOptions, type ServerLimits } from "../node/http/server-limits.ts";
import { type AdapterOptions, workerFromEnv } from "./adapter-options.ts";

export { NODE_PARTS } from "../node/parts.ts";
export { createNodeVerifier } from "../node/verifier.ts";
export { createNodeFetch } from "../node/http/node-fetch.ts";
export type { NodeFetch, NodeFetchOptions } from "../node/http/node-fetch.ts";
export { createNodeRequester, nodeRedis } from "../node/http/upstash-requester.ts";
export type { NodeRequester, NodeRequesterOptions } from "../node/http/upstash-requester.ts";
export { startBrokerServer } from "../node/broker/server.ts";
export type { BrokerServer, BrokerServerOptions } from "../node/broker/server.ts";
export { nodeBrokerOptions } from "../node/broker/node-options.ts";
export { createNodeSigner } from "../node/broker/signer.ts";
export { createNodeDeliver } from "../node/http/node-fetch.ts";
export type { NodeDeliver, NodeDeliverOptions } from "../node/http/node-fetch.ts";
export type { NodeHttpClient } from "../node/http/socket-client.ts";
export { DEFAULT_SERVER_LIMITS } from "../node/http/server-limits.ts";
export type { ServerLimits } from "../node/http/server-limits.ts";

/** Options of {@link serveNode}. */
export interface ServeNodeOptions extends AdapterOptions {
  /** Default: the `PORT` variable, else 8787. `0` picks a free port. */
  port?: number | undefined;
  /** Interface to listen on. Default: all interfaces (Node's default). */
  hostname?: string | undefined;
  /** Environment to read. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Slow-client and connection limits of the HTTP server (headers, request, keep-alive timeouts; max connections). Default: `DEFAULT_SERVER_LIMITS`. */
  serverLimits?: ServerLimits | undefined;
}

/** A running Node server. */
export interface NodeWorkerServer {
  /** `http://<hostname>:<port>` (`localhost` when listening on all interfaces). */
  url: string;
  /** The port actually bound. */
  port: number;
  /** The worker served (its Hono `app`, `fetch`, runtime). */
  worker: Worker;
  /** The listening server (`@hono/node-server`'s `ServerType`, spelled out with node:http's types). */
  server: Server | Http2Server | Http2SecureServer;
  /** Stop accepting connections and close idle ones. */
  close(): Promise<void>;
}

/**
 * Serve `tasks` on Node. Rejects with `ConfigError` before listening when a variable is missing.
 * @example
 * import { serveNode } from "celeriac/node";
 * import * as tasks from "./functions/index.ts";
 * const { url } = await serveNode({ tasks }); // node --env-file=.env main.js (or --import tsx main.ts)
 */
export async function serveNode(options: ServeNodeOptions): Promise<NodeWorkerServer> {
  const { port, hostname, env = process.env, serverLimits, ...workerOptions } = options;
  const serverOptions = limitServerOptions(serverLimits); // a bad limit throws before anything starts
  setContextStorage(new AsyncLocalStorage());
  const worker = workerFromEnv(workerOptions, env, "node", NODE_PARTS);
  const server = await new Promise<NodeWorkerServer["server"]>((resolve, reject) => {
    const s = serve({ fetch: worker.fetch, hostname, port: port ?? (Number(env.PORT) || 8787), serverOptions }, () => resolve(s));
    applyServerLimits(s as Server, serverLimits);
    s.once("error", reject);
  });
  const bound = (server.address() as AddressInfo).port;
  const host = !hostname || hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    worker,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      }),
  };
}
