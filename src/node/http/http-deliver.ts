/**
 * A `Deliver` for Node with keep-alive connections: about twice the throughput of Node's `fetch`
 * for the broker's many small deliveries. `http:` destinations go over the pooled-socket client,
 * `https:` over node:https; the fetch-shaped call is `createNodeFetch`. Redirects are not followed
 * (QStash leaves this undocumented; a 3xx counts as a failed attempt).
 * @module
 */

import type http from "node:http";
import https from "node:https";
import type { Deliver, RawDeliveryRequest, RawDeliveryResponse } from "../../broker/local/delivery/delivery.ts";
import { HeaderMap } from "../../util/header-map.ts";
import { nodeExchange } from "./node-exchange.ts";
import { createNodeFetch } from "./node-fetch.ts";
import { createSocketDeliver } from "./socket-deliver.ts";

/** Options of {@link createNodeDeliver}. */
export interface NodeDeliverOptions {
  /** Sockets per origin. Default 256 (the broker's own concurrency limit is the real bound). */
  maxSockets?: number | undefined;
  /** Idle sockets kept per origin. Default 64. */
  maxFreeSockets?: number | undefined;
  /** Extra trusted CA certificates (PEM) for https destinations, e.g. a private CA. Default: Node's bundled roots. */
  ca?: string | Buffer | (string | Buffer)[] | undefined;
}

/** A `Deliver` with a `close()` that destroys the pooled sockets. */
export type NodeDeliver = Deliver & { close(): void };

/** A response's header lines as the broker reads them, the same as over the socket client (repeated values joined with ", "). */
function headerMap(rawHeaders: string[]): HeaderMap {
  const headers = new HeaderMap();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) headers.append(rawHeaders[i], rawHeaders[i + 1]);
  return headers;
}

/**
 * Build a keep-alive deliver for `createLocalBroker({ deliver })`, the dev server and benchmarks.
 * Both schemes send a request once more on a fresh connection when its reused keep-alive
 * connection turns out closed by the destination before any answer byte.
 * @example
 * const deliver = createNodeDeliver();
 * const broker = createLocalBroker({ deliver });
 */
export function createNodeDeliver(options: NodeDeliverOptions = {}): NodeDeliver {
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256, maxFreeSockets: options.maxFreeSockets ?? 64, ca: options.ca });

  // The fetch-shaped call (`deliver(request)`), for callers that hold a `Request`: createNodeFetch.
  const nodeFetch = createNodeFetch({ maxSockets: options.maxSockets ?? 256, ca: options.ca });
  const deliver = (request: Request): Promise<Response> => nodeFetch(request);

  /** The broker's path to http: destinations: pooled sockets, no node:http machinery per request. */
  const overSockets = createSocketDeliver(options);

  /** The broker's path to https: destinations: no Request/Response objects, a socket-idle timeout instead of an AbortSignal. */
  const overHttps = async (request: RawDeliveryRequest): Promise<RawDeliveryResponse> => {
    const { attempt, body } = request;
    const headers: Record<string, string> = body ? { ...request.headers, "Content-Length": String(body.byteLength) } : request.headers;
    const onRequest = attempt && ((req: http.ClientRequest) => {
      attempt.cancel = () => req.destroy(Object.assign(new Error("the broker is shutting down"), { name: "AbortError" }));
    });
    try {
      // `ca` on the request too: a resend after a stale connection goes out without the agent.
      const res = await nodeExchange(new URL(request.url), { method: request.method, headers, agent: httpsAgent, ca: options.ca, idleTimeoutMs: request.timeoutMs, onRequest }, body ?? undefined);
      return { status: res.status || 502, headers: headerMap(res.rawHeaders), body: res.body };
    } finally {
      // A finished request's handle must not reach the socket the pool hands to the next one.
      if (attempt) attempt.cancel = undefined;
    }
  };

  const raw = (request: RawDeliveryRequest): Promise<RawDeliveryResponse> => (request.url.startsWith("http:") ? overSockets(request) : overHttps(request));

  return Object.assign(deliver, {
    raw,
    close() {
      nodeFetch.close();
      overSockets.close();
      httpsAgent.destroy();
    },
  });
}
