/**
 * `createNodeFetch`: a small `fetch` over `node:http` / `node:https` with keep-alive agents, for
 * Node processes whose cost per request is dominated by the transport (Node's built-in `fetch`
 * spends more CPU per request than a bare `node:http` exchange). It speaks what celeriac's clients
 * send: string, Uint8Array (any ArrayBuffer view) and ArrayBuffer bodies, an `AbortSignal`, and
 * answers a WHATWG `Response` whose body is read in full before it resolves. It does not follow
 * redirects (a 3xx is answered as it is), and does not ask for or decode compressed bodies.
 * @module
 */
import http from "node:http";
import https from "node:https";
import { nodeExchange, type NodeResponse } from "./node-exchange.ts";

/** Options of {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /** Sockets per origin, in use at once and kept idle for reuse. Default 256. */
  maxSockets?: number | undefined;
  /** Extra trusted CA certificates (PEM) for https, e.g. a private CA. Default: Node's bundled roots. */
  ca?: string | Buffer | (string | Buffer)[] | undefined;
}

/** A `fetch` that owns keep-alive sockets; `close()` destroys them. */
export type NodeFetch = typeof fetch & {
  /** Destroy every pooled socket; later calls open new ones. */
  close(): void;
};

/** Statuses whose response has no body (the `Response` constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A request body as bytes (or a string), with the Content-Type `fetch` would add for it. */
function encodeBody(body: BodyInit | null | undefined): { bytes?: string | Uint8Array; type?: string } {
  if (body == null) return {};
  if (typeof body === "string") return { bytes: body, type: "text/plain;charset=UTF-8" };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body) };
  if (ArrayBuffer.isView(body)) return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  throw new TypeError("createNodeFetch sends string, Uint8Array or ArrayBuffer bodies: encode the body to one of them first.");
}

/**
 * A `fetch` over `node:http`/`node:https` keep-alive agents. A request whose reused keep-alive
 * socket turns out closed by the server (ECONNRESET or EPIPE before any response byte) is sent
 * once more on a fresh socket; every other network failure rejects with a `TypeError` (as
 * `fetch` does), and an abort rejects with the signal's reason.
 * @example
 * const nodeFetch = createNodeFetch({ maxSockets: 64 });
 * const res = await nodeFetch("http://127.0.0.1:8080/v2/keys", { headers: { authorization: `Bearer ${token}` } });
 * nodeFetch.close();
 */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const pool = { keepAlive: true, maxSockets: options.maxSockets ?? 256, maxFreeSockets: options.maxSockets ?? 256 };
  const agents: Record<string, http.Agent> = { "http:": new http.Agent(pool), "https:": new https.Agent({ ...pool, ca: options.ca }) };

  const nodeFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) {
      const body = input.body ? await input.arrayBuffer() : undefined;
      return await nodeFetch(input.url, { method: input.method, headers: input.headers, body, signal: input.signal, ...init });
    }
    const url = new URL(input instanceof URL ? input.href : input);
    const agent = agents[url.protocol];
    if (!agent) throw new TypeError(`createNodeFetch speaks http: and https:, not ${url.protocol} (${url.href}).`);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const { bytes, type } = encodeBody(init.body);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    if (type && !headers["content-type"]) headers["content-type"] = type;
    if (bytes !== undefined) headers["content-length"] = String(Buffer.byteLength(bytes));
    const method = init.method?.toUpperCase() ?? "GET";
    const failed = (err: Error): unknown =>
      signal?.aborted ? signal.reason : new TypeError(`${method} ${url.origin}${url.pathname} failed: ${err.message}`, { cause: err });

    let res: NodeResponse;
    try {
      res = await nodeExchange(url, { method, headers, signal, agent, ca: options.ca }, bytes);
    } catch (err) {
      throw failed(err as Error);
    }
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
    const body = NULL_BODY.has(res.status) ? null : (res.body as Uint8Array<ArrayBuffer>);
    return new Response(body, { status: res.status, statusText: res.statusMessage, headers: pairs });
  };

  return Object.assign(nodeFetch as typeof fetch, {
    close() {
      for (const agent of Object.values(agents)) agent.destroy();
    },
  });
}
