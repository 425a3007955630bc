/**
 * A minimal `fetch` over `node:http` with a keep-alive agent, for the benchmark's diagnostic
 * `--fetch node-http` runs: it replaces the global `fetch` of celeriac's processes so the
 * unmodified `@upstash/redis` and `@upstash/qstash` clients send their requests through it.
 * Measures how much of celeriac's per-task cost on Node is undici's `fetch` (the transport),
 * not the clients' or celeriac's own code. Plain HTTP, string/Uint8Array bodies, no redirects.
 * @module
 */
import http from "node:http";

const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function headerRecord(h: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k] = v));
  else if (Array.isArray(h)) for (const [k, v] of h) out[k.toLowerCase()] = v;
  else for (const k of Object.keys(h)) out[k.toLowerCase()] = (h as Record<string, string>)[k];
  return out;
}

/** `fetch(url, init)` for http: URLs over node:http keep-alive. */
export const nodeHttpFetch: typeof fetch = async (input, init = {}) => {
  if (input instanceof Request) return await nodeHttpFetch(input.url, { method: input.method, headers: input.headers, body: input.body ? await input.arrayBuffer() : undefined, signal: input.signal });
  const url = new URL(String(input));
  if (url.protocol !== "http:") throw new TypeError(`nodeHttpFetch only speaks http: (got ${url.protocol})`);
  const headers = headerRecord(init.headers);
  let body: Buffer | string | undefined;
  if (typeof init.body === "string") body = init.body;
  else if (init.body instanceof Uint8Array) body = Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength);
  else if (init.body instanceof ArrayBuffer) body = Buffer.from(init.body);
  else if (init.body != null) throw new TypeError("nodeHttpFetch takes string, Uint8Array or ArrayBuffer bodies");
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  return await new Promise<Response>((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? "GET", headers, agent, signal: init.signal ?? undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const status = res.statusCode ?? 502;
        const pairs: [string, string][] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        resolve(new Response(NULL_BODY.has(status) ? null : (Buffer.concat(chunks) as Uint8Array<ArrayBuffer>), { status, statusText: res.statusMessage, headers: pairs }));
      });
    });
    req.on("error", reject);
    req.end(body);
  });
};

const undiciFetch = globalThis.fetch;

/** Replace this process's global `fetch` with {@link nodeHttpFetch}. */
export function useNodeHttpFetch(): void {
  globalThis.fetch = nodeHttpFetch;
}

/** Put Node's own `fetch` back. */
export function useGlobalFetch(): void {
  globalThis.fetch = undiciFetch;
}
