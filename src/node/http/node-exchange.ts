/**
 * `nodeExchange`: one HTTP request/response over `node:http` / `node:https` on a keep-alive agent,
 * the body read in full, with the one retry a keep-alive client owes: a request whose reused
 * socket the server had already closed (ECONNRESET or EPIPE before any response byte) is sent
 * again on a fresh socket. Shared by `createNodeFetch`, the `@upstash/redis` requester and the
 * https: path of `createNodeDeliver`.
 * @module
 */
import http from "node:http";
import https from "node:https";

/** A finished exchange. */
export interface NodeResponse {
  status: number;
  statusMessage: string | undefined;
  headers: http.IncomingHttpHeaders;
  /** Header names and values as received, alternating. */
  rawHeaders: string[];
  body: Buffer;
}

/** Request options, plus what a caller may need on the request itself. */
export interface ExchangeOptions extends https.RequestOptions {
  /**
   * Abandon the exchange when its socket has been idle this many ms, rejecting with a
   * `TimeoutError`. Infinity or absent: no time limit (node:http takes only a finite `timeout`).
   */
  idleTimeoutMs?: number | undefined;
  /** Called with each request sent (the first and, after a stale socket, the one sent again), e.g. to keep a handle that can destroy it. */
  onRequest?: ((req: http.ClientRequest) => void) | undefined;
}

/** What a write to a socket the server already closed fails with. */
const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE"]);

/**
 * Send one request to `url` (http: or https:) with `options` (method, headers, agent, signal, …)
 * and `body`; resolves once the whole response is read. Network errors reject as Node raises them.
 * @example
 * const res = await nodeExchange(new URL("http://127.0.0.1:8079/"), { method: "POST", agent }, '["PING"]');
 */
export function nodeExchange(url: URL, exchange: ExchangeOptions, body?: string | Uint8Array): Promise<NodeResponse> {
  const { idleTimeoutMs, onRequest, ...options } = exchange;
  const send = (fresh: boolean): Promise<NodeResponse> =>
    new Promise((resolve, reject) => {
      let responded = false;
      // The retry takes a one-off socket (agent: false) so it cannot be handed another stale one.
      const req = (url.protocol === "https:" ? https : http).request(url, fresh ? { ...options, agent: false } : options, (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("close", () => res.complete || reject(new Error("the connection closed before the response ended")));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage, headers: res.headers, rawHeaders: res.rawHeaders, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }));
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        const stale = !fresh && !responded && req.reusedSocket && !options.signal?.aborted && STALE_SOCKET.has(err.code ?? "");
        if (stale) resolve(send(true));
        else reject(err);
      });
      if (idleTimeoutMs !== undefined && Number.isFinite(idleTimeoutMs)) {
        req.setTimeout(idleTimeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${idleTimeoutMs} ms`), { name: "TimeoutError" })));
      }
      onRequest?.(req);
      req.end(body);
    });
  return send(false);
}
