/**
 * `createNodeBrokerFetch`: the calls `QStashFetchBroker` makes (a `BrokerFetch`), on Node: to an
 * `http:` broker (the local broker beside the app) over the socket client (`socket-deliver.ts`:
 * pooled sockets, one write per request, no `Request`/`Response` objects), to `https:` (QStash)
 * over `createNodeFetch` (node:https with keep-alive). No time limit on either, as with `fetch`.
 * @module
 */
import { Buffer } from "node:buffer";
import type { BrokerFetch } from "../../broker/qstash-fetch.ts";
import { createNodeFetch } from "./node-fetch.ts";
import { createSocketDeliver } from "./socket-deliver.ts";

/** A {@link BrokerFetch} with `close()` to drop its idle sockets. */
export type NodeBrokerFetch = BrokerFetch & { close(): void };

/**
 * The broker client's HTTP calls on Node.
 * @example
 * const broker = new QStashFetchBroker({ token, baseUrl: "http://127.0.0.1:8080", fetch: createNodeBrokerFetch() });
 */
export function createNodeBrokerFetch(): NodeBrokerFetch {
  const sockets = createSocketDeliver();
  const overHttps = createNodeFetch();
  const decoder = new TextDecoder();
  const call: BrokerFetch = async (url, init) => {
    if (!url.startsWith("http:")) return await overHttps(url, init);
    const body = init.body === undefined ? null : Buffer.from(init.body, "utf8");
    const res = await sockets({ url, method: init.method, headers: init.headers, body, timeoutMs: Infinity });
    const text = decoder.decode(res.body);
    return { status: res.status, text: () => Promise.resolve(text) };
  };
  return Object.assign(call, {
    close() {
      sockets.close();
      overHttps.close();
    },
  });
}
