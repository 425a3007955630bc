/**
 * The benchmark's handles on `createNodeFetch` (src/node/http/node-fetch.ts, a `fetch` on celeriac's
 * keep-alive socket client): `nodeHttpFetch` for measuring a hop over it, and `useNodeHttpFetch` /
 * `useGlobalFetch` to swap this process's global `fetch`, so unmodified clients that call the
 * global (`@upstash/redis`, `@upstash/qstash`) send their requests through it.
 * @module
 */
import { createNodeFetch } from "../../src/adapters/node.ts";

/** `fetch(url, init)` on celeriac's keep-alive socket client (256 sockets per origin). */
export const nodeHttpFetch = createNodeFetch({ maxSockets: 256 });

const undiciFetch = globalThis.fetch;

/** Replace this process's global `fetch` with {@link nodeHttpFetch}. */
export function useNodeHttpFetch(): void {
  globalThis.fetch = nodeHttpFetch;
}

/** Put Node's own `fetch` back. */
export function useGlobalFetch(): void {
  globalThis.fetch = undiciFetch;
}
