/**
 * A `Deliver` for Node with keep-alive connections: about twice the throughput of Node's `fetch`
 * for the broker's many small deliveries. `http:` destinations go over the pooled-socket client,
 * `https:` over node:https; the fetch-shaped call is `createNodeFetch`. Redirects are not followed
 * (QStash leaves this undocumented; a 3xx counts as a failed attempt).
 * @module
 */

import type http from "node:http";
import https from "node:https";
import type { Deliver, RawDeliveryRequest, RawDeliveryResponse, ResponseHeaders } from "../broker/local/delivery.ts";
import { createNodeFetch } from "./node-fetch.ts";
import { createSocketDeliver } from "./socket-deliver.ts";

/** Options of {@link createNodeDeliver}. */
export interface NodeDeliverOptions {
  /** Sockets per origin. Default 256 (the broker's own concurrency limit is the real bound). */
  maxSockets?: number;
  /** Idle sockets kept per origin. Default 64. */
  maxFreeSockets?: number;
}

/** A `Deliver` with a `close()` that destroys the pooled sockets. */
export type NodeDeliver = Deliver & { close(): void };

/**
 * Build a keep-alive deliver for `createLocalBroker({ deliver })`, the dev server and benchmarks.
 * @example
 * const deliver = createNodeDeliver();
 * const broker = createLocalBroker({ deliver });
 */
export function createNodeDeliver(options: NodeDeliverOptions = {}): NodeDeliver {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 256, maxFreeSockets: options.maxFreeSockets ?? 64 };
  const httpsAgent = new https.Agent(agentOptions);

  // The fetch-shaped call (`deliver(request)`), for callers that hold a `Request`: createNodeFetch.
  const nodeFetch = createNodeFetch({ maxSockets: agentOptions.maxSockets });
  const deliver = (request: Request): Promise<Response> => nodeFetch(request);
  const targets = new Map<string, http.RequestOptions>();
  const target = (url: string) => {
    let t = targets.get(url);
    if (!t) {
      const u = new URL(url);
      t = { protocol: u.protocol, hostname: u.hostname.replace(/^\[|\]$/g, ""), port: u.port || 443, path: `${u.pathname}${u.search}`, agent: httpsAgent };
      if (targets.size > 10_000) targets.clear();
      targets.set(url, t);
    }
    return t;
  };

  /** The broker's path to http: destinations: pooled sockets, no node:http machinery per request. */
  const overSockets = createSocketDeliver(options);

  /** The broker's path to https: destinations: no Request/Response objects, a socket-idle timeout instead of an AbortSignal. */
  const overHttps = (request: RawDeliveryRequest): Promise<RawDeliveryResponse> =>
    new Promise<RawDeliveryResponse>((resolve, reject) => {
      const headers: Record<string, string> = request.body ? { ...request.headers, "Content-Length": String(request.body.byteLength) } : request.headers;
      // `timeoutMs: Infinity` means no time limit; node:https takes only a finite `timeout`.
      const timeout = Number.isFinite(request.timeoutMs) ? request.timeoutMs : undefined;
      const req = https.request({ ...target(request.url), method: request.method, headers, timeout }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const h = res.headers;
          const view: ResponseHeaders = {
            get: (name) => {
              const v = h[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
            },
            forEach: (cb) => {
              for (const k of Object.keys(h)) {
                const v = h[k];
                if (v !== undefined) cb(Array.isArray(v) ? v.join(", ") : v, k);
              }
            },
          };
          resolve({ status: res.statusCode ?? 502, headers: view, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) });
        });
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error("request timed out"), { name: "TimeoutError" })));
      req.on("error", reject);
      if (request.attempt) request.attempt.cancel = () => req.destroy(Object.assign(new Error("the broker is shutting down"), { name: "AbortError" }));
      req.end(request.body ?? undefined);
    });

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
