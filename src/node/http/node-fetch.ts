/**
 * The Node HTTP client (`socket-client.ts`) in the three shapes its callers hold:
 * - `createNodeFetch`: a `fetch`, for code written against `fetch`;
 * - `createNodeDeliver`: the local broker's `Deliver` (`raw` is the client itself);
 * - `createNodeBrokerFetch`: `QStashFetchBroker`'s `BrokerFetch` (header records and a string body
 *   in, status and text out: no `Request`/`Response` objects per publish).
 * Each owns one client for `http:` and `https:` (an optional private `ca`); `close()` destroys its
 * pooled sockets. No redirect is followed (a 3xx is answered as it is; for the broker a 3xx
 * delivery is a failed attempt, QStash leaves this undocumented) and no compressed body is asked
 * for or decoded.
 *
 * Why a `fetch` of celeriac's own: per small keep-alive POST, `createNodeFetch` cost 130 µs of
 * client CPU where Node's global `fetch` cost 5.0× that over http: (3.9–6.9×, 7 reps) and undici's
 * `fetch` 3.0× over https: (2.4–4.8×), the `Response` it builds included (`node --import tsx
 * bench/http-clients.ts --clients node-fetch,fetch,undici-fetch --n 2000 --reps 7`, a loaded
 * 2-core VM). It also takes a private `ca`, which the global `fetch` cannot.
 * @module
 */
import type { AttemptHandle, Deliver, RawDeliveryRequest, RawDeliveryResponse } from "../../broker/local/delivery/delivery.ts";
import type { BrokerFetch } from "../../broker/qstash-fetch.ts";
import { CONTENT_TYPE, lowerCase } from "../../headers.ts";
import { createSocketClient, type NodeHttpClient, type SocketClientOptions } from "./socket-client.ts";

/** Options of {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /** Sockets per origin, in use at once and kept idle for reuse. Default 256. */
  maxSockets?: number | undefined;
  /** Extra trusted CA certificates (PEM) for https, e.g. a private CA. Default: Node's bundled roots. */
  ca?: SocketClientOptions["ca"];
}

/** A `fetch` that owns keep-alive sockets; `close()` destroys them. */
export type NodeFetch = typeof fetch & {
  /** Destroy every pooled socket; later calls open new ones. */
  close(): void;
};

/** Options of {@link createNodeDeliver}. */
export interface NodeDeliverOptions extends SocketClientOptions {
  /**
   * The HTTP client to deliver with instead of celeriac's own (which the other options then do not
   * configure); the deliver's `close()` closes it. bench/ passes an undici one to compare.
   */
  client?: NodeHttpClient | undefined;
}

/** A `Deliver` with a `close()` that destroys the pooled sockets. */
export type NodeDeliver = Deliver & { close(): void };

/** A {@link BrokerFetch} with `close()` to drop its idle sockets. */
export type NodeBrokerFetch = BrokerFetch & { close(): void };

const CONTENT_TYPE_LOWER = lowerCase(CONTENT_TYPE);
/** Statuses whose response has no body (the `Response` constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const encoder = new TextEncoder();

/** A request body as bytes, with the Content-Type `fetch` would add for it. */
function encodeBody(body: BodyInit | null | undefined): { bytes: Uint8Array | null; type?: string } {
  if (body == null) return { bytes: null };
  if (typeof body === "string") return { bytes: encoder.encode(body), type: "text/plain;charset=UTF-8" };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body) };
  if (ArrayBuffer.isView(body)) return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  throw new TypeError("createNodeFetch sends string, Uint8Array or ArrayBuffer bodies: encode the body to one of them first.");
}

/**
 * `fetch` on `client`: network failures reject with a `TypeError` naming the request (as `fetch`
 * does), an abort with the signal's reason; the answer's body is read in full before it resolves.
 */
function fetchOn(client: (request: RawDeliveryRequest) => Promise<RawDeliveryResponse>): typeof fetch {
  const nodeFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) {
      const body = input.body ? await input.arrayBuffer() : undefined;
      return await nodeFetch(input.url, { method: input.method, headers: input.headers, body, signal: input.signal, ...init });
    }
    const url = new URL(input instanceof URL ? input.href : input);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`createNodeFetch speaks http: and https:, not ${url.protocol} (${url.href}).`);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const { bytes, type } = encodeBody(init.body);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    if (type && !headers[CONTENT_TYPE_LOWER]) headers[CONTENT_TYPE_LOWER] = type;
    const method = init.method?.toUpperCase() ?? "GET";
    const attempt: AttemptHandle = {};
    const abort = () => attempt.cancel?.();
    signal?.addEventListener("abort", abort, { once: true });
    try {
      const res = await client({ url: url.href, method, headers, body: bytes, timeoutMs: Infinity, attempt });
      const pairs: [string, string][] = [];
      res.headers.forEach((value, name) => pairs.push([name, value]));
      return new Response(NULL_BODY.has(res.status) ? null : (res.body as Uint8Array<ArrayBuffer>), { status: res.status, headers: pairs });
    } catch (err) {
      throw signal?.aborted ? signal.reason : new TypeError(`${method} ${url.origin}${url.pathname} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      signal?.removeEventListener("abort", abort);
    }
  };
  return nodeFetch as typeof fetch;
}

/**
 * A `fetch` on celeriac's keep-alive socket client. A request whose reused keep-alive socket
 * turns out closed by the server (before any answer byte) is sent once more on a fresh socket.
 * @example
 * const nodeFetch = createNodeFetch({ maxSockets: 64 });
 * const res = await nodeFetch("http://127.0.0.1:8080/v2/keys", { headers: { authorization: `Bearer ${token}` } });
 * nodeFetch.close();
 */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const maxSockets = options.maxSockets ?? 256;
  let client = createSocketClient({ maxSockets, maxFreeSockets: maxSockets, ca: options.ca });
  const nodeFetch = fetchOn((request) => client(request));
  return Object.assign(nodeFetch, {
    close() {
      client.close();
      client = createSocketClient({ maxSockets, maxFreeSockets: maxSockets, ca: options.ca });
    },
  });
}

/**
 * A keep-alive deliver for `createLocalBroker({ deliver })`, the dev server and benchmarks: `raw`
 * is the socket client (the broker's path), the call itself a `fetch` on the same sockets.
 * @example
 * const deliver = createNodeDeliver();
 * const broker = createLocalBroker({ deliver });
 */
export function createNodeDeliver(options: NodeDeliverOptions = {}): NodeDeliver {
  const client = options.client ?? createSocketClient(options);
  return Object.assign(fetchOn(client), { raw: client, close: () => client.close() });
}

/**
 * `QStashFetchBroker`'s calls on Node (the local broker over http:, QStash over https:). No time
 * limit, as with `fetch`.
 * @example
 * const broker = new QStashFetchBroker({ token, baseUrl: "http://127.0.0.1:8080", fetch: createNodeBrokerFetch() });
 */
export function createNodeBrokerFetch(): NodeBrokerFetch {
  const client = createSocketClient();
  const decoder = new TextDecoder();
  const call: BrokerFetch = async (url, init) => {
    const body = init.body === undefined ? null : encoder.encode(init.body);
    const res = await client({ url, method: init.method, headers: init.headers, body, timeoutMs: Infinity });
    const text = decoder.decode(res.body);
    return { status: res.status, text: () => Promise.resolve(text) };
  };
  return Object.assign(call, { close: () => client.close() });
}
