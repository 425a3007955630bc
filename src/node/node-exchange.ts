/**
 * `nodeExchange`: one HTTP request/response over `node:http` / `node:https` on a keep-alive agent,
 * the body read in full, with the one retry a keep-alive client owes: a request whose reused
 * socket the server had already closed (ECONNRESET or EPIPE before any response byte) is sent
 * again on a fresh socket. Shared by `createNodeFetch` and the `@upstash/redis` requester.
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

/** What a write to a socket the server already closed fails with. */
const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE"]);

/**
 * Send one request to `url` (http: or https:) with `options` (method, headers, agent, signal, …)
 * and `body`; resolves once the whole response is read. Network errors reject as Node raises them.
 * @example
 * const res = await nodeExchange(new URL("http://127.0.0.1:8079/"), { method: "POST", agent }, '["PING"]');
 */
export function nodeExchange(url: URL, options: https.RequestOptions, body?: string | Uint8Array): Promise<NodeResponse> {
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
      req.end(body);
    });
  return send(false);
}
